package webhooks

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"
)

// EnsureResult is the outcome of one EnsureOnce check.
type EnsureResult struct {
	// Hook is the hook as registered after the check.
	Hook Hook
	// Created is true when the hook was missing and has been created.
	Created bool
	// Replaced is true when a hook for the callback URL existed with another
	// meeting, event list or raw flag, and was destroyed and created anew.
	Replaced bool
}

// EnsureOnce makes sure the server has a hook as described by p: it lists
// the hooks and creates the hook if none has p.CallbackURL. A hook for the
// URL that differs in meeting, event list or raw flag is destroyed and
// created again, unless it is permanent (then it is left alone and
// reported as is).
func (c *Client) EnsureOnce(ctx context.Context, p CreateParams) (*EnsureResult, error) {
	return c.ensureOnce(ctx, p, "")
}

// ensureOnce is EnsureOnce that also accepts, as is, the hook with ID known
// (the one an earlier check created): if the server stored it differently
// from the request (a server that ignores getRaw, say), replacing it again
// at every check would only lose events.
func (c *Client) ensureOnce(ctx context.Context, p CreateParams, known string) (*EnsureResult, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	hooks, err := c.List(ctx, "")
	if err != nil {
		return nil, err
	}
	replaced := false
	for _, h := range hooks {
		if h.CallbackURL != p.CallbackURL {
			continue
		}
		if h.Permanent || p.matches(h) || (known != "" && h.ID == known) {
			return &EnsureResult{Hook: h}, nil
		}
		if err := c.Destroy(ctx, h.ID); err != nil {
			return nil, err
		}
		replaced = true
	}
	res, err := c.Create(ctx, p)
	if err != nil {
		return nil, err
	}
	return &EnsureResult{Hook: res.Hook, Created: !replaced, Replaced: replaced}, nil
}

// EnsureEvent reports one check of Ensure to the function given with
// WithEnsureObserver.
type EnsureEvent struct {
	// Result is the outcome of a successful check, nil after an error.
	Result *EnsureResult
	// Err is the error of a failed check (a *bbb.Error, *bbb.TransportError,
	// …); it never contains the secret or a checksum.
	Err error
	// Failures counts consecutive failed checks, including this one.
	Failures int
	// Next is the wait before the next check.
	Next time.Duration
}

// EnsureOption configures Ensure. Ensure checks every option before its
// first call and returns the first bad one as an error.
type EnsureOption func(*ensureConfig) error

type ensureConfig struct {
	interval   time.Duration
	minBackoff time.Duration
	maxBackoff time.Duration
	observe    func(EnsureEvent)
}

// WithInterval sets the time between two checks while all is well (default
// one minute); it must be positive. bbb-webhooks removes a hook after about
// five minutes of failed deliveries, so the interval should be well below
// that.
func WithInterval(d time.Duration) EnsureOption {
	return func(c *ensureConfig) error {
		if d <= 0 {
			return errors.New("webhooks: WithInterval needs a positive interval")
		}
		c.interval = d
		return nil
	}
}

// WithBackoff sets the wait after a failed check: it starts at lo and
// doubles up to hi, with jitter (defaults one second and one minute). lo
// must be positive and hi at least lo.
func WithBackoff(lo, hi time.Duration) EnsureOption {
	return func(c *ensureConfig) error {
		if lo <= 0 || hi < lo {
			return errors.New("webhooks: WithBackoff needs 0 < lo <= hi")
		}
		c.minBackoff, c.maxBackoff = lo, hi
		return nil
	}
}

// WithEnsureObserver calls fn after every check, for logs and metrics.
func WithEnsureObserver(fn func(EnsureEvent)) EnsureOption {
	return func(c *ensureConfig) error {
		if fn == nil {
			return errors.New("webhooks: WithEnsureObserver needs a function")
		}
		c.observe = fn
		return nil
	}
}

// Ensure keeps the hook described by p registered until ctx ends: it runs
// EnsureOnce at once and then every interval, and after a failure retries
// with exponential backoff. It returns ctx's error when ctx ends, or at once
// when p is invalid; other failures (an unreachable server, a refused
// checksum) are retried and reported to the observer, never returned. A
// bad option is returned at once too. It starts no goroutine of its own.
func (c *Client) Ensure(ctx context.Context, p CreateParams, opts ...EnsureOption) error {
	if err := p.validate(); err != nil {
		return err
	}
	cfg := ensureConfig{interval: time.Minute, minBackoff: time.Second, maxBackoff: time.Minute}
	for _, o := range opts {
		if o == nil {
			return errors.New("webhooks: nil EnsureOption")
		}
		if err := o(&cfg); err != nil {
			return err
		}
	}
	failures := 0
	known := ""
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
		}
		res, err := c.ensureOnce(ctx, p, known)
		if err == nil {
			known = res.Hook.ID
		}
		if err != nil && ctx.Err() != nil {
			return ctx.Err()
		}
		var next time.Duration
		if err != nil {
			failures++
			next = backoff(cfg.minBackoff, cfg.maxBackoff, failures)
		} else {
			failures = 0
			next = cfg.interval
		}
		if cfg.observe != nil {
			cfg.observe(EnsureEvent{Result: res, Err: err, Failures: failures, Next: next})
		}
		timer.Reset(next)
	}
}

// backoff returns the wait after n consecutive failures: lo·2^(n-1) capped
// at hi, then reduced by up to half at random so that many clients do not
// retry in step.
func backoff(lo, hi time.Duration, n int) time.Duration {
	d := lo
	for i := 1; i < n && d < hi; i++ {
		d *= 2
	}
	return time.Duration(float64(min(d, hi)) * (0.5 + rand.Float64()/2))
}
