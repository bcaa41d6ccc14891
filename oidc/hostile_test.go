package oidc

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
)

// loginUntilCallback runs login and authorize, returning the callback URL
// without calling it.
func (b *browser) loginUntilCallback(meeting string) string {
	b.t.Helper()
	start := b.get(b.h.portal.URL + b.h.joiner.LoginURL(meeting))
	if start.status != http.StatusFound {
		b.t.Fatalf("login: %d %s", start.status, start.body)
	}
	authz := b.get(start.location)
	if authz.status != http.StatusFound {
		b.t.Fatalf("authorize: %d %s", authz.status, authz.body)
	}
	return authz.location
}

func (b *browser) portalCookies() []*http.Cookie {
	u, _ := url.Parse(b.h.portal.URL)
	return b.client.Jar.Cookies(u)
}

func withQuery(t *testing.T, raw string, edit func(url.Values)) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	edit(q)
	u.RawQuery = q.Encode()
	return u.String()
}

func TestHostileCallbacks(t *testing.T) {
	t.Parallel()
	type tc struct {
		name   string
		opts   []Option
		op     func(*fakeOP)
		run    func(t *testing.T, h *harness) hop
		status int
		kind   error
	}
	callback := func(t *testing.T, h *harness) hop { _, ans := h.browser().login("physics-101"); return ans }
	tokenCase := func(name string, mutate func(c map[string]any), kind error) tc {
		return tc{name: name, op: func(op *fakeOP) { op.mutate = mutate }, run: callback, status: http.StatusUnauthorized, kind: kind}
	}
	cases := []tc{
		{name: "open redirect next", run: func(t *testing.T, h *harness) hop {
			return h.browser().get(h.portal.URL + h.joiner.LoginURL("physics-101") + "&next=https://evil.example/")
		}, status: http.StatusBadRequest, kind: ErrOpenRedirect},
		{name: "open redirect redirect_uri", run: func(t *testing.T, h *harness) hop {
			return h.browser().get(h.portal.URL + h.joiner.LoginURL("physics-101") + "&redirect_uri=//evil.example")
		}, status: http.StatusBadRequest, kind: ErrOpenRedirect},
		{name: "unknown meeting", run: func(t *testing.T, h *harness) hop {
			return h.browser().get(h.portal.URL + h.joiner.LoginURL("no-such-room"))
		}, status: http.StatusNotFound, kind: ErrUnknownMeeting},
		{name: "no meeting", run: func(t *testing.T, h *harness) hop {
			return h.browser().get(h.portal.URL + "/oidc/login")
		}, status: http.StatusBadRequest, kind: ErrBadRequest},
		{name: "replayed state", run: func(t *testing.T, h *harness) hop {
			b := h.browser()
			cb := b.loginUntilCallback("physics-101")
			saved := b.portalCookies()
			if first := b.get(cb); first.status != http.StatusSeeOther {
				t.Fatalf("first callback: %d %s", first.status, first.body)
			}
			u, _ := url.Parse(h.portal.URL)
			b.client.Jar.SetCookies(u, saved) // the attacker kept the cookie
			return b.get(cb)
		}, status: http.StatusBadRequest, kind: ErrStateReplayed},
		{name: "state does not match cookie", run: func(t *testing.T, h *harness) hop {
			b := h.browser()
			cb := b.loginUntilCallback("physics-101")
			return b.get(withQuery(t, cb, func(q url.Values) { q.Set("state", randomToken()) }))
		}, status: http.StatusBadRequest, kind: ErrState},
		{name: "callback in another browser", run: func(t *testing.T, h *harness) hop {
			cb := h.browser().loginUntilCallback("physics-101")
			return h.browser().get(cb) // login CSRF: victim's browser has no login cookie
		}, status: http.StatusBadRequest, kind: ErrState},
		{name: "forged cookie", run: func(t *testing.T, h *harness) hop {
			b := h.browser()
			cb := b.loginUntilCallback("physics-101")
			u, _ := url.Parse(h.portal.URL)
			var forged []*http.Cookie
			for _, c := range b.portalCookies() {
				v := []byte(c.Value)
				v[len(v)/2] ^= 1
				forged = append(forged, &http.Cookie{Name: c.Name, Value: string(v)})
			}
			b.client.Jar.SetCookies(u, forged)
			return b.get(cb)
		}, status: http.StatusBadRequest, kind: ErrState},
		{name: "sign-in took too long", run: func(t *testing.T, h *harness) hop {
			b := h.browser()
			cb := b.loginUntilCallback("physics-101")
			h.clock.advance(11 * time.Minute)
			return b.get(cb)
		}, status: http.StatusBadRequest, kind: ErrState},
		{name: "missing state", run: func(t *testing.T, h *harness) hop {
			b := h.browser()
			cb := b.loginUntilCallback("physics-101")
			return b.get(withQuery(t, cb, func(q url.Values) { q.Del("state") }))
		}, status: http.StatusBadRequest, kind: ErrState},
		{name: "missing code", run: func(t *testing.T, h *harness) hop {
			b := h.browser()
			cb := b.loginUntilCallback("physics-101")
			return b.get(withQuery(t, cb, func(q url.Values) { q.Del("code") }))
		}, status: http.StatusBadRequest, kind: ErrBadRequest},
		{name: "mix-up: other issuer named", run: func(t *testing.T, h *harness) hop {
			b := h.browser()
			cb := b.loginUntilCallback("physics-101")
			return b.get(withQuery(t, cb, func(q url.Values) { q.Set("iss", "https://evil.example") }))
		}, status: http.StatusBadRequest, kind: ErrProvider},
		{name: "IdP error access_denied", run: func(t *testing.T, h *harness) hop {
			b := h.browser()
			cb := b.loginUntilCallback("physics-101")
			return b.get(withQuery(t, cb, func(q url.Values) {
				q.Del("code")
				q.Set("error", "access_denied")
				q.Set("error_description", "<script>alert(1)</script>")
			}))
		}, status: http.StatusForbidden, kind: ErrProvider},
		{name: "IdP error server_error", run: func(t *testing.T, h *harness) hop {
			b := h.browser()
			cb := b.loginUntilCallback("physics-101")
			return b.get(withQuery(t, cb, func(q url.Values) { q.Del("code"); q.Set("error", "temporarily_unavailable") }))
		}, status: http.StatusBadGateway, kind: ErrProvider},
		{name: "token endpoint error", op: func(op *fakeOP) { op.tokenErr = "invalid_grant" }, run: callback, status: http.StatusBadGateway, kind: ErrProvider},
		{name: "wrong client secret", op: func(op *fakeOP) { op.secret = "rotated-" + randomToken() }, run: callback, status: http.StatusBadGateway, kind: ErrProvider},
		{name: "userinfo endpoint error", opts: []Option{WithUserInfo()}, op: func(op *fakeOP) { op.infoFail = true }, run: callback, status: http.StatusBadGateway, kind: ErrProvider},
		{name: "no id_token", op: func(op *fakeOP) { op.noIDTok = true }, run: callback, status: http.StatusUnauthorized, kind: ErrToken},
		tokenCase("wrong nonce", func(c map[string]any) { c["nonce"] = randomToken() }, ErrNonce),
		tokenCase("no nonce", func(c map[string]any) { delete(c, "nonce") }, ErrNonce),
		tokenCase("expired token", func(c map[string]any) { c["exp"] = time.Now().Add(-time.Minute).Unix() }, ErrTokenExpired),
		tokenCase("wrong audience", func(c map[string]any) { c["aud"] = "another-client" }, ErrToken),
		tokenCase("several audiences without azp", func(c map[string]any) { c["aud"] = []string{"portal-client", "another-client"} }, ErrToken),
		tokenCase("azp of another client", func(c map[string]any) { c["azp"] = "another-client" }, ErrToken),
		tokenCase("wrong issuer", func(c map[string]any) { c["iss"] = "https://evil.example" }, ErrToken),
		tokenCase("at_hash of another access token", func(c map[string]any) { c["at_hash"] = "x4Q8c6uDmDJCn-cSPQ2Xpg" }, ErrToken),
		tokenCase("not yet valid", func(c map[string]any) { c["nbf"] = time.Now().Add(time.Hour).Unix() }, ErrToken),
		{name: "foreign signature", op: func(op *fakeOP) { op.foreign = true }, run: callback, status: http.StatusUnauthorized, kind: ErrToken},
		{name: "missing name", op: func(op *fakeOP) { delete(op.user, "name") }, run: callback, status: http.StatusForbidden, kind: ErrMissingClaim},
		{name: "missing user ID claim", opts: []Option{WithClaimMapping(ClaimMapping{UserID: "employee_id"})}, run: callback, status: http.StatusForbidden, kind: ErrMissingClaim},
		{name: "missing required claim", opts: []Option{WithClaimMapping(ClaimMapping{Required: []string{"eduperson_affiliation"}})}, run: callback, status: http.StatusForbidden, kind: ErrMissingClaim},
		{name: "default role denied", opts: []Option{WithRoleRules(ClaimRule("groups", "nobody", RoleModerator)), WithDefaultRole(RoleDenied)}, run: callback, status: http.StatusForbidden, kind: ErrDenied},
		{name: "callback by POST", run: func(t *testing.T, h *harness) hop {
			resp, err := h.portal.Client().Post(h.portal.URL+"/oidc/callback", "application/x-www-form-urlencoded", strings.NewReader("code=x&state=y"))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return hop{status: resp.StatusCode, location: resp.Header.Get("Location")}
		}, status: http.StatusMethodNotAllowed, kind: ErrBadRequest},
		{name: "wait without pending join", run: func(t *testing.T, h *harness) hop {
			return h.browser().get(h.portal.URL + "/oidc/wait?meeting=physics-101")
		}, status: http.StatusUnauthorized, kind: ErrWaitExpired},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, c.opts...)
			if c.op != nil {
				h.op.set(c.op)
			}
			ans := c.run(t, h)
			if ans.status != c.status {
				t.Errorf("status %d, want %d (%s)", ans.status, c.status, ans.body)
			}
			err := h.lastErr()
			if !errors.Is(err, c.kind) {
				t.Errorf("error %v, want kind %v", err, c.kind)
			}
			if ans.location != "" {
				t.Errorf("redirected to %q", ans.location)
			}
			for _, a := range h.attendees("physics-101") {
				t.Errorf("someone joined: %+v", a)
			}
			if strings.Contains(ans.body, "<script>") {
				t.Error("provider text reflected into the page")
			}
		})
	}
}

func TestBBBFailure(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	wrong, err := bbb.New(h.bbbSrv.APIURL(), "not-the-secret-"+randomToken())
	if err != nil {
		t.Fatal(err)
	}
	h.joiner.bbb = wrong
	_, ans := h.browser().login("physics-101")
	if ans.status != http.StatusBadGateway || !errors.Is(h.lastErr(), ErrBBB) || ans.location != "" {
		t.Fatalf("%d %v %q", ans.status, h.lastErr(), ans.location)
	}
	if strings.Contains(h.lastErr().Error(), "not-the-secret") {
		t.Fatal("BBB secret in error")
	}
}

func TestJoinURLMustStayOnBBB(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, target := range []string{
		h.bbbSrv.APIURL() + "join?x=1",
		"https://evil.example/bigbluebutton/api/join?x=1",
		strings.Replace(h.bbbSrv.APIURL(), "http://", "https://", 1) + "join?x=1",
		strings.Replace(h.bbbSrv.APIURL(), "http://", "http://user@", 1) + "join?x=1",
		h.bbbSrv.APIURL() + "create?x=1",
		h.bbbSrv.APIURL() + "join?x=1#frag",
	} {
		want := target == h.bbbSrv.APIURL()+"join?x=1"
		if got := h.joiner.isJoinURL(target); got != want {
			t.Errorf("isJoinURL(%q) = %v, want %v", target, got, want)
		}
	}
}

func TestDefaultErrorPage(t *testing.T) {
	t.Parallel()
	op := newFakeOP(t)
	srv := newBBBForTest(t)
	j, err := New(context.Background(), srv, Config{Issuer: op.issuer(), ClientID: op.client, ClientSecret: op.secret, RedirectURL: "https://portal.example/cb"},
		WithRooms(testRooms...))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		target string
		status int
		text   string
	}{
		{"/oidc/login?meeting=physics-101&next=https://evil.example", http.StatusBadRequest, "Redirect refused"},
		{"/oidc/login?meeting=nope", http.StatusNotFound, "Meeting not found"},
		{"/cb?state=abc&code=def", http.StatusBadRequest, "Sign-in could not be completed"},
		{"/cb?state=abc&error=access_denied&error_description=%3Cscript%3E", http.StatusForbidden, "Identity provider error"},
		{"/oidc/wait?meeting=physics-101", http.StatusUnauthorized, "sign in again"},
	} {
		rec := newRecorder()
		j.Handler().ServeHTTP(rec, httpGet(c.target))
		if rec.Code != c.status || !strings.Contains(rec.Body.String(), c.text) {
			t.Errorf("%s: %d %s", c.target, rec.Code, rec.Body.String())
		}
		if strings.Contains(rec.Body.String(), "<script>") || rec.Header().Get("Location") != "" {
			t.Errorf("%s: unsafe answer", c.target)
		}
		if rec.Header().Get("Cache-Control") != "no-store" || rec.Header().Get("Content-Type") != "text/html; charset=utf-8" {
			t.Errorf("%s: headers %v", c.target, rec.Header())
		}
	}
}

// FuzzCallback feeds arbitrary callback queries and cookie values: the
// callback must refuse them with a 4xx and never redirect.
func FuzzCallback(f *testing.F) {
	op := newFakeOP(f)
	j, err := New(context.Background(), newBBBForTest(f), Config{Issuer: op.issuer(), ClientID: op.client, RedirectURL: "https://p.example/cb"},
		WithRooms(testRooms...), WithCookieKeys(testKey(7)))
	if err != nil {
		f.Fatal(err)
	}
	h := j.Handler()
	f.Add("state=abc&code=def", "AQ")
	f.Add("error=access_denied&state=x", "")
	f.Add("state=%00&code=&iss=http://x", "////")
	f.Fuzz(func(t *testing.T, rawQuery, cookie string) {
		req := httptest.NewRequest(http.MethodGet, "/cb", nil)
		req.URL.RawQuery = rawQuery
		if state := req.URL.Query().Get("state"); state != "" && cookie != "" {
			req.AddCookie(&http.Cookie{Name: j.loginCookieName(state), Value: strings.Map(func(r rune) rune {
				if r < 0x21 || r > 0x7e || r == ';' || r == '"' || r == ',' || r == '\\' {
					return 'A'
				}
				return r
			}, cookie)})
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code < 400 || rec.Code >= 600 || rec.Header().Get("Location") != "" {
			t.Fatalf("query %q cookie %q: %d %q", rawQuery, cookie, rec.Code, rec.Header().Get("Location"))
		}
	})
}
