package webhooks

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/bbbkit/bbbkit/internal/httpcore"
)

// DefaultMaxBodyBytes is the body size limit of a Handler unless changed
// with WithMaxBodyBytes: 1 MiB, far above any single event bbb-webhooks
// sends (a rap-publish-ended with large metadata is a few KiB).
const DefaultMaxBodyBytes = 1 << 20

// DefaultMaxAge and DefaultMaxSkew bound the timestamp of a delivery unless
// changed with WithMaxAge or turned off with WithoutMaxAge. bbb-webhooks
// stamps a delivery once and keeps the stamp across its retries; its shipped
// retryIntervals (100 ms, 0.5, 1, 2, 4, 8, 10, 30 s, then 60 s four times)
// add up to 4 min 56 s, and each of the 13 attempts may wait its 5 s
// requestTimeout, so the last retry leaves at most about 6 minutes after the
// stamp. DefaultMaxAge adds DefaultMaxSkew to that for the two clocks.
const (
	DefaultMaxAge  = 6*time.Minute + DefaultMaxSkew
	DefaultMaxSkew = time.Minute
)

// ErrStale matches, with errors.Is, the error of a delivery refused because
// its timestamp is missing, older than the maximum age, or too far in the
// future (Outcome.Err, Reason ReasonStale).
var ErrStale = errors.New("webhooks: delivery timestamp outside the accepted age")

// DeliveryFunc receives an authenticated, decoded delivery. Returning nil
// tells Handler to answer 2xx, which bbb-webhooks takes as delivered;
// returning an error makes Handler answer 500, so bbb-webhooks retries.
// bbb-webhooks waits 5 seconds by default per attempt, so a slow consumer
// should queue the events and return. ctx is the request's context.
type DeliveryFunc func(ctx context.Context, d *Delivery) error

// Handler is an http.Handler that receives bbb-webhooks callbacks. It
// authenticates each POST, decodes it and passes it to a DeliveryFunc, and
// answers so that the sender neither retries a good delivery nor drops a bad
// one silently:
//
//	200  the DeliveryFunc accepted the delivery (or it is a duplicate of one)
//	400  the body is truncated or the form or event JSON is malformed
//	401  authentication failed (ReasonUnauthenticated, ErrUnauthenticated),
//	     or the timestamp is missing, older than the maximum age (by default
//	     DefaultMaxAge, about bbb-webhooks' whole retry schedule) or ahead by
//	     more than the skew (ReasonStale, ErrStale). bbb-webhooks counts 401
//	     as delivered and stops: any other refusal would be retried for about
//	     five minutes and then remove the hook, and a permanent hook would
//	     retry it for ever. Handler logs it at error level, without secrets.
//	405  not a POST
//	413  the body exceeds the size limit
//	415  the content type is not application/x-www-form-urlencoded, or the
//	     body is compressed
//	500  the DeliveryFunc returned an error or panicked (the sender retries)
//	503  a copy of the same delivery is still being handled (WithDedup)
//
// A Handler is safe for concurrent use.
type Handler struct {
	v        verifier
	fn       DeliveryFunc
	maxBytes int64
	log      *slog.Logger
	now      func() time.Time
	maxAge   time.Duration
	maxSkew  time.Duration
	dedup    *dedup
	observe  func(Outcome)
	stats    counters
}

// HandlerOption configures a Handler.
type HandlerOption func(*Handler) error

// WithAcceptedChecksums limits the checksum algorithms accepted (by default
// all four: SHA-1, SHA-256, SHA-384 and SHA-512; bbb-webhooks uses SHA-1
// unless its hookChecksumAlgorithm is set).
func WithAcceptedChecksums(algs ...checksum.Algorithm) HandlerOption {
	return func(h *Handler) error {
		if len(algs) == 0 {
			return errors.New("webhooks: WithAcceptedChecksums needs at least one algorithm")
		}
		for _, a := range algs {
			if !a.Valid() {
				return fmt.Errorf("webhooks: invalid checksum algorithm %s", a)
			}
		}
		h.v.allowed = append([]checksum.Algorithm(nil), algs...)
		return nil
	}
}

// WithBearer also accepts deliveries carrying "Authorization: Bearer
// <secret>", which bbb-webhooks sends instead of a checksum when its auth2_0
// (BEARER_AUTH) setting is on. The token is the shared secret itself, so
// only use this over HTTPS.
func WithBearer() HandlerOption {
	return func(h *Handler) error { h.v.bearer = true; return nil }
}

// WithLegacyChecksum also accepts the constant checksum of bbb-webhooks 3.0
// to 3.3, hex(H(callbackURL + "{}" + secret)). That checksum does not cover
// the body: with it the body is unauthenticated, and anyone who has seen one
// delivery can forge others. Enable it only while such a server is being
// upgraded, and preferably with WithDedup (with the default maximum age,
// a replay is then absorbed or refused as stale).
func WithLegacyChecksum() HandlerOption {
	return func(h *Handler) error { h.v.legacy = true; return nil }
}

// WithMaxBodyBytes sets the body size limit (default DefaultMaxBodyBytes).
func WithMaxBodyBytes(n int64) HandlerOption {
	return func(h *Handler) error {
		if n <= 0 {
			return errors.New("webhooks: WithMaxBodyBytes needs a positive size")
		}
		h.maxBytes = n
		return nil
	}
}

// WithLogger sets the logger (default: discard). Refused deliveries are
// logged with their reason, never with the body, checksum or secret:
// authentication failures at error level, other refusals at warn level.
func WithLogger(l *slog.Logger) HandlerOption {
	return func(h *Handler) error {
		if l == nil {
			return errors.New("webhooks: WithLogger needs a logger")
		}
		h.log = l
		return nil
	}
}

// WithDedup makes Handler remember the bodies of accepted deliveries for
// window and answer a repeat within it with 200 without calling the
// DeliveryFunc again. bbb-webhooks retries a delivery with the same body
// when it did not see a 2xx in time (its timeout is 5 s), so this turns
// at-least-once into exactly-once for retries. At most maxEntries bodies are
// remembered (the oldest are forgotten first); 0 means 100000. A repeat
// that arrives while the first copy is still being handled waits for it.
// With a window of at least the maximum age plus the skew
// (DefaultMaxAge+DefaultMaxSkew by default), every replay of a captured
// delivery is either absorbed or refused as stale.
func WithDedup(window time.Duration, maxEntries int) HandlerOption {
	return func(h *Handler) error {
		if window <= 0 || maxEntries < 0 {
			return errors.New("webhooks: WithDedup needs a positive window and a non-negative size")
		}
		if maxEntries == 0 {
			maxEntries = 100000
		}
		h.dedup = newDedup(window, maxEntries)
		return nil
	}
}

// WithMaxAge sets which delivery timestamps are accepted (default
// DefaultMaxAge and DefaultMaxSkew): a delivery whose timestamp field is
// more than maxAge in the past or more than maxSkew in the future, or
// missing, is refused (401, ReasonStale, ErrStale). bbb-webhooks keeps the
// timestamp of the first attempt across retries, and its shipped retry
// schedule spans about six minutes, so maxAge should be longer than that.
// Together with WithDedup and a window of at least maxAge+maxSkew, every
// replay of a captured delivery is either absorbed or refused. The timestamp
// comes from the sender's clock, and a stale delivery is answered 401, which
// bbb-webhooks counts as delivered: keep both clocks synchronized, or events
// are lost (each refusal is logged at error level).
func WithMaxAge(maxAge, maxSkew time.Duration) HandlerOption {
	return func(h *Handler) error {
		if maxAge <= 0 || maxSkew < 0 {
			return errors.New("webhooks: WithMaxAge needs a positive age and a non-negative skew")
		}
		h.maxAge, h.maxSkew = maxAge, maxSkew
		return nil
	}
}

// WithoutMaxAge accepts deliveries whatever their timestamp, as Handler did
// before it had a default maximum age. A captured delivery can then be
// replayed once WithDedup has forgotten it (or at any time without
// WithDedup); use it only for senders whose clock cannot be trusted.
func WithoutMaxAge() HandlerOption {
	return func(h *Handler) error {
		h.maxAge, h.maxSkew = 0, 0
		return nil
	}
}

// WithClock sets the clock used by WithMaxAge and WithDedup (default
// time.Now).
func WithClock(now func() time.Time) HandlerOption {
	return func(h *Handler) error {
		if now == nil {
			return errors.New("webhooks: WithClock needs a function")
		}
		h.now = now
		return nil
	}
}

// WithObserver calls fn after every request with its Outcome, for metrics.
// fn runs on the request's goroutine and must be fast and safe for
// concurrent use.
func WithObserver(fn func(Outcome)) HandlerOption {
	return func(h *Handler) error {
		if fn == nil {
			return errors.New("webhooks: WithObserver needs a function")
		}
		h.observe = fn
		return nil
	}
}

// NewHandler returns a Handler for the hook registered with callbackURL,
// authenticated with the shared secret of bbb-webhooks (the secret of the
// BigBlueButton server). callbackURL must be the URL exactly as given to
// hooks/create: the checksum covers that string, not the URL the request
// reaches after proxies. fn receives every accepted delivery.
func NewHandler(secret, callbackURL string, fn DeliveryFunc, opts ...HandlerOption) (*Handler, error) {
	if strings.TrimSpace(secret) == "" {
		return nil, errors.New("webhooks: empty shared secret")
	}
	if _, err := httpcore.ParseAbsoluteURL(callbackURL); err != nil {
		return nil, errors.New("webhooks: callback URL must be an absolute http or https URL")
	}
	if fn == nil {
		return nil, errors.New("webhooks: nil DeliveryFunc")
	}
	h := &Handler{
		v:        verifier{callbackURL: callbackURL, secret: secret},
		fn:       fn,
		maxBytes: DefaultMaxBodyBytes,
		log:      slog.New(slog.DiscardHandler),
		now:      time.Now,
		maxAge:   DefaultMaxAge,
		maxSkew:  DefaultMaxSkew,
	}
	for _, o := range opts {
		if o == nil {
			return nil, errors.New("webhooks: nil HandlerOption")
		}
		if err := o(h); err != nil {
			return nil, err
		}
	}
	h.v.bearerSum = sha256.Sum256([]byte(secret))
	return h, nil
}

// String describes the Handler without its secret, so that printing it
// (with %v or %+v) cannot leak the secret.
func (h *Handler) String() string {
	return "webhooks.Handler{callbackURL: " + strconv.Quote(h.v.callbackURL) + "}"
}

// GoString is String for %#v.
func (h *Handler) GoString() string { return h.String() }

// Stats returns a snapshot of the counters.
func (h *Handler) Stats() Stats { return h.stats.snapshot() }

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	o := h.serve(w, r)
	o.Duration = time.Since(start)
	h.stats.record(&o)
	if h.observe != nil {
		h.observe(o)
	}
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) Outcome {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return h.refuse(w, r, http.StatusMethodNotAllowed, ReasonMethod, errors.New("webhooks: method "+safeToken(r.Method)+" not allowed"), 0)
	}
	if !isFormContentType(r.Header.Get("Content-Type")) {
		return h.refuse(w, r, http.StatusUnsupportedMediaType, ReasonContentType,
			errors.New("webhooks: content type is not application/x-www-form-urlencoded"), 0)
	}
	if ce := r.Header.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		// bbb-webhooks never compresses; the checksum covers the body as sent.
		return h.refuse(w, r, http.StatusUnsupportedMediaType, ReasonContentType,
			errors.New("webhooks: content encoding not supported"), 0)
	}
	if r.ContentLength > h.maxBytes {
		return h.refuse(w, r, http.StatusRequestEntityTooLarge, ReasonTooLarge, errTooLarge, 0)
	}
	body, err := readBody(r.Body, h.maxBytes, r.ContentLength)
	if err != nil {
		if errors.Is(err, errTooLarge) {
			return h.refuse(w, r, http.StatusRequestEntityTooLarge, ReasonTooLarge, err, 0)
		}
		return h.refuse(w, r, http.StatusBadRequest, ReasonBodyRead, err, 0)
	}
	auth, err := h.v.authenticate(r.URL.RawQuery, r.Header.Get("Authorization"), body)
	if err != nil {
		return h.refuse(w, r, http.StatusUnauthorized, ReasonUnauthenticated, err, 0)
	}
	d, err := ParseDelivery(body)
	if err != nil {
		return h.refuse(w, r, http.StatusBadRequest, ReasonMalformed, err, auth)
	}
	d.Auth = auth
	now := h.now()
	if h.maxAge > 0 {
		if err := h.fresh(d.Timestamp, now); err != nil {
			return h.refuse(w, r, http.StatusUnauthorized, ReasonStale, err, auth)
		}
	}
	var key dedupKey
	if h.dedup != nil {
		key = h.dedup.key(body)
		proceed, err := h.dedup.begin(r.Context(), key, now)
		if err != nil {
			w.Header().Set("Retry-After", "1")
			return h.refuse(w, r, http.StatusServiceUnavailable, ReasonInFlight,
				errors.New("webhooks: request ended while a copy of the delivery was being handled"), auth)
		}
		if !proceed {
			w.WriteHeader(http.StatusOK)
			h.log.LogAttrs(r.Context(), slog.LevelDebug, "webhooks: duplicate delivery absorbed",
				slog.Int("events", len(d.Events)))
			return Outcome{Status: http.StatusOK, Accepted: true, Duplicate: true, Events: len(d.Events), Auth: auth}
		}
	}
	err = h.call(r.Context(), d)
	if h.dedup != nil {
		h.dedup.finish(key, err == nil, h.now())
	}
	if err != nil {
		h.log.LogAttrs(r.Context(), slog.LevelError, "webhooks: delivery function failed",
			slog.Int("events", len(d.Events)), slog.String("error", err.Error()))
		http.Error(w, "delivery not accepted", http.StatusInternalServerError)
		return Outcome{Status: http.StatusInternalServerError, Reason: ReasonCallback, Events: len(d.Events), Auth: auth, Err: err}
	}
	w.WriteHeader(http.StatusOK)
	h.log.LogAttrs(r.Context(), slog.LevelDebug, "webhooks: delivery accepted",
		slog.Int("events", len(d.Events)), slog.String("auth", auth.String()))
	return Outcome{Status: http.StatusOK, Accepted: true, Events: len(d.Events), Auth: auth}
}

// call runs the DeliveryFunc, turning a panic into an error so that the
// sender gets a 500 and retries.
func (h *Handler) call(ctx context.Context, d *Delivery) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("webhooks: delivery function panicked (%T)", p)
		}
	}()
	return h.fn(ctx, d)
}

func (h *Handler) fresh(ts, now time.Time) error {
	if ts.IsZero() {
		return fmt.Errorf("%w: no timestamp", ErrStale)
	}
	if now.Sub(ts) > h.maxAge {
		return fmt.Errorf("%w: older than %s", ErrStale, h.maxAge)
	}
	if ts.Sub(now) > h.maxSkew {
		return fmt.Errorf("%w: more than %s in the future", ErrStale, h.maxSkew)
	}
	return nil
}

// refuse answers a refused delivery and logs it without secrets.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, status int, reason Reason, err error, auth AuthMethod) Outcome {
	level := slog.LevelWarn
	if status == http.StatusUnauthorized {
		level = slog.LevelError
	}
	h.log.LogAttrs(r.Context(), level, "webhooks: delivery refused",
		slog.Int("status", status), slog.String("reason", string(reason)),
		slog.String("error", err.Error()), slog.String("remote", r.RemoteAddr),
		slog.Int64("content_length", r.ContentLength))
	http.Error(w, string(reason), status)
	return Outcome{Status: status, Reason: reason, Err: err, Auth: auth}
}

var errTooLarge = errors.New("webhooks: body exceeds the size limit")

// readBody reads at most limit bytes; more is errTooLarge, and fewer than
// a declared Content-Length is an error (a truncated body).
func readBody(r io.Reader, limit, declared int64) ([]byte, error) {
	size := int64(512)
	if declared > 0 {
		size = declared + 1 // room to see EOF without growing
	}
	buf := make([]byte, 0, min(size, limit+1))
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > limit {
			return nil, errTooLarge
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, errTooLarge
			}
			return nil, errors.New("webhooks: reading the body failed (truncated or aborted)")
		}
	}
	if declared >= 0 && int64(len(buf)) != declared {
		return nil, errors.New("webhooks: body shorter than its Content-Length (truncated)")
	}
	return buf, nil
}

// isFormContentType accepts "application/x-www-form-urlencoded" with any
// parameters (node-fetch adds ";charset=UTF-8").
func isFormContentType(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	return strings.EqualFold(strings.TrimSpace(mt), "application/x-www-form-urlencoded")
}

// safeToken keeps a request method printable and short for an error text.
func safeToken(s string) string {
	if len(s) > 16 {
		s = s[:16]
	}
	return strings.Map(func(r rune) rune {
		if r < 0x21 || r > 0x7e {
			return '?'
		}
		return r
	}, s)
}
