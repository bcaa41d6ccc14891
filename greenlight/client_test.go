package greenlight_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/greenlight"
	"github.com/bbbkit/bbbkit/greenlight/greenlighttest"
)

func TestNewValidatesArguments(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		url  string
		opts []greenlight.Option
		ok   bool
	}{
		{"https", "https://gl.example.com", nil, true},
		{"path prefix", "https://gl.example.com/gl/", nil, true},
		{"no scheme", "gl.example.com", nil, false},
		{"ftp", "ftp://gl.example.com", nil, false},
		{"userinfo", "https://u:p@gl.example.com", nil, false},
		{"nil http client", "https://gl.example.com", []greenlight.Option{greenlight.WithHTTPClient(nil)}, false},
		{"negative timeout", "https://gl.example.com", []greenlight.Option{greenlight.WithTimeout(-1)}, false},
		{"nil limiter", "https://gl.example.com", []greenlight.Option{greenlight.WithRateLimit(nil)}, false},
		{"nil logger", "https://gl.example.com", []greenlight.Option{greenlight.WithLogger(nil)}, false},
		{"zero max bytes", "https://gl.example.com", []greenlight.Option{greenlight.WithMaxResponseBytes(0)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := greenlight.New(tt.url, tt.opts...)
			if tt.ok {
				require.NoError(t, err)
				assert.False(t, strings.HasSuffix(c.BaseURL(), "/"))
			} else {
				require.Error(t, err)
				assert.NotContains(t, err.Error(), "u:p")
			}
		})
	}
}

func TestSignIn(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	ctx := context.Background()

	c := newClient(t, fake)
	_, err := c.CurrentUser(ctx)
	require.ErrorIs(t, err, greenlight.ErrNotSignedIn)

	_, err = c.SignIn(ctx, greenlighttest.DefaultAdminEmail, "Wrong-Passw0rd!")
	require.ErrorIs(t, err, greenlight.ErrInvalid)
	assert.NotContains(t, err.Error(), "Wrong-Passw0rd!")

	me, err := c.SignIn(ctx, greenlighttest.DefaultAdminEmail, greenlighttest.DefaultAdminPassword)
	require.NoError(t, err)
	assert.Equal(t, greenlighttest.DefaultAdminName, me.Name)
	assert.True(t, me.SignedIn)
	require.NotNil(t, me.Role)
	assert.Equal(t, "Administrator", me.Role.Name)
	assert.True(t, me.Can("ManageUsers"))
	assert.False(t, me.CreatedAt.IsZero())

	cur, err := c.CurrentUser(ctx)
	require.NoError(t, err)
	assert.Equal(t, me.ID, cur.ID)

	require.NoError(t, c.SignOut(ctx))
	_, err = c.CurrentUser(ctx)
	require.ErrorIs(t, err, greenlight.ErrNotSignedIn)
	_, err = c.Rooms(ctx, "")
	require.ErrorIs(t, err, greenlight.ErrUnauthorized)
}

func TestSignInRefusedWithExternalAuth(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	fake.SetExternalAuth(true)
	c := newClient(t, fake)
	_, err := c.SignIn(context.Background(), greenlighttest.DefaultAdminEmail, greenlighttest.DefaultAdminPassword)
	require.ErrorIs(t, err, greenlight.ErrForbidden)
}

// TestFakeEnforcesRequestRules talks HTTP directly to check the rules the
// client must follow.
func TestFakeEnforcesRequestRules(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	tests := []struct {
		name, method, path, accept string
		wantStatus                 int
		wantType                   string
	}{
		{"no Accept header gets the app", http.MethodGet, "/api/v1/sessions.json", "", 200, "text/html"},
		{"no .json gets the app", http.MethodGet, "/api/v1/sessions", "application/json", 200, "text/html"},
		{"json GET works", http.MethodGet, "/api/v1/sessions.json", "application/json", 200, "application/json"},
		{"write without CSRF", http.MethodPost, "/api/v1/rooms.json", "application/json", 422, "application/json"},
		{"unauthenticated read", http.MethodGet, "/api/v1/rooms.json", "application/json", 401, "application/json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequest(tt.method, fake.URL+tt.path, strings.NewReader(`{}`))
			require.NoError(t, err)
			if tt.accept != "" {
				req.Header.Set("Accept", tt.accept)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			_, _ = io.Copy(io.Discard, resp.Body)
			assert.Equal(t, tt.wantStatus, resp.StatusCode)
			assert.Contains(t, resp.Header.Get("Content-Type"), tt.wantType)
		})
	}
}

func TestMissingCSRFToken(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	c := newClient(t, fake)
	// No page fetched: no session cookie and no token.
	_, err := c.CreateUser(context.Background(), greenlight.NewUser{Name: "A", Email: "a@example.com", Password: "Passw0rd!x"})
	require.ErrorIs(t, err, greenlight.ErrCSRF)
	require.NotErrorIs(t, err, greenlight.ErrInvalid)
	var ae *greenlight.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusUnprocessableEntity, ae.StatusCode)
	assert.NotContains(t, err.Error(), "Passw0rd!x")

	// With the token, a self sign-up works and signs the new user in.
	require.NoError(t, c.FetchCSRFToken(context.Background()))
	u, err := c.CreateUser(context.Background(), greenlight.NewUser{Name: "A", Email: "a@example.com", Password: "Passw0rd!x"})
	require.NoError(t, err)
	assert.Equal(t, "a@example.com", u.Email)
}

func TestNotAPIResponse(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, "<html><body>proxy login</body></html>")
	}))
	defer srv.Close()
	c, err := greenlight.New(srv.URL)
	require.NoError(t, err)
	_, err = c.Rooms(context.Background(), "")
	require.ErrorIs(t, err, greenlight.ErrNotAPI)
	_, err = c.SignIn(context.Background(), "a@example.com", "Passw0rd!x")
	require.ErrorIs(t, err, greenlight.ErrNotAPI)
	assert.NotContains(t, err.Error(), "Passw0rd!x")
}

func TestBadAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		ctype  string
		body   string
		check  func(t *testing.T, err error)
	}{
		{"garbage json", 200, "application/json", `{"data":`, func(t *testing.T, err error) {
			var de *greenlight.DecodeError
			require.ErrorAs(t, err, &de)
		}},
		{"wrong data type", 200, "application/json", `{"data":{"x":1}}`, func(t *testing.T, err error) {
			var de *greenlight.DecodeError
			require.ErrorAs(t, err, &de)
		}},
		{"too large", 200, "application/json", `{"data":[` + strings.Repeat(`{"name":"x"},`, 200) + `{}]}`, func(t *testing.T, err error) {
			var de *greenlight.DecodeError
			require.ErrorAs(t, err, &de)
			require.ErrorIs(t, err, bbb.ErrResponseTooLarge)
		}},
		{"proxy 502", 502, "text/plain", "bad gateway", func(t *testing.T, err error) {
			require.ErrorIs(t, err, greenlight.ErrServer)
		}},
		{"errors hash", 400, "application/json", `{"errors":{"name":["can't be blank"]}}`, func(t *testing.T, err error) {
			var ae *greenlight.APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, []string{"name can't be blank"}, ae.Codes)
			require.ErrorIs(t, err, greenlight.ErrInvalid)
		}},
		{"404 string error", 404, "application/json", `{"errors":"RecordNotFound"}`, func(t *testing.T, err error) {
			require.ErrorIs(t, err, greenlight.ErrNotFound)
			var ae *greenlight.APIError
			require.ErrorAs(t, err, &ae)
			assert.True(t, ae.HasCode("RecordNotFound"))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.ctype)
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			c, err := greenlight.New(srv.URL, greenlight.WithMaxResponseBytes(1024))
			require.NoError(t, err)
			_, err = c.Rooms(context.Background(), "")
			require.Error(t, err)
			tt.check(t, err)
		})
	}
}

func TestContextTimeoutAndRateLimit(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)

	c, err := greenlight.New(srv.URL, greenlight.WithTimeout(30*time.Millisecond))
	require.NoError(t, err)
	_, err = c.Rooms(context.Background(), "")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	var te *greenlight.TransportError
	require.ErrorAs(t, err, &te)

	c2, err := greenlight.New(srv.URL)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c2.Rooms(ctx, "")
	require.ErrorIs(t, err, context.Canceled)

	// A limiter with no burst left refuses to wait past the deadline.
	fake := newFake(t)
	lim := rate.NewLimiter(rate.Every(time.Hour), 1)
	c3, err := greenlight.New(fake.URL, greenlight.WithRateLimit(lim))
	require.NoError(t, err)
	_, err = c3.CurrentUser(context.Background())
	require.ErrorIs(t, err, greenlight.ErrNotSignedIn) // first request used the burst
	ctx2, cancel2 := context.WithTimeout(context.Background(), time.Second)
	defer cancel2()
	_, err = c3.CurrentUser(ctx2)
	require.ErrorAs(t, err, &te)
	assert.False(t, errors.Is(err, greenlight.ErrNotSignedIn))
}
