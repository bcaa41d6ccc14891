package httpcore

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// Config is the transport configuration every bbbkit client shares. A
// client fills in its defaults, applies its options (each a one-line
// wrapper around an Option below) and passes the result to New.
type Config struct {
	Service          string // names the client in errors and logs: "bbb", "scalelite", "greenlight"
	HTTPClient       *http.Client
	Timeout          time.Duration // per attempt; 0: only the context's
	Retry            RetryPolicy
	Limiter          *rate.Limiter // nil: no limit
	Logger           *slog.Logger
	Observer         func(RequestInfo)
	MaxResponseBytes int64
	UserAgent        string // "" keeps net/http's default
}

// RetryPolicy says how idempotent calls are retried after a transport error
// or a 429/502/503/504 answer. Calls a repeat would duplicate are never
// retried.
type RetryPolicy struct {
	// MaxAttempts counts the first try; 1 disables retries.
	MaxAttempts int
	// MinBackoff is the first delay; each retry doubles it up to MaxBackoff.
	// The actual delay is drawn uniformly from [0, backoff] ("full jitter").
	MinBackoff time.Duration
	MaxBackoff time.Duration
}

// DefaultRetryPolicy is three attempts, 100ms then 200ms of jittered
// backoff, at most 2s.
var DefaultRetryPolicy = RetryPolicy{MaxAttempts: 3, MinBackoff: 100 * time.Millisecond, MaxBackoff: 2 * time.Second}

// Option changes one setting of a Config and validates it: a bad value is
// a *ParamError naming the option, never ignored.
type Option func(*Config) error

func bad(c *Config, option, msg string) error {
	return &ParamError{Service: c.Service, Call: "New", Param: option, Msg: msg}
}

// HTTPClient sends requests through hc (not nil).
func HTTPClient(hc *http.Client) Option {
	return func(c *Config) error {
		if hc == nil {
			return bad(c, "WithHTTPClient", "nil *http.Client")
		}
		c.HTTPClient = hc
		return nil
	}
}

// Timeout bounds each attempt (not negative; 0: only the context's).
func Timeout(d time.Duration) Option {
	return func(c *Config) error {
		if d < 0 {
			return bad(c, "WithTimeout", "negative duration")
		}
		c.Timeout = d
		return nil
	}
}

// Retry sets the retry policy of idempotent calls.
func Retry(p RetryPolicy) Option {
	return func(c *Config) error {
		if p.MaxAttempts < 1 || p.MinBackoff < 0 || p.MaxBackoff < p.MinBackoff {
			return bad(c, "WithRetry", "need MaxAttempts >= 1 and 0 <= MinBackoff <= MaxBackoff")
		}
		c.Retry = p
		return nil
	}
}

// RateLimit makes every attempt wait for a token from l (not nil).
func RateLimit(l *rate.Limiter) Option {
	return func(c *Config) error {
		if l == nil {
			return bad(c, "WithRateLimit", "nil limiter")
		}
		c.Limiter = l
		return nil
	}
}

// Logger sends a debug record per attempt and a warning per retry to l
// (not nil).
func Logger(l *slog.Logger) Option {
	return func(c *Config) error {
		if l == nil {
			return bad(c, "WithLogger", "nil logger")
		}
		c.Logger = l
		return nil
	}
}

// Observer calls fn (not nil) after every attempt.
func Observer(fn func(RequestInfo)) Option {
	return func(c *Config) error {
		if fn == nil {
			return bad(c, "WithObserver", "nil function")
		}
		c.Observer = fn
		return nil
	}
}

// MaxResponseBytes caps the size of an answer (positive).
func MaxResponseBytes(n int64) Option {
	return func(c *Config) error {
		if n <= 0 {
			return bad(c, "WithMaxResponseBytes", "must be positive")
		}
		c.MaxResponseBytes = n
		return nil
	}
}

// UserAgent sets the User-Agent header (not empty, no line breaks).
func UserAgent(ua string) Option {
	return func(c *Config) error {
		if ua == "" || strings.ContainsAny(ua, "\r\n") {
			return bad(c, "WithUserAgent", "empty or contains a line break")
		}
		c.UserAgent = ua
		return nil
	}
}
