package bbbtest

import (
	"sort"
	"sync"
	"time"
)

// Clock is the time source of a Server: creation and end times, the
// recording publish delay, the empty-meeting timeout and the webhook retry
// schedule all go through it. Use a *FakeClock to control time in tests.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// AfterFunc calls f once, in its own goroutine or synchronously from
	// the code that advances the clock, after d has elapsed. The returned
	// stop function cancels the call and reports whether it did.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

// realClock is the wall clock.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}

// FakeClock is a Clock that only moves when told to. It is safe for
// concurrent use. Callbacks scheduled with AfterFunc run synchronously inside
// Advance or Set, in the order of their due time, after the clock has moved.
type FakeClock struct {
	mu     sync.Mutex
	now    time.Time
	seq    int
	timers map[int]*fakeTimer
}

type fakeTimer struct {
	id  int
	due time.Time
	f   func()
}

// NewFakeClock returns a FakeClock showing start. A zero start means
// 2026-01-01T00:00:00Z, so that tests are reproducible.
func NewFakeClock(start time.Time) *FakeClock {
	if start.IsZero() {
		start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return &FakeClock{now: start, timers: map[int]*fakeTimer{}}
}

// Now returns the time the clock shows.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// AfterFunc schedules f to run when the clock has been advanced by d.
// A d of zero or less runs f on the next Advance, even Advance(0).
func (c *FakeClock) AfterFunc(d time.Duration, f func()) func() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	t := &fakeTimer{id: c.seq, due: c.now.Add(d), f: f}
	c.timers[t.id] = t
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		if _, ok := c.timers[t.id]; !ok {
			return false
		}
		delete(c.timers, t.id)
		return true
	}
}

// Advance moves the clock forward by d and runs every callback that became
// due. Negative durations are treated as zero.
func (c *FakeClock) Advance(d time.Duration) {
	if d < 0 {
		d = 0
	}
	c.mu.Lock()
	target := c.now.Add(d)
	c.mu.Unlock()
	c.Set(target)
}

// Set moves the clock to t (never backwards) and runs every callback that
// became due, including callbacks scheduled by those callbacks.
func (c *FakeClock) Set(t time.Time) {
	for {
		c.mu.Lock()
		if t.After(c.now) {
			c.now = t
		}
		var due []*fakeTimer
		for _, tm := range c.timers {
			if !tm.due.After(c.now) {
				due = append(due, tm)
			}
		}
		if len(due) == 0 {
			c.mu.Unlock()
			return
		}
		sort.Slice(due, func(i, j int) bool {
			if due[i].due.Equal(due[j].due) {
				return due[i].id < due[j].id
			}
			return due[i].due.Before(due[j].due)
		})
		for _, tm := range due {
			delete(c.timers, tm.id)
		}
		c.mu.Unlock()
		for _, tm := range due {
			tm.f()
		}
	}
}

// Pending reports how many callbacks are scheduled and not yet run.
func (c *FakeClock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}
