package httpcore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/bbbkit/bbbkit/internal/redact"
)

// SnippetBytes is the most of a body an *HTTPError keeps.
const SnippetBytes = 200

// scanBytes is how much of a body is redacted to cut the snippet from, so
// that a credential that starts inside the snippet is found whole.
const scanBytes = 4 << 10

var errBadRequest = errors.New("cannot build request")

func (c *Client) tooLarge() error {
	return fmt.Errorf("%w: larger than %d bytes", ErrResponseTooLarge, c.cfg.MaxResponseBytes)
}

// httpError builds the *HTTPError of an unexpected status, with a redacted
// snippet of the body.
func (c *Client) httpError(r *Request, logURL string, status int, h http.Header, body []byte) *HTTPError {
	return &HTTPError{Service: c.cfg.Service, Call: r.Call, URL: logURL, StatusCode: status,
		ContentType: h.Get("Content-Type"), Snippet: Snippet(body, r)}
}

// Snippet returns the start of a body for an error message: redacted, valid
// UTF-8, at most SnippetBytes long.
func Snippet(body []byte, r *Request) string {
	if len(body) > scanBytes {
		body = body[:scanBytes]
	}
	s := redactText(strings.ToValidUTF8(string(body), ""), r)
	if len(s) > SnippetBytes {
		s = strings.ToValidUTF8(s[:SnippetBytes], "")
	}
	return strings.TrimSpace(s)
}

// redactText redacts server-supplied text with everything the request
// knows to be secret.
func redactText(s string, r *Request) string {
	if s == "" {
		return s
	}
	return redact.String(s, knownSecrets(r)...)
}

// knownSecrets are the request's Secrets plus the values of the secret
// parameters of its URL (the checksum, tokens, passwords), raw and decoded.
func knownSecrets(r *Request) []string {
	if r == nil {
		return nil
	}
	out := append([]string(nil), r.Secrets...)
	_, q, ok := strings.Cut(r.URL, "?")
	if !ok {
		return out
	}
	for _, p := range strings.Split(q, "&") {
		k, v, ok := strings.Cut(p, "=")
		if !ok || v == "" || !redact.IsSecretParam(k) {
			continue
		}
		out = append(out, v)
		if d, err := url.QueryUnescape(v); err == nil && d != v {
			out = append(out, d)
		}
	}
	return out
}

func redactURL(u string) string { return redact.URL(u) }

// cappedBody is a streamed answer: it fails past the size cap and releases
// the attempt's timeout when closed.
type cappedBody struct {
	body     io.ReadCloser
	left     int64
	cancel   context.CancelFunc
	tooLarge error
}

// Read implements io.Reader.
func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more tells a body of exactly the cap from a larger one.
		var one [1]byte
		n, err := b.body.Read(one[:])
		if n > 0 {
			return 0, b.tooLarge
		}
		return 0, ScrubURLError(err)
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.body.Read(p)
	b.left -= int64(n)
	return n, ScrubURLError(err)
}

// Close implements io.Closer.
func (b *cappedBody) Close() error {
	err := b.body.Close()
	b.cancel()
	return err
}
