package greenlight

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/bbbkit/bbbkit/internal/httpcore"
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
	base *url.URL
	http *httpcore.Client

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
	u, err := httpcore.ParseAbsoluteURL(strings.TrimSpace(baseURL))
	if err != nil {
		return nil, &ParamError{Service: "greenlight", Call: "New", Param: "baseURL", Msg: err.Error()}
	}
	if u.User != nil {
		return nil, &ParamError{Service: "greenlight", Call: "New", Param: "baseURL", Msg: "must not contain credentials"}
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawQuery, u.Fragment, u.RawPath = "", "", ""
	cfg := httpcore.Config{
		Service:          "greenlight",
		HTTPClient:       &http.Client{},
		Timeout:          defaultTimeout,
		MaxResponseBytes: defaultMaxBytes,
		UserAgent:        "bbbkit-greenlight/1",
	}
	c := &Client{base: u}
	if err := cfg.Apply(opts); err != nil {
		return nil, err
	}
	if cfg.Checksum != 0 {
		return nil, &ParamError{Service: "greenlight", Call: "New", Param: "WithChecksum", Msg: "Greenlight's API is not signed"}
	}
	if cfg.HTTPClient.Jar == nil {
		jar, err := cookiejar.New(nil)
		if err != nil {
			return nil, fmt.Errorf("greenlight: cookie jar: %w", err)
		}
		hc := *cfg.HTTPClient
		hc.Jar = jar
		cfg.HTTPClient = &hc
	}
	c.http = httpcore.New(cfg)
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
	// secrets are credentials in body (a password), redacted from every
	// server-supplied text so that a server echoing the request cannot put
	// them into an error.
	secrets []string
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

// send performs one call of the JSON API.
func (c *Client) send(ctx context.Context, r request) error {
	path := apiPrefix + r.path
	u := *c.base
	u.Path = c.base.Path + path
	if len(r.query) > 0 {
		u.RawQuery = r.query.Encode()
	}
	var body []byte
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return &ParamError{Service: "greenlight", Call: r.method + " " + path, Param: "body", Msg: "cannot be encoded as JSON"}
		}
		body = b
	}
	resp, err := c.exchange(ctx, r.method, path, u.String(), body, "application/json", r.secrets)
	if err != nil {
		return err
	}
	return resp.Done(c.decode(resp, r, path))
}

// decode classifies an answer and decodes a success into r.out.
func (c *Client) decode(resp *httpcore.Response, r request, path string) error {
	decodeErr := func(err error) error {
		return &DecodeError{Service: "greenlight", Call: r.method + " " + path, URL: resp.URL, Err: err}
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt != "application/json" {
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			return decodeErr(fmt.Errorf("%w: answered %d with %q", ErrNotAPI, resp.StatusCode, mt))
		}
		return &APIError{Method: r.method, Path: path, StatusCode: resp.StatusCode}
	}
	env, codes, derr := decodeEnvelope(resp.Body)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		for i := range codes {
			codes[i] = resp.Redact(codes[i])
		}
		return &APIError{Method: r.method, Path: path, StatusCode: resp.StatusCode, Codes: codes}
	}
	if derr != nil {
		return decodeErr(derr)
	}
	if err := env.decodeData(r.out); err != nil {
		return decodeErr(err)
	}
	if r.page != nil {
		p, err := env.decodePage()
		if err != nil {
			return decodeErr(err)
		}
		*r.page = p
	}
	return nil
}

// exchange sends one request with the headers Greenlight wants (the CSRF
// token on writes) through the shared core, which applies the rate limit,
// the timeout and the size cap. Reads are retried under WithRetry. secrets
// are the credentials body carries (see request.secrets).
func (c *Client) exchange(ctx context.Context, method, path, rawURL string, body []byte, accept string, secrets []string) (*httpcore.Response, error) {
	hr := &httpcore.Request{Call: method + " " + path, Method: method, URL: rawURL, Body: body,
		Header: http.Header{"Accept": {accept}}, Idempotent: !isWrite(method), Accept: acceptAll}
	if body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	c.mu.Lock()
	tok, creds := c.csrf, c.creds
	c.mu.Unlock()
	if tok != "" {
		hr.Secrets = append(hr.Secrets, tok)
		if isWrite(method) {
			hr.Header.Set("X-CSRF-Token", tok)
		}
	}
	if creds != nil {
		hr.Secrets = append(hr.Secrets, creds.password)
	}
	hr.Secrets = append(hr.Secrets, secrets...)
	return c.http.Do(ctx, hr)
}

// acceptAll: the client classifies every status itself.
func acceptAll(int) bool { return true }
