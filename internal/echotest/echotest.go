package echotest

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"

	"github.com/bbbkit/bbbkit/bbb/checksum"
)

// Echo is a request's raw query in the forms servers echo it.
type Echo struct {
	Raw     string // as received
	HTML    string // '&' written as "&amp;", as in an HTML or XML page
	JSON    string // '&' written as `\u0026`, as encoding/json writes it
	Encoded string // percent-encoded, as a parameter value of a redirect
}

// Server is a running echo server. Its URL is the root; every path is
// answered by the function given to NewServer.
type Server struct {
	*httptest.Server
	mu   sync.Mutex
	sums []string
}

// NewServer starts a server that calls answer with each request's query in
// its echo forms. Close it when done.
func NewServer(answer func(w http.ResponseWriter, r *http.Request, e Echo)) *Server {
	s := &Server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.RawQuery
		if sum, _, _ := checksum.Split(q); sum != "" {
			s.mu.Lock()
			s.sums = append(s.sums, sum)
			s.mu.Unlock()
		}
		answer(w, r, Echo{Raw: q, HTML: strings.ReplaceAll(q, "&", "&amp;"),
			JSON: strings.ReplaceAll(q, "&", `\u0026`), Encoded: url.QueryEscape(q)})
	}))
	return s
}

// Checksums returns the checksums of the requests so far.
func (s *Server) Checksums() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.sums...)
}

// Leaks returns the values among the checksums the server saw and extra
// (secrets, passwords, tokens) that text contains.
func (s *Server) Leaks(text string, extra ...string) []string {
	var out []string
	for _, v := range append(s.Checksums(), extra...) {
		if v != "" && strings.Contains(text, v) {
			out = append(out, v)
		}
	}
	return out
}
