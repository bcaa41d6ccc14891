package greenlight

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

const (
	defaultTimeout  = 30 * time.Second
	defaultMaxBytes = 8 << 20
	apiPrefix       = "/api/v1/"
)

// Client drives the Greenlight v3 JSON API (/api/v1/*.json) the way its own
// web client does: a session cookie, a CSRF token scraped from the page and
// "Accept: application/json". It is safe for concurrent use.
//
// After SignIn the client remembers the credentials (in memory only) so that
// when Greenlight refuses the session or the CSRF token it can sign in again
// once and repeat the request; if that fails too, the call returns a
// *SessionError.
type Client struct {
	base      *url.URL
	hc        *http.Client
	limiter   *rate.Limiter
	timeout   time.Duration
	maxBytes  int64
	log       *slog.Logger
	userAgent string

	mu       sync.Mutex
	csrf     string
	creds    *credentials
	gen      uint64     // incremented on every successful sign-in
	signInMu sync.Mutex // serialises sign-ins
}

// credentials are kept for re-sign-in; String hides them from fmt.
type credentials struct {
	email, password string
}

// String hides the credentials from fmt and log output.
func (c *credentials) String() string { return "credentials(redacted)" }

// New returns a client for the Greenlight installation at baseURL (for
// example "https://gl.example.com"; a path prefix is kept). It does no I/O.
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil {
		return nil, fmt.Errorf("greenlight: base URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("greenlight: base URL must be an absolute http(s) URL")
	}
	if u.User != nil {
		return nil, errors.New("greenlight: base URL must not contain credentials")
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawQuery, u.Fragment, u.RawPath = "", "", ""
	c := &Client{
		base:      u,
		timeout:   defaultTimeout,
		maxBytes:  defaultMaxBytes,
		log:       slog.New(slog.DiscardHandler),
		userAgent: "bbbkit-greenlight/1",
	}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	if c.hc == nil {
		c.hc = &http.Client{}
	}
	if c.hc.Jar == nil {
		jar, err := cookiejar.New(nil)
		if err != nil {
			return nil, fmt.Errorf("greenlight: cookie jar: %w", err)
		}
		hc := *c.hc
		hc.Jar = jar
		c.hc = &hc
	}
	return c, nil
}

// BaseURL returns the Greenlight base URL without a trailing slash.
func (c *Client) BaseURL() string { return c.base.String() }

// request describes one API call.
type request struct {
	method string
	path   string // below /api/v1/, with ".json"
	query  url.Values
	body   any // JSON-encoded when non-nil
	out    any // receives "data"; nil to ignore it
	page   *Page
	// noRetry disables the re-sign-in (sign-in itself, sign-out).
	noRetry bool
}

func isWrite(method string) bool {
	return method != http.MethodGet && method != http.MethodHead
}

// call performs r, signing in again once when the session or CSRF token was
// refused and credentials are known.
func (c *Client) call(ctx context.Context, r request) error {
	c.mu.Lock()
	gen, haveCreds := c.gen, c.creds != nil
	c.mu.Unlock()

	err := c.send(ctx, r)
	if err == nil || r.noRetry || !haveCreds || !c.recoverable(ctx, r, err) {
		return err
	}
	if serr := c.resignIn(ctx, gen); serr != nil {
		return &SessionError{Method: r.method, Path: apiPrefix + r.path, Err: serr}
	}
	if err = c.send(ctx, r); err != nil {
		var ae *APIError
		if errors.As(err, &ae) && (ae.StatusCode == http.StatusUnauthorized || ae.isCSRF()) {
			return &SessionError{Method: r.method, Path: apiPrefix + r.path, Err: err}
		}
		return err
	}
	return nil
}

// recoverable tells whether err means "session or CSRF token refused".
// Greenlight renders a refused CSRF token through its generic handler (500
// "SomethingWentWrong"), so for a failed write the client asks whether it is
// still signed in; a signed-out session means the write never ran.
func (c *Client) recoverable(ctx context.Context, r request, err error) bool {
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch {
	case ae.StatusCode == http.StatusUnauthorized, ae.isCSRF():
		return true
	case ae.StatusCode == http.StatusInternalServerError && isWrite(r.method):
		var st sessionState
		if perr := c.send(ctx, request{method: http.MethodGet, path: "sessions.json", out: &st, noRetry: true}); perr != nil {
			return false
		}
		return !st.SignedIn
	}
	return false
}

// send performs one HTTP exchange.
func (c *Client) send(ctx context.Context, r request) error {
	path := apiPrefix + r.path
	u := *c.base
	u.Path = c.base.Path + path
	if len(r.query) > 0 {
		u.RawQuery = r.query.Encode()
	}
	var body io.Reader
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return fmt.Errorf("greenlight: %s %s: encode request: %w", r.method, path, err)
		}
		body = bytes.NewReader(b)
	}
	resp, err := c.do(ctx, r.method, u.String(), body, "application/json", path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := readLimited(resp.Body, c.maxBytes)
	if err != nil {
		return &TransportError{Method: r.method, Path: path, Err: err}
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt != "application/json" {
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			return fmt.Errorf("%w: %s %s answered %d with %q", ErrNotAPI, r.method, path, resp.StatusCode, mt)
		}
		return &APIError{Method: r.method, Path: path, StatusCode: resp.StatusCode}
	}
	env, codes, derr := decodeEnvelope(data)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &APIError{Method: r.method, Path: path, StatusCode: resp.StatusCode, Codes: codes}
	}
	if derr != nil {
		return &DecodeError{Method: r.method, Path: path, Err: derr}
	}
	if err := env.decodeData(r.out); err != nil {
		return &DecodeError{Method: r.method, Path: path, Err: err}
	}
	if r.page != nil {
		p, err := env.decodePage()
		if err != nil {
			return &DecodeError{Method: r.method, Path: path, Err: err}
		}
		*r.page = p
	}
	return nil
}

// do sends one request with the headers Greenlight wants, the rate limit
// and the timeout. The caller closes the body.
func (c *Client) do(ctx context.Context, method, rawURL string, body io.Reader, accept, logPath string) (*http.Response, error) {
	if c.limiter != nil {
		if err := c.limiter.Wait(ctx); err != nil {
			return nil, &TransportError{Method: method, Path: logPath, Err: err}
		}
	}
	cancel := context.CancelFunc(func() {})
	if c.timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, body)
	if err != nil {
		cancel()
		return nil, &TransportError{Method: method, Path: logPath, Err: err}
	}
	req.Header.Set("Accept", accept)
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if isWrite(method) {
		c.mu.Lock()
		tok := c.csrf
		c.mu.Unlock()
		if tok != "" {
			req.Header.Set("X-CSRF-Token", tok)
		}
	}
	start := time.Now()
	resp, err := c.hc.Do(req)
	if err != nil {
		cancel()
		c.log.LogAttrs(ctx, slog.LevelDebug, "greenlight request failed",
			slog.String("method", method), slog.String("path", logPath), slog.Duration("took", time.Since(start)))
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is already in the error; keep the message short
		}
		return nil, &TransportError{Method: method, Path: logPath, Err: err}
	}
	c.log.LogAttrs(ctx, slog.LevelDebug, "greenlight request",
		slog.String("method", method), slog.String("path", logPath),
		slog.Int("status", resp.StatusCode), slog.Duration("took", time.Since(start)))
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// cancelBody releases the request timeout when the body is closed.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

// Close closes the body and releases the request timeout.
func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// errTooLarge reports an answer larger than WithMaxResponseBytes.
var errTooLarge = errors.New("response larger than the configured limit")

func readLimited(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, errTooLarge
	}
	return b, nil
}
