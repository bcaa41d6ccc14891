package scalelitetest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/bbbkit/bbbkit/scalelite"
)

// capture records the URL and body of the last request sent through it.
type capture struct {
	next http.RoundTripper
	mu   sync.Mutex
	url  string
	body []byte
}

func (c *capture) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	c.mu.Lock()
	c.url, c.body = r.URL.String(), body
	c.mu.Unlock()
	return c.next.RoundTrip(r)
}

// offsetClock is a clock a test can move forward.
type offsetClock struct{ offset atomic.Int64 }

func (c *offsetClock) now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

// replay sends a captured POST again with body and returns the answer.
func replay(t *testing.T, hc *http.Client, url string, body string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatalf("http.NewRequest(http.MethodPost, url, strings.NewReader(body)): %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("hc.Do(req): %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("io.ReadAll(resp.Body): %v", err)
	}
	return string(b)
}

// A captured strong request cannot carry another body, and stops working
// once it expires; a captured legacy one replays with any body.
func TestAdminReplayWithAnotherBodyOrLateIsRefused(t *testing.T) {
	t.Parallel()
	clock := &offsetClock{}
	c := newCluster(t, 1, WithClock(clock.now))
	ctx := context.Background()
	rec := &capture{next: c.hc.Transport}
	hc := &http.Client{Transport: rec}
	admin := c.sl.AdminClient(bbb.WithHTTPClient(hc))

	_, err := admin.CordonServer(ctx, c.ids[0])
	if err != nil {
		t.Fatalf("admin.CordonServer(ctx, c.ids[0]): %v", err)
	}
	rec.mu.Lock()
	captured, capturedBody := rec.url, string(rec.body)
	rec.mu.Unlock()
	if !strings.Contains(captured, "bodySHA256=") {
		t.Fatalf("captured = %q; want it to contain %q", captured, "bodySHA256=")
	}

	// The same request again is accepted until it expires...
	if got := replay(t, c.hc, captured, capturedBody); !strings.Contains(got, `"state":"cordoned"`) {
		t.Errorf("replay(t, c.hc, captured, capturedBody) = %q; want it to contain %q", got, `"state":"cordoned"`)
	}
	// ...but not with a body that disables the server instead.
	evil := strings.Replace(capturedBody, "cordon", "disable", 1)
	if evil == capturedBody {
		t.Fatalf("evil = %v; want anything else", evil)
	}
	out := replay(t, c.hc, captured, evil)
	if !strings.Contains(out, "<messageKey>checksumError</messageKey>") {
		t.Errorf("out = %q; want it to contain %q", out, "<messageKey>checksumError</messageKey>")
	}
	if !strings.Contains(out, "bodySHA256") {
		t.Errorf("out = %q; want it to contain %q", out, "bodySHA256")
	}
	srv, err := admin.GetServerInfo(ctx, c.ids[0])
	if err != nil {
		t.Fatalf("admin.GetServerInfo(ctx, c.ids[0]): %v", err)
	}
	if srv.State != scalelite.StateCordoned {
		t.Errorf("srv.State = %v; want %v", srv.State, scalelite.StateCordoned)
	}

	// After the expiry the request itself is refused.
	clock.offset.Store(int64(scalelite.DefaultAuthValidity + time.Second))
	out = replay(t, c.hc, captured, capturedBody)
	if !strings.Contains(out, "<messageKey>checksumError</messageKey>") {
		t.Errorf("out = %q; want it to contain %q", out, "<messageKey>checksumError</messageKey>")
	}
	if !strings.Contains(out, "expired") {
		t.Errorf("out = %q; want it to contain %q", out, "expired")
	}
	clock.offset.Store(0)

	// Scalelite's legacy scheme is accepted by default, and replays with
	// any body: the reason for the strong scheme.
	legacy := c.sl.AdminClient(bbb.WithHTTPClient(hc), scalelite.WithLegacyAuth())
	_, err = legacy.CordonServer(ctx, c.ids[0])
	if err != nil {
		t.Fatalf("legacy.CordonServer(ctx, c.ids[0]): %v", err)
	}
	rec.mu.Lock()
	captured = rec.url
	rec.mu.Unlock()
	if strings.Contains(captured, "bodySHA256=") {
		t.Errorf("captured = %q; want it not to contain %q", captured, "bodySHA256=")
	}
	if got := replay(t, c.hc, captured, evil); !strings.Contains(got, `"state":"disabled"`) {
		t.Errorf("replay(t, c.hc, captured, evil) = %q; want it to contain %q", got, `"state":"disabled"`)
	}
}

func TestAdminRequireStrongAuthRefusesLegacy(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 0, WithRequireStrongAuth())
	ctx := context.Background()
	_, err := c.admin.GetServers(ctx)
	if err != nil {
		t.Fatalf("c.admin.GetServers(ctx): %v (scalelite.Client signs strong by default)", err)
	}

	legacy := c.sl.AdminClient(bbb.WithHTTPClient(c.hc), scalelite.WithLegacyAuth())
	_, err = legacy.GetServers(ctx)
	if !errors.Is(err, scalelite.ErrChecksum) {
		t.Fatalf("legacy.GetServers(ctx) = %v; want scalelite.ErrChecksum", err)
	}
	if got := err.Error(); !strings.Contains(got, "requires bodySHA256 and expires") {
		t.Errorf("err.Error() = %q; want it to contain %q", got, "requires bodySHA256 and expires")
	}
	if got := err.Error(); strings.Contains(got, c.sl.Secret) {
		t.Errorf("err.Error() = %q; want it not to contain %q", got, c.sl.Secret)
	}
}

// failingBody fails the test if the handler reads it.
type failingBody struct {
	t    *testing.T
	read atomic.Bool
}

func (b *failingBody) Read([]byte) (int, error) {
	b.read.Store(true)
	return 0, io.ErrUnexpectedEOF
}

// The query checksum is checked before the body is read, so that an
// unauthenticated client cannot make the balancer hold a slow body.
func TestAdminChecksumCheckedBeforeBody(t *testing.T) {
	t.Parallel()
	h, err := NewHandler(WithSecret("admin-secret-under-test"))
	if err != nil {
		t.Fatalf("NewHandler(WithSecret(\"admin-secret-under-test\")): %v", err)
	}
	for _, query := range []string{
		"checksum=" + strings.Repeat("0", 64),
		"bodySHA256=" + strings.Repeat("0", 64) + "&expires=1&checksum=" + checksum.Sum(checksum.SHA256, "addServer",
			"bodySHA256="+strings.Repeat("0", 64)+"&expires=1", "admin-secret-under-test"),
	} {
		body := &failingBody{t: t}
		req := httptest.NewRequest(http.MethodPost, "/scalelite/api/addServer?"+query, body)
		req.Header.Set("Content-Type", "application/json")
		req.ContentLength = 1 << 20
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if got := w.Body.String(); !strings.Contains(got, "<messageKey>checksumError</messageKey>") {
			t.Errorf("w.Body.String() = %q; want it to contain %q", got, "<messageKey>checksumError</messageKey>")
		}
		if body.read.Load() {
			t.Errorf("body.read.Load() = true; want false (the body was read before the checksum was checked: %s)", query)
		}
	}
}
