package greenlight_test

import (
	"bytes"
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

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/greenlight"
	"github.com/bbbkit/bbbkit/greenlight/greenlighttest"
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
			require.NoError(t, err)
			assert.Equal(t, before+1, e.fake.SignIns())

			// A write recovers, and runs exactly once.
			tt.expire(e.fake)
			rooms := e.fake.RoomCount()
			_, err = e.admin.CreateRoom(ctx, "After expiry", e.me.ID)
			require.NoError(t, err)
			assert.Equal(t, rooms+1, e.fake.RoomCount())
			assert.Equal(t, before+2, e.fake.SignIns())

			// CurrentUser (which answers signed_in=false rather than 401) recovers.
			tt.expire(e.fake)
			me, err := e.admin.CurrentUser(ctx)
			require.NoError(t, err)
			assert.Equal(t, e.me.ID, me.ID)
		})
	}
}

func TestSessionRecoveryFailsClearly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	const oldPW, newPW = "Alice-Passw0rd", "Changed-Passw0rd"
	aliceID, err := e.fake.AddUser("Alice", "alice@example.com", oldPW, greenlighttest.RoleUser)
	require.NoError(t, err)
	alice, _ := signedIn(t, e.fake, "alice@example.com", oldPW)

	// Someone else changes the password and the session expires.
	pw := newPW
	require.NoError(t, e.admin.UpdateUser(ctx, aliceID, greenlight.UserUpdate{Password: &pw}))
	e.fake.ExpireSessions()

	_, err = alice.Rooms(ctx, "")
	require.ErrorIs(t, err, greenlight.ErrSessionExpired)
	require.ErrorIs(t, err, greenlight.ErrInvalid) // the sign-in was refused
	var se *greenlight.SessionError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "/api/v1/rooms.json", se.Path)
	assert.NotContains(t, err.Error(), oldPW)
	assert.NotContains(t, err.Error(), newPW)

	_, err = alice.CurrentUser(ctx)
	require.ErrorIs(t, err, greenlight.ErrSessionExpired)
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
	for _, err := range errs {
		require.NoError(t, err)
	}
	// Goroutines that failed with the same session share one re-sign-in:
	// the others see the new generation and only repeat their request.
	assert.Equal(t, before+1, e.fake.SignIns())
}

// TestSecretsNeverLeak drives failures and checks that the password, the
// session cookie and the CSRF token appear in no error and no log line.
func TestSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	ctx := context.Background()
	var logs bytes.Buffer
	var logMu sync.Mutex
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &logMu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	hc := &http.Client{Jar: jar}
	c, err := greenlight.New(fake.URL, bbb.WithHTTPClient(hc), bbb.WithLogger(logger))
	require.NoError(t, err)

	const pw = greenlighttest.DefaultAdminPassword
	var errs []error
	_, err = c.SignIn(ctx, greenlighttest.DefaultAdminEmail, "Not-"+pw)
	errs = append(errs, err)
	_, err = c.SignIn(ctx, greenlighttest.DefaultAdminEmail, pw)
	require.NoError(t, err)

	// Collect the secrets the client holds.
	base, _ := url.Parse(fake.URL)
	var cookie string
	for _, ck := range jar.Cookies(base) {
		if ck.Name == greenlighttest.SessionCookie {
			cookie = ck.Value
		}
	}
	require.NotEmpty(t, cookie)
	csrf := csrfOf(t, hc, fake.URL)

	_, err = c.GetRoom(ctx, "aaa-bbb-ccc-ddd")
	errs = append(errs, err)
	_, err = c.CreateUser(ctx, greenlight.NewUser{Name: "A", Email: greenlighttest.DefaultAdminEmail, Password: "Secret-Passw0rd"})
	errs = append(errs, err)
	fake.DropSessions()
	_, err = c.CreateUser(ctx, greenlight.NewUser{Name: "A", Email: greenlighttest.DefaultAdminEmail, Password: "Secret-Passw0rd"})
	errs = append(errs, err)
	require.NoError(t, c.SignOut(ctx))
	_, err = c.Rooms(ctx, "")
	errs = append(errs, err)

	for _, err := range errs {
		require.Error(t, err)
		for _, secret := range []string{pw, "Secret-Passw0rd", cookie, csrf} {
			assert.NotContains(t, err.Error(), secret)
			assert.NotContains(t, strings.ToLower(err.Error()), strings.ToLower(secret))
		}
	}
	logMu.Lock()
	out := logs.String()
	logMu.Unlock()
	require.Contains(t, out, "/api/v1/sessions.json")
	for _, secret := range []string{pw, "Secret-Passw0rd", cookie, csrf} {
		assert.NotContains(t, out, secret)
	}
	assert.NotContains(t, errors.Join(errs...).Error(), "credentials{")
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

var csrfMeta = regexp.MustCompile(`name="csrf-token" content="([^"]+)"`)

func csrfOf(t *testing.T, hc *http.Client, base string) string {
	t.Helper()
	resp, err := hc.Get(base + "/")
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	m := csrfMeta.FindSubmatch(b)
	require.NotNil(t, m)
	return string(m[1])
}
