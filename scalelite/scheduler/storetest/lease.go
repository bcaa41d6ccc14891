package storetest

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/internal/testwait"
	"github.com/bbbkit/bbbkit/scalelite/scheduler"
)

func leaseStores(t *testing.T, shared func(*testing.T) (scheduler.Store, scheduler.Store)) (scheduler.Store, scheduler.LeaseStore, scheduler.Store, scheduler.LeaseStore) {
	t.Helper()
	sa, sb := shared(t)
	la, oka := sa.(scheduler.LeaseStore)
	lb, okb := sb.(scheduler.LeaseStore)
	if !oka || !okb {
		t.Skip("the store does not implement scheduler.LeaseStore")
	}
	return sa, la, sb, lb
}

// testLease checks the lease and its fencing tokens on two handles of one
// state: one holder at a time, renewals keep the token, an expired or
// passed lease refuses its token's writes.
func testLease(t *testing.T, _ Harness, shared func(*testing.T) (scheduler.Store, scheduler.Store)) {
	sa, la, _, lb := leaseStores(t, shared)
	ctx := context.Background()
	e := newEnv(t, sa)
	e.add("s1", "", 1)
	const ttl = 300 * time.Millisecond
	poll := func(token int64, meetings ...string) error {
		_, err := sa.ApplyPoll(ctx, "s1", scheduler.PollResult{OK: true, Now: Epoch(), MeetingIDs: meetings,
			HealthyThreshold: 1, UnhealthyThreshold: 1, Token: token})
		return err
	}
	tokA, err := la.AcquireLease(ctx, "A", ttl)
	if err != nil || tokA <= 0 {
		t.Fatalf("AcquireLease(A) = %d, %v", tokA, err)
	}
	if _, err := lb.AcquireLease(ctx, "B", ttl); !errors.Is(err, scheduler.ErrLeaseHeld) {
		t.Fatalf("AcquireLease(B) while A holds it: %v, want ErrLeaseHeld", err)
	}
	if again, err := la.AcquireLease(ctx, "A", ttl); err != nil || again != tokA {
		t.Fatalf("renewal = %d, %v; want the same token %d", again, err, tokA)
	}
	if err := poll(tokA, "m1"); err != nil {
		t.Fatalf("write with the current token: %v", err)
	}
	if err := poll(tokA+1000, "forged"); !errors.Is(err, scheduler.ErrLeaseLost) {
		t.Fatalf("write with a wrong token: %v, want ErrLeaseLost", err)
	}
	e.wantNotFound("forged")

	time.Sleep(ttl + 100*time.Millisecond) // A is paused past its lease
	if err := poll(tokA, "late"); !errors.Is(err, scheduler.ErrLeaseLost) {
		t.Fatalf("write after the lease expired: %v, want ErrLeaseLost", err)
	}
	tokB, err := lb.AcquireLease(ctx, "B", ttl)
	if err != nil || tokB <= tokA {
		t.Fatalf("AcquireLease(B) after A's lease passed = %d, %v; want a token > %d", tokB, err, tokA)
	}
	if err := poll(tokA, "stale"); !errors.Is(err, scheduler.ErrLeaseLost) {
		t.Fatalf("write by the old holder: %v, want ErrLeaseLost", err)
	}
	e.wantNotFound("stale")
	if _, err := la.AcquireLease(ctx, "A", ttl); !errors.Is(err, scheduler.ErrLeaseHeld) {
		t.Fatalf("old holder renewing: %v, want ErrLeaseHeld", err)
	}
	if err := poll(tokB, "m1", "m2"); err != nil {
		t.Fatalf("write by the new holder: %v", err)
	}
	if err := poll(0, "m1", "m2", "m3"); err != nil { // not fenced: admin polls
		t.Fatalf("unfenced write: %v", err)
	}
	if got := e.meetingIDs("s1"); len(got) != 3 {
		t.Fatalf("s1 holds %v, want m1, m2, m3", got)
	}

	if err := lb.ReleaseLease(ctx, "B", tokA); err != nil { // wrong token: no effect
		t.Fatal(err)
	}
	if _, err := la.AcquireLease(ctx, "A", ttl); !errors.Is(err, scheduler.ErrLeaseHeld) {
		t.Fatalf("after a release with a wrong token: %v, want ErrLeaseHeld", err)
	}
	if err := lb.ReleaseLease(ctx, "B", tokB); err != nil {
		t.Fatal(err)
	}
	if tokC, err := la.AcquireLease(ctx, "A", ttl); err != nil || tokC <= tokB {
		t.Fatalf("AcquireLease after the release = %d, %v; want a token > %d", tokC, err, tokB)
	}
	if err := poll(tokB, "m9"); !errors.Is(err, scheduler.ErrLeaseLost) {
		t.Fatalf("write with a released token: %v", err)
	}
}

// pausable wraps a store; once armed, the next ApplyPoll pauses it: that
// call and every lease call block until unpause, whatever their contexts
// say, as if the process had been stopped (SIGSTOP) between deciding to
// write and writing.
type pausable struct {
	scheduler.Store
	lease scheduler.LeaseStore

	mu      sync.Mutex
	armed   bool
	resume  chan struct{} // non-nil while paused
	paused  chan time.Time
	refused atomic.Int32 // ApplyPoll calls refused with ErrLeaseLost
}

func (p *pausable) wait() {
	p.mu.Lock()
	ch := p.resume
	p.mu.Unlock()
	if ch != nil {
		<-ch
	}
}

// arm makes the next ApplyPoll pause; the channel receives the time the
// pause began.
func (p *pausable) arm() <-chan time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.armed, p.paused = true, make(chan time.Time, 1)
	return p.paused
}

func (p *pausable) unpause() {
	p.mu.Lock()
	close(p.resume)
	p.resume = nil
	p.mu.Unlock()
}

func (p *pausable) ApplyPoll(ctx context.Context, id string, r scheduler.PollResult) (scheduler.PollOutcome, error) {
	p.mu.Lock()
	if p.armed {
		p.armed, p.resume = false, make(chan struct{})
		p.paused <- time.Now()
	}
	p.mu.Unlock()
	p.wait()
	out, err := p.Store.ApplyPoll(ctx, id, r)
	if errors.Is(err, scheduler.ErrLeaseLost) {
		p.refused.Add(1)
	}
	return out, err
}

func (p *pausable) AcquireLease(ctx context.Context, holder string, ttl time.Duration) (int64, error) {
	p.wait()
	return p.lease.AcquireLease(ctx, holder, ttl)
}

func (p *pausable) ReleaseLease(ctx context.Context, holder string, token int64) error {
	return p.lease.ReleaseLease(ctx, holder, token)
}

// testLeaseTakeover runs two leased pollers on one state: only the holder
// polls; when it pauses, the other takes over within two poll intervals,
// and the paused one's writes are refused when it resumes.
func testLeaseTakeover(t *testing.T, _ Harness, shared func(*testing.T) (scheduler.Store, scheduler.Store)) {
	sa, la, sb, _ := leaseStores(t, shared)
	const interval = 200 * time.Millisecond
	pa := &pausable{Store: sa, lease: la}
	a := newEnv(t, pa, scheduler.WithLease("A", 0), scheduler.WithPollInterval(interval))
	b := newEnv(t, sb, scheduler.WithLease("B", 0), scheduler.WithPollInterval(interval))
	a.add("s1", "", 1)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	wg.Go(func() { _ = a.s.Run(ctx) })
	polled := len(a.rec.Events(scheduler.EventPolled)) // a.add polled once
	testwait.Eventually(t, func() bool {
		return len(a.rec.Events(scheduler.EventLeaseAcquired)) == 1 && len(a.rec.Events(scheduler.EventPolled)) > polled
	}, 2*time.Second, 5*time.Millisecond, "A holds the lease and polled")
	wg.Go(func() { _ = b.s.Run(ctx) })
	time.Sleep(2 * interval)
	if n := b.cluster.Calls("s1"); n != 0 {
		t.Fatalf("B polled %d times while A held the lease", n)
	}
	a.cluster.Start("s1", scheduler.Meeting{ID: "seen-by-a-only", CreateTime: Epoch()})
	paused := <-pa.arm()
	testwait.Eventually(t, func() bool { return b.cluster.Calls("s1") > 0 }, 5*interval, 5*time.Millisecond, "B polls")
	takeover := time.Since(paused)
	t.Logf("takeover after %v (poll interval %v)", takeover, interval)
	if takeover > 2*interval {
		t.Errorf("takeover took %v, more than two poll intervals (%v)", takeover, 2*interval)
	}
	if !b.s.Polling() {
		t.Error("B polls but does not say so")
	}
	if len(b.rec.Events(scheduler.EventLeaseAcquired)) != 1 {
		t.Errorf("B lease events: %+v", b.rec.Events(scheduler.EventLeaseAcquired, scheduler.EventLeaseLost))
	}
	pa.unpause()
	testwait.Eventually(t, func() bool { return pa.refused.Load() > 0 }, 5*interval, 5*time.Millisecond, "the store refuses A's write")
	testwait.Eventually(t, func() bool { return len(a.rec.Events(scheduler.EventLeaseLost)) > 0 }, 5*interval, 5*time.Millisecond,
		"A reports the lease lost")
	if a.s.Polling() {
		t.Error("A says it polls after losing the lease")
	}
	callsA := a.cluster.Calls("s1")
	time.Sleep(2 * interval)
	if n := a.cluster.Calls("s1"); n != callsA {
		t.Errorf("A went on polling after it lost the lease: %d more calls", n-callsA)
	}
	a.wantNotFound("seen-by-a-only")
}
