package httpcore

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"time"
)

// Client sends requests with one Config: the core under every bbbkit
// client. It is safe for concurrent use.
type Client struct {
	cfg Config
}

// New returns a Client for cfg, whose options the caller validated; zero
// fields get the defaults (http.DefaultClient, a discarding logger, one
// attempt, a 256 MiB cap).
func New(cfg Config) *Client {
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = http.DefaultClient
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Retry.MaxAttempts < 1 {
		cfg.Retry.MaxAttempts = 1
	}
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = 256 << 20
	}
	return &Client{cfg: cfg}
}

// Config returns the client's configuration.
func (c *Client) Config() Config { return c.cfg }

// Request is one request, built by a client package.
type Request struct {
	Call   string // the operation, for errors, logs and observers
	Method string // "" means GET
	// URL is the full URL as sent. It may carry a checksum: errors and logs
	// only ever show LogURL.
	URL string
	// LogURL is what errors and logs show; "" means redact.URL(URL).
	LogURL string
	Body   []byte
	Header http.Header // extra headers (Content-Type, Accept, CSRF token)
	// Idempotent calls are retried under the client's RetryPolicy.
	Idempotent bool
	// NoRedirect answers a redirect instead of following it.
	NoRedirect bool
	// Accept reports whether the caller decodes an answer with this status
	// itself; any other status is an *HTTPError. nil accepts 2xx.
	Accept func(status int) bool
	// Secrets are values the server may echo that no URL parameter shows
	// (the shared secret, passwords in the body); they are redacted from
	// every server-supplied text along with the URL's secret parameters.
	Secrets []string
}

// Response is an accepted answer. The caller decodes it and then calls
// Done with the outcome, which reports the attempt to the observer and the
// log (so that a refusal the body carries counts as "failed").
type Response struct {
	StatusCode int
	Header     http.Header
	// Body is the whole answer (Do); nil for Stream.
	Body []byte
	// Stream is the answer as a stream (Stream); nil for Do. It fails
	// with a *DecodeError wrapping ErrResponseTooLarge past the cap. The
	// caller must close it.
	Stream io.ReadCloser
	// URL is the redacted URL, for the caller's own errors.
	URL string

	c       *Client
	req     *Request
	attempt int
	start   time.Time
	done    bool
}

// Do sends r and reads the whole answer. It retries idempotent requests
// after a transport error or a 429/502/503/504 answer.
func (c *Client) Do(ctx context.Context, r *Request) (*Response, error) {
	return c.run(ctx, r, false)
}

// Stream sends r like Do but hands the answer over as a stream, for
// downloads: only the exchange up to the response headers is retried. The
// per-attempt timeout runs until the stream is closed.
func (c *Client) Stream(ctx context.Context, r *Request) (*Response, error) {
	return c.run(ctx, r, true)
}

// Done reports the attempt that got this answer, with err as its outcome,
// once; it returns err.
func (r *Response) Done(err error) error {
	if r == nil || r.done {
		return err
	}
	r.done = true
	r.c.report(context.Background(), r.req, r.URL, r.attempt, r.StatusCode, time.Since(r.start), err)
	return err
}

// Redact returns server-supplied text s with every credential removed: the
// secret parameters of the request's URL, its Secrets, and whatever the
// redactor recognizes by shape. Use it on every message taken from a body.
func (r *Response) Redact(s string) string {
	return redactText(s, r.req)
}

// Snippet returns the start of the body for an error message, redacted
// like Redact (see HTTPError.Snippet).
func (r *Response) Snippet() string { return Snippet(r.Body, r.req) }

func (c *Client) run(ctx context.Context, r *Request, stream bool) (*Response, error) {
	logURL := r.LogURL
	if logURL == "" {
		logURL = redactURL(r.URL)
	}
	attempts := 1
	if r.Idempotent {
		attempts = c.cfg.Retry.MaxAttempts
	}
	for attempt := 1; ; attempt++ {
		resp, err := c.once(ctx, r, logURL, attempt, stream)
		if attempt >= attempts || ctx.Err() != nil || !retryable(resp, err) {
			return resp, err
		}
		if resp != nil { // an accepted 429/502/503/504: report it as what it is
			resp.discard()
			resp.Done(c.httpError(r, logURL, resp.StatusCode, resp.Header, nil))
		}
		if werr := c.backoff(ctx, r, attempt, err); werr != nil {
			return nil, &TransportError{Service: c.cfg.Service, Call: r.Call, URL: logURL, Err: werr}
		}
	}
}

// discard closes a stream that will not be read.
func (r *Response) discard() {
	if r.Stream != nil {
		r.Stream.Close()
	}
}

// once sends one attempt. An answer the caller accepts is returned
// unreported (see Response.Done); every failure is reported here.
func (c *Client) once(ctx context.Context, r *Request, logURL string, attempt int, stream bool) (resp *Response, err error) {
	start := time.Now()
	status := 0
	defer func() {
		if err != nil {
			c.report(ctx, r, logURL, attempt, status, time.Since(start), err)
		}
	}()
	transportErr := func(cause error) error {
		return &TransportError{Service: c.cfg.Service, Call: r.Call, URL: logURL, Err: ScrubURLError(cause)}
	}
	if c.cfg.Limiter != nil {
		if err := c.cfg.Limiter.Wait(ctx); err != nil {
			return nil, transportErr(err)
		}
	}
	cancel := context.CancelFunc(func() {})
	if c.cfg.Timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, c.cfg.Timeout)
	}
	hr, err := c.exchange(ctx, r)
	if err != nil {
		cancel()
		return nil, transportErr(err)
	}
	status = hr.StatusCode
	resp = &Response{StatusCode: hr.StatusCode, Header: hr.Header, URL: logURL, c: c, req: r, attempt: attempt, start: start}
	if stream && r.accepts(hr.StatusCode) {
		resp.Stream = &cappedBody{body: hr.Body, left: c.cfg.MaxResponseBytes, cancel: cancel,
			tooLarge: &DecodeError{Service: c.cfg.Service, Call: r.Call, URL: logURL, Err: c.tooLarge()}}
		return resp, nil
	}
	defer cancel()
	defer hr.Body.Close()
	data, err := io.ReadAll(io.LimitReader(hr.Body, c.cfg.MaxResponseBytes+1))
	if err != nil {
		return nil, transportErr(err)
	}
	if int64(len(data)) > c.cfg.MaxResponseBytes {
		return nil, &DecodeError{Service: c.cfg.Service, Call: r.Call, URL: logURL, Err: c.tooLarge()}
	}
	if !r.accepts(hr.StatusCode) {
		return nil, c.httpError(r, logURL, hr.StatusCode, hr.Header, data)
	}
	resp.Body = data
	return resp, nil
}

// exchange builds the request and sends it.
func (c *Client) exchange(ctx context.Context, r *Request) (*http.Response, error) {
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequestWithContext(ctx, method, r.URL, body)
	if err != nil {
		return nil, errBadRequest
	}
	for k, v := range r.Header {
		req.Header[k] = v
	}
	if c.cfg.UserAgent != "" {
		req.Header.Set("User-Agent", c.cfg.UserAgent)
	}
	hc := c.cfg.HTTPClient
	if r.NoRedirect {
		cp := *hc
		cp.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		hc = &cp
	}
	return hc.Do(req)
}

func (r *Request) accepts(status int) bool {
	if r.Accept != nil {
		return r.Accept(status)
	}
	return status >= 200 && status < 300
}
