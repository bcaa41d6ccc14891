package bbb

import (
	"log/slog"
	"net/http"
	"time"

	"golang.org/x/time/rate"

	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/bbbkit/bbbkit/internal/httpcore"
)

// Option configures a client. It is the option type of every bbbkit
// client: bbb.New, webhooks.New, scalelite.New and greenlight.New all take
// the options below and validate each in the constructor (a bad value is a
// *ParamError there, never ignored).
type Option = httpcore.Option

// WithHTTPClient makes the client send its requests through hc. The bbb
// client never follows redirects for join, whatever hc's CheckRedirect
// says; greenlight adds a cookie jar to a copy of hc when it has none.
func WithHTTPClient(hc *http.Client) Option { return httpcore.HTTPClient(hc) }

// WithChecksum selects the checksum algorithm a signing client uses
// (default checksum.SHA256). Use checksum.SHA1 only for BigBlueButton
// servers older than 2.5 or Scalelite 1.5.1, checksum.SHA512 for servers
// restricted to it. greenlight signs nothing and refuses this option.
func WithChecksum(alg checksum.Algorithm) Option {
	return func(c *httpcore.Config) error {
		if !alg.Valid() {
			return &ParamError{Service: c.Service, Call: "New", Param: "WithChecksum", Msg: "unknown algorithm " + alg.String()}
		}
		c.Checksum = int(alg)
		return nil
	}
}

// WithTimeout bounds each attempt of each request, reading the answer
// included (default 30s; large getRecordings answers can take long on busy
// servers). Zero means no timeout other than the context's.
func WithTimeout(d time.Duration) Option { return httpcore.Timeout(d) }

// RetryPolicy says how idempotent calls are retried after a transport error
// or a 429/502/503/504 answer. Calls that change state in a way a repeat
// would duplicate (end, deleteRecordings, publishRecordings, insertDocument,
// sendChatMessage, putRecordingTextTrack, join; Scalelite and Greenlight
// writes) are never retried.
type RetryPolicy = httpcore.RetryPolicy

// DefaultRetryPolicy is what WithRetry(DefaultRetryPolicy) gives: three
// attempts, 100ms then 200ms of jittered backoff, at most 2s.
var DefaultRetryPolicy = httpcore.DefaultRetryPolicy

// WithRetry enables retries of idempotent calls. Without it every request
// is tried once.
func WithRetry(p RetryPolicy) Option { return httpcore.Retry(p) }

// WithRateLimit makes every request wait for a token from l (not nil)
// before it is sent, to stay within what an operator allows a script.
// Clients may share a limiter.
func WithRateLimit(l *rate.Limiter) Option { return httpcore.RateLimit(l) }

// WithLogger sends debug records of every request (call, redacted URL,
// status, duration, attempt, outcome) and warnings for retries to l.
// Checksums, tokens, passwords and secrets are never logged.
func WithLogger(l *slog.Logger) Option { return httpcore.Logger(l) }

// WithMaxResponseBytes caps the size of an answer the client reads (default
// 256 MiB for bbb, 8 MiB for scalelite and greenlight). A larger answer
// fails with a DecodeError wrapping ErrResponseTooLarge.
func WithMaxResponseBytes(n int64) Option { return httpcore.MaxResponseBytes(n) }

// WithUserAgent sets the User-Agent header (default: net/http's for bbb,
// "bbbkit-scalelite", "bbbkit-greenlight/1").
func WithUserAgent(ua string) Option { return httpcore.UserAgent(ua) }

// RequestInfo describes one finished attempt of a request, for WithObserver.
// Its Outcome method classifies the attempt: "success", "failed" (the API
// refused the call), "http_error", "transport_error", "decode_error" or
// "error". Every bbbkit client reports the same type.
type RequestInfo = httpcore.RequestInfo

// WithObserver calls fn (not nil) after every attempt of every request,
// for metrics (metrics.ClientMetrics.Observer). fn must be fast and safe
// for concurrent use.
func WithObserver(fn func(RequestInfo)) Option { return httpcore.Observer(fn) }
