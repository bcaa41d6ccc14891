package greenlight_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/greenlight"
	"github.com/bbbkit/bbbkit/greenlight/greenlighttest"
	"github.com/bbbkit/bbbkit/internal/syncbuf"
)

func TestSessionRecovery(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		opts   []greenlighttest.Option
		expire func(*greenlighttest.Server)
	}{
		{"expired session token", nil, (*greenlighttest.Server).ExpireSessions},
		{"dropped cookie session, CSRF 422", nil, (*greenlighttest.Server).DropSessions},
		{"dropped cookie session, CSRF 500", []greenlighttest.Option{greenlighttest.WithCSRFFailureStatus(http.StatusInternalServerError)}, (*greenlighttest.Server).DropSessions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, tt.opts...)
			ctx := context.Background()
			before := e.fake.SignIns()

			// A read recovers.
			tt.expire(e.fake)
			_, err := e.admin.Rooms(ctx, "")
			if err != nil {
				t.Fatalf("Rooms() after expiry: %v", err)
			}
			if got, want := e.fake.SignIns(), before+1; got != want {
				t.Errorf("SignIns() after a read = %d; want %d", got, want)
			}

			// A write recovers, and runs exactly once.
			tt.expire(e.fake)
			rooms := e.fake.RoomCount()
			_, err = e.admin.CreateRoom(ctx, "After expiry", e.me.ID)
			if err != nil {
				t.Fatalf("CreateRoom() after expiry: %v", err)
			}
			if got, want := e.fake.RoomCount(), rooms+1; got != want {
				t.Errorf("RoomCount() after a write = %d; want %d", got, want)
			}
			if got, want := e.fake.SignIns(), before+2; got != want {
				t.Errorf("SignIns() after a write = %d; want %d", got, want)
			}

			// CurrentUser (which answers signed_in=false rather than 401) recovers.
			tt.expire(e.fake)
			me, err := e.admin.CurrentUser(ctx)
			if err != nil {
				t.Fatalf("CurrentUser() after expiry: %v", err)
			}
			if me.ID != e.me.ID {
				t.Errorf("CurrentUser().ID = %q; want %q", me.ID, e.me.ID)
			}
		})
	}
}

func TestSessionRecoveryFailsClearly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	const oldPW, newPW = "Alice-Passw0rd", "Changed-Passw0rd"
	aliceID, err := e.fake.AddUser("Alice", "alice@example.com", oldPW, greenlighttest.RoleUser)
	if err != nil {
		t.Fatalf("fake.AddUser(%q): %v", "alice@example.com", err)
	}
	alice, _ := signedIn(t, e.fake, "alice@example.com", oldPW)

	// Someone else changes the password and the session expires.
	pw := newPW
	if err := e.admin.UpdateUser(ctx, aliceID, greenlight.UserUpdate{Password: &pw}); err != nil {
		t.Fatalf("UpdateUser(alice, Password): %v", err)
	}
	e.fake.ExpireSessions()

	_, err = alice.Rooms(ctx, "")
	if !errors.Is(err, greenlight.ErrSessionExpired) {
		t.Fatalf("Rooms() after the password changed = %v; want %v", err, greenlight.ErrSessionExpired)
	}
	if !errors.Is(err, greenlight.ErrInvalid) { // the sign-in was refused
		t.Fatalf("Rooms() after the password changed = %v; want %v", err, greenlight.ErrInvalid)
	}
	var se *greenlight.SessionError
	if !errors.As(err, &se) {
		t.Fatalf("Rooms() after the password changed = %v (%T); want a *greenlight.SessionError", err, err)
	}
	if se.Path != "/api/v1/rooms.json" {
		t.Errorf("SessionError.Path = %q; want %q", se.Path, "/api/v1/rooms.json")
	}
	for _, secret := range []string{oldPW, newPW} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("Rooms() error = %q; want no %q in it", err, secret)
		}
	}

	_, err = alice.CurrentUser(ctx)
	if !errors.Is(err, greenlight.ErrSessionExpired) {
		t.Fatalf("CurrentUser() after the password changed = %v; want %v", err, greenlight.ErrSessionExpired)
	}
}

func TestSessionRecoveryIsSharedAcrossGoroutines(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	before := e.fake.SignIns()
	e.fake.ExpireSessions()

	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = e.admin.Rooms(ctx, "")
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Rooms() in goroutine %d: %v", i, err)
		}
	}
	// Goroutines that failed with the same session share one re-sign-in:
	// the others see the new generation and only repeat their request.
	if got, want := e.fake.SignIns(), before+1; got != want {
		t.Errorf("SignIns() = %d; want %d", got, want)
	}
}

// TestSecretsNeverLeak drives failures and checks that the password, the
// session cookie and the CSRF token appear in no error and no log line.
func TestSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	ctx := context.Background()
	var logs syncbuf.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatalf("cookiejar.New(nil): %v", err)
	}
	hc := &http.Client{Jar: jar}
	c, err := greenlight.New(fake.URL, bbb.WithHTTPClient(hc), bbb.WithLogger(logger))
	if err != nil {
		t.Fatalf("greenlight.New(%q): %v", fake.URL, err)
	}

	const pw = greenlighttest.DefaultAdminPassword
	var errs []error
	_, err = c.SignIn(ctx, greenlighttest.DefaultAdminEmail, "Not-"+pw)
	errs = append(errs, err)
	_, err = c.SignIn(ctx, greenlighttest.DefaultAdminEmail, pw)
	if err != nil {
		t.Fatalf("SignIn(%q): %v", greenlighttest.DefaultAdminEmail, err)
	}

	// Collect the secrets the client holds.
	base, _ := url.Parse(fake.URL)
	var cookie string
	for _, ck := range jar.Cookies(base) {
		if ck.Name == greenlighttest.SessionCookie {
			cookie = ck.Value
		}
	}
	if cookie == "" {
		t.Fatalf("no %s cookie in the jar; want one", greenlighttest.SessionCookie)
	}
	csrf := csrfOf(t, hc, fake.URL)

	_, err = c.GetRoom(ctx, "aaa-bbb-ccc-ddd")
	errs = append(errs, err)
	_, err = c.CreateUser(ctx, greenlight.NewUser{Name: "A", Email: greenlighttest.DefaultAdminEmail, Password: "Secret-Passw0rd"})
	errs = append(errs, err)
	fake.DropSessions()
	_, err = c.CreateUser(ctx, greenlight.NewUser{Name: "A", Email: greenlighttest.DefaultAdminEmail, Password: "Secret-Passw0rd"})
	errs = append(errs, err)
	if err := c.SignOut(ctx); err != nil {
		t.Fatalf("SignOut(): %v", err)
	}
	_, err = c.Rooms(ctx, "")
	errs = append(errs, err)

	for i, err := range errs {
		if err == nil {
			t.Fatalf("errs[%d] = nil; want an error", i)
		}
		for _, secret := range []string{pw, "Secret-Passw0rd", cookie, csrf} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("errs[%d] = %q; want no %q in it", i, err, secret)
			}
			if strings.Contains(strings.ToLower(err.Error()), strings.ToLower(secret)) {
				t.Errorf("errs[%d] = %q; want no %q in it, in any case", i, err, secret)
			}
		}
	}
	out := logs.String()
	if !strings.Contains(out, "/api/v1/sessions.json") {
		t.Fatalf("logs = %q; want them to mention %q", out, "/api/v1/sessions.json")
	}
	for _, secret := range []string{pw, "Secret-Passw0rd", cookie, csrf} {
		if strings.Contains(out, secret) {
			t.Errorf("logs contain %q; want no secret in them:\n%s", secret, out)
		}
	}
	if joined := errors.Join(errs...).Error(); strings.Contains(joined, "credentials{") {
		t.Errorf("errors = %q; want no %q in them", joined, "credentials{")
	}
}

var csrfMeta = regexp.MustCompile(`name="csrf-token" content="([^"]+)"`)

func csrfOf(t *testing.T, hc *http.Client, base string) string {
	t.Helper()
	resp, err := hc.Get(base + "/")
	if err != nil {
		t.Fatalf("GET %s/: %v", base, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading GET %s/: %v", base, err)
	}
	m := csrfMeta.FindSubmatch(b)
	if m == nil {
		t.Fatalf("GET %s/ has no csrf-token meta tag; want one", base)
	}
	return string(m[1])
}
