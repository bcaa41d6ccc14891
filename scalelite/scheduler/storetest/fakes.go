package storetest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/bbbkit/bbbkit/scalelite/scheduler"
)

// Clock is a settable clock, safe for concurrent use. Pass its Now method
// to scheduler.WithClock.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock set to start.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// ErrDown is what Cluster returns for a server marked down.
var ErrDown = errors.New("storetest: server down")

// Cluster is a fake set of BBB servers, keyed by server ID, that serves as
// a scheduler.MeetingLister. Servers it does not know answer with no
// meetings. It is safe for concurrent use.
type Cluster struct {
	mu       sync.Mutex
	meetings map[string]map[string]scheduler.Meeting // server ID -> meeting ID -> meeting
	down     map[string]bool
	calls    map[string]int
}

// NewCluster returns an empty Cluster.
func NewCluster() *Cluster {
	return &Cluster{
		meetings: make(map[string]map[string]scheduler.Meeting),
		down:     make(map[string]bool),
		calls:    make(map[string]int),
	}
}

// Start runs a meeting on a server (replacing one with the same ID).
func (c *Cluster) Start(serverID string, m scheduler.Meeting) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.meetings[serverID] == nil {
		c.meetings[serverID] = make(map[string]scheduler.Meeting)
	}
	c.meetings[serverID][m.ID] = m
}

// End stops a meeting on a server.
func (c *Cluster) End(serverID, meetingID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.meetings[serverID], meetingID)
}

// SetDown makes a server fail (true) or answer again (false).
func (c *Cluster) SetDown(serverID string, down bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.down[serverID] = down
}

// Calls returns how many times a server was listed.
func (c *Cluster) Calls(serverID string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[serverID]
}

// ListMeetings implements scheduler.MeetingLister.
func (c *Cluster) ListMeetings(ctx context.Context, srv scheduler.Server) ([]scheduler.Meeting, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls[srv.ID]++
	if c.down[srv.ID] {
		return nil, ErrDown
	}
	out := make([]scheduler.Meeting, 0, len(c.meetings[srv.ID]))
	for _, m := range c.meetings[srv.ID] {
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b scheduler.Meeting) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// Recorder is a scheduler.Observer that keeps the events it sees.
type Recorder struct {
	mu     sync.Mutex
	events []scheduler.Event
}

// Observe implements scheduler.Observer; pass r.Observe to WithObserver.
func (r *Recorder) Observe(e scheduler.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

// Events returns the events of the given kinds (all events without kinds).
func (r *Recorder) Events(kinds ...scheduler.EventKind) []scheduler.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []scheduler.Event
	for _, e := range r.events {
		if len(kinds) == 0 || slices.Contains(kinds, e.Kind) {
			out = append(out, e)
		}
	}
	return out
}
