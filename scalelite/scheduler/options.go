package scheduler

import (
	"strconv"
	"time"
)

// Defaults of the Scheduler's options.
const (
	DefaultPollInterval       = 60 * time.Second // Scalelite's POLL_INTERVAL
	DefaultPollTimeout        = 10 * time.Second // Scalelite's RESPONSE_TIMEOUT
	DefaultPollConcurrency    = 4                // Scalelite's POLLER_THREADS - 1
	DefaultHealthyThreshold   = 1                // Scalelite's SERVER_HEALTHY_THRESHOLD
	DefaultUnhealthyThreshold = 2                // Scalelite's SERVER_UNHEALTHY_THRESHOLD
	DefaultPendingGrace       = time.Minute
)

type config struct {
	store       Store
	lister      MeetingLister
	load        LoadFunc
	reservation float64
	reserveSet  bool
	now         func() time.Time
	observers   []Observer
	interval    time.Duration
	timeout     time.Duration
	concurrency int
	healthy     int
	unhealthy   int
	grace       time.Duration
	sites       []string
	ender       MeetingEnder
	leaseHolder string
	leaseTTL    time.Duration
	errs        []error
}

// Option configures a Scheduler.
type Option func(*config)

func (c *config) invalid(field, reason string) {
	c.errs = append(c.errs, &ValidationError{Field: field, Reason: reason})
}

// WithStore sets the state store; the default is a new NewMemoryStore().
func WithStore(s Store) Option {
	return func(c *config) {
		if s == nil {
			c.invalid("WithStore", "must not be nil")
			return
		}
		c.store = s
	}
}

// WithMeetingLister sets how the poller lists a server's meetings; the
// default is NewBBBLister(), BBB's getMeetings through a bbb.Client.
func WithMeetingLister(l MeetingLister) Option {
	return func(c *config) {
		if l == nil {
			c.invalid("WithMeetingLister", "must not be nil")
			return
		}
		c.lister = l
	}
}

// WithLoadFunc sets the load formula; the default is
// ScaleliteLoad(DefaultMinUsers, DefaultJoinBuffer). Pair it with
// WithReservation so that a new placement reserves what the formula will
// count for a new meeting.
func WithLoadFunc(f LoadFunc) Option {
	return func(c *config) {
		if f == nil {
			c.invalid("WithLoadFunc", "must not be nil")
			return
		}
		c.load = f
	}
}

// WithReservation sets the load, in units before the multiplier, that Pick
// adds to a server for a new meeting until a poll sees it. The default is
// DefaultMinUsers, what ScaleliteLoad counts for a new meeting, so that the
// load does not jump when the poll catches up. Must be >= 0.
func WithReservation(units float64) Option {
	return func(c *config) {
		if !(units >= 0) {
			c.invalid("WithReservation", "must be >= 0")
			return
		}
		c.reservation, c.reserveSet = units, true
	}
}

// WithClock sets the time source that stamps events, placements and poll
// durations (default time.Now); tests pass a fake clock's Now method.
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now == nil {
			c.invalid("WithClock", "must not be nil")
			return
		}
		c.now = now
	}
}

// WithObserver adds an observer; several may be added.
func WithObserver(o Observer) Option {
	return func(c *config) {
		if o == nil {
			c.invalid("WithObserver", "must not be nil")
			return
		}
		c.observers = append(c.observers, o)
	}
}

// WithPollInterval sets the interval of Run (default DefaultPollInterval).
func WithPollInterval(d time.Duration) Option {
	return func(c *config) {
		if d <= 0 {
			c.invalid("WithPollInterval", "must be > 0")
			return
		}
		c.interval = d
	}
}

// WithPollTimeout sets the timeout of one server's poll (default
// DefaultPollTimeout).
func WithPollTimeout(d time.Duration) Option {
	return func(c *config) {
		if d <= 0 {
			c.invalid("WithPollTimeout", "must be > 0")
			return
		}
		c.timeout = d
	}
}

// WithPollConcurrency sets how many servers are polled at once (default
// DefaultPollConcurrency).
func WithPollConcurrency(n int) Option {
	return func(c *config) {
		if n < 1 {
			c.invalid("WithPollConcurrency", "must be >= 1, got "+strconv.Itoa(n))
			return
		}
		c.concurrency = n
	}
}

// WithHealthThresholds sets how many good polls in a row bring an offline
// server online and how many failed polls in a row take an online server
// offline (defaults DefaultHealthyThreshold, DefaultUnhealthyThreshold).
func WithHealthThresholds(healthy, unhealthy int) Option {
	return func(c *config) {
		if healthy < 1 || unhealthy < 1 {
			c.invalid("WithHealthThresholds", "must be >= 1")
			return
		}
		c.healthy, c.unhealthy = healthy, unhealthy
	}
}

// WithPendingGrace sets how long a new placement may stay invisible to the
// poller (the create is still on its way to the server) before a poll that
// does not show it removes the mapping and its reservation (default
// DefaultPendingGrace).
func WithPendingGrace(d time.Duration) Option {
	return func(c *config) {
		if d < 0 {
			c.invalid("WithPendingGrace", "must be >= 0")
			return
		}
		c.grace = d
	}
}
