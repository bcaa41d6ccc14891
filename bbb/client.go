package bbb

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/bbbkit/bbbkit/bbb/checksum"
)

// Client calls the API of one BigBlueButton server (or of a Scalelite
// balancer, which speaks the same API). It is safe for concurrent use.
type Client struct {
	apiURL   string // ".../bigbluebutton/api/"
	secret   string
	alg      checksum.Algorithm
	hc       *http.Client
	timeout  time.Duration
	retry    RetryPolicy
	limiter  *rate.Limiter
	log      *slog.Logger
	maxBytes int64
	observe  func(RequestInfo)
}

// New returns a client for the server whose API lives at baseURL, such as
// "https://bbb.example.org/bigbluebutton/" or
// "https://bbb.example.org/bigbluebutton/api" (both work), signing with the
// shared secret. It validates its arguments and does no I/O.
func New(baseURL, secret string, opts ...Option) (*Client, error) {
	api, err := NormalizeAPIURL(baseURL)
	if err != nil {
		return nil, err
	}
	secret = strings.TrimSpace(secret)
	if secret == "" {
		return nil, &ParamError{Call: "New", Param: "secret", Msg: "empty shared secret"}
	}
	c := &Client{
		apiURL:   api,
		secret:   secret,
		alg:      checksum.SHA256,
		hc:       http.DefaultClient,
		timeout:  30 * time.Second,
		retry:    RetryPolicy{MaxAttempts: 1},
		log:      slog.New(slog.DiscardHandler),
		maxBytes: 256 << 20,
	}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// NormalizeAPIURL turns a server URL into its API base ending in "/api/".
// "https://h/bigbluebutton", "https://h/bigbluebutton/" and
// "https://h/bigbluebutton/api" all give "https://h/bigbluebutton/api/".
func NormalizeAPIURL(baseURL string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", &ParamError{Call: "New", Param: "baseURL", Msg: "need an absolute http or https URL"}
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", &ParamError{Call: "New", Param: "baseURL", Msg: "must not carry a query, fragment or user info"}
	}
	p := strings.TrimRight(u.Path, "/")
	if !strings.HasSuffix(p, "/api") && p != "api" {
		p += "/api"
	}
	u.Path = p + "/"
	u.RawPath = ""
	return u.String(), nil
}

// APIURL returns the API base URL, ending in "/api/".
func (c *Client) APIURL() string { return c.apiURL }

// Algorithm returns the checksum algorithm the client signs with.
func (c *Client) Algorithm() checksum.Algorithm { return c.alg }

// SignedURL returns the signed GET URL of call with the parameters q
// (encoded in sorted key order with Java-URLEncoder escaping). It does no
// I/O; the URL carries a checksum, so treat it as a credential.
func (c *Client) SignedURL(call string, q url.Values) string {
	return c.signedURL(call, EncodeQuery(q))
}

// signedURL builds apiURL + call + "?" + query + "checksum=" + sum in one
// allocation.
func (c *Client) signedURL(call, query string) string {
	var b strings.Builder
	b.Grow(len(c.apiURL) + len(call) + len(query) + 11 + c.alg.HexLen())
	b.WriteString(c.apiURL)
	b.WriteString(call)
	b.WriteByte('?')
	b.WriteString(query)
	if query != "" {
		b.WriteByte('&')
	}
	b.WriteString("checksum=")
	var sum [128]byte
	b.Write(checksum.AppendSum(sum[:0], c.alg, call, query, c.secret))
	return b.String()
}

// Response is implemented by every XML answer type: they embed Envelope.
type Response interface {
	envelope() *Envelope
}

// Envelope holds the fields every answer of BigBlueButton carries, XML or
// JSON. Embed it in a struct to decode a call bbbkit has no method for with
// Do.
type Envelope struct {
	XMLName    xml.Name `xml:"response" json:"-"`
	ReturnCode string   `xml:"returncode" json:"returncode"`
	Answer
	Errors []errorEntry `xml:"errors>error" json:"errors,omitempty"`
}

func (e *Envelope) envelope() *Envelope { return e }

// errorEntry decodes both <error><key/><message/></error> and the older
// <error key="" message=""/>.
type errorEntry KeyValue

// UnmarshalXML implements xml.Unmarshaler.
func (e *errorEntry) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	for _, a := range start.Attr {
		switch a.Name.Local {
		case "key":
			e.Key = a.Value
		case "message":
			e.Message = a.Value
		}
	}
	var v struct {
		Key     string `xml:"key"`
		Message string `xml:"message"`
	}
	if err := d.DecodeElement(&v, &start); err != nil {
		return err
	}
	if v.Key != "" {
		e.Key = v.Key
	}
	if v.Message != "" {
		e.Message = v.Message
	}
	return nil
}

// Do sends a signed GET request for any API call, including calls this
// package has no method for (such as "hooks/create" or calls newer than
// bbbkit), and decodes the answer into out, which must embed Envelope: XML
// with out's xml tags, or, when the server answers JSON ({"response": {...}},
// as BigBlueButton 3.0's JSON calls do), with its json tags. A FAILED answer
// is returned as *Error. Do retries only calls known to be idempotent.
func (c *Client) Do(ctx context.Context, call string, q url.Values, out Response) error {
	resp, err := c.send(ctx, &request{call: call, method: http.MethodGet, query: EncodeQuery(q), signed: true})
	if err != nil {
		return err
	}
	return c.decodeAnswer(resp, out)
}

func (c *Client) getXML(ctx context.Context, call, query string, out Response) error {
	resp, err := c.send(ctx, &request{call: call, method: http.MethodGet, query: query, signed: true})
	if err != nil {
		return err
	}
	return c.decodeXML(resp, out)
}

// request is one API request before signing.
type request struct {
	call        string
	method      string
	query       string // encoded, without checksum
	body        []byte
	contentType string
	signed      bool
	noRedirect  bool // answer redirects instead of following them (join)
	idempotent  *bool
}

// rawResponse is a complete answer read into memory.
type rawResponse struct {
	call   string
	url    string // redacted
	status int
	header http.Header
	body   []byte
	// The attempt that got this answer; it is reported to the observer
	// and the log once the answer is decoded (see done).
	method  string
	attempt int
	start   time.Time
}

// idempotentCalls may be retried: repeating them changes nothing
// (create answers duplicateWarning on a repeat).
var idempotentCalls = map[string]bool{
	"": true, "create": true, "isMeetingRunning": true, "getMeetings": true,
	"getMeetingInfo": true, "getSessions": true, "getRecordings": true,
	"updateRecordings": true, "getRecordingTextTracks": true,
	"hooks/list": true, "hooks/create": true, "hooks/destroy": false,
}

func (c *Client) send(ctx context.Context, r *request) (*rawResponse, error) {
	var fullURL string
	if r.signed {
		fullURL = c.signedURL(r.call, r.query)
	} else {
		fullURL = c.apiURL + r.call
		if r.query != "" {
			fullURL += "?" + r.query
		}
	}
	redacted := RedactURL(fullURL)
	attempts := 1
	idem := idempotentCalls[r.call]
	if r.idempotent != nil {
		idem = *r.idempotent
	}
	if idem {
		attempts = c.retry.MaxAttempts
	}
	backoff := c.retry.MinBackoff
	for attempt := 1; ; attempt++ {
		resp, err := c.sendOnce(ctx, r, fullURL, redacted, attempt)
		if err == nil || attempt >= attempts || !retryable(err) || ctx.Err() != nil {
			return resp, err
		}
		delay := time.Duration(0)
		if backoff > 0 {
			delay = rand.N(backoff + 1)
		}
		c.log.LogAttrs(ctx, slog.LevelWarn, "bbb: retrying request",
			slog.String("call", r.call), slog.Int("attempt", attempt), slog.Duration("delay", delay), slog.String("error", err.Error()))
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, &TransportError{Call: r.call, URL: redacted, Err: ctx.Err()}
		case <-t.C:
		}
		backoff = min(backoff*2, c.retry.MaxBackoff)
	}
}

func retryable(err error) bool {
	var he *HTTPError
	if errors.As(err, &he) {
		switch he.StatusCode {
		case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return true
		}
		return false
	}
	var te *TransportError
	return errors.As(err, &te)
}

func (c *Client) sendOnce(ctx context.Context, r *request, fullURL, redacted string, attempt int) (resp *rawResponse, err error) {
	start := time.Now()
	status := 0
	defer func() {
		// An answer that arrived is reported by done, after decoding, so
		// that a FAILED answer counts as failed; here only attempts that
		// got no usable answer are.
		if err != nil {
			c.report(ctx, RequestInfo{Call: r.call, Method: r.method, Attempt: attempt, Status: status, Duration: time.Since(start), Err: err}, redacted)
		}
	}()
	if c.limiter != nil {
		if err := c.limiter.Wait(ctx); err != nil {
			return nil, &TransportError{Call: r.call, URL: redacted, Err: err}
		}
	}
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, fullURL, body)
	if err != nil {
		return nil, &TransportError{Call: r.call, URL: redacted, Err: errors.New("cannot build request")}
	}
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	req.Header.Set("Accept", "application/xml, application/json;q=0.9, */*;q=0.1")
	hc := c.hc
	if r.noRedirect {
		cp := *hc
		cp.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		hc = &cp
	}
	hr, err := hc.Do(req)
	if err != nil {
		return nil, &TransportError{Call: r.call, URL: redacted, Err: scrubURLError(err)}
	}
	defer hr.Body.Close()
	status = hr.StatusCode
	data, err := io.ReadAll(io.LimitReader(hr.Body, c.maxBytes+1))
	if err != nil {
		return nil, &TransportError{Call: r.call, URL: redacted, Err: scrubURLError(err)}
	}
	if int64(len(data)) > c.maxBytes {
		return nil, &DecodeError{Call: r.call, URL: redacted, Err: ErrResponseTooLarge}
	}
	resp = &rawResponse{call: r.call, url: redacted, status: hr.StatusCode, header: hr.Header, body: data,
		method: r.method, attempt: attempt, start: start}
	if hr.StatusCode != http.StatusOK && !(r.noRedirect && isRedirect(hr.StatusCode)) {
		return nil, &HTTPError{Call: r.call, URL: redacted, StatusCode: hr.StatusCode,
			ContentType: hr.Header.Get("Content-Type"), Snippet: snippet(data, c.secret)}
	}
	return resp, nil
}

func isRedirect(code int) bool {
	return code == http.StatusFound || code == http.StatusMovedPermanently ||
		code == http.StatusSeeOther || code == http.StatusTemporaryRedirect || code == http.StatusPermanentRedirect
}

// scrubURLError drops the URL (which carries the checksum) that net/http puts
// into its errors, keeping the cause.
func scrubURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// snippet returns up to 200 bytes of a body for an HTTPError, with any
// checksum-like or secret text removed.
func snippet(b []byte, secret string) string {
	if len(b) > 200 {
		b = b[:200]
	}
	s := strings.ToValidUTF8(string(b), "")
	if secret != "" {
		s = strings.ReplaceAll(s, secret, "REDACTED")
	}
	if i := strings.Index(s, "?"); i >= 0 {
		s = s[:i] + "?" + redactQuery(s[i+1:])
	}
	return strings.TrimSpace(s)
}

// report sends one finished attempt to the observer and the debug log.
func (c *Client) report(ctx context.Context, ri RequestInfo, redactedURL string) {
	if c.observe != nil {
		c.observe(ri)
	}
	if c.log != nil && c.log.Enabled(ctx, slog.LevelDebug) {
		c.log.LogAttrs(ctx, slog.LevelDebug, "bbb: request",
			slog.String("call", ri.Call), slog.String("method", ri.Method), slog.String("url", redactedURL),
			slog.Int("status", ri.Status), slog.Duration("duration", ri.Duration), slog.Int("attempt", ri.Attempt),
			slog.String("outcome", outcome(ri.Err)))
	}
}

// done reports an answered attempt with the outcome of decoding it, and
// returns err.
func (c *Client) done(resp *rawResponse, err error) error {
	c.report(context.Background(), RequestInfo{Call: resp.call, Method: resp.method, Attempt: resp.attempt,
		Status: resp.status, Duration: time.Since(resp.start), Err: err}, resp.url)
	return err
}

func outcome(err error) string {
	if err == nil {
		return "success"
	}
	var (
		ae *Error
		he *HTTPError
		te *TransportError
		de *DecodeError
	)
	switch {
	case errors.As(err, &ae):
		return "failed"
	case errors.As(err, &he):
		return "http_error"
	case errors.As(err, &te):
		return "transport_error"
	case errors.As(err, &de):
		return "decode_error"
	}
	return "error"
}

// decodeXML decodes an XML answer into out and turns FAILED into *Error.
func (c *Client) decodeXML(resp *rawResponse, out Response) error {
	if err := xml.Unmarshal(resp.body, out); err != nil {
		return c.done(resp, &DecodeError{Call: resp.call, URL: resp.url, Err: describeXMLError(err)})
	}
	return c.done(resp, checkEnvelope(resp, out.envelope()))
}

func checkEnvelope(resp *rawResponse, env *Envelope) error {
	switch strings.ToUpper(strings.TrimSpace(env.ReturnCode)) {
	case "SUCCESS":
		return nil
	case "FAILED":
		e := &Error{Call: resp.call, Key: strings.TrimSpace(env.MessageKey), Message: strings.TrimSpace(env.Message)}
		for _, x := range env.Errors {
			e.Errors = append(e.Errors, KeyValue(x))
		}
		if e.Key == "" && len(e.Errors) > 0 {
			e.Key, e.Message = e.Errors[0].Key, e.Errors[0].Message
		}
		return e
	}
	return &DecodeError{Call: resp.call, URL: resp.url, Err: errors.New("returncode is neither SUCCESS nor FAILED")}
}

// describeXMLError keeps XML syntax errors but never quotes document text at
// length.
func describeXMLError(err error) error {
	var ue xml.UnmarshalError
	if errors.As(err, &ue) {
		return errors.New(truncate(string(ue)))
	}
	return err
}

func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
