package bbbtest

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/bbbkit/bbbkit/bbb/checksum"
)

// newTestServer starts a server closed at the end of the test.
func newTestServer(t *testing.T, opts ...Option) *Server {
	t.Helper()
	s := NewServer(opts...)
	t.Cleanup(s.Close)
	return s
}

// signedURL signs query for call with alg, hashing exactly the bytes sent.
func signedURL(s *Server, alg checksum.Algorithm, call, query string) string {
	sum := checksum.Sum(alg, call, query, s.Secret)
	if query == "" {
		return s.APIURL() + call + "?checksum=" + sum
	}
	return s.APIURL() + call + "?" + query + "&checksum=" + sum
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

// noRedirect is a client that returns redirects instead of following them.
func noRedirect(s *Server) *http.Client {
	c := *s.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

func do(t *testing.T, s *Server, req *http.Request) answer {
	t.Helper()
	resp, err := noRedirect(s).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{resp.StatusCode, resp.Header, b}
}

// get performs a GET of call signed with SHA-256.
func get(t *testing.T, s *Server, call, query string) answer {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, signedURL(s, checksum.SHA256, call, query), nil)
	return do(t, s, req)
}

func post(t *testing.T, s *Server, call, query, contentType string, body []byte) answer {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, signedURL(s, checksum.SHA256, call, query), bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return do(t, s, req)
}

// resp is the common part of every XML answer.
type resp struct {
	ReturnCode string `xml:"returncode"`
	MessageKey string `xml:"messageKey"`
	Message    string `xml:"message"`
}

func parse(t *testing.T, a answer) resp {
	t.Helper()
	var r resp
	if err := xml.Unmarshal(a.body, &r); err != nil {
		t.Fatalf("answer is not XML (%d): %v\n%s", a.status, err, a.body)
	}
	return r
}

func expectKey(t *testing.T, a answer, returnCode, key string) {
	t.Helper()
	if a.status != http.StatusOK {
		t.Fatalf("status %d, want 200: %s", a.status, a.body)
	}
	r := parse(t, a)
	if r.ReturnCode != returnCode || r.MessageKey != key {
		t.Fatalf("got %s/%q, want %s/%q\n%s", r.ReturnCode, r.MessageKey, returnCode, key, a.body)
	}
}

// ChildNames lets the external tests use childNames.
var ChildNames = childNames

// childNames lists the names of the children of the root element, in order.
func childNames(t *testing.T, b []byte) []string {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	depth := 0
	var names []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return names
		}
		if err != nil {
			t.Fatalf("bad XML: %v\n%s", err, b)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 2 {
				names = append(names, el.Name.Local)
			}
		case xml.EndElement:
			depth--
		}
	}
}

func q(kv ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(kv[i]) + "=" + url.QueryEscape(kv[i+1]))
	}
	return b.String()
}

// xmlField extracts the text of the first element named name.
func xmlField(t *testing.T, b []byte, name string) string {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := d.Token()
		if err != nil {
			return ""
		}
		if el, ok := tok.(xml.StartElement); ok && el.Name.Local == name {
			var s string
			if err := d.DecodeElement(&s, &el); err != nil {
				t.Fatal(err)
			}
			return s
		}
	}
}
