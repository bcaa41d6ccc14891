package scalelite

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/bbbkit/bbbkit/internal/httpcore"
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
	base   string // ends in "/scalelite/api/"
	secret string
	alg    checksum.Algorithm
	http   *httpcore.Client
	auth   adminAuth // how requests are signed (auth.go)
}

// Option configures a Client: the options of every bbbkit client
// (bbb.WithHTTPClient, bbb.WithTimeout, bbb.WithRetry, bbb.WithRateLimit,
// bbb.WithLogger, bbb.WithObserver, bbb.WithMaxResponseBytes,
// bbb.WithUserAgent, bbb.WithChecksum). Scalelite accepts the checksum
// algorithms in LOADBALANCER_CHECKSUM_ALGORITHM, by default SHA-1, SHA-256
// and SHA-512; Scalelite 1.5.1 accepts SHA-1 only. WithRetry retries the
// read-only actions (get*); actions that change state are tried once.
type Option = bbb.Option

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
		return nil, invalid("New", "secret", "is empty")
	}
	cfg := httpcore.Config{
		Service:          "scalelite",
		HTTPClient:       &http.Client{},
		Timeout:          DefaultTimeout,
		MaxResponseBytes: DefaultMaxResponseBytes,
		UserAgent:        "bbbkit-scalelite",
		Checksum:         int(checksum.SHA256),
	}
	c := &Client{base: base, secret: secret}
	cfg.Own = c // for options only this client takes (httpcore.Own)
	if err := cfg.Apply(opts); err != nil {
		return nil, err
	}
	cfg.Own = nil
	c.alg, c.http = checksum.Algorithm(cfg.Checksum), httpcore.New(cfg)
	return c, nil
}

// adminBase normalizes a user-given URL to ".../scalelite/api/".
func adminBase(raw string) (string, error) {
	u, err := httpcore.ParseAbsoluteURL(strings.TrimSpace(raw))
	if err != nil {
		return "", invalid("New", "baseURL", err.Error())
	}
	if u.User != nil {
		return "", invalid("New", "baseURL", "must not carry credentials")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", invalid("New", "baseURL", "must not have a query or fragment")
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
	signed := c.sign(action, q.Encode(), nil)
	return c.base + action + "?" + signed
}

// call describes one admin API request.
type call struct {
	action  string
	method  string
	query   url.Values
	body    any      // JSON-encoded when non-nil
	secrets []string // secrets in the body, redacted from error messages
	// noneOK: Scalelite's 404 "No servers are configured" is an empty list.
	noneOK bool
}

// do sends the request and decodes a successful JSON answer into out (which
// may be nil). Read-only actions (GET) are retried under WithRetry.
func (c *Client) do(ctx context.Context, rq call, out any) error {
	if ctx == nil {
		return invalid(rq.action, "ctx", "is nil")
	}
	var body []byte
	if rq.body != nil {
		b, err := json.Marshal(rq.body)
		if err != nil {
			return invalid(rq.action, "body", "cannot be encoded as JSON")
		}
		body = b
	}
	endpoint := c.base + rq.action
	signed := c.sign(rq.action, rq.query.Encode(), body)
	hr := &httpcore.Request{Call: rq.action, Method: rq.method, URL: endpoint + "?" + signed,
		LogURL: endpoint, Body: body, Header: http.Header{"Accept": {"application/json"}}, Idempotent: rq.method == http.MethodGet,
		Accept: acceptAll, Secrets: append([]string{c.secret}, rq.secrets...)}
	if body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(ctx, hr)
	if err != nil {
		return err
	}
	err = decodeAnswer(rq.action, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Body, out)
	if rq.noneOK && isNoServers(err) {
		err = nil
	}
	return resp.Done(finishError(err, resp))
}

// isNoServers reports Scalelite's answer to getServers when it has none.
func isNoServers(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Key == "" && e.StatusCode == http.StatusNotFound && strings.Contains(e.Message, "No servers")
}

// acceptAll: Scalelite's answers are classified by decodeAnswer, whatever
// their status.
func acceptAll(int) bool { return true }

// finishError fills in what decodeAnswer cannot know (the client, the
// redacted URL, a snippet of a foreign body) and redacts the server's
// message.
func finishError(err error, resp *httpcore.Response) error {
	switch e := err.(type) {
	case *Error:
		e.Message = resp.Redact(e.Message)
	case *HTTPError:
		e.Service, e.URL, e.Snippet = "scalelite", resp.URL, resp.Snippet()
	case *DecodeError:
		e.Service, e.URL = "scalelite", resp.URL
	}
	return err
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
