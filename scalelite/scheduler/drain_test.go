package scheduler_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/scalelite/scheduler"
	"github.com/bbbkit/bbbkit/scalelite/scheduler/storetest"
)

// drainEnv is a scheduler over two fake BBB servers, w1 and w2, both enabled
// and online, with the default BBB lister.
type drainEnv struct {
	t      *testing.T
	ctx    context.Context
	s      *scheduler.Scheduler
	w1, w2 *bbbtest.Server
	chat   chan bbbtest.Event
	clock  *storetest.Clock

	mu     sync.Mutex
	phases []scheduler.DrainPhase
	last   scheduler.DrainProgress
}

func newDrainEnv(t *testing.T) *drainEnv {
	t.Helper()
	e := &drainEnv{t: t, ctx: context.Background(), chat: make(chan bbbtest.Event, 16), clock: storetest.NewClock(time.Now())}
	e.w1 = bbbtest.NewServer(bbbtest.WithObserver(func(ev bbbtest.Event) {
		if ev.ID == "chat-group-message-sent" {
			e.chat <- ev
		}
	}))
	e.w2 = bbbtest.NewServer()
	t.Cleanup(e.w1.Close)
	t.Cleanup(e.w2.Close)
	s, err := scheduler.New(scheduler.WithPendingGrace(0), scheduler.WithClock(e.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	e.s = s
	for id, w := range map[string]*bbbtest.Server{"w1": e.w1, "w2": e.w2} {
		if _, err := s.AddServer(e.ctx, scheduler.ServerConfig{ID: id, URL: w.APIURL(), Secret: w.Secret}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetState(e.ctx, id, scheduler.StateEnabled); err != nil {
			t.Fatal(err)
		}
		if err := s.PollServer(e.ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// start runs meetings on w1 and polls it, so the scheduler maps them there.
func (e *drainEnv) start(meetingIDs ...string) {
	e.t.Helper()
	c, err := bbb.New(e.w1.APIURL(), e.w1.Secret)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, id := range meetingIDs {
		if _, err := c.CreateMeeting(e.ctx, &bbb.CreateMeetingParams{Name: id, MeetingID: id}); err != nil {
			e.t.Fatal(err)
		}
		if _, err := e.w1.Join(id, bbbtest.User{FullName: "someone"}); err != nil {
			e.t.Fatal(err)
		}
	}
	if err := e.s.PollServer(e.ctx, "w1"); err != nil {
		e.t.Fatal(err)
	}
	if ids, _ := e.s.MeetingIDs(e.ctx, "w1"); !slices.Equal(ids, meetingIDs) {
		e.t.Fatalf("w1 holds %v, want %v", ids, meetingIDs)
	}
}

func (e *drainEnv) progress(p scheduler.DrainProgress) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if p.ServerID != "w1" || p.Time.IsZero() {
		e.t.Errorf("progress %+v", p)
	}
	if n := len(e.phases); n == 0 || e.phases[n-1] != p.Phase {
		e.phases = append(e.phases, p.Phase)
	}
	e.last = p
	if p.Phase == scheduler.DrainWaiting {
		e.clock.Advance(time.Minute) // the deadlines below are shorter
	}
}

func (e *drainEnv) wantPhases(want ...scheduler.DrainPhase) {
	e.t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	if !slices.Equal(e.phases, want) {
		e.t.Fatalf("phases %v, want %v", e.phases, want)
	}
}

func TestDrainWaitsForTheLastMeeting(t *testing.T) {
	t.Parallel()
	e := newDrainEnv(t)
	e.start("m1", "m2")
	waiting := make(chan scheduler.DrainProgress, 64)
	done := make(chan error, 1)
	go func() {
		done <- e.s.Drain(e.ctx, "w1", scheduler.DrainOptions{PollEvery: 5 * time.Millisecond, Progress: func(p scheduler.DrainProgress) {
			e.progress(p)
			if p.Phase == scheduler.DrainWaiting {
				select {
				case waiting <- p:
				default:
				}
			}
		}})
	}()
	p := <-waiting
	if !slices.Equal(p.Meetings, []string{"m1", "m2"}) || p.Users != 2 {
		t.Fatalf("first waiting step %+v, want m1, m2 with 2 users", p)
	}
	if srv, err := e.s.Server(e.ctx, "w1"); err != nil || srv.State != scheduler.StateCordoned {
		t.Fatalf("w1 while draining = %v, %v; want cordoned", srv, err)
	}
	if pl, err := e.s.Pick(e.ctx, "new", ""); err != nil || pl.Server.ID != "w2" {
		t.Fatalf("Pick while w1 drains = %v, %v; want w2", pl.Server.ID, err)
	}
	if pl, err := e.s.Pick(e.ctx, "m1", ""); err != nil || pl.Server.ID != "w1" || !pl.Existing {
		t.Fatalf("Pick(m1) while w1 drains = %+v, %v; want existing on w1", pl, err)
	}
	if err := e.w1.EndMeeting("m1"); err != nil {
		t.Fatal(err)
	}
	for p := range waiting {
		if slices.Equal(p.Meetings, []string{"m2"}) {
			break
		}
	}
	select {
	case err := <-done:
		t.Fatalf("drain ended with a meeting running: %v", err)
	default:
	}
	if err := e.w1.EndMeeting("m2"); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Drain: %v", err)
	}
	if _, err := e.s.Server(e.ctx, "w1"); !errors.Is(err, scheduler.ErrServerNotFound) {
		t.Fatalf("w1 after the drain: %v, want ErrServerNotFound", err)
	}
	e.wantPhases(scheduler.DrainCordoned, scheduler.DrainWaiting, scheduler.DrainRemoved)
	if len(e.chat) != 0 {
		t.Fatal("a message was posted without a deadline")
	}
}

func TestDrainDeadlineEndsMeetings(t *testing.T) {
	t.Parallel()
	e := newDrainEnv(t)
	e.start("m1", "m2")
	const msg = "This server is going down for maintenance."
	err := e.s.Drain(e.ctx, "w1", scheduler.DrainOptions{PollEvery: 5 * time.Millisecond, Deadline: 30 * time.Second,
		AtDeadline: scheduler.DrainEndMeetings, Message: msg, Progress: e.progress})
	if err != nil {
		t.Fatalf("Drain: %v", err)
	}
	e.wantPhases(scheduler.DrainCordoned, scheduler.DrainWaiting, scheduler.DrainEnding, scheduler.DrainRemoved)
	if ms := e.w1.Meetings(); len(ms) != 0 {
		t.Fatalf("meetings still running on w1: %v", ms)
	}
	got := map[string]bool{}
	for len(e.chat) > 0 {
		ev := <-e.chat
		if !strings.Contains(string(ev.JSON), msg) {
			t.Errorf("chat event %s without the message", ev.JSON)
		}
		got[ev.MeetingID] = true
	}
	if !got["m1"] || !got["m2"] {
		t.Fatalf("message posted in %v, want m1 and m2", got)
	}
	if _, err := e.s.Server(e.ctx, "w1"); !errors.Is(err, scheduler.ErrServerNotFound) {
		t.Fatalf("w1 after the drain: %v", err)
	}
}

func TestDrainDeadlineFails(t *testing.T) {
	t.Parallel()
	e := newDrainEnv(t)
	e.start("m1")
	err := e.s.Drain(e.ctx, "w1", scheduler.DrainOptions{PollEvery: 5 * time.Millisecond, Deadline: 30 * time.Second,
		Progress: e.progress})
	var de *scheduler.DrainError
	if !errors.Is(err, scheduler.ErrDrainDeadline) || !errors.As(err, &de) || de.ServerID != "w1" || !slices.Equal(de.Meetings, []string{"m1"}) {
		t.Fatalf("Drain = %v, want a DrainError for w1 naming m1", err)
	}
	if srv, err := e.s.Server(e.ctx, "w1"); err != nil || srv.State != scheduler.StateCordoned {
		t.Fatalf("w1 = %v, %v; want it kept, cordoned", srv, err)
	}
	if _, ok := e.w1.Meeting("m1"); !ok {
		t.Fatal("m1 was ended")
	}
	if strings.Contains(err.Error(), e.w1.Secret) {
		t.Fatal("error shows the secret")
	}
}

func TestDrainInterrupted(t *testing.T) {
	t.Parallel()
	e := newDrainEnv(t)
	e.start("m1")
	ctx, cancel := context.WithCancel(e.ctx)
	err := e.s.Drain(ctx, "w1", scheduler.DrainOptions{PollEvery: 5 * time.Millisecond, Progress: func(p scheduler.DrainProgress) {
		if p.Phase == scheduler.DrainWaiting {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Drain with a cancelled context: %v", err)
	}
	if srv, _ := e.s.Server(e.ctx, "w1"); srv.State != scheduler.StateCordoned {
		t.Fatalf("w1 = %v, want cordoned", srv)
	}
	err = e.s.Drain(e.ctx, "w1", scheduler.DrainOptions{PollEvery: 5 * time.Millisecond, Progress: func(p scheduler.DrainProgress) {
		if p.Phase == scheduler.DrainWaiting {
			if _, err := e.s.SetState(e.ctx, "w1", scheduler.StateEnabled); err != nil {
				t.Error(err)
			}
		}
	}})
	if !errors.Is(err, scheduler.ErrDrainInterrupted) {
		t.Fatalf("Drain of a server enabled again: %v", err)
	}
}

func TestDrainValidates(t *testing.T) {
	t.Parallel()
	lister := scheduler.MeetingListerFunc(func(context.Context, scheduler.Server) ([]scheduler.Meeting, error) { return nil, nil })
	s, err := scheduler.New(scheduler.WithMeetingLister(lister))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for name, opts := range map[string]scheduler.DrainOptions{
		"negative poll":        {PollEvery: -1},
		"negative deadline":    {Deadline: -1},
		"unknown action":       {AtDeadline: 7},
		"end without an ender": {AtDeadline: scheduler.DrainEndMeetings},
	} {
		if err := s.Drain(ctx, "x", opts); !errors.Is(err, scheduler.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	if err := s.Drain(ctx, "x", scheduler.DrainOptions{}); !errors.Is(err, scheduler.ErrServerNotFound) {
		t.Errorf("Drain of an unknown server: %v", err)
	}
	if _, err := scheduler.New(scheduler.WithMeetingEnder(nil)); !errors.Is(err, scheduler.ErrInvalid) {
		t.Errorf("WithMeetingEnder(nil): %v", err)
	}
}
