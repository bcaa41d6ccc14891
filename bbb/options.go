package bbb

import (
	"log/slog"
	"net/http"
	"time"

	"golang.org/x/time/rate"

	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/bbbkit/bbbkit/internal/httpcore"
)

// Option configures a Client.
type Option func(*Client) error

// transport adapts one of the shared transport options.
func transport(o httpcore.Option) Option {
	return func(c *Client) error { return o(&c.cfg) }
}

// WithHTTPClient makes the client send its requests through hc. The client
// never follows redirects for join, whatever hc's CheckRedirect says.
func WithHTTPClient(hc *http.Client) Option { return transport(httpcore.HTTPClient(hc)) }

// WithChecksum selects the checksum algorithm (default checksum.SHA256). Use
// checksum.SHA1 only for servers older than 2.5, checksum.SHA512 for servers
// restricted to it.
func WithChecksum(alg checksum.Algorithm) Option {
	return func(c *Client) error {
		if !alg.Valid() {
			return &ParamError{Service: "bbb", Call: "New", Param: "WithChecksum", Msg: "unknown algorithm " + alg.String()}
		}
		c.alg = alg
		return nil
	}
}

// WithTimeout bounds each attempt of each request (default 30s; large
// getRecordings answers can take long on busy servers). Zero means no
// timeout other than the context's.
func WithTimeout(d time.Duration) Option { return transport(httpcore.Timeout(d)) }

// RetryPolicy says how idempotent calls are retried after a transport error
// or a 429/502/503/504 answer. Calls that change state in a way a repeat
// would duplicate (end, deleteRecordings, publishRecordings, insertDocument,
// sendChatMessage, putRecordingTextTrack, join) are never retried. It is
// the policy every bbbkit client takes.
type RetryPolicy = httpcore.RetryPolicy

// DefaultRetryPolicy is what WithRetry(DefaultRetryPolicy) gives: three
// attempts, 100ms then 200ms of jittered backoff, at most 2s.
var DefaultRetryPolicy = httpcore.DefaultRetryPolicy

// WithRetry enables retries of idempotent calls. Without it every request
// is tried once.
func WithRetry(p RetryPolicy) Option { return transport(httpcore.Retry(p)) }

// WithRateLimit makes every request wait for a token from l (not nil)
// before it is sent, to stay within what an operator allows a script.
func WithRateLimit(l *rate.Limiter) Option { return transport(httpcore.RateLimit(l)) }

// WithLogger sends debug records of every request (call, status, duration,
// attempt) and warnings for retries to l. URLs in records have their
// checksum and tokens redacted; the secret is never logged.
func WithLogger(l *slog.Logger) Option { return transport(httpcore.Logger(l)) }

// WithMaxResponseBytes caps the size of an answer the client reads (default
// 256 MiB). A larger answer fails with a DecodeError wrapping
// ErrResponseTooLarge.
func WithMaxResponseBytes(n int64) Option { return transport(httpcore.MaxResponseBytes(n)) }

// WithUserAgent sets the User-Agent header (default: net/http's).
func WithUserAgent(ua string) Option { return transport(httpcore.UserAgent(ua)) }

// RequestInfo describes one finished attempt of a request, for WithObserver.
// Its Outcome method classifies the attempt: "success", "failed" (a FAILED
// answer), "http_error", "transport_error", "decode_error" or "error". Every
// bbbkit client reports the same type.
type RequestInfo = httpcore.RequestInfo

// WithObserver calls fn after every attempt of every request, for metrics.
// fn must be fast and safe for concurrent use.
func WithObserver(fn func(RequestInfo)) Option { return transport(httpcore.Observer(fn)) }
