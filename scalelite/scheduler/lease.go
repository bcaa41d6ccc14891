package scheduler

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// Errors of the poller lease.
var (
	// ErrLeaseHeld means another holder has the poller lease.
	ErrLeaseHeld = errors.New("scheduler: poller lease held by another process")
	// ErrLeaseLost means a write was made under a fencing token whose
	// lease has expired or passed to another holder; the store refused it.
	ErrLeaseLost = errors.New("scheduler: poller lease lost, write refused")
)

// LeaseStore is implemented by stores that several processes share, so
// that exactly one of them polls at a time (WithLease). The lease carries a
// fencing token that grows with every new acquisition; ApplyPoll refuses a
// PollResult whose Token is not the current lease's, inside the same atomic
// step as the write, so a process that was paused past its lease cannot
// write when it resumes.
type LeaseStore interface {
	// AcquireLease takes the lease for holder for ttl and returns its
	// token. When holder holds it already, the lease is extended and
	// keeps its token; when another holder has it, ErrLeaseHeld. A holder
	// whose lease expired gets a new token.
	AcquireLease(ctx context.Context, holder string, ttl time.Duration) (token int64, err error)
	// ReleaseLease gives the lease up when holder holds it with token;
	// otherwise it does nothing.
	ReleaseLease(ctx context.Context, holder string, token int64) error
}

// WithLease makes Run poll only while this Scheduler holds the store's
// poller lease under the name holder (unique per process, e.g. host name
// and PID). The lease lasts ttl (0: the poll interval) and is renewed every
// ttl/3; when its holder dies or pauses, another Scheduler takes it within
// ttl plus ttl/3 and polls at once, so a cluster with ttl equal to the poll
// interval loses at most two poll intervals. Every write of a leased poll
// carries the lease's fencing token. The store must be a LeaseStore.
func WithLease(holder string, ttl time.Duration) Option {
	return func(c *config) {
		if err := validID("WithLease", holder); err != nil {
			c.errs = append(c.errs, err)
			return
		}
		if ttl < 0 {
			c.invalid("WithLease", "ttl must be >= 0")
			return
		}
		c.leaseHolder, c.leaseTTL = holder, ttl
	}
}

// minLeaseTTL bounds the lease TTL from below: Redis expires keys with
// millisecond precision, and renewals every ttl/3 must stay meaningful.
const minLeaseTTL = 30 * time.Millisecond

// lease is a running Scheduler's view of its poller lease.
type lease struct {
	s      *Scheduler
	store  LeaseStore
	holder string
	ttl    time.Duration
	token  atomic.Int64 // 0 while not held
	gained chan struct{}
}

// renew keeps the lease (or tries to take it) every ttl/3 until ctx ends,
// then releases it.
func (l *lease) renew(ctx context.Context) {
	t := time.NewTicker(l.ttl / 3)
	defer t.Stop()
	for {
		l.acquire(ctx)
		select {
		case <-ctx.Done():
			if tok := l.token.Swap(0); tok != 0 {
				l.s.leading.Store(false)
				rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.ttl)
				_ = l.store.ReleaseLease(rctx, l.holder, tok)
				cancel()
			}
			return
		case <-t.C:
		}
	}
}

func (l *lease) acquire(ctx context.Context) {
	actx, cancel := context.WithTimeout(ctx, l.ttl/3)
	tok, err := l.store.AcquireLease(actx, l.holder, l.ttl)
	cancel()
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		if old := l.token.Swap(0); old != 0 {
			l.s.leading.Store(false)
			if errors.Is(err, ErrLeaseHeld) {
				err = nil
			}
			l.s.emit(Event{Kind: EventLeaseLost, Err: err})
		}
		return
	}
	if old := l.token.Swap(tok); old != tok {
		l.s.leading.Store(true)
		l.s.emit(Event{Kind: EventLeaseAcquired})
		select {
		case l.gained <- struct{}{}:
		default:
		}
	}
}

// runLeased is Run under a lease: it polls every interval, and at once
// after taking the lease over, while it holds the lease.
func (s *Scheduler) runLeased(ctx context.Context, store LeaseStore) error {
	l := &lease{s: s, store: store, holder: s.cfg.leaseHolder, ttl: s.cfg.leaseTTL, gained: make(chan struct{}, 1)}
	if l.ttl == 0 {
		l.ttl = s.cfg.interval
	}
	l.ttl = max(l.ttl, minLeaseTTL)
	var wg sync.WaitGroup
	wg.Go(func() { l.renew(ctx) })
	defer wg.Wait()
	t := time.NewTicker(s.cfg.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-l.gained:
			t.Reset(s.cfg.interval)
		case <-t.C:
		}
		if tok := l.token.Load(); tok != 0 {
			_ = s.poll(ctx, tok)
		}
	}
}

// Polling reports whether this Scheduler's Run is polling now: running
// without WithLease, or holding the lease. Work that one process of a
// cluster should do (an autoscaling plan, say) can follow it.
func (s *Scheduler) Polling() bool { return s.leading.Load() }
