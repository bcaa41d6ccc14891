package bbbtest

import (
	"cmp"
	"slices"
	"sync"
	"time"
)

// FakeClock is a time source that only moves when told to, for
// WithClock(clock.Now). It is safe for concurrent use.
//
// Advance and Set run, before they return, every timer of every open Server
// of this package that uses WithClock (publish delay, empty-meeting
// timeout, meeting duration, webhook retries) that became due, so a test
// sees the effect at once. A Server with any other custom clock checks its
// timers when it serves a request, when one of its methods is called, and
// every few milliseconds.
type FakeClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewFakeClock returns a FakeClock showing start. A zero start means
// 2026-01-01T00:00:00Z, so that tests are reproducible.
func NewFakeClock(start time.Time) *FakeClock {
	if start.IsZero() {
		start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return &FakeClock{now: start}
}

// Now returns the time the clock shows. Pass it to WithClock.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d. Negative durations are treated as
// zero.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	if d > 0 {
		c.now = c.now.Add(d)
	}
	c.mu.Unlock()
	fireCustomClockServers()
}

// Set moves the clock to t; it never moves backwards.
func (c *FakeClock) Set(t time.Time) {
	c.mu.Lock()
	if t.After(c.now) {
		c.now = t
	}
	c.mu.Unlock()
	fireCustomClockServers()
}

// customClockServers are the open servers with a custom clock: a FakeClock
// that moves makes them run what became due. A func cannot say which
// FakeClock it belongs to, so every such server checks; a check is cheap.
var customClockServers struct {
	mu   sync.Mutex
	live map[*Server]struct{}
}

func registerCustomClock(s *Server, open bool) {
	customClockServers.mu.Lock()
	defer customClockServers.mu.Unlock()
	if customClockServers.live == nil {
		customClockServers.live = map[*Server]struct{}{}
	}
	if open {
		customClockServers.live[s] = struct{}{}
	} else {
		delete(customClockServers.live, s)
	}
}

func fireCustomClockServers() {
	customClockServers.mu.Lock()
	servers := make([]*Server, 0, len(customClockServers.live))
	for s := range customClockServers.live {
		servers = append(servers, s)
	}
	customClockServers.mu.Unlock()
	for _, s := range servers {
		s.fireDue()
	}
}

// timerQueue holds the callbacks scheduled on the server's clock. It has
// its own lock so that callers holding Server.mu can schedule and cancel,
// and fireDue runs callbacks with no lock held.
type timerQueue struct {
	mu     sync.Mutex
	seq    int
	timers map[int]*timer
}

type timer struct {
	id   int
	due  time.Time
	f    func()
	wake *time.Timer // wall-clock wake-up; nil with a custom clock
}

// now is the server's time: its clock plus what /bbbtest/advance added.
func (s *Server) now() time.Time {
	return s.cfg.now().Add(time.Duration(s.offset.Load()))
}

func (s *Server) nowMS() int64 { return s.now().UnixMilli() }

// afterFunc runs f once the server's time has moved d past now, unless
// stop is called first (stop reports whether it cancelled the call). f runs
// with no server lock held.
func (s *Server) afterFunc(d time.Duration, f func()) (stop func() bool) {
	q := &s.tq
	q.mu.Lock()
	q.seq++
	t := &timer{id: q.seq, due: s.now().Add(d), f: f}
	if !s.cfg.customClock {
		t.wake = time.AfterFunc(d, s.fireDue)
	}
	q.timers[t.id] = t
	q.mu.Unlock()
	return func() bool {
		q.mu.Lock()
		defer q.mu.Unlock()
		if _, ok := q.timers[t.id]; !ok {
			return false
		}
		delete(q.timers, t.id)
		if t.wake != nil {
			t.wake.Stop()
		}
		return true
	}
}

// fireDue runs every callback whose time has come, in the order of their
// due times, including callbacks those callbacks schedule.
func (s *Server) fireDue() {
	for s.ctx.Err() == nil {
		q := &s.tq
		q.mu.Lock()
		now := s.now()
		var due []*timer
		for _, t := range q.timers {
			if !t.due.After(now) {
				due = append(due, t)
			}
		}
		for _, t := range due {
			delete(q.timers, t.id)
		}
		q.mu.Unlock()
		if len(due) == 0 {
			return
		}
		slices.SortFunc(due, func(a, b *timer) int {
			return cmp.Or(a.due.Compare(b.due), cmp.Compare(a.id, b.id))
		})
		for _, t := range due {
			t.f()
		}
	}
}

// stopTimers cancels every pending callback (Close).
func (s *Server) stopTimers() {
	q := &s.tq
	q.mu.Lock()
	defer q.mu.Unlock()
	for id, t := range q.timers {
		if t.wake != nil {
			t.wake.Stop()
		}
		delete(q.timers, id)
	}
}

// pollClock fires due callbacks every clockPoll while the server is open:
// a custom clock moves without telling the server.
func (s *Server) pollClock() {
	defer s.bg.Done()
	tick := time.NewTicker(clockPoll)
	defer tick.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-tick.C:
			s.fireDue()
		}
	}
}

const clockPoll = 2 * time.Millisecond
