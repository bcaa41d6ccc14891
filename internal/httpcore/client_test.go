package httpcore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

const testSum = "5f1b0e3d8a2c4b6e9f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f506"

func newClient(t *testing.T, opts ...Option) (*Client, *[]RequestInfo) {
	t.Helper()
	var mu sync.Mutex
	var seen []RequestInfo
	cfg := Config{Service: "test", Observer: func(ri RequestInfo) { mu.Lock(); seen = append(seen, ri); mu.Unlock() }}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			t.Fatal(err)
		}
	}
	return New(cfg), &seen
}

func TestRetryOnlyIdempotentAndRetryableStatus(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	c, seen := newClient(t, Retry(RetryPolicy{MaxAttempts: 3, MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond}))
	resp, err := c.Do(context.Background(), &Request{Call: "get", URL: srv.URL + "/?checksum=" + testSum, Idempotent: true})
	if err != nil || string(resp.Body) != "ok" {
		t.Fatalf("Do = %v, %v", resp, err)
	}
	resp.Done(nil)
	if len(*seen) != 3 || (*seen)[0].Outcome() != "http_error" || (*seen)[2].Outcome() != "success" || (*seen)[2].Attempt != 3 {
		t.Errorf("observed %+v", *seen)
	}
	hits.Store(0)
	_, err = c.Do(context.Background(), &Request{Call: "post", URL: srv.URL})
	var he *HTTPError
	if !errors.As(err, &he) || he.StatusCode != 503 || hits.Load() != 1 {
		t.Errorf("non-idempotent: err %v after %d hits", err, hits.Load())
	}
}

func TestAcceptedRetryableStatusIsRetriedThenReturned(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, `{"error":"busy"}`)
	}))
	defer srv.Close()
	c, seen := newClient(t, Retry(RetryPolicy{MaxAttempts: 2}))
	resp, err := c.Do(context.Background(), &Request{Call: "x", URL: srv.URL, Idempotent: true, Accept: func(int) bool { return true }})
	if err != nil || resp.StatusCode != 503 || string(resp.Body) != `{"error":"busy"}` {
		t.Fatalf("Do = %+v, %v", resp, err)
	}
	resp.Done(errors.New("api refusal"))
	if len(*seen) != 2 || (*seen)[0].Outcome() != "http_error" || (*seen)[1].Outcome() != "failed" {
		t.Errorf("observed %+v", *seen)
	}
}

func TestTransportErrorHidesSignedURL(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	url := srv.URL
	srv.Close()
	var logs bytes.Buffer
	c, _ := newClient(t, Logger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		Retry(RetryPolicy{MaxAttempts: 2}))
	_, err := c.Do(context.Background(), &Request{Call: "getMeetings", URL: url + "/api/getMeetings?checksum=" + testSum, Idempotent: true})
	var te *TransportError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v, want *TransportError", err)
	}
	for what, s := range map[string]string{"error": err.Error(), "detail": fmt.Sprintf("%#v", te.Err), "log": logs.String()} {
		if strings.Contains(s, testSum) {
			t.Errorf("%s holds the checksum: %s", what, s)
		}
	}
	if !strings.Contains(err.Error(), "checksum=REDACTED") || !strings.HasPrefix(err.Error(), "test: getMeetings: ") {
		t.Errorf("error = %s", err)
	}
	if !strings.Contains(logs.String(), "retrying request") {
		t.Errorf("no retry warning in %s", logs.String())
	}
}

func TestHTTPErrorSnippetRedactsEchoes(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		q := r.URL.RawQuery
		fmt.Fprintf(w, "<a href=\"?%s\">%s</a> %q s3cr3t-shared", strings.ReplaceAll(q, "&", "&amp;"), q, strings.ReplaceAll(q, "&", `\u0026`))
	}))
	defer srv.Close()
	c, _ := newClient(t)
	_, err := c.Do(context.Background(), &Request{Call: "join", URL: srv.URL + "/?meetingID=m&sessionToken=tok42x&checksum=" + testSum,
		Secrets: []string{"s3cr3t-shared"}})
	var he *HTTPError
	if !errors.As(err, &he) || he.StatusCode != 502 {
		t.Fatalf("err = %v", err)
	}
	for _, s := range []string{testSum[:12], "tok42x", "s3cr3t"} {
		if strings.Contains(he.Snippet, s) {
			t.Errorf("snippet keeps %s: %s", s, he.Snippet)
		}
	}
	if !strings.Contains(he.Snippet, "meetingID=m") {
		t.Errorf("snippet lost harmless text: %s", he.Snippet)
	}
}

func TestSizeCapAndStream(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Repeat("x", 100))
	}))
	defer srv.Close()
	c, _ := newClient(t, MaxResponseBytes(99))
	_, err := c.Do(context.Background(), &Request{Call: "x", URL: srv.URL})
	if !errors.Is(err, ErrResponseTooLarge) || !strings.Contains(err.Error(), "99 bytes") {
		t.Errorf("Do over the cap: %v", err)
	}
	resp, err := c.Stream(context.Background(), &Request{Call: "x", URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(resp.Stream)
	resp.Stream.Close()
	if len(data) != 99 || !errors.Is(err, ErrResponseTooLarge) {
		t.Errorf("stream over the cap: %d bytes, %v", len(data), err)
	}
	c2, _ := newClient(t, MaxResponseBytes(100))
	resp, err = c2.Stream(context.Background(), &Request{Call: "x", URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	data, err = io.ReadAll(resp.Stream)
	resp.Stream.Close()
	if len(data) != 100 || err != nil {
		t.Errorf("stream at the cap: %d bytes, %v", len(data), err)
	}
}

func TestHeadersRedirectsTimeoutRateLimit(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/redirect":
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		case "/slow":
			<-r.Context().Done()
		default:
			fmt.Fprint(w, r.Header.Get("User-Agent")+"|"+r.Header.Get("X-Test"))
		}
	}))
	defer srv.Close()
	lim := rate.NewLimiter(rate.Every(time.Hour), 1)
	c, _ := newClient(t, UserAgent("bbbkit-test/1"), Timeout(50*time.Millisecond), RateLimit(lim))
	resp, err := c.Do(context.Background(), &Request{Call: "h", URL: srv.URL, Header: http.Header{"X-Test": {"v"}}})
	if err != nil || string(resp.Body) != "bbbkit-test/1|v" {
		t.Fatalf("headers: %v %v", resp, err)
	}
	// The limiter's only token is spent: the next call cannot get one in time.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := c.Do(ctx, &Request{Call: "h", URL: srv.URL}); err == nil {
		t.Error("rate limit not applied")
	}
	c2, _ := newClient(t, Timeout(50*time.Millisecond))
	resp, err = c2.Do(context.Background(), &Request{Call: "r", URL: srv.URL + "/redirect", NoRedirect: true,
		Accept: func(s int) bool { return s == http.StatusFound }})
	if err != nil || resp.Header.Get("Location") != "/elsewhere" {
		t.Errorf("redirect: %v %v", resp, err)
	}
	if _, err := c2.Do(context.Background(), &Request{Call: "s", URL: srv.URL + "/slow"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("timeout: %v", err)
	}
}

func TestOptionsRefuseBadValues(t *testing.T) {
	t.Parallel()
	for name, o := range map[string]Option{
		"WithHTTPClient": HTTPClient(nil), "WithTimeout": Timeout(-1), "WithRetry": Retry(RetryPolicy{}),
		"WithRateLimit": RateLimit(nil), "WithLogger": Logger(nil), "WithObserver": Observer(nil),
		"WithMaxResponseBytes": MaxResponseBytes(0), "WithUserAgent": UserAgent("a\r\nX: y"),
	} {
		err := o(&Config{Service: "svc"})
		var pe *ParamError
		if !errors.As(err, &pe) || pe.Param != name || !strings.HasPrefix(err.Error(), "svc: New: parameter "+name) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestParseAbsoluteURL(t *testing.T) {
	t.Parallel()
	for raw, ok := range map[string]bool{"https://h/x": true, "http://h:8080": true, " http://h": false, "ftp://h": false, "/path": false, "https://": false, "::": false} {
		if _, err := ParseAbsoluteURL(raw); (err == nil) != ok {
			t.Errorf("ParseAbsoluteURL(%q) = %v", raw, err)
		}
	}
}

func TestParamErrorKind(t *testing.T) {
	t.Parallel()
	kind := errors.New("invalid")
	if err := error(&ParamError{Call: "c", Param: "p", Msg: "m", Kind: kind}); !errors.Is(err, kind) || err.Error() != "bbbkit: c: parameter p: m" {
		t.Errorf("%v", err)
	}
	if errors.Is(&ParamError{}, kind) {
		t.Error("ParamError without Kind matches a sentinel")
	}
}
