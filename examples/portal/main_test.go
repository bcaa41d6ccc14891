package main

import (
	"context"
	"flag"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/bbbkit/bbbkit/examples/internal/cli"
	"github.com/bbbkit/bbbkit/examples/internal/cli/clitest"
	"github.com/bbbkit/bbbkit/internal/syncbuf"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type lockedBuffer = syncbuf.Buffer

func startPortal(t *testing.T, args ...string) (base string, logs *lockedBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan int, 1)
	logs = &lockedBuffer{}
	ctx = cli.WithReady(ctx, func(addr string) { ready <- "http://" + addr })
	go func() { done <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), nil, logs, logs) }()
	select {
	case base = <-ready:
	case code := <-done:
		cancel()
		t.Fatalf("portal exited with %d: %s", code, logs.String())
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("portal did not start")
	}
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			if code != exitOK {
				t.Errorf("exit code %d", code)
			}
		case <-time.After(10 * time.Second):
			t.Error("portal did not stop")
		}
	})
	return base, logs
}

type user struct {
	t      *testing.T
	client *http.Client
}

func newUser(t *testing.T) *user {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Transport: &http.Transport{}}
	t.Cleanup(c.CloseIdleConnections)
	return &user{t: t, client: c}
}

func (u *user) get(url string) (*http.Response, string) {
	u.t.Helper()
	resp, err := u.client.Get(url)
	if err != nil {
		u.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

var hrefRE = regexp.MustCompile(`href="([^"]+)"`)

// signIn follows the room's sign-in link, picks the demo user on the mock
// provider's page and returns the final answer.
func (u *user) signIn(base, room, demoUser string) (*http.Response, string) {
	u.t.Helper()
	_, index := u.get(base + "/")
	var login string
	for _, m := range hrefRE.FindAllStringSubmatch(index, -1) {
		if strings.Contains(m[1], "meeting="+room) {
			login = html.UnescapeString(m[1])
		}
	}
	if login == "" {
		u.t.Fatalf("no sign-in link for %s on %s", room, index)
	}
	chooser, page := u.get(base + login)
	if chooser.StatusCode != http.StatusOK || !strings.Contains(page, "Mock identity provider") {
		u.t.Fatalf("expected the provider's chooser, got %d %s", chooser.StatusCode, page)
	}
	for _, m := range hrefRE.FindAllStringSubmatch(page, -1) {
		link := html.UnescapeString(m[1])
		if strings.Contains(link, "demo_user="+demoUser) {
			target, err := chooser.Request.URL.Parse(link)
			if err != nil {
				u.t.Fatal(err)
			}
			return u.get(target.String())
		}
	}
	u.t.Fatalf("no demo user %s on %s", demoUser, page)
	return nil, ""
}

func TestPortalOffline(t *testing.T) {
	base, logs := startPortal(t)
	_, index := newUser(t).get(base + "/")
	for _, want := range []string{"Physics 101", "Open lab", "not started", "Sign in and join"} {
		if !strings.Contains(index, want) {
			t.Fatalf("index lacks %q:\n%s", want, index)
		}
	}

	bob := newUser(t)
	resp, page := bob.signIn(base, "physics-101", "demo-bob")
	if resp.StatusCode != http.StatusAccepted || !strings.Contains(page, "Waiting for Physics 101") {
		t.Fatalf("viewer before start: %d %s", resp.StatusCode, page)
	}

	alice := newUser(t)
	resp, page = alice.signIn(base, "physics-101", "demo-alice")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `<dd id="name">Alice Teacher</dd>`) || !strings.Contains(page, `<dd id="role">moderator</dd>`) {
		t.Fatalf("moderator: %d %s", resp.StatusCode, page)
	}
	if !strings.Contains(resp.Request.URL.Path, "/html5client/join") {
		t.Fatalf("moderator ended at %s", resp.Request.URL)
	}

	resp, page = bob.get(base + "/oidc/wait?meeting=physics-101")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `<dd id="name">Bob Student</dd>`) || !strings.Contains(page, `<dd id="role">viewer</dd>`) {
		t.Fatalf("viewer after start: %d %s", resp.StatusCode, page)
	}

	carol := newUser(t)
	resp, page = carol.signIn(base, "open-lab", "demo-carol")
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("carol in an unstarted room: %d %s", resp.StatusCode, page)
	}
	_, index = newUser(t).get(base + "/")
	if !strings.Contains(index, "running, 2 participants") {
		t.Fatalf("index does not show the running meeting:\n%s", index)
	}
	if strings.Contains(logs.String(), "checksum=") {
		t.Fatal("a signed URL reached the log")
	}
}

func TestPortalRefusesOpenRedirect(t *testing.T) {
	base, _ := startPortal(t)
	resp, page := newUser(t).get(base + "/oidc/login?meeting=physics-101&next=https://evil.example/")
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, "Redirect refused") {
		t.Fatalf("%d %s", resp.StatusCode, page)
	}
}

func TestFlags(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"-h"}, exitOK, "-issuer"},
		{[]string{"-nope"}, exitUsage, "flag provided but not defined"},
		{[]string{"-issuer", "https://idp.example"}, exitUsage, "-client-id is required"},
		{[]string{"-issuer", "https://idp.example", "-client-id", "x"}, exitUsage, "-redirect-url is required"},
		{[]string{"-bbb-url", "https://bbb.example/bigbluebutton/", "-bbb-secret", ""}, exitUsage, "-bbb-secret"},
		{[]string{"-rooms", "=x"}, exitUsage, "empty room ID"},
		{[]string{"-cookie-key", "abcd"}, exitUsage, "64 hex digits"},
		{[]string{"-login-ttl", "5s"}, exitUsage, "-login-ttl"},
		{[]string{"extra"}, exitUsage, "unexpected arguments"},
		{[]string{"-addr", "256.0.0.1:1"}, exitFailure, "listen"},
	} {
		var out lockedBuffer
		code := run(context.Background(), c.args, nil, &out, &out)
		if code != c.code || !strings.Contains(out.String(), c.msg) {
			t.Errorf("%v: exit %d, output %q; want %d and %q", c.args, code, out.String(), c.code, c.msg)
		}
	}
}

func TestSecretsFromEnvironmentStayOutOfHelp(t *testing.T) {
	t.Setenv("OIDC_CLIENT_SECRET", "env-client-secret-123")
	t.Setenv("BBB_SECRET", "env-bbb-secret-456")
	var out lockedBuffer
	if code := run(context.Background(), []string{"-h"}, nil, &out, &out); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	if strings.Contains(out.String(), "env-client-secret-123") || strings.Contains(out.String(), "env-bbb-secret-456") {
		t.Fatal("help output shows a secret")
	}
	c := &config{}
	fs := flag.NewFlagSet("portal", flag.ContinueOnError)
	c.register(fs)
	if err := fs.Parse([]string{"-bbb-url", "https://bbb.example/bigbluebutton/"}); err != nil {
		t.Fatal(err)
	}
	err := c.check(&cli.Env{Getenv: os.Getenv})
	if err != nil || c.bbbSecret != "env-bbb-secret-456" || c.clientSecret != "env-client-secret-123" {
		t.Fatalf("environment not used: %v", err)
	}
}

// A body sent one byte a second is cut off at -read-timeout.
func TestSlowBodyIsCutOff(t *testing.T) {
	t.Parallel()
	base, _ := startPortal(t, "-read-timeout", "500ms")
	open, err := clitest.SlowBody(strings.TrimPrefix(base, "http://"), "/logout", 3*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if open < 400*time.Millisecond { // the server starts its clock a little before ours
		t.Errorf("closed after %s, before the read timeout", open)
	}
}
