package bbb

import (
	"log/slog"
	"net/http"
	"time"

	"golang.org/x/time/rate"

	"github.com/bbbkit/bbbkit/bbb/checksum"
)

// Option configures a Client.
type Option func(*Client) error

// WithHTTPClient makes the client send its requests through hc. The client
// never follows redirects for join, whatever hc's CheckRedirect says.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) error {
		if hc == nil {
			return &ParamError{Call: "New", Param: "WithHTTPClient", Msg: "nil *http.Client"}
		}
		c.hc = hc
		return nil
	}
}

// WithChecksum selects the checksum algorithm (default checksum.SHA256). Use
// checksum.SHA1 only for servers older than 2.5, checksum.SHA512 for servers
// restricted to it.
func WithChecksum(alg checksum.Algorithm) Option {
	return func(c *Client) error {
		if !alg.Valid() {
			return &ParamError{Call: "New", Param: "WithChecksum", Msg: "unknown algorithm " + alg.String()}
		}
		c.alg = alg
		return nil
	}
}

// WithTimeout bounds each attempt of each request (default 30s; large
// getRecordings answers can take long on busy servers). Zero means no
// timeout other than the context's.
func WithTimeout(d time.Duration) Option {
	return func(c *Client) error {
		if d < 0 {
			return &ParamError{Call: "New", Param: "WithTimeout", Msg: "negative duration"}
		}
		c.timeout = d
		return nil
	}
}

// RetryPolicy says how idempotent calls are retried after a transport error
// or a 429/502/503/504 answer. Calls that change state in a way a repeat
// would duplicate (end, deleteRecordings, publishRecordings, insertDocument,
// sendChatMessage, putRecordingTextTrack, join) are never retried.
type RetryPolicy struct {
	// MaxAttempts counts the first try; 1 disables retries.
	MaxAttempts int
	// MinBackoff is the first delay; each retry doubles it up to MaxBackoff.
	// The actual delay is drawn uniformly from [0, backoff] ("full jitter").
	MinBackoff time.Duration
	MaxBackoff time.Duration
}

// DefaultRetryPolicy is what WithRetry(DefaultRetryPolicy) gives: three
// attempts, 100ms then 200ms of jittered backoff, at most 2s.
var DefaultRetryPolicy = RetryPolicy{MaxAttempts: 3, MinBackoff: 100 * time.Millisecond, MaxBackoff: 2 * time.Second}

// WithRetry enables retries of idempotent calls. Without it every request
// is tried once.
func WithRetry(p RetryPolicy) Option {
	return func(c *Client) error {
		if p.MaxAttempts < 1 || p.MinBackoff < 0 || p.MaxBackoff < p.MinBackoff {
			return &ParamError{Call: "New", Param: "WithRetry", Msg: "need MaxAttempts >= 1 and 0 <= MinBackoff <= MaxBackoff"}
		}
		c.retry = p
		return nil
	}
}

// WithRateLimit makes every request wait for a token from l before it is
// sent, to stay within what an operator allows a script.
func WithRateLimit(l *rate.Limiter) Option {
	return func(c *Client) error {
		c.limiter = l
		return nil
	}
}

// WithLogger sends debug records of every request (call, status, duration,
// attempt) and warnings for retries to l. URLs in records have their
// checksum and tokens redacted; the secret is never logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *Client) error {
		if l == nil {
			return &ParamError{Call: "New", Param: "WithLogger", Msg: "nil logger"}
		}
		c.log = l
		return nil
	}
}

// WithMaxResponseBytes caps the size of an answer the client reads (default
// 256 MiB). A larger answer fails with a DecodeError wrapping
// ErrResponseTooLarge.
func WithMaxResponseBytes(n int64) Option {
	return func(c *Client) error {
		if n <= 0 {
			return &ParamError{Call: "New", Param: "WithMaxResponseBytes", Msg: "must be positive"}
		}
		c.maxBytes = n
		return nil
	}
}

// RequestInfo describes one finished attempt of a request, for WithObserver.
type RequestInfo struct {
	Call     string        // API call name
	Method   string        // GET or POST
	Attempt  int           // 1 for the first try
	Status   int           // HTTP status, 0 when there was no answer
	Duration time.Duration // time to the complete answer
	Err      error         // nil on success
}

// Outcome classifies the attempt: "success", "failed" (a FAILED answer),
// "http_error", "transport_error", "decode_error" or "error".
func (r RequestInfo) Outcome() string { return outcome(r.Err) }

// WithObserver calls fn after every attempt of every request, for metrics.
// fn must be fast and safe for concurrent use.
func WithObserver(fn func(RequestInfo)) Option {
	return func(c *Client) error {
		c.observe = fn
		return nil
	}
}
