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

	"github.com/google/go-cmp/cmp"
	"golang.org/x/time/rate"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/checksum"
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
		{"nil http client", "https://gl.example.com", []greenlight.Option{bbb.WithHTTPClient(nil)}, false},
		{"negative timeout", "https://gl.example.com", []greenlight.Option{bbb.WithTimeout(-1)}, false},
		{"nil limiter", "https://gl.example.com", []greenlight.Option{bbb.WithRateLimit(nil)}, false},
		{"nil logger", "https://gl.example.com", []greenlight.Option{bbb.WithLogger(nil)}, false},
		{"zero max bytes", "https://gl.example.com", []greenlight.Option{bbb.WithMaxResponseBytes(0)}, false},
		{"checksum (nothing is signed)", "https://gl.example.com", []greenlight.Option{bbb.WithChecksum(checksum.SHA1)}, false},
		{"nil option", "https://gl.example.com", []greenlight.Option{nil}, false},
		{"nil observer", "https://gl.example.com", []greenlight.Option{bbb.WithObserver(nil)}, false},
		{"empty user agent", "https://gl.example.com", []greenlight.Option{bbb.WithUserAgent("")}, false},
		{"bad retry", "https://gl.example.com", []greenlight.Option{bbb.WithRetry(bbb.RetryPolicy{})}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := greenlight.New(tt.url, tt.opts...)
			if tt.ok {
				if err != nil {
					t.Fatalf("greenlight.New(%q): %v", tt.url, err)
				}
				if got := c.BaseURL(); strings.HasSuffix(got, "/") {
					t.Errorf("BaseURL() = %q; want no trailing slash", got)
				}
			} else {
				if err == nil {
					t.Fatalf("greenlight.New(%q) = nil error; want an error", tt.url)
				}
				if strings.Contains(err.Error(), "u:p") {
					t.Errorf("greenlight.New(%q) error = %q; want no %q in it", tt.url, err, "u:p")
				}
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
	if !errors.Is(err, greenlight.ErrNotSignedIn) {
		t.Fatalf("CurrentUser() before sign-in = %v; want %v", err, greenlight.ErrNotSignedIn)
	}

	_, err = c.SignIn(ctx, greenlighttest.DefaultAdminEmail, "Wrong-Passw0rd!")
	if !errors.Is(err, greenlight.ErrInvalid) {
		t.Fatalf("SignIn with a wrong password = %v; want %v", err, greenlight.ErrInvalid)
	}
	if strings.Contains(err.Error(), "Wrong-Passw0rd!") {
		t.Errorf("SignIn error = %q; want no password in it", err)
	}

	me, err := c.SignIn(ctx, greenlighttest.DefaultAdminEmail, greenlighttest.DefaultAdminPassword)
	if err != nil {
		t.Fatalf("SignIn(%q): %v", greenlighttest.DefaultAdminEmail, err)
	}
	if me.Name != greenlighttest.DefaultAdminName {
		t.Errorf("SignIn().Name = %q; want %q", me.Name, greenlighttest.DefaultAdminName)
	}
	if !me.SignedIn {
		t.Errorf("SignIn().SignedIn = false; want true")
	}
	if me.Role == nil {
		t.Fatalf("SignIn().Role = nil; want a role")
	}
	if me.Role.Name != "Administrator" {
		t.Errorf("SignIn().Role.Name = %q; want %q", me.Role.Name, "Administrator")
	}
	if !me.Can("ManageUsers") {
		t.Errorf("Can(%q) = false; want true", "ManageUsers")
	}
	if me.CreatedAt.IsZero() {
		t.Errorf("SignIn().CreatedAt is zero; want a time")
	}

	cur, err := c.CurrentUser(ctx)
	if err != nil {
		t.Fatalf("CurrentUser(): %v", err)
	}
	if cur.ID != me.ID {
		t.Errorf("CurrentUser().ID = %q; want %q", cur.ID, me.ID)
	}

	if err := c.SignOut(ctx); err != nil {
		t.Fatalf("SignOut(): %v", err)
	}
	_, err = c.CurrentUser(ctx)
	if !errors.Is(err, greenlight.ErrNotSignedIn) {
		t.Fatalf("CurrentUser() after sign-out = %v; want %v", err, greenlight.ErrNotSignedIn)
	}
	_, err = c.Rooms(ctx, "")
	if !errors.Is(err, greenlight.ErrUnauthorized) {
		t.Fatalf("Rooms() after sign-out = %v; want %v", err, greenlight.ErrUnauthorized)
	}
}

func TestSignInRefusedWithExternalAuth(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	fake.SetExternalAuth(true)
	c := newClient(t, fake)
	_, err := c.SignIn(context.Background(), greenlighttest.DefaultAdminEmail, greenlighttest.DefaultAdminPassword)
	if !errors.Is(err, greenlight.ErrForbidden) {
		t.Fatalf("SignIn with external auth = %v; want %v", err, greenlight.ErrForbidden)
	}
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
			if err != nil {
				t.Fatalf("http.NewRequest(%s, %s): %v", tt.method, tt.path, err)
			}
			if tt.accept != "" {
				req.Header.Set("Accept", tt.accept)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("%s %s: %v", tt.method, tt.path, err)
			}
			defer resp.Body.Close()
			_, _ = io.Copy(io.Discard, resp.Body)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("%s %s status = %d; want %d", tt.method, tt.path, resp.StatusCode, tt.wantStatus)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.Contains(ct, tt.wantType) {
				t.Errorf("%s %s Content-Type = %q; want it to contain %q", tt.method, tt.path, ct, tt.wantType)
			}
		})
	}
}

func TestMissingCSRFToken(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	c := newClient(t, fake)
	// No page fetched: no session cookie and no token.
	_, err := c.CreateUser(context.Background(), greenlight.NewUser{Name: "A", Email: "a@example.com", Password: "Passw0rd!x"})
	if !errors.Is(err, greenlight.ErrCSRF) {
		t.Fatalf("CreateUser without a CSRF token = %v; want %v", err, greenlight.ErrCSRF)
	}
	if errors.Is(err, greenlight.ErrInvalid) {
		t.Fatalf("CreateUser without a CSRF token = %v; want an error other than %v", err, greenlight.ErrInvalid)
	}
	var ae *greenlight.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("CreateUser without a CSRF token = %v (%T); want a *greenlight.APIError", err, err)
	}
	if ae.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("APIError.StatusCode = %d; want %d", ae.StatusCode, http.StatusUnprocessableEntity)
	}
	if strings.Contains(err.Error(), "Passw0rd!x") {
		t.Errorf("CreateUser error = %q; want no password in it", err)
	}

	// With the token, a self sign-up works and signs the new user in.
	if err := c.FetchCSRFToken(context.Background()); err != nil {
		t.Fatalf("FetchCSRFToken(): %v", err)
	}
	u, err := c.CreateUser(context.Background(), greenlight.NewUser{Name: "A", Email: "a@example.com", Password: "Passw0rd!x"})
	if err != nil {
		t.Fatalf("CreateUser with a CSRF token: %v", err)
	}
	if u.Email != "a@example.com" {
		t.Errorf("CreateUser().Email = %q; want %q", u.Email, "a@example.com")
	}
}

func TestNotAPIResponse(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, "<html><body>proxy login</body></html>")
	}))
	defer srv.Close()
	c, err := greenlight.New(srv.URL)
	if err != nil {
		t.Fatalf("greenlight.New(%q): %v", srv.URL, err)
	}
	_, err = c.Rooms(context.Background(), "")
	if !errors.Is(err, greenlight.ErrNotAPI) {
		t.Fatalf("Rooms() from an HTML page = %v; want %v", err, greenlight.ErrNotAPI)
	}
	_, err = c.SignIn(context.Background(), "a@example.com", "Passw0rd!x")
	if !errors.Is(err, greenlight.ErrNotAPI) {
		t.Fatalf("SignIn() from an HTML page = %v; want %v", err, greenlight.ErrNotAPI)
	}
	if strings.Contains(err.Error(), "Passw0rd!x") {
		t.Errorf("SignIn error = %q; want no password in it", err)
	}
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
			if !errors.As(err, &de) {
				t.Fatalf("Rooms() = %v (%T); want a *greenlight.DecodeError", err, err)
			}
		}},
		{"wrong data type", 200, "application/json", `{"data":{"x":1}}`, func(t *testing.T, err error) {
			var de *greenlight.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("Rooms() = %v (%T); want a *greenlight.DecodeError", err, err)
			}
		}},
		{"too large", 200, "application/json", `{"data":[` + strings.Repeat(`{"name":"x"},`, 200) + `{}]}`, func(t *testing.T, err error) {
			var de *greenlight.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("Rooms() = %v (%T); want a *greenlight.DecodeError", err, err)
			}
			if !errors.Is(err, bbb.ErrResponseTooLarge) {
				t.Fatalf("Rooms() = %v; want %v", err, bbb.ErrResponseTooLarge)
			}
		}},
		{"proxy 502", 502, "text/plain", "bad gateway", func(t *testing.T, err error) {
			if !errors.Is(err, greenlight.ErrServer) {
				t.Fatalf("Rooms() = %v; want %v", err, greenlight.ErrServer)
			}
		}},
		{"errors hash", 400, "application/json", `{"errors":{"name":["can't be blank"]}}`, func(t *testing.T, err error) {
			var ae *greenlight.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("Rooms() = %v (%T); want a *greenlight.APIError", err, err)
			}
			if diff := cmp.Diff([]string{"name can't be blank"}, ae.Codes); diff != "" {
				t.Errorf("APIError.Codes mismatch (-want +got):\n%s", diff)
			}
			if !errors.Is(err, greenlight.ErrInvalid) {
				t.Fatalf("Rooms() = %v; want %v", err, greenlight.ErrInvalid)
			}
		}},
		{"404 string error", 404, "application/json", `{"errors":"RecordNotFound"}`, func(t *testing.T, err error) {
			if !errors.Is(err, greenlight.ErrNotFound) {
				t.Fatalf("Rooms() = %v; want %v", err, greenlight.ErrNotFound)
			}
			var ae *greenlight.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("Rooms() = %v (%T); want a *greenlight.APIError", err, err)
			}
			if !ae.HasCode("RecordNotFound") {
				t.Errorf("HasCode(%q) = false; want true (codes %v)", "RecordNotFound", ae.Codes)
			}
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
			c, err := greenlight.New(srv.URL, bbb.WithMaxResponseBytes(1024))
			if err != nil {
				t.Fatalf("greenlight.New(%q): %v", srv.URL, err)
			}
			_, err = c.Rooms(context.Background(), "")
			if err == nil {
				t.Fatal("Rooms() = nil error; want an error")
			}
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

	c, err := greenlight.New(srv.URL, bbb.WithTimeout(30*time.Millisecond))
	if err != nil {
		t.Fatalf("greenlight.New(%q): %v", srv.URL, err)
	}
	_, err = c.Rooms(context.Background(), "")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Rooms() with a 30ms timeout = %v; want %v", err, context.DeadlineExceeded)
	}
	var te *greenlight.TransportError
	if !errors.As(err, &te) {
		t.Fatalf("Rooms() with a 30ms timeout = %v (%T); want a *greenlight.TransportError", err, err)
	}

	c2, err := greenlight.New(srv.URL)
	if err != nil {
		t.Fatalf("greenlight.New(%q): %v", srv.URL, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c2.Rooms(ctx, "")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Rooms() with a canceled context = %v; want %v", err, context.Canceled)
	}

	// A limiter with no burst left refuses to wait past the deadline.
	fake := newFake(t)
	lim := rate.NewLimiter(rate.Every(time.Hour), 1)
	c3, err := greenlight.New(fake.URL, bbb.WithRateLimit(lim))
	if err != nil {
		t.Fatalf("greenlight.New(%q, WithRateLimit): %v", fake.URL, err)
	}
	_, err = c3.CurrentUser(context.Background())
	if !errors.Is(err, greenlight.ErrNotSignedIn) { // first request used the burst
		t.Fatalf("CurrentUser() = %v; want %v", err, greenlight.ErrNotSignedIn)
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), time.Second)
	defer cancel2()
	_, err = c3.CurrentUser(ctx2)
	if !errors.As(err, &te) {
		t.Fatalf("CurrentUser() past the limiter = %v (%T); want a *greenlight.TransportError", err, err)
	}
	if errors.Is(err, greenlight.ErrNotSignedIn) {
		t.Errorf("CurrentUser() past the limiter = %v; want an error other than %v", err, greenlight.ErrNotSignedIn)
	}
}
