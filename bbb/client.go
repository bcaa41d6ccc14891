package bbb

import (
	"context"
	"encoding/xml"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/bbbkit/bbbkit/internal/httpcore"
	"github.com/bbbkit/bbbkit/internal/redact"
)

// Client calls the API of one BigBlueButton server (or of a Scalelite
// balancer, which speaks the same API). It is safe for concurrent use.
type Client struct {
	apiURL string // ".../bigbluebutton/api/"
	secret string
	alg    checksum.Algorithm
	cfg    httpcore.Config // what the options set; Clone starts from it
	http   *httpcore.Client
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
		return nil, paramErr("New", "secret", "empty shared secret")
	}
	cfg := httpcore.Config{
		Service:          "bbb",
		HTTPClient:       http.DefaultClient,
		Timeout:          30 * time.Second,
		Retry:            RetryPolicy{MaxAttempts: 1},
		MaxResponseBytes: 256 << 20,
		Checksum:         int(checksum.SHA256),
	}
	return (&Client{apiURL: api, secret: secret, cfg: cfg}).with("New", opts)
}

// with returns a copy of c built from c's configuration with opts applied.
func (c *Client) with(call string, opts []Option) (*Client, error) {
	cp := *c
	if err := cp.cfg.Apply(opts); err != nil {
		if pe, ok := err.(*ParamError); ok {
			pe.Call = call
		}
		return nil, err
	}
	cp.alg = checksum.Algorithm(cp.cfg.Checksum)
	cp.http = httpcore.New(cp.cfg)
	return &cp, nil
}

// NormalizeAPIURL turns a server URL into its API base ending in "/api/".
// "https://h/bigbluebutton", "https://h/bigbluebutton/" and
// "https://h/bigbluebutton/api" all give "https://h/bigbluebutton/api/".
func NormalizeAPIURL(baseURL string) (string, error) {
	u, err := httpcore.ParseAbsoluteURL(strings.TrimSpace(baseURL))
	if err != nil {
		return "", paramErr("New", "baseURL", err.Error())
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", paramErr("New", "baseURL", "must not carry a query, fragment or user info")
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
	// core reports the attempt that got this answer once it is decoded
	// (see done); nil for answers parsed without a client.
	core *httpcore.Response
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
	idem := idempotentCalls[r.call]
	if r.idempotent != nil {
		idem = *r.idempotent
	}
	hr := &httpcore.Request{Call: r.call, Method: r.method, URL: fullURL, Body: r.body, Header: http.Header{
		"Accept": {"application/xml, application/json;q=0.9, */*;q=0.1"}}, Idempotent: idem,
		NoRedirect: r.noRedirect, Accept: acceptOK, Secrets: []string{c.secret}}
	if r.noRedirect {
		hr.Accept = acceptOKOrRedirect
	}
	if r.contentType != "" {
		hr.Header.Set("Content-Type", r.contentType)
	}
	resp, err := c.http.Do(ctx, hr)
	if err != nil {
		return nil, err
	}
	return &rawResponse{call: r.call, url: resp.URL, status: resp.StatusCode, header: resp.Header, body: resp.Body, core: resp}, nil
}

// acceptOK: BigBlueButton answers every call, FAILED included, with 200.
func acceptOK(status int) bool { return status == http.StatusOK }

func acceptOKOrRedirect(status int) bool { return status == http.StatusOK || isRedirect(status) }

func isRedirect(code int) bool {
	return code == http.StatusFound || code == http.StatusMovedPermanently ||
		code == http.StatusSeeOther || code == http.StatusTemporaryRedirect || code == http.StatusPermanentRedirect
}

// done reports an answered attempt with the outcome of decoding it, and
// returns err. Text the server supplied in an *Error is redacted here, on
// the one path every answer takes.
func (c *Client) done(resp *rawResponse, err error) error {
	if err != nil { // declared inside: on the success path nothing escapes
		var ae *Error
		if errors.As(err, &ae) {
			ae.Message = resp.redact(ae.Message)
			for i := range ae.Errors {
				ae.Errors[i].Message = resp.redact(ae.Errors[i].Message)
			}
		}
	}
	if resp.core != nil {
		return resp.core.Done(err)
	}
	return err
}

// RedactURL returns u with the checksum, session tokens and passwords in its
// query replaced by REDACTED, for logs and error messages. It is the
// redactor every bbbkit client uses.
func RedactURL(u string) string { return redact.URL(u) }

// redact removes credentials from server-supplied text.
func (resp *rawResponse) redact(s string) string {
	if resp.core != nil {
		return resp.core.Redact(s)
	}
	return redact.String(s)
}

// decodeXML decodes an XML answer into out and turns FAILED into *Error.
func (c *Client) decodeXML(resp *rawResponse, out Response) error {
	if err := xml.Unmarshal(resp.body, out); err != nil {
		return c.done(resp, resp.decodeErr(describeXMLError(err)))
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
	return resp.decodeErr(errors.New("returncode is neither SUCCESS nor FAILED"))
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
