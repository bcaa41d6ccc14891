package httpcore

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"
)

// retryable reports whether an attempt that ended with resp or err may be
// repeated: a transport error, or a 429/502/503/504 status.
func retryable(resp *Response, err error) bool {
	if resp != nil {
		return retryableStatus(resp.StatusCode)
	}
	var he *HTTPError
	if errors.As(err, &he) {
		return retryableStatus(he.StatusCode)
	}
	var te *TransportError
	return errors.As(err, &te)
}

func retryableStatus(code int) bool {
	switch code {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// backoff waits before attempt+1: a delay drawn uniformly from
// [0, min(MinBackoff*2^(attempt-1), MaxBackoff)] ("full jitter"). It
// returns the context's error if the context ends first.
func (c *Client) backoff(ctx context.Context, r *Request, attempt int, cause error) error {
	p := c.cfg.Retry
	ceiling := p.MinBackoff
	for i := 1; i < attempt && ceiling < p.MaxBackoff; i++ {
		ceiling *= 2
	}
	ceiling = min(ceiling, p.MaxBackoff)
	delay := time.Duration(0)
	if ceiling > 0 {
		delay = rand.N(ceiling + 1)
	}
	reason := "retryable status"
	if cause != nil {
		reason = cause.Error() // already redacted
	}
	c.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, c.service()+": retrying request",
		slog.String("call", r.Call), slog.Int("attempt", attempt), slog.Duration("delay", delay), slog.String("error", reason))
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// report sends one finished attempt to the observer and the debug log.
func (c *Client) report(ctx context.Context, r *Request, logURL string, attempt, status int, d time.Duration, err error) {
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	if c.cfg.Observer != nil {
		c.cfg.Observer(RequestInfo{Service: c.cfg.Service, Call: r.Call, Method: method, Attempt: attempt,
			Status: status, Duration: d, Err: err})
	}
	if c.cfg.Logger.Enabled(ctx, slog.LevelDebug) {
		c.cfg.Logger.LogAttrs(ctx, slog.LevelDebug, c.service()+": request",
			slog.String("call", r.Call), slog.String("method", method), slog.String("url", logURL),
			slog.Int("status", status), slog.Duration("duration", d), slog.Int("attempt", attempt),
			slog.String("outcome", Outcome(err)))
	}
}

func (c *Client) service() string {
	if c.cfg.Service == "" {
		return "bbbkit"
	}
	return c.cfg.Service
}
