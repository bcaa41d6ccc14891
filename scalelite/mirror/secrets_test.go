package mirror

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/bbbkit/bbbkit/internal/echotest"
)

// No error, response body or log line may carry the shared secret or a
// checksum value.
func TestSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	src, _ := newTree(t, genSpec{Recordings: 1, Seed: 41, Large: 10})
	h, err := NewHandler(src, testSecret)
	if err != nil {
		t.Fatalf("NewHandler(...): %v", err)
	}
	srv := echotest.NewServer(func(w http.ResponseWriter, r *http.Request, _ echotest.Echo) { h.ServeHTTP(w, r) })
	defer srv.Close()

	var logs strings.Builder
	log := slog.New(slog.NewTextHandler(&logs, nil))
	check := func(s string) {
		t.Helper()
		if strings.Contains(s, testSecret) {
			t.Fatalf("%q contains the secret", s)
		}
		if strings.Contains(s, "wrong-secret-value") {
			t.Fatalf("%q contains the wrong secret", s)
		}
		for _, sum := range srv.Checksums() {
			if strings.Contains(s, sum) {
				t.Fatalf("%q contains the checksum %q", s, sum)
			}
		}
	}
	// Wrong secret: the server refuses.
	bad, err := NewHTTPSource(srv.URL, "wrong-secret-value")
	if err != nil {
		t.Fatalf("NewHTTPSource(..., wrong secret): %v", err)
	}
	_, err = Sync(context.Background(), bad, t.TempDir())
	if err == nil {
		t.Fatalf("Sync(...) with the wrong secret = nil; want an error")
	}
	log.Error("sync failed", "err", err)
	check(err.Error())
	// Unreachable server: the transport error names no URL query.
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	dead, err := NewHTTPSource(down.URL, testSecret)
	if err != nil {
		t.Fatalf("NewHTTPSource(down.URL, ...): %v", err)
	}
	_, err = dead.Manifest(context.Background())
	if err == nil {
		t.Fatalf("Manifest() from a closed server = nil error; want an error")
	}
	if re, msg := regexp.MustCompile(`checksum=[0-9a-fA-F]`), err.Error(); re.MatchString(msg) {
		t.Fatalf("Manifest() error %q; want no match for %s", msg, re)
	}
	check(err.Error())
	// The refusal body.
	resp, err := http.Get(srv.URL + "/manifest?expires=1&checksum=" + strings.Repeat("a", 40))
	if err != nil {
		t.Fatalf("http.Get(manifest with a bad checksum): %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	check(string(body))
	if strings.Contains(string(body), strings.Repeat("a", 40)) {
		t.Fatalf("refusal body %q contains the request's checksum", body)
	}
	check(logs.String())
	if len(srv.Checksums()) == 0 {
		t.Fatalf("checksums seen by the server = none; want some")
	}
}

// An endpoint that echoes the signed query and the secret in its error
// text: the message is redacted before it reaches the error.
func TestHTTPErrorMessageRedacted(t *testing.T) {
	t.Parallel()
	srv := echotest.NewServer(func(w http.ResponseWriter, r *http.Request, e echotest.Echo) {
		writeErr(w, http.StatusUnauthorized, "refused "+e.Raw+" with secret "+testSecret)
	})
	defer srv.Close()
	var infos []RequestInfo
	s, err := NewHTTPSource(srv.URL, testSecret, WithObserver(func(i RequestInfo) { infos = append(infos, i) }))
	if err != nil {
		t.Fatalf("NewHTTPSource(...): %v", err)
	}
	_, err = s.Manifest(context.Background())
	var he *HTTPError
	if !errors.As(err, &he) {
		t.Fatalf("Manifest() = %v (%T); want an *HTTPError", err, err)
	}
	if !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("Manifest() = %v; want ErrUnauthorized", err)
	}
	if strings.Contains(he.Message, testSecret) {
		t.Fatalf("HTTPError.Message = %q; want it without the secret", he.Message)
	}
	if re := regexp.MustCompile(`checksum=[0-9a-f]`); re.MatchString(he.Message) {
		t.Fatalf("HTTPError.Message = %q; want no match for %s", he.Message, re)
	}
	if !strings.Contains(he.Message, "refused") {
		t.Fatalf("HTTPError.Message = %q; want it to contain %q", he.Message, "refused")
	}
	if len(infos) != 1 {
		t.Fatalf("observer calls = %d; want 1 (the observer sees the attempt): %v", len(infos), infos)
	}
	if infos[0].Call != CallManifest {
		t.Fatalf("RequestInfo.Call = %v; want %v", infos[0].Call, CallManifest)
	}
	if infos[0].Err == nil {
		t.Fatalf("RequestInfo.Err = nil; want an error")
	}
}
