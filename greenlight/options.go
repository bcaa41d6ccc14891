package greenlight

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"golang.org/x/time/rate"
)

// Option configures a Client.
type Option func(*Client) error

// WithHTTPClient uses hc for requests. The client keeps hc's cookie jar when
// it has one; otherwise it works on a copy of hc with its own jar.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) error {
		if hc == nil {
			return errors.New("greenlight: WithHTTPClient: nil client")
		}
		c.hc = hc
		return nil
	}
}

// WithTimeout bounds each HTTP request (default 30s; 0 disables it). The
// context passed to each call still applies.
func WithTimeout(d time.Duration) Option {
	return func(c *Client) error {
		if d < 0 {
			return errors.New("greenlight: WithTimeout: negative duration")
		}
		c.timeout = d
		return nil
	}
}

// WithRateLimit makes every request wait for l (shared limiters are fine).
func WithRateLimit(l *rate.Limiter) Option {
	return func(c *Client) error {
		if l == nil {
			return errors.New("greenlight: WithRateLimit: nil limiter")
		}
		c.limiter = l
		return nil
	}
}

// WithLogger logs one debug line per request (method, path, status,
// duration). Bodies, cookies and tokens are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *Client) error {
		if l == nil {
			return errors.New("greenlight: WithLogger: nil logger")
		}
		c.log = l
		return nil
	}
}

// WithMaxResponseBytes bounds the bytes read from one answer (default 8 MiB).
func WithMaxResponseBytes(n int64) Option {
	return func(c *Client) error {
		if n <= 0 {
			return errors.New("greenlight: WithMaxResponseBytes: must be positive")
		}
		c.maxBytes = n
		return nil
	}
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option {
	return func(c *Client) error {
		c.userAgent = ua
		return nil
	}
}
