package bbb_test

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/bbbkit/bbbkit/bbb"
)

const testSecret = "Wq3r8Yz0-test-secret-4f1c2d"

// route is how the fake answers one call.
type route struct {
	method      string // required method ("" = GET)
	contentType string // required Content-Type prefix on POST
	file        string // testdata file to answer with
	status      int    // HTTP status (default 200)
	location    string // Location header for redirects
	body        string // answer written inline instead of file
}

// recorded is a request the fake saw.
type recorded struct {
	method, call, rawQuery, contentType string
	query                               url.Values
	body                                []byte
	algorithm                           string
}

// fakeAPI is an independent, minimal BigBlueButton API written from the
// protocol: it strips the checksum from the raw query, hashes call + rest +
// secret with the algorithm given by the length, and compares.
type fakeAPI struct {
	t      *testing.T
	srv    *httptest.Server
	routes map[string]route
	mu     sync.Mutex
	reqs   []recorded
}

func newFake(t *testing.T, routes map[string]route) *fakeAPI {
	t.Helper()
	f := &fakeAPI{t: t, routes: routes}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAPI) client(t *testing.T, opts ...bbb.Option) *bbb.Client {
	t.Helper()
	c, err := bbb.New(f.srv.URL+"/bigbluebutton/", testSecret, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *fakeAPI) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

func (f *fakeAPI) last(t *testing.T) recorded {
	t.Helper()
	r := f.requests()
	if len(r) == 0 {
		t.Fatal("no request reached the server")
	}
	return r[len(r)-1]
}

func independentChecksum(call, rest, secret string, n int) (string, string) {
	in := []byte(call + rest + secret)
	switch n {
	case 40:
		s := sha1.Sum(in)
		return hex.EncodeToString(s[:]), "sha1"
	case 64:
		s := sha256.Sum256(in)
		return hex.EncodeToString(s[:]), "sha256"
	case 96:
		s := sha512.Sum384(in)
		return hex.EncodeToString(s[:]), "sha384"
	case 128:
		s := sha512.Sum512(in)
		return hex.EncodeToString(s[:]), "sha512"
	}
	return "", ""
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	call, ok := strings.CutPrefix(r.URL.Path, "/bigbluebutton/api/")
	if !ok && r.URL.Path != "/bigbluebutton/api" {
		http.NotFound(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	rec := recorded{method: r.Method, call: call, rawQuery: r.URL.RawQuery, contentType: r.Header.Get("Content-Type"), body: body}
	rec.query, _ = url.ParseQuery(r.URL.RawQuery)
	rt, known := f.routes[call]
	if call != "" && call != "getJoinUrl" && call != "learningDashboard" {
		var sum string
		var kept []string
		for _, p := range strings.Split(r.URL.RawQuery, "&") {
			if v, ok := strings.CutPrefix(p, "checksum="); ok {
				sum = v
				continue
			}
			kept = append(kept, p)
		}
		want, alg := independentChecksum(call, strings.Join(kept, "&"), testSecret, len(sum))
		rec.algorithm = alg
		if want == "" || want != sum {
			f.record(rec)
			serveFile(w, "checksum_error.xml", 200)
			return
		}
	}
	f.record(rec)
	if !known {
		http.NotFound(w, r)
		return
	}
	wantMethod := rt.method
	if wantMethod == "" {
		wantMethod = http.MethodGet
	}
	if r.Method != wantMethod {
		f.t.Errorf("%s: method %s, want %s", call, r.Method, wantMethod)
	}
	if rt.contentType != "" && !strings.HasPrefix(rec.contentType, rt.contentType) {
		f.t.Errorf("%s: Content-Type %q, want %q", call, rec.contentType, rt.contentType)
	}
	if rt.location != "" {
		w.Header().Set("Location", rt.location)
	}
	status := rt.status
	if status == 0 {
		status = 200
	}
	if rt.body != "" {
		if strings.HasPrefix(rt.body, "{") {
			w.Header().Set("Content-Type", "application/json")
		} else {
			w.Header().Set("Content-Type", "text/xml")
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, rt.body)
		return
	}
	serveFile(w, rt.file, status)
}

func (f *fakeAPI) record(rec recorded) {
	f.mu.Lock()
	f.reqs = append(f.reqs, rec)
	f.mu.Unlock()
}

func serveFile(w http.ResponseWriter, name string, status int) {
	if name == "" {
		w.WriteHeader(status)
		return
	}
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	switch filepath.Ext(name) {
	case ".json":
		w.Header().Set("Content-Type", "application/json")
	case ".html":
		w.Header().Set("Content-Type", "text/html")
	default:
		w.Header().Set("Content-Type", "text/xml;charset=utf-8")
	}
	w.WriteHeader(status)
	w.Write(data)
}
