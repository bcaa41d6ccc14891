package oidc

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
)

func TestNewValidates(t *testing.T) {
	t.Parallel()
	op := newFakeOP(t)
	client := newBBBForTest(t)
	good := Config{Issuer: op.issuer(), ClientID: op.client, ClientSecret: op.secret, RedirectURL: "https://portal.example/oidc/callback"}
	rooms := WithRooms(testRooms...)
	cases := []struct {
		name   string
		client *bbb.Client
		cfg    func(*Config)
		opts   []Option
	}{
		{name: "nil client", opts: []Option{rooms}},
		{name: "no issuer", client: client, cfg: func(c *Config) { c.Issuer = "" }, opts: []Option{rooms}},
		{name: "no client ID", client: client, cfg: func(c *Config) { c.ClientID = "" }, opts: []Option{rooms}},
		{name: "relative redirect", client: client, cfg: func(c *Config) { c.RedirectURL = "/cb" }, opts: []Option{rooms}},
		{name: "redirect with fragment", client: client, cfg: func(c *Config) { c.RedirectURL = "https://p.example/cb#x" }, opts: []Option{rooms}},
		{name: "javascript redirect", client: client, cfg: func(c *Config) { c.RedirectURL = "javascript://x/%0aalert(1)" }, opts: []Option{rooms}},
		{name: "no rooms", client: client},
		{name: "short cookie key", client: client, opts: []Option{rooms, WithCookieKeys([]byte("short"))}},
		{name: "no cookie keys", client: client, opts: []Option{rooms, WithCookieKeys()}},
		{name: "login TTL too long", client: client, opts: []Option{rooms, WithLoginTTL(2 * time.Hour)}},
		{name: "bad default role", client: client, opts: []Option{rooms, WithDefaultRole("ADMIN")}},
		{name: "bad scope", client: client, opts: []Option{rooms, WithScopes("a b")}},
		{name: "bad userdata key", client: client, opts: []Option{rooms, WithUserData(map[string]string{"bbb-x": "1"})}},
		{name: "bad passthrough key", client: client, opts: []Option{rooms, WithUserDataPassthrough("")}},
		{name: "bad mapped userdata key", client: client, opts: []Option{rooms, WithClaimMapping(ClaimMapping{UserData: map[string]string{"email": "e-mail"}})}},
		{name: "bad paths", client: client, opts: []Option{rooms, WithPaths("login", "/wait")}},
		{name: "same paths", client: client, opts: []Option{rooms, WithPaths("/x", "/x")}},
		{name: "room without ID", client: client, opts: []Option{WithRooms(Room{Name: "x"})}},
		{name: "nil room func", client: client, opts: []Option{WithRoomFunc(nil)}},
		{name: "nil logger", client: client, opts: []Option{rooms, WithLogger(nil)}},
		{name: "nil HTTP client", client: client, opts: []Option{rooms, WithHTTPClient(nil)}},
		{name: "nil clock", client: client, opts: []Option{rooms, WithClock(nil)}},
		{name: "nil replay cache", client: client, opts: []Option{rooms, WithReplayCache(nil)}},
		{name: "nil error handler", client: client, opts: []Option{rooms, WithErrorHandler(nil)}},
		{name: "negative wait", client: client, opts: []Option{rooms, WithWaiting(true, -1, 0)}},
		{name: "nil option", client: client, opts: []Option{rooms, nil}},
		{name: "unknown auth style", client: client, opts: []Option{rooms, WithAuthStyle(7)}},
		{name: "nil role rule", client: client, opts: []Option{rooms, WithRoleRules(ClaimRule("groups", "staff", RoleModerator), nil)}},
		{name: "nil room rule", client: client, opts: []Option{WithRooms(Room{ID: "r", Rules: []RoleRule{nil}})}},
		{name: "duplicate room ID", client: client, opts: []Option{WithRooms(Room{ID: "r", Name: "a"}, Room{ID: "r", Name: "b"})}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cfg := good
			if c.cfg != nil {
				c.cfg(&cfg)
			}
			j, err := New(context.Background(), c.client, cfg, c.opts...)
			if err == nil || j != nil {
				t.Fatalf("accepted: %v", err)
			}
			if strings.Contains(err.Error(), op.secret) {
				t.Fatal("client secret in error")
			}
		})
	}
	t.Run("discovery failure", func(t *testing.T) {
		t.Parallel()
		dead := httptest.NewServer(http.NotFoundHandler())
		dead.Close()
		cfg := good
		cfg.Issuer = dead.URL
		_, err := New(context.Background(), client, cfg, rooms)
		if !errors.Is(err, ErrProvider) {
			t.Fatalf("err = %v", err)
		}
		cfg.Issuer = op.issuer() + "/other" // discovery answers 404
		_, err = New(context.Background(), client, cfg, rooms)
		if !errors.Is(err, ErrProvider) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("valid", func(t *testing.T) {
		t.Parallel()
		j, err := New(context.Background(), client, good, rooms, WithCookieKeys(testKey(1), testKey(2)), WithLoginTTL(time.Minute),
			WithDefaultRole(RoleModerator), WithScopes("openid", "groups"), WithPaths("/in", "/hold"), WithWaiting(true, time.Second, time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if j.LoginPath() != "/in" || j.LoginURL("a b&c") != "/in?meeting=a+b%26c" || j.callbackPath != "/oidc/callback" {
			t.Fatalf("paths %q %q %q", j.LoginPath(), j.LoginURL("a b&c"), j.callbackPath)
		}
		if strings.Join(j.oauth.Scopes, " ") != "openid groups" {
			t.Fatalf("scopes %v", j.oauth.Scopes)
		}
	})
}

func TestMiddlewarePassesOtherPaths(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, path := range []string{"/", "/rooms", "/oidc/loginx", "/oidc/callback/x"} {
		got := h.browser().get(h.portal.URL + path)
		if got.status != http.StatusOK || got.body != "portal home" {
			t.Errorf("%s: %d %q", path, got.status, got.body)
		}
	}
	rec := httptest.NewRecorder()
	h.joiner.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/elsewhere", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("Handler on another path: %d", rec.Code)
	}
	rec = httptest.NewRecorder()
	h.joiner.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/oidc/login?meeting=physics-101", nil))
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Set-Cookie") != "" {
		t.Errorf("POST login: %d", rec.Code)
	}
}

// Two tabs of one browser sign in at the same time: each login has its own
// cookie, so finishing them in either order works.
func TestParallelSignInsInOneBrowser(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	b := h.browser()
	first := b.loginUntilCallback("physics-101")
	second := b.loginUntilCallback("open-lab")
	if n := len(b.portalCookies()); n != 2 {
		t.Fatalf("%d login cookies, want 2", n)
	}
	for _, cb := range []string{second, first} {
		if ans := b.get(cb); ans.status != http.StatusSeeOther {
			t.Fatalf("%d %s", ans.status, ans.body)
		}
	}
	if n := b.unusedLoginCookies(); n != 0 {
		t.Fatalf("%d unused login cookies left", n)
	}
}

func TestInsecureCookiesAndCustomPaths(t *testing.T) {
	t.Parallel()
	op := newFakeOP(t)
	j, err := New(context.Background(), newBBBForTest(t), Config{Issuer: op.issuer(), ClientID: op.client, RedirectURL: "http://dev.example:8080/auth/back"},
		WithRooms(testRooms...), WithInsecureCookies(), WithPaths("/auth/start", "/auth/hold"))
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	j.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/auth/start?meeting=open-lab", nil))
	c := rec.Header().Get("Set-Cookie")
	if rec.Code != http.StatusFound || !strings.HasPrefix(c, "bbbkit-oidc-l-") || strings.Contains(c, "Secure") || !strings.Contains(c, "HttpOnly") {
		t.Fatalf("%d %q", rec.Code, c)
	}
	if loc := rec.Header().Get("Location"); !strings.Contains(loc, "redirect_uri=http%3A%2F%2Fdev.example%3A8080%2Fauth%2Fback") {
		t.Fatalf("location %q", loc)
	}
	rec = httptest.NewRecorder()
	j.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/auth/back?state=x&code=y", nil))
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("callback on custom path: %d", rec.Code)
	}
}

func TestRoomFuncErrors(t *testing.T) {
	t.Parallel()
	op := newFakeOP(t)
	boom := errors.New("directory down")
	j, err := New(context.Background(), newBBBForTest(t), Config{Issuer: op.issuer(), ClientID: op.client, RedirectURL: "https://p.example/cb"},
		WithRoomFunc(func(_ context.Context, id string) (*Room, error) {
			switch id {
			case "down":
				return nil, boom
			case "other":
				return &Room{ID: "not-other"}, nil
			case "gone":
				return nil, ErrUnknownMeeting
			}
			return nil, nil
		}), WithErrorHandler(func(w http.ResponseWriter, _ *http.Request, e *Error) {
			w.Header().Set("X-Kind", e.Kind.Error())
			w.WriteHeader(e.Status)
		}))
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]int{"down": http.StatusBadGateway, "other": http.StatusNotFound, "gone": http.StatusNotFound, "nil": http.StatusNotFound} {
		rec := httptest.NewRecorder()
		j.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, j.LoginURL(id), nil))
		if rec.Code != want || rec.Header().Get("Set-Cookie") != "" {
			t.Errorf("%s: %d (%s)", id, rec.Code, rec.Header().Get("X-Kind"))
		}
	}
}

func TestErrorMessages(t *testing.T) {
	t.Parallel()
	e := &Error{Op: "callback", Kind: ErrNonce, Status: 401, Err: errors.New("x")}
	if e.Error() != "oidc: callback: ID token nonce does not match: x" || !errors.Is(e, ErrToken) || !errors.Is(e, ErrNonce) {
		t.Fatalf("%v", e)
	}
	for _, c := range []struct {
		pe   ProviderError
		want string
	}{
		{ProviderError{Endpoint: "token", Code: "invalid_grant", StatusCode: 400}, "token endpoint answered HTTP Bad Request with error invalid_grant"},
		{ProviderError{Endpoint: "userinfo"}, "userinfo endpoint unreachable or unusable answer"},
	} {
		if got := c.pe.Error(); got != c.want {
			t.Errorf("%q, want %q", got, c.want)
		}
	}
	for in, want := range map[string]string{"access_denied": "access_denied", "": "", "a b": "invalid_error_code", "<x>": "invalid_error_code", strings.Repeat("a", 65): "invalid_error_code"} {
		if got := safeCode(in); got != want {
			t.Errorf("safeCode(%q) = %q", in, got)
		}
	}
	if got := redact("bad token aaaaaaaa.bbbbbbbbbb.cc in bbbbbbbbbb", "aaaaaaaa.bbbbbbbbbb.cc"); strings.Contains(got, "bbbbbbbbbb") || strings.Contains(got, "aaaaaaaa") {
		t.Errorf("redact left a segment: %q", got)
	}
}

func TestOptionErrorsNameTheOption(t *testing.T) {
	t.Parallel()
	op := newFakeOP(t)
	client := newBBBForTest(t)
	cfg := Config{Issuer: op.issuer(), ClientID: op.client, RedirectURL: "https://portal.example/oidc/callback"}
	rooms := WithRooms(testRooms...)
	cases := map[string]Option{
		"WithClock":       WithClock(nil),
		"WithLoginTTL":    WithLoginTTL(time.Second),
		"WithAuthStyle":   WithAuthStyle(-1),
		"WithRoleRules":   WithRoleRules(nil),
		"WithUserData":    WithUserData(map[string]string{"a-b": "1"}),
		"WithReplayCache": WithReplayCache(nil),
	}
	for name, opt := range cases {
		_, err := New(context.Background(), client, cfg, rooms, opt)
		if err == nil || !strings.Contains(err.Error(), name+":") {
			t.Errorf("%s: err = %v, want it to name the option", name, err)
		}
	}
}
