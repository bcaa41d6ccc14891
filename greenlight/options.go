package greenlight

import (
	"log/slog"
	"net/http"
	"time"

	"golang.org/x/time/rate"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/internal/httpcore"
)

// Option configures a Client.
type Option func(*Client) error

// transport adapts one of the shared transport options.
func transport(o httpcore.Option) Option {
	return func(c *Client) error { return o(&c.cfg) }
}

// WithHTTPClient uses hc for requests. The client keeps hc's cookie jar when
// it has one; otherwise it works on a copy of hc with its own jar.
func WithHTTPClient(hc *http.Client) Option { return transport(httpcore.HTTPClient(hc)) }

// WithTimeout bounds each HTTP request (default 30s; 0 disables it). The
// context passed to each call still applies.
func WithTimeout(d time.Duration) Option { return transport(httpcore.Timeout(d)) }

// WithRetry retries reads (GET) after a transport error or a
// 429/502/503/504 answer; writes are tried once.
func WithRetry(p bbb.RetryPolicy) Option { return transport(httpcore.Retry(p)) }

// WithRateLimit makes every request wait for l (shared limiters are fine).
func WithRateLimit(l *rate.Limiter) Option { return transport(httpcore.RateLimit(l)) }

// WithLogger logs one debug record per request (call, redacted URL,
// status, duration). Bodies, cookies and tokens are never logged.
func WithLogger(l *slog.Logger) Option { return transport(httpcore.Logger(l)) }

// WithObserver calls fn after every attempt of every request, for metrics
// (metrics.ClientMetrics.Observer). fn must be fast and safe for
// concurrent use.
func WithObserver(fn func(bbb.RequestInfo)) Option { return transport(httpcore.Observer(fn)) }

// WithMaxResponseBytes bounds the bytes read from one answer (default 8 MiB);
// a larger answer is a *DecodeError wrapping bbb.ErrResponseTooLarge.
func WithMaxResponseBytes(n int64) Option { return transport(httpcore.MaxResponseBytes(n)) }

// WithUserAgent sets the User-Agent header (default "bbbkit-greenlight/1").
func WithUserAgent(ua string) Option { return transport(httpcore.UserAgent(ua)) }
