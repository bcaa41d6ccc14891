package scheduler_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/scalelite/scheduler"
	"github.com/bbbkit/bbbkit/scalelite/scheduler/storetest"
)

// addEnabled adds n enabled servers s0..s<n-1> (they become online at the
// first poll).
func addEnabled(t *testing.T, s *scheduler.Scheduler, n int) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		id := fmt.Sprintf("s%d", i)
		if _, err := s.AddServer(ctx, scheduler.ServerConfig{ID: id, URL: "https://" + id + ".example.com/", Secret: "x"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetState(ctx, id, scheduler.StateEnabled); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPollBoundsConcurrency(t *testing.T) {
	t.Parallel()
	var inFlight, peak, calls atomic.Int32
	release := make(chan struct{})
	lister := scheduler.MeetingListerFunc(func(ctx context.Context, _ scheduler.Server) ([]scheduler.Meeting, error) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		calls.Add(1)
		select {
		case <-release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return nil, nil
	})
	s, err := scheduler.New(scheduler.WithMeetingLister(lister), scheduler.WithPollConcurrency(3))
	if err != nil {
		t.Fatal(err)
	}
	addEnabled(t, s, 10)
	done := make(chan error, 1)
	go func() { done <- s.Poll(context.Background()) }()
	deadline := time.Now().Add(5 * time.Second)
	for inFlight.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if peak.Load() != 3 || calls.Load() != 10 {
		t.Fatalf("peak concurrency %d over %d calls, want 3 over 10", peak.Load(), calls.Load())
	}
	list, _ := s.Servers(context.Background())
	for _, srv := range list {
		if !srv.Online {
			t.Fatalf("%s not online after a good poll", srv.ID)
		}
	}
}

func TestPollTimeoutCountsAsFailure(t *testing.T) {
	t.Parallel()
	rec := &storetest.Recorder{}
	lister := scheduler.MeetingListerFunc(func(ctx context.Context, srv scheduler.Server) ([]scheduler.Meeting, error) {
		if srv.ID == "s1" {
			<-ctx.Done() // a hung server
			return nil, ctx.Err()
		}
		return nil, nil
	})
	s, err := scheduler.New(scheduler.WithMeetingLister(lister), scheduler.WithPollTimeout(20*time.Millisecond),
		scheduler.WithHealthThresholds(1, 1), scheduler.WithObserver(rec.Observe))
	if err != nil {
		t.Fatal(err)
	}
	addEnabled(t, s, 2)
	ctx := context.Background()
	if err := s.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	fails := rec.Events(scheduler.EventPollFailed)
	if len(fails) != 1 || fails[0].ServerID != "s1" || !errors.Is(fails[0].Err, context.DeadlineExceeded) {
		t.Fatalf("poll_failed events = %+v", fails)
	}
	if srv, _ := s.Server(ctx, "s0"); !srv.Online {
		t.Fatal("s0 offline: one hung server must not fail the others")
	}
	if srv, _ := s.Server(ctx, "s1"); srv.Online {
		t.Fatal("hung s1 online")
	}
}

func TestPollCancelledIsNotTheServersFault(t *testing.T) {
	t.Parallel()
	var fail atomic.Bool
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	lister := scheduler.MeetingListerFunc(func(lctx context.Context, _ scheduler.Server) ([]scheduler.Meeting, error) {
		if fail.Load() {
			cancel()
			<-lctx.Done()
			return nil, lctx.Err()
		}
		return nil, nil
	})
	s, err := scheduler.New(scheduler.WithMeetingLister(lister), scheduler.WithHealthThresholds(1, 1), scheduler.WithPollConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	addEnabled(t, s, 2)
	if err := s.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	fail.Store(true)
	if err := s.Poll(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Poll: %v", err)
	}
	list, _ := s.Servers(context.Background())
	for _, srv := range list {
		if !srv.Online {
			t.Fatalf("%s went offline because the caller cancelled", srv.ID)
		}
	}
}

func TestPollSanitisesLoad(t *testing.T) {
	t.Parallel()
	for name, v := range map[string]float64{"NaN": math.NaN(), "+Inf": math.Inf(1), "negative": -5} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cluster := storetest.NewCluster()
			cluster.Start("s0", scheduler.Meeting{ID: "m"})
			cluster.Start("s0", scheduler.Meeting{ID: ""}) // ignored
			s, err := scheduler.New(scheduler.WithMeetingLister(cluster),
				scheduler.WithLoadFunc(func(time.Time, []scheduler.Meeting) float64 { return v }))
			if err != nil {
				t.Fatal(err)
			}
			addEnabled(t, s, 1)
			if err := s.Poll(context.Background()); err != nil {
				t.Fatal(err)
			}
			srv, _ := s.Server(context.Background(), "s0")
			if srv.Load != 0 || srv.Meetings != 1 {
				t.Fatalf("server = %v with %d meetings, want load 0 and 1 meeting", srv, srv.Meetings)
			}
		})
	}
}

func TestRun(t *testing.T) {
	t.Parallel()
	cluster := storetest.NewCluster()
	s, err := scheduler.New(scheduler.WithMeetingLister(cluster), scheduler.WithPollInterval(5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	addEnabled(t, s, 2)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for cluster.Calls("s1") < 3 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v, want context.Canceled", err)
	}
	if n := cluster.Calls("s1"); n < 3 {
		t.Fatalf("Run polled s1 %d times, want >= 3", n)
	}
}

func TestObserverSeesConcurrentEvents(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	counts := map[scheduler.EventKind]int{}
	cluster := storetest.NewCluster()
	s, err := scheduler.New(scheduler.WithMeetingLister(cluster), scheduler.WithObserver(func(e scheduler.Event) {
		if e.Time.IsZero() {
			t.Error("event without time")
		}
		mu.Lock()
		counts[e.Kind]++
		mu.Unlock()
	}))
	if err != nil {
		t.Fatal(err)
	}
	addEnabled(t, s, 3)
	if err := s.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			_, _ = s.Pick(context.Background(), fmt.Sprintf("m%d", i%25), "")
		})
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	want := map[scheduler.EventKind]int{
		scheduler.EventServerAdded: 3, scheduler.EventStateChanged: 3, scheduler.EventPolled: 3,
		scheduler.EventOnline: 3, scheduler.EventPlaced: 25, scheduler.EventReused: 25,
	}
	for k, n := range want {
		if counts[k] != n {
			t.Errorf("%s: %d events, want %d", k, counts[k], n)
		}
	}
}
