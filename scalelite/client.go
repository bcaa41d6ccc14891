package scalelite

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bbbkit/bbbkit/bbb/checksum"
)

// Defaults used by New.
const (
	// DefaultTimeout bounds each call when WithTimeout is not given.
	DefaultTimeout = 30 * time.Second
	// DefaultMaxResponseBytes caps the size of an answer.
	DefaultMaxResponseBytes = 8 << 20
)

// Client calls the Scalelite admin API. It is safe for concurrent use.
type Client struct {
	base     string // ends in "/scalelite/api/"
	secret   string
	alg      checksum.Algorithm
	hc       *http.Client
	timeout  time.Duration
	log      *slog.Logger
	maxBytes int64
	ua       string
	auth     adminAuth // how requests are signed (auth.go)
}

// Option configures a Client.
type Option func(*Client) error

// WithHTTPClient sets the HTTP client (default: a client of its own with no
// overall timeout; WithTimeout bounds each call instead).
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) error {
		if hc == nil {
			return errors.New("scalelite: WithHTTPClient: nil client")
		}
		c.hc = hc
		return nil
	}
}

// WithChecksum sets the checksum algorithm (default SHA-256). Scalelite
// accepts the algorithms in LOADBALANCER_CHECKSUM_ALGORITHM, by default
// SHA-1, SHA-256 and SHA-512; Scalelite 1.5.1 accepts SHA-1 only.
func WithChecksum(alg checksum.Algorithm) Option {
	return func(c *Client) error {
		if !alg.Valid() {
			return fmt.Errorf("scalelite: WithChecksum: invalid algorithm %s", alg)
		}
		c.alg = alg
		return nil
	}
}

// WithTimeout bounds each call, including reading the answer (default
// DefaultTimeout). Zero means no limit beyond the context's.
func WithTimeout(d time.Duration) Option {
	return func(c *Client) error {
		if d < 0 {
			return errors.New("scalelite: WithTimeout: negative duration")
		}
		c.timeout = d
		return nil
	}
}

// WithLogger sets a logger for one debug line per call (action, status,
// duration). URLs are logged without their query, and secrets never.
func WithLogger(l *slog.Logger) Option {
	return func(c *Client) error {
		if l == nil {
			return errors.New("scalelite: WithLogger: nil logger")
		}
		c.log = l
		return nil
	}
}

// WithMaxResponseBytes caps the size of an answer (default
// DefaultMaxResponseBytes); a larger answer is a *DecodeError.
func WithMaxResponseBytes(n int64) Option {
	return func(c *Client) error {
		if n <= 0 {
			return errors.New("scalelite: WithMaxResponseBytes: limit must be positive")
		}
		c.maxBytes = n
		return nil
	}
}

// WithUserAgent sets the User-Agent header (default "bbbkit-scalelite").
func WithUserAgent(ua string) Option {
	return func(c *Client) error {
		c.ua = ua
		return nil
	}
}

// New returns a client for the Scalelite at baseURL, signing with secret
// (LOADBALANCER_SECRET, or any of LOADBALANCER_SECRETS; tenant secrets are
// never accepted by the admin API).
//
// baseURL may be the Scalelite root ("https://sl.example.com"), the admin API
// itself (".../scalelite/api") or the BigBlueButton API URL frontends use
// (".../bigbluebutton/api"); the client always calls ".../scalelite/api/".
func New(baseURL, secret string, opts ...Option) (*Client, error) {
	base, err := adminBase(baseURL)
	if err != nil {
		return nil, err
	}
	if secret == "" {
		return nil, errors.New("scalelite: empty secret")
	}
	c := &Client{
		base:     base,
		secret:   secret,
		alg:      checksum.SHA256,
		hc:       &http.Client{},
		timeout:  DefaultTimeout,
		log:      slog.New(slog.DiscardHandler),
		maxBytes: DefaultMaxResponseBytes,
		ua:       "bbbkit-scalelite",
	}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// adminBase normalizes a user-given URL to ".../scalelite/api/".
func adminBase(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", errors.New("scalelite: base URL does not parse")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", errors.New("scalelite: base URL must be http or https")
	}
	if u.Host == "" {
		return "", errors.New("scalelite: base URL has no host")
	}
	if u.User != nil {
		return "", errors.New("scalelite: base URL must not carry credentials")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", errors.New("scalelite: base URL must not have a query or fragment")
	}
	p := strings.TrimRight(u.Path, "/")
	switch {
	case strings.HasSuffix(p, "/scalelite/api"):
		p = strings.TrimSuffix(p, "/scalelite/api")
	case strings.HasSuffix(p, "/bigbluebutton/api"):
		p = strings.TrimSuffix(p, "/bigbluebutton/api")
	case strings.HasSuffix(p, "/bigbluebutton"):
		p = strings.TrimSuffix(p, "/bigbluebutton")
	}
	u.Path = p + "/scalelite/api/"
	u.RawPath = ""
	return u.String(), nil
}

// BaseURL returns the admin API base URL the client calls, ending in
// "/scalelite/api/".
func (c *Client) BaseURL() string { return c.base }

// Algorithm returns the checksum algorithm the client signs with.
func (c *Client) Algorithm() checksum.Algorithm { return c.alg }

// SignedURL returns the signed URL of an admin action with the given query,
// as the client would send it with no body (see auth.go: it expires after
// DefaultAuthValidity unless WithLegacyAuth). It is meant for tools that
// print a curl command; the URL carries a checksum, so do not log it.
func (c *Client) SignedURL(action string, q url.Values) string {
	signed, _ := c.sign(action, q.Encode(), nil)
	return c.base + action + "?" + signed
}

// call describes one admin API request.
type call struct {
	action  string
	method  string
	query   url.Values
	body    any      // JSON-encoded when non-nil
	secrets []string // secrets in the body, redacted from error messages
}

// do sends the request and decodes a successful JSON answer into out (which
// may be nil).
func (c *Client) do(ctx context.Context, rq call, out any) error {
	if ctx == nil {
		return &ArgumentError{Call: rq.action, Field: "ctx", Reason: "is nil"}
	}
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	endpoint := c.base + rq.action
	var body io.Reader
	var payload []byte
	if rq.body != nil {
		b, err := json.Marshal(rq.body)
		if err != nil {
			return &ArgumentError{Call: rq.action, Field: "body", Reason: "cannot be encoded as JSON"}
		}
		body, payload = bytes.NewReader(b), b
	}
	signed, sum := c.sign(rq.action, rq.query.Encode(), payload)
	req, err := http.NewRequestWithContext(ctx, rq.method, endpoint+"?"+signed, body)
	if err != nil {
		return &ArgumentError{Call: rq.action, Field: "request", Reason: "cannot be built"}
	}
	req.Header.Set("Accept", "application/json")
	if c.ua != "" {
		req.Header.Set("User-Agent", c.ua)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	start := time.Now()
	resp, err := c.hc.Do(req)
	if err != nil {
		c.log.LogAttrs(ctx, slog.LevelDebug, "scalelite call failed", slog.String("action", rq.action),
			slog.Duration("duration", time.Since(start)))
		return &TransportError{Call: rq.action, URL: endpoint, Err: cause(err)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBytes+1))
	c.log.LogAttrs(ctx, slog.LevelDebug, "scalelite call", slog.String("action", rq.action),
		slog.String("method", rq.method), slog.String("url", endpoint), slog.Int("status", resp.StatusCode),
		slog.Int("bytes", len(data)), slog.Duration("duration", time.Since(start)))
	if err != nil {
		return &TransportError{Call: rq.action, URL: endpoint, Err: cause(err)}
	}
	if int64(len(data)) > c.maxBytes {
		return &DecodeError{Call: rq.action, URL: endpoint, Err: fmt.Errorf("answer larger than %d bytes", c.maxBytes)}
	}
	err = decodeAnswer(rq.action, resp.StatusCode, resp.Header.Get("Content-Type"), data, out)
	return finishError(err, endpoint, append(rq.secrets, c.secret, sum))
}

// cause strips the *url.Error wrapper, whose message holds the full URL and
// so the checksum.
func cause(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// finishError fills in the URL and removes known secrets from messages.
func finishError(err error, endpoint string, secrets []string) error {
	switch e := err.(type) {
	case nil:
		return nil
	case *Error:
		e.Message = redact(e.Message, secrets)
	case *HTTPError:
		e.URL = endpoint
	case *DecodeError:
		e.URL = endpoint
	}
	return err
}

func redact(msg string, secrets []string) string {
	for _, s := range secrets {
		if len(s) >= 3 && strings.Contains(msg, s) {
			msg = strings.ReplaceAll(msg, s, "[redacted]")
		}
	}
	return msg
}

// xmlFailure is the BigBlueButton-style error body.
type xmlFailure struct {
	XMLName    xml.Name `xml:"response"`
	ReturnCode string   `xml:"returncode"`
	MessageKey string   `xml:"messageKey"`
	Message    string   `xml:"message"`
}

// jsonFailure is the JSON error body: {"error": ...} or {"message": ...}.
type jsonFailure struct {
	Error   json.RawMessage `json:"error"`
	Message json.RawMessage `json:"message"`
}

// decodeAnswer classifies an answer and decodes a success into out. It is a
// pure function of the status, content type and body, so it can be fuzzed.
func decodeAnswer(action string, status int, contentType string, body []byte, out any) error {
	trimmed := bytes.TrimSpace(body)
	ok := status >= 200 && status < 300
	mt, _, _ := mime.ParseMediaType(contentType)
	switch {
	case len(trimmed) > 0 && trimmed[0] == '<':
		var f xmlFailure
		if err := xml.Unmarshal(trimmed, &f); err != nil || f.ReturnCode == "" {
			if ok {
				return &DecodeError{Call: action, Err: errors.New("answer is XML but not a BigBlueButton-style <response>")}
			}
			return &HTTPError{Call: action, StatusCode: status, ContentType: mt}
		}
		if strings.EqualFold(strings.TrimSpace(f.ReturnCode), "SUCCESS") {
			if ok {
				return &DecodeError{Call: action, Err: errors.New("answer is XML, want JSON")}
			}
			return &HTTPError{Call: action, StatusCode: status, ContentType: mt}
		}
		return &Error{Call: action, StatusCode: status, Key: strings.TrimSpace(f.MessageKey), Message: strings.TrimSpace(f.Message)}
	case len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '['):
		if ok {
			if out == nil {
				return nil
			}
			if err := json.Unmarshal(trimmed, out); err != nil {
				return &DecodeError{Call: action, Err: err}
			}
			return nil
		}
		var f jsonFailure
		if trimmed[0] != '{' || json.Unmarshal(trimmed, &f) != nil {
			return &HTTPError{Call: action, StatusCode: status, ContentType: mt}
		}
		msg := jsonText(f.Error)
		if msg == "" {
			msg = jsonText(f.Message)
		}
		return &Error{Call: action, StatusCode: status, Message: msg}
	case ok && out == nil && len(trimmed) == 0:
		return nil
	case ok:
		return &DecodeError{Call: action, Err: errors.New("answer is not JSON")}
	default:
		return &HTTPError{Call: action, StatusCode: status, ContentType: mt}
	}
}

// jsonText renders an error field: a string as is, anything else (Rails
// sometimes sends a list or an object of messages) as compact JSON.
func jsonText(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) == nil {
		return truncate(buf.String(), 512)
	}
	return ""
}
