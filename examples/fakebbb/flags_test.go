package main

import (
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/bbbkit/bbbkit/examples/internal/cli"
)

// -hooks-sha1-only and -error-redirect-allow reach the fake.
func TestHooksAndRedirectFlags(t *testing.T) {
	t.Parallel()
	const secret = "flags-test-secret"
	cfg, err := parseFlags([]string{"-hooks-sha1-only", "-error-redirect-allow", "https://lms.example/err", "-error-redirect-allow", "https://other.example/"},
		env(map[string]string{"BBB_SECRET": secret}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	fake, err := bbbtest.New(cfg.opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	serve := func(target string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		fake.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
		return rec
	}
	sum := checksum.Sum(checksum.SHA256, "hooks/list", "", secret)
	if body := serve("/bigbluebutton/api/hooks/list?checksum=" + sum).Body.String(); !strings.Contains(body, "checksumError") {
		t.Errorf("SHA-256 hooks/list with -hooks-sha1-only: %s", body)
	}
	sum = checksum.Sum(checksum.SHA1, "hooks/list", "", secret)
	if body := serve("/bigbluebutton/api/hooks/list?checksum=" + sum).Body.String(); !strings.Contains(body, "SUCCESS") {
		t.Errorf("SHA-1 hooks/list: %s", body)
	}
	rec := serve("/bigbluebutton/api/join?fullName=A&meetingID=m&role=VIEWER&errorRedirectUrl=https%3A%2F%2Flms.example%2Ferr%2Fx&checksum=00")
	if loc := rec.Header().Get("Location"); !strings.HasPrefix(loc, "https://lms.example/err/x?errors=") {
		t.Errorf("allow-listed redirect: %d %q", rec.Code, loc)
	}
	cfg, err = parseFlags([]string{"-error-redirect-allow", "not a url"}, env(map[string]string{"BBB_SECRET": secret}), io.Discard)
	if err == nil {
		if _, err = bbbtest.New(cfg.opts...); err == nil {
			t.Error("a bad -error-redirect-allow was accepted")
		}
	}
}

// parseFlags parses args the way run does and returns the configuration.
func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (*config, error) {
	f := &flags{}
	fs := flag.NewFlagSet("fakebbb", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f.register(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return f.config(&cli.Env{Stderr: stderr, Getenv: getenv, Name: "fakebbb"})
}

// -turn-server needs a secret; with one the fake serves stuns.
func TestTURNFlags(t *testing.T) {
	t.Parallel()
	if _, err := parseFlags([]string{"-turn-server", "turn:t.example:3478"}, env(map[string]string{"BBB_SECRET": "s"}), io.Discard); err == nil {
		t.Error("-turn-server without a secret was accepted")
	}
	cfg, err := parseFlags([]string{"-stun-server", "stun:s.example:3478", "-turn-server", "turn:t.example:3478", "-turn-ttl", "1h"},
		env(map[string]string{"BBB_SECRET": "s", "TURN_SECRET": "coturn"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	fake, err := bbbtest.New(cfg.opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	rec := httptest.NewRecorder()
	fake.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/bigbluebutton/api/stuns?sessionToken=none", nil))
	if !strings.Contains(rec.Body.String(), "FAILED") {
		t.Errorf("stuns without a session: %s", rec.Body.String())
	}
}
