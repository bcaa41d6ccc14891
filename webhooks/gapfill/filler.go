package gapfill

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/internal/every"
	"github.com/bbbkit/bbbkit/webhooks"
	"github.com/bbbkit/bbbkit/webhooks/pool"
)

// Defaults of the options.
const (
	DefaultInterval  = time.Minute
	DefaultRetention = time.Hour
)

// Filler sits between a webhooks receiver and the application: events pass
// through Deliver, and Poll compares what the application was told with
// what getMeetings shows on each server, synthesizing the events that were
// lost (see the package documentation). It calls the application's
// function for one change at a time; a Filler is safe for concurrent use.
type Filler struct {
	lister pool.Lister
	fn     webhooks.DeliveryFunc
	cfg    config

	mu       sync.Mutex // held while fn runs, so state and application agree
	meetings map[string]*meetingState
	clients  map[string]clientEntry
}

type clientEntry struct {
	srv pool.Server
	c   *bbb.Client
}

type config struct {
	interval   time.Duration
	retention  time.Duration
	now        func() time.Time
	bbbOptions []bbb.Option
}

// Option configures a Filler.
type Option func(*config) error

// WithInterval sets the time between two polls of Run (default
// DefaultInterval); it must be positive.
func WithInterval(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return errors.New("gapfill: WithInterval needs a positive interval")
		}
		c.interval = d
		return nil
	}
}

// WithRetention sets how long an ended meeting is remembered, so that a
// late copy of its events is recognized (default DefaultRetention).
func WithRetention(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return errors.New("gapfill: WithRetention needs a positive duration")
		}
		c.retention = d
		return nil
	}
}

// WithClock sets the time source of synthesized timestamps (default
// time.Now).
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("gapfill: WithClock needs a function")
		}
		c.now = now
		return nil
	}
}

// WithBBBOptions passes options to the bbb.Client of every server.
func WithBBBOptions(opts ...bbb.Option) Option {
	return func(c *config) error {
		c.bbbOptions = append(c.bbbOptions, opts...)
		return nil
	}
}

// New returns a Filler polling the servers of lister (pool.Static for one
// server) and passing events to fn. It does no I/O.
func New(lister pool.Lister, fn webhooks.DeliveryFunc, opts ...Option) (*Filler, error) {
	if lister == nil || fn == nil {
		return nil, errors.New("gapfill: New needs a Lister and a DeliveryFunc")
	}
	cfg := config{interval: DefaultInterval, retention: DefaultRetention, now: time.Now}
	for _, o := range opts {
		if o == nil {
			return nil, errors.New("gapfill: nil Option")
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	return &Filler{lister: lister, fn: fn, cfg: cfg, meetings: map[string]*meetingState{}, clients: map[string]clientEntry{}}, nil
}

// Deliver is a webhooks.DeliveryFunc for the receiver: it passes the
// delivery's events to the application, without those that repeat a state
// the application already has (a meeting-created or user-joined the Filler
// synthesized before the real one arrived, say). bbb-webhooks 3.x sends
// events independently, so a user-joined may come before its
// meeting-created; the next poll synthesizes a meeting-created that has not
// come by then. The server is taken from the context (pool.ServerID) when a pool.Receiver
// serves the delivery.
func (f *Filler) Deliver(ctx context.Context, d *webhooks.Delivery) error {
	server, _ := pool.ServerID(ctx)
	f.mu.Lock()
	defer f.mu.Unlock()
	out := &webhooks.Delivery{Domain: d.Domain, Timestamp: d.Timestamp, Auth: d.Auth}
	for i := range d.Events {
		if !f.repeats(&d.Events[i]) {
			out.Events = append(out.Events, d.Events[i])
		}
	}
	if len(out.Events) == 0 {
		return nil
	}
	if err := f.fn(ctx, out); err != nil {
		return err
	}
	now := f.cfg.now()
	for i := range out.Events {
		f.apply(&out.Events[i], server, now)
	}
	return nil
}

// Run polls every interval until ctx ends and returns ctx's error; errors
// of a poll are retried at the next one.
func (f *Filler) Run(ctx context.Context) error {
	return every.Run(ctx, f.cfg.interval, func(ctx context.Context) { _ = f.Poll(ctx) })
}

// Poll lists the servers, calls getMeetings on each and hands the
// application the events that bring its state in line: meeting-created and
// user-joined for what runs but it never heard of, user-left for attendees
// gone, user-left and meeting-ended for meetings no longer listed. A
// meeting of a server whose getMeetings failed is left alone. It returns
// the errors of the Lister, the servers and the application's function.
func (f *Filler) Poll(ctx context.Context) error {
	servers, err := f.lister.Servers(ctx)
	if err != nil {
		return fmt.Errorf("gapfill: list servers: %w", err)
	}
	start := f.cfg.now()
	listed := map[string][]bbb.Meeting{}
	var errs []error
	for _, s := range servers {
		ms, err := f.getMeetings(ctx, s)
		if err != nil {
			errs = append(errs, fmt.Errorf("gapfill: server %s: %w", s.ID, err))
			continue
		}
		listed[s.ID] = ms
	}
	complete := len(errs) == 0
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, id := range slices.Sorted(maps.Keys(listed)) {
		errs = append(errs, f.reconcileRunning(ctx, id, listed[id], start))
	}
	errs = append(errs, f.reconcileEnded(ctx, listed, complete, start))
	f.prune(f.cfg.now())
	return errors.Join(errs...)
}

func (f *Filler) getMeetings(ctx context.Context, s pool.Server) ([]bbb.Meeting, error) {
	f.mu.Lock()
	e, ok := f.clients[s.ID]
	if !ok || e.srv != s {
		c, err := bbb.New(s.URL, s.Secret, f.cfg.bbbOptions...)
		if err != nil {
			f.mu.Unlock()
			return nil, err
		}
		e = clientEntry{srv: s, c: c}
		f.clients[s.ID] = e
	}
	f.mu.Unlock()
	return e.c.GetMeetings(ctx)
}

// send hands synthesized events of one server to the application (the
// Delivery's Domain is the server's pool ID) and commits them.
func (f *Filler) send(ctx context.Context, server string, evs []webhooks.Event) error {
	if len(evs) == 0 {
		return nil
	}
	d := &webhooks.Delivery{Domain: server, Timestamp: f.cfg.now(), Events: evs}
	if err := f.fn(ctx, d); err != nil {
		return fmt.Errorf("gapfill: delivery function: %w", err)
	}
	now := f.cfg.now()
	for i := range evs {
		f.apply(&evs[i], server, now)
	}
	return nil
}

// reconcileRunning synthesizes, per listed meeting, what the application
// is missing: meeting-created, user-joined for new attendees, user-left
// for attendees gone.
func (f *Filler) reconcileRunning(ctx context.Context, server string, listed []bbb.Meeting, start time.Time) error {
	now := f.cfg.now()
	var errs []error
	for _, bm := range listed {
		ref := wireMeeting{InternalID: bm.InternalMeetingID, ExternalID: bm.MeetingID}
		var evs []webhooks.Event
		add := func(typ webhooks.EventType, ts time.Time, u *wireUser, m wireMeeting) {
			ev, err := synth(typ, ts, wireAttributes{Meeting: m, User: u})
			if err != nil {
				errs = append(errs, err)
				return
			}
			evs = append(evs, ev)
		}
		m := f.meetings[bm.InternalMeetingID]
		if m != nil && m.ended {
			continue // listed by a poll that started before it ended
		}
		if m == nil || (!m.announced && m.changed.Before(start)) {
			full := ref
			full.Name, full.IsBreakout, full.Metadata = bm.MeetingName, bm.IsBreakout, bm.Metadata
			full.CreateTime = bm.CreateTime.UnixMilli()
			add(webhooks.EventMeetingCreated, bm.CreateTime, nil, full)
		}
		// getMeetings lists the user ID given to join, which is the
		// internal ID when join had none: match either.
		present := map[string]bool{}
		for _, a := range bm.Attendees {
			present[a.UserID] = true
			if m != nil && m.knows(a.UserID) {
				continue
			}
			add(webhooks.EventUserJoined, now, &wireUser{InternalID: a.UserID, ExternalID: a.UserID, Name: a.FullName, Role: a.Role}, ref)
		}
		if m != nil {
			for _, key := range slices.Sorted(maps.Keys(m.users)) {
				if u := m.users[key]; !present[key] && !present[u.intID] && u.changed.Before(start) {
					add(webhooks.EventUserLeft, now, &wireUser{InternalID: u.intID, ExternalID: key}, ref)
				}
			}
		}
		errs = append(errs, f.send(ctx, server, evs))
	}
	return errors.Join(errs...)
}

// reconcileEnded synthesizes user-left and meeting-ended for meetings the
// application believes running that their server no longer lists.
func (f *Filler) reconcileEnded(ctx context.Context, listed map[string][]bbb.Meeting, complete bool, start time.Time) error {
	running := map[string]bool{}
	for _, ms := range listed {
		for _, bm := range ms {
			running[bm.InternalMeetingID] = true
		}
	}
	now := f.cfg.now()
	var errs []error
	for _, id := range slices.Sorted(maps.Keys(f.meetings)) {
		m := f.meetings[id]
		_, polled := listed[m.server]
		if m.ended || running[id] || !m.changed.Before(start) || !(polled || (m.server == "" && complete)) {
			continue
		}
		ref := wireMeeting{InternalID: m.intID, ExternalID: m.extID}
		var evs []webhooks.Event
		for _, key := range slices.Sorted(maps.Keys(m.users)) {
			ev, err := synth(webhooks.EventUserLeft, now, wireAttributes{Meeting: ref, User: &wireUser{InternalID: m.users[key].intID, ExternalID: key}})
			if err != nil {
				return err
			}
			evs = append(evs, ev)
		}
		ev, err := synth(webhooks.EventMeetingEnded, now, wireAttributes{Meeting: ref})
		if err != nil {
			return err
		}
		errs = append(errs, f.send(ctx, m.server, append(evs, ev)))
	}
	return errors.Join(errs...)
}
