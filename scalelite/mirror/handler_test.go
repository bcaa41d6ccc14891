package mirror

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/google/go-cmp/cmp"
)

const testSecret = "8cd8ef52e8e101574e400365b55e11a6"

func newExport(t *testing.T, dir string, opts ...HandlerOption) *httptest.Server {
	t.Helper()
	h, err := NewHandler(dir, testSecret, opts...)
	if err != nil {
		t.Fatalf("NewHandler(%q, ...): %v", dir, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/mirror/", http.StripPrefix("/mirror", h))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func httpSource(t *testing.T, base, secret string, opts ...HTTPOption) *HTTPSource {
	t.Helper()
	s, err := NewHTTPSource(base, secret, opts...)
	if err != nil {
		t.Fatalf("NewHTTPSource(%q, ...): %v", base, err)
	}
	return s
}

func TestHTTPSyncMirrorsTreeByteForByte(t *testing.T) {
	t.Parallel()
	src, ids := newTree(t, genSpec{Recordings: 4, Seed: 11, Large: 2 << 20, Video: 512 << 10, Podcast: 1 << 10})
	srv := newExport(t, src)
	dst := t.TempDir()
	s := httpSource(t, srv.URL+"/mirror/", testSecret)
	m, err := s.Manifest(context.Background())
	if err != nil {
		t.Fatalf("Manifest(): %v", err)
	}
	if len(m.Recordings) != 4 {
		t.Fatalf("len(Manifest().Recordings) = %d; want 4", len(m.Recordings))
	}
	var got []string
	for _, r := range m.Recordings {
		got = append(got, r.ID)
	}
	want := append([]string(nil), ids...)
	sort.Strings(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("Manifest() record IDs mismatch (-want +got):\n%s", diff)
	}
	for _, r := range m.Recordings {
		if len(r.Formats) != 3 {
			t.Fatalf("len(Manifest() recording %s Formats) = %d; want 3", r.ID, len(r.Formats))
		}
		for _, f := range r.Formats {
			for _, x := range f.Files {
				if len(x.SHA256) != 64 {
					t.Fatalf("Manifest() %s/%s/%s SHA256 = %q; want 64 characters", f.Name, r.ID, x.Path, x.SHA256)
				}
			}
		}
	}
	cache := NewHashCache()
	res, err := Sync(context.Background(), s, dst, WithHashCache(cache))
	if err != nil {
		t.Fatalf("Sync(...): %v", err)
	}
	if res.Copied != 4 {
		t.Fatalf("Sync(...).Copied = %d; want 4", res.Copied)
	}
	requireSameTree(t, src, dst)
	if got, want := cache.Len(), len(treeFiles(t, src)); got != want {
		t.Fatalf("cache.Len() = %d; want %d (verified digests are remembered)", got, want)
	}

	res, err = Sync(context.Background(), s, dst, WithVerify(true), WithHashCache(cache))
	if err != nil {
		t.Fatalf("Sync(..., WithVerify(true)): %v", err)
	}
	if res.Unchanged != 4 {
		t.Fatalf("Sync(..., WithVerify(true)).Unchanged = %d; want 4", res.Unchanged)
	}
	if res.Bytes != 0 {
		t.Fatalf("Sync(..., WithVerify(true)).Bytes = %d; want 0", res.Bytes)
	}
}

func TestHTTPWrongSecret(t *testing.T) {
	t.Parallel()
	src, _ := newTree(t, genSpec{Recordings: 1, Seed: 12, Large: 10})
	srv := newExport(t, src)
	const wrong = "not-the-secret-0123456789"
	s := httpSource(t, srv.URL+"/mirror", wrong)
	_, err := Sync(context.Background(), s, t.TempDir())
	if !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("Sync(...) = %v; want ErrUnauthorized", err)
	}
	msg := err.Error()
	for _, leak := range []string{wrong, testSecret, "checksum="} {
		if strings.Contains(msg, leak) {
			t.Fatalf("Sync(...) error %q contains %q", msg, leak)
		}
	}
}

// dropOnce serves the first request for a large file partly, then cuts the
// connection; later requests go through.
type dropOnce struct {
	h       http.Handler
	dropped atomic.Bool
	ranges  atomic.Int64
}

func (d *dropOnce) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Range") != "" {
		d.ranges.Add(1)
	}
	if strings.HasSuffix(r.URL.Path, "/file") && strings.HasSuffix(r.URL.Query().Get("path"), "webcams.webm") && d.dropped.CompareAndSwap(false, true) {
		rec := httptest.NewRecorder()
		d.h.ServeHTTP(rec, r)
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		body := rec.Body.Bytes()
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\nContent-Type: application/octet-stream\r\n\r\n")
		buf.Write(body[:len(body)/2])
		buf.Flush()
		return
	}
	d.h.ServeHTTP(w, r)
}

func TestHTTPDroppedConnectionResumes(t *testing.T) {
	t.Parallel()
	src, _ := newTree(t, genSpec{Recordings: 1, Seed: 13, Large: 1 << 20})
	h, err := NewHandler(src, testSecret)
	if err != nil {
		t.Fatalf("NewHandler(...): %v", err)
	}
	d := &dropOnce{h: h}
	srv := httptest.NewServer(d)
	t.Cleanup(srv.Close)
	dst := t.TempDir()
	res, err := Sync(context.Background(), httpSource(t, srv.URL, testSecret), dst, WithRetryDelay(time.Millisecond))
	if err != nil {
		t.Fatalf("Sync(...): %v", err)
	}
	if !d.dropped.Load() {
		t.Fatalf("connection dropped = false; want true")
	}
	if n := d.ranges.Load(); n != 1 {
		t.Fatalf("Range requests = %d; want 1 (the second attempt asked only for the rest)", n)
	}
	if res.Copied != 1 {
		t.Fatalf("Sync(...).Copied = %d; want 1", res.Copied)
	}
	requireSameTree(t, src, dst)
}

func TestHTTPDroppedConnectionWithoutRetriesFails(t *testing.T) {
	t.Parallel()
	src, ids := newTree(t, genSpec{Recordings: 1, Seed: 14, Large: 1 << 20})
	h, err := NewHandler(src, testSecret)
	if err != nil {
		t.Fatalf("NewHandler(...): %v", err)
	}
	srv := httptest.NewServer(&dropOnce{h: h})
	t.Cleanup(srv.Close)
	dst := t.TempDir()
	_, err = Sync(context.Background(), httpSource(t, srv.URL, testSecret), dst, WithRetries(0))
	if err == nil {
		t.Fatalf("Sync(..., WithRetries(0)) = nil; want an error")
	}
	if msg := err.Error(); strings.Contains(msg, testSecret) {
		t.Fatalf("Sync(...) error %q contains the secret", msg)
	}
	mustNotBeDir(t, filepath.Join(dst, "presentation", ids[0]), "")
	// The next run resumes from what was staged.
	_, err = Sync(context.Background(), httpSource(t, srv.URL, testSecret), dst)
	if err != nil {
		t.Fatalf("next Sync(...): %v", err)
	}
	requireSameTree(t, src, dst)
}

// signed builds a signed export URL the way HTTPSource does.
func signed(base, call string, q url.Values, secret string, expires time.Time) string {
	q.Set("expires", strconv.FormatInt(expires.Unix(), 10))
	enc := q.Encode()
	return base + call + "?" + enc + "&checksum=" + checksum.Sum(checksum.SHA1, call, enc, secret)
}

func TestHandlerRequests(t *testing.T) {
	t.Parallel()
	src, ids := newTree(t, genSpec{Recordings: 1, Seed: 15, Large: 5000})
	outside := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(outside, []byte("outside"), 0o644); err != nil {
		t.Fatalf("os.WriteFile(outside, ...): %v", err)
	}
	if err := os.Symlink(outside, filepath.Join(src, "presentation", ids[0], "escape.txt")); err != nil {
		t.Fatalf("os.Symlink(outside, ...): %v", err)
	}
	srv := newExport(t, src)
	base := srv.URL + "/mirror/"
	id := ids[0]
	later := time.Now().Add(time.Minute)
	file := func(p string) url.Values { return url.Values{"record": {id}, "format": {"presentation"}, "path": {p}} }
	webm, err := os.ReadFile(filepath.Join(src, "presentation", id, "video", "webcams.webm"))
	if err != nil {
		t.Fatalf("os.ReadFile(webcams.webm): %v", err)
	}
	etag := regexp.MustCompile(`^"[0-9a-f]{64}"$`)

	cases := []struct {
		name    string
		method  string
		url     string
		header  map[string]string
		code    int
		body    string // exact body, when set
		noMatch string // must not appear in the body
	}{
		{name: "manifest", url: signed(base, "manifest", url.Values{}, testSecret, later), code: 200},
		{name: "file", url: signed(base, "file", file("video/webcams.webm"), testSecret, later), code: 200, body: string(webm)},
		{name: "range", url: signed(base, "file", file("video/webcams.webm"), testSecret, later), header: map[string]string{"Range": "bytes=100-199"}, code: 206, body: string(webm[100:200])},
		{name: "head", method: "HEAD", url: signed(base, "file", file("metadata.xml"), testSecret, later), code: 200},
		{name: "post refused", method: "POST", url: signed(base, "file", file("metadata.xml"), testSecret, later), code: 405},
		{name: "put refused", method: "PUT", url: signed(base, "manifest", url.Values{}, testSecret, later), code: 405},
		{name: "wrong secret", url: signed(base, "manifest", url.Values{}, "wrong", later), code: 401, noMatch: testSecret},
		{name: "no checksum", url: base + "manifest", code: 401},
		{name: "checksum for another call", url: strings.Replace(signed(base, "manifest", url.Values{}, testSecret, later), "/manifest?", "/file?", 1), code: 401},
		{name: "expired", url: signed(base, "manifest", url.Values{}, testSecret, time.Now().Add(-time.Minute)), code: 401},
		{name: "too far ahead", url: signed(base, "manifest", url.Values{}, testSecret, time.Now().Add(48*time.Hour)), code: 401},
		{name: "dot dot", url: signed(base, "file", file("../../../etc/passwd"), testSecret, later), code: 400},
		{name: "absolute", url: signed(base, "file", file("/etc/passwd"), testSecret, later), code: 400},
		{name: "bad record", url: signed(base, "file", url.Values{"record": {".."}, "format": {"presentation"}, "path": {"metadata.xml"}}, testSecret, later), code: 400},
		{name: "bad format", url: signed(base, "file", url.Values{"record": {id}, "format": {"../x"}, "path": {"metadata.xml"}}, testSecret, later), code: 400},
		{name: "symlink out of the tree", url: signed(base, "file", file("escape.txt"), testSecret, later), code: 404, noMatch: "outside"},
		{name: "missing file", url: signed(base, "file", file("nope.xml"), testSecret, later), code: 404},
		{name: "stale If-Match", url: signed(base, "file", file("metadata.xml"), testSecret, later), header: map[string]string{"If-Match": `"` + strings.Repeat("0", 64) + `"`}, code: 412},
		{name: "unknown endpoint", url: signed(base, "delete", url.Values{}, testSecret, later), code: 404},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := tc.method
			if m == "" {
				m = "GET"
			}
			req, err := http.NewRequest(m, tc.url, nil)
			if err != nil {
				t.Fatalf("http.NewRequest(%s, ...): %v", m, err)
			}
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("%s: %v", m, err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.code {
				t.Fatalf("%s status = %d; want %d\nbody: %s", m, resp.StatusCode, tc.code, b)
			}
			if tc.body != "" && string(b) != tc.body {
				t.Fatalf("%s body = %q; want %q", m, b, tc.body)
			}
			if tc.noMatch != "" && strings.Contains(string(b), tc.noMatch) {
				t.Fatalf("%s body = %q; want it not to contain %q", m, b, tc.noMatch)
			}
			if tc.code == 200 && strings.Contains(tc.url, "/file?") {
				if got := resp.Header.Get("ETag"); !etag.MatchString(got) {
					t.Fatalf("ETag = %q; want a match for %s", got, etag)
				}
			}
		})
	}
}

func TestHandlerManifestOmitsUnsafeRecording(t *testing.T) {
	t.Parallel()
	src, ids := newTree(t, genSpec{Recordings: 2, Seed: 16, Large: 10})
	if err := os.Symlink("/etc", filepath.Join(src, "presentation", ids[0], "etc")); err != nil {
		t.Fatalf("os.Symlink(...): %v", err)
	}
	srv := newExport(t, src)
	m, err := httpSource(t, srv.URL+"/mirror/", testSecret).Manifest(context.Background())
	if err != nil {
		t.Fatalf("Manifest(): %v", err)
	}
	if len(m.Recordings) != 1 {
		t.Fatalf("len(Manifest().Recordings) = %d; want 1", len(m.Recordings))
	}
	if got := m.Recordings[0].ID; got != ids[1] {
		t.Fatalf("Manifest().Recordings[0].ID = %q; want %q", got, ids[1])
	}
}

func TestNewHTTPSourceValidates(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"", "ftp://x/", "http://", "::"} {
		_, err := NewHTTPSource(u, "s")
		if err == nil {
			t.Fatalf("NewHTTPSource(%q, \"s\") = nil error; want an error", u)
		}
	}
	_, err := NewHTTPSource("http://127.0.0.1/?checksum=abc", "")
	if err == nil {
		t.Fatalf("NewHTTPSource(\"http://127.0.0.1/?checksum=abc\", \"\") = nil error; want an error")
	}
	_, err = NewHTTPSource("http://127.0.0.1/x", "s", WithHTTPClient(nil))
	if err == nil {
		t.Fatalf("NewHTTPSource(..., WithHTTPClient(nil)) = nil error; want an error")
	}
	_, err = NewHandler(t.TempDir(), "")
	if err == nil {
		t.Fatalf("NewHandler(dir, \"\") = nil error; want an error")
	}
}

// rawServer answers every request with a fixed manifest body.
func TestHTTPSourceRejectsBadManifest(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"not json":    "<html>proxy error</html>",
		"traversal":   `{"version":1,"recordings":[{"id":"r1","formats":[{"name":"presentation","files":[{"path":"../../x","size":1,"mtime":"2026-01-01T00:00:00Z","sha256":"` + strings.Repeat("a", 64) + `"}]}]}]}`,
		"no hashes":   `{"version":1,"recordings":[{"id":"r1","formats":[{"name":"presentation","files":[{"path":"x","size":1,"mtime":"2026-01-01T00:00:00Z"}]}]}]}`,
		"bad version": `{"version":9,"recordings":[]}`,
		"unknown key": `{"version":1,"recordings":[],"extra":1}`,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Write([]byte(body))
			}))
			defer srv.Close()
			_, err := httpSource(t, srv.URL, testSecret).Manifest(context.Background())
			if err == nil {
				t.Fatalf("Manifest() = nil error; want an error")
			}
		})
	}
}

// A file that changes on the server after the manifest was read is refused
// (If-Match), the recording fails, and the next sync brings the new version.
func TestHTTPSourceChangesDuringSync(t *testing.T) {
	t.Parallel()
	src, ids := newTree(t, genSpec{Recordings: 2, Seed: 17, Large: 1 << 20})
	srv := newExport(t, src)
	dst := t.TempDir()
	target := "presentation/" + ids[0] + "/video/webcams.webm"
	cs := &changingSource{Source: httpSource(t, srv.URL+"/mirror/", testSecret), dir: src, target: target}
	res, err := Sync(context.Background(), cs, dst)
	if !errors.Is(err, ErrSourceChanged) {
		t.Fatalf("Sync(...) = %v; want ErrSourceChanged", err)
	}
	if res.Copied != 1 {
		t.Fatalf("Sync(...).Copied = %d; want 1", res.Copied)
	}
	mustNotBeDir(t, filepath.Join(dst, "presentation", ids[0]), "")
	_, err = Sync(context.Background(), httpSource(t, srv.URL+"/mirror/", testSecret), dst)
	if err != nil {
		t.Fatalf("next Sync(...): %v", err)
	}
	requireSameTree(t, src, dst)
}
