package oidc

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/internal/syncbuf"
)

// harness wires a Joiner to a fake provider, a fake BBB and a TLS portal
// server (TLS so the browser's cookie jar sends the Secure cookies).
type harness struct {
	t      *testing.T
	op     *fakeOP
	bbbSrv *bbbtest.Server
	bbb    *bbb.Client
	joiner *Joiner
	portal *httptest.Server
	clock  *testClock
	logs   *syncBuffer

	mu   sync.Mutex
	errs []*Error
}

type testClock struct{ off atomic.Int64 }

func (c *testClock) now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *testClock) advance(d time.Duration) { c.off.Add(int64(d)) }

type syncBuffer = syncbuf.Buffer

var testRooms = []Room{
	{ID: "physics-101", Name: "Physics 101", Create: bbb.CreateMeetingParams{Meta: map[string]string{"origin": "bbbkit-oidc"}, MaxParticipants: 40}},
	{ID: "open-lab", Name: "Open lab", AnyoneMayStart: true},
	{ID: "board", Name: "Board room", Rules: []RoleRule{ClaimRule("groups", "board", RoleModerator), func(*Identity, *Room) (Role, bool) { return RoleDenied, true }}},
}

func newHarness(t *testing.T, opts ...Option) *harness {
	t.Helper()
	h := &harness{t: t, op: newFakeOP(t), clock: &testClock{}, logs: &syncBuffer{}}
	h.bbbSrv = bbbtest.NewServer()
	t.Cleanup(h.bbbSrv.Close)
	var err error
	h.bbb, err = bbb.New(h.bbbSrv.APIURL(), h.bbbSrv.Secret)
	if err != nil {
		t.Fatal(err)
	}
	h.portal = httptest.NewUnstartedServer(nil)
	h.portal.StartTLS()
	t.Cleanup(h.portal.Close)
	base := []Option{
		WithRooms(testRooms...),
		WithRoleRules(ClaimRule("groups", "/teachers", RoleModerator)),
		WithClock(h.clock.now),
		WithLogger(slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		WithErrorHandler(func(w http.ResponseWriter, r *http.Request, err *Error) {
			h.mu.Lock()
			h.errs = append(h.errs, err)
			h.mu.Unlock()
			http.Error(w, err.Error(), err.Status)
		}),
	}
	h.joiner, err = New(context.Background(), h.bbb, Config{
		Issuer:       h.op.issuer(),
		ClientID:     h.op.client,
		ClientSecret: h.op.secret,
		RedirectURL:  h.portal.URL + "/oidc/callback",
	}, append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	h.portal.Config.Handler = h.joiner.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "portal home")
	}))
	return h
}

// lastErr returns the last error the error handler saw.
func (h *harness) lastErr() *Error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.errs) == 0 {
		return nil
	}
	return h.errs[len(h.errs)-1]
}

// browser is a user agent with its own cookie jar that follows redirects
// one by one, so tests can stop at or tamper with any hop.
type browser struct {
	t      *testing.T
	client *http.Client
	h      *harness
}

func (h *harness) browser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		h.t.Fatal(err)
	}
	c := *h.portal.Client() // a copy: trusts the portal's certificate, own jar
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &browser{t: h.t, client: &c, h: h}
}

type hop struct {
	status   int
	location string
	body     string
	header   http.Header
}

func (b *browser) get(rawURL string) hop {
	b.t.Helper()
	resp, err := b.client.Get(rawURL)
	if err != nil {
		b.t.Fatalf("GET %s: %v", rawURL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	loc := resp.Header.Get("Location")
	if loc != "" {
		u, err := resp.Request.URL.Parse(loc)
		if err != nil {
			b.t.Fatal(err)
		}
		loc = u.String()
	}
	return hop{status: resp.StatusCode, location: loc, body: string(body), header: resp.Header}
}

// login runs the flow from the portal's login link up to the portal's
// answer to the callback. It returns the callback URL and that answer.
func (b *browser) login(meeting string) (callbackURL string, answer hop) {
	b.t.Helper()
	start := b.get(b.h.portal.URL + b.h.joiner.LoginURL(meeting))
	if start.status != http.StatusFound || !strings.HasPrefix(start.location, b.h.op.issuer()+"/authorize") {
		b.t.Fatalf("login: %d %q %s", start.status, start.location, start.body)
	}
	authz := b.get(start.location)
	if authz.status != http.StatusFound || !strings.HasPrefix(authz.location, b.h.portal.URL+"/oidc/callback") {
		b.t.Fatalf("authorize: %d %q %s", authz.status, authz.location, authz.body)
	}
	return authz.location, b.get(authz.location)
}

// enter follows a join URL on the fake BBB: the user really joins.
func (b *browser) enter(joinURL string) {
	b.t.Helper()
	bbbBase, _ := url.Parse(b.h.bbbSrv.URL)
	u, err := url.Parse(joinURL)
	if err != nil || u.Host != bbbBase.Host {
		b.t.Fatalf("join URL %q is not on the fake BBB", joinURL)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(joinURL)
	if err != nil {
		b.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || !strings.Contains(resp.Header.Get("Location"), "/html5client/join?sessionToken=") {
		b.t.Fatalf("BBB refused the join %s: %d %q", joinURL, resp.StatusCode, resp.Header.Get("Location"))
	}
}

func (h *harness) attendees(meeting string) []bbb.Attendee {
	h.t.Helper()
	m, err := h.bbb.GetMeetingInfo(context.Background(), meeting)
	if errors.Is(err, bbb.ErrNotFound) {
		return nil
	}
	if err != nil {
		h.t.Fatal(err)
	}
	return m.Attendees
}

func TestJoinModeratorCreatesMeeting(t *testing.T) {
	t.Parallel()
	h := newHarness(t, WithClaimMapping(ClaimMapping{UserData: map[string]string{"email": "email"}}))
	b := h.browser()
	_, ans := b.login("physics-101")
	if ans.status != http.StatusSeeOther {
		t.Fatalf("callback answered %d %s (%v)", ans.status, ans.body, h.lastErr())
	}
	ju, _ := url.Parse(ans.location)
	q := ju.Query()
	for k, want := range map[string]string{"fullName": "Ada Lovelace", "meetingID": "physics-101", "role": "MODERATOR", "userID": "u-1001", "avatarURL": "https://idp.example/ada.png", "userdata-email": "ada@uni.example"} {
		if got := q.Get(k); got != want {
			t.Errorf("join %s = %q, want %q", k, got, want)
		}
	}
	if q.Get("createTime") == "" {
		t.Error("join URL has no createTime")
	}
	b.enter(ans.location)
	att := h.attendees("physics-101")
	if len(att) != 1 || att[0].FullName != "Ada Lovelace" || att[0].Role != bbb.RoleModerator || att[0].UserID != "u-1001" {
		t.Fatalf("attendees = %+v", att)
	}
	info, err := h.bbb.GetMeetingInfo(context.Background(), "physics-101")
	if err != nil || info.MeetingName != "Physics 101" || info.Metadata["origin"] != "bbbkit-oidc" || info.MaxUsers != 40 {
		t.Errorf("room defaults not applied on create: %+v, %v", info, err)
	}
	if att[0].CustomData["email"] != "ada@uni.example" {
		t.Errorf("custom data = %v", att[0].CustomData)
	}
	// The login cookie is gone after the callback.
	pu, _ := url.Parse(h.portal.URL)
	for _, c := range b.client.Jar.Cookies(pu) {
		if strings.Contains(c.Name, "-l-") {
			t.Errorf("login cookie %s still set", c.Name)
		}
	}
}

func TestLoginRequestAndCookie(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	b := h.browser()
	start := b.get(h.portal.URL + h.joiner.LoginURL("physics-101"))
	if start.status != http.StatusFound {
		t.Fatalf("status %d", start.status)
	}
	u, _ := url.Parse(start.location)
	q := u.Query()
	for _, k := range []string{"state", "nonce", "code_challenge"} {
		if len(q.Get(k)) < 43 {
			t.Errorf("%s = %q, want at least 256 bits", k, q.Get(k))
		}
	}
	if q.Get("code_challenge_method") != "S256" || q.Get("response_type") != "code" || q.Get("client_id") != h.op.client {
		t.Errorf("authorization request %v", q)
	}
	if !strings.Contains(q.Get("scope"), "openid") {
		t.Errorf("scope %q", q.Get("scope"))
	}
	setCookies := start.header.Values("Set-Cookie")
	if len(setCookies) != 1 {
		t.Fatalf("Set-Cookie = %v", setCookies)
	}
	c := setCookies[0]
	for _, attr := range []string{"__Host-bbbkit-oidc-l-", "HttpOnly", "Secure", "SameSite=Lax", "Path=/", "Max-Age=600"} {
		if !strings.Contains(c, attr) {
			t.Errorf("cookie %q lacks %q", c, attr)
		}
	}
	for _, secret := range []string{q.Get("state"), q.Get("nonce")} {
		if strings.Contains(c, secret) {
			t.Error("cookie carries the state or nonce in clear")
		}
	}
	if cc := start.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
}

func TestViewerWaitsThenJoins(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	viewer := h.browser()
	h.op.set(func(op *fakeOP) {
		op.user["sub"], op.user["name"], op.user["groups"] = "u-2002", "Grace Hopper", []any{"students"}
	})
	cb, ans := viewer.login("physics-101")
	waitURL := h.portal.URL + "/oidc/wait?meeting=physics-101"
	if ans.status != http.StatusSeeOther || ans.location != waitURL || ans.body != "" {
		t.Fatalf("viewer before start: %d %q %s", ans.status, ans.location, ans.body)
	}
	if att := h.attendees("physics-101"); att != nil {
		t.Fatalf("a viewer created or joined the meeting: %+v", att)
	}
	page := viewer.get(waitURL)
	if page.status != http.StatusAccepted || !strings.Contains(page.body, "Waiting for Physics 101") || page.header.Get("Retry-After") == "" ||
		!strings.Contains(page.body, `content="5;url=/oidc/wait?meeting=physics-101"`) {
		t.Fatalf("waiting page: %d %s", page.status, page.body)
	}
	// Reloading the callback URL does not sign in twice.
	if again := viewer.get(cb); again.status != http.StatusBadRequest {
		t.Fatalf("callback reload: %d", again.status)
	}
	if again := viewer.get(waitURL); again.status != http.StatusAccepted {
		t.Fatalf("wait before start: %d %s", again.status, again.body)
	}
	// The teacher starts the meeting.
	h.op.set(func(op *fakeOP) {
		op.user["sub"], op.user["name"], op.user["groups"] = "u-1001", "Ada Lovelace", []any{"/teachers"}
	})
	teacher := h.browser()
	_, tAns := teacher.login("physics-101")
	if tAns.status != http.StatusSeeOther {
		t.Fatalf("teacher: %d %s", tAns.status, tAns.body)
	}
	teacher.enter(tAns.location)
	// The viewer's next refresh joins.
	now := viewer.get(waitURL)
	if now.status != http.StatusSeeOther {
		t.Fatalf("wait after start: %d %s", now.status, now.body)
	}
	viewer.enter(now.location)
	roles := map[string]string{}
	for _, a := range h.attendees("physics-101") {
		roles[a.FullName] = a.Role
	}
	if roles["Ada Lovelace"] != bbb.RoleModerator || roles["Grace Hopper"] != bbb.RoleViewer || len(roles) != 2 {
		t.Fatalf("roles = %v", roles)
	}
	// The pending join was consumed.
	if after := viewer.get(waitURL); after.status != http.StatusUnauthorized {
		t.Fatalf("wait after join: %d", after.status)
	}
	if !errors.Is(h.lastErr(), ErrWaitExpired) {
		t.Fatalf("err = %v", h.lastErr())
	}
}

func TestAnyoneMayStartAndNoWaiting(t *testing.T) {
	t.Parallel()
	h := newHarness(t, WithWaiting(false, 0, 0))
	h.op.set(func(op *fakeOP) { op.user["groups"] = []any{"students"} })
	b := h.browser()
	_, ans := b.login("open-lab")
	if ans.status != http.StatusSeeOther {
		t.Fatalf("open lab: %d %s", ans.status, ans.body)
	}
	b.enter(ans.location)
	if att := h.attendees("open-lab"); len(att) != 1 || att[0].Role != bbb.RoleViewer {
		t.Fatalf("attendees %+v", att)
	}
	_, ans = h.browser().login("physics-101")
	if ans.status != http.StatusConflict || !errors.Is(h.lastErr(), ErrNotStarted) {
		t.Fatalf("not started: %d %v", ans.status, h.lastErr())
	}
}

func TestRoomRules(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	// Not on the board: the room's catch-all rule denies, even for teachers.
	_, ans := h.browser().login("board")
	if ans.status != http.StatusForbidden || !errors.Is(h.lastErr(), ErrDenied) {
		t.Fatalf("denied: %d %v", ans.status, h.lastErr())
	}
	if h.attendees("board") != nil {
		t.Fatal("meeting created for a denied user")
	}
	h.op.set(func(op *fakeOP) { op.user["groups"] = []any{"board"} })
	b := h.browser()
	_, ans = b.login("board")
	if ans.status != http.StatusSeeOther {
		t.Fatalf("board member: %d %s", ans.status, ans.body)
	}
	b.enter(ans.location)
	if att := h.attendees("board"); len(att) != 1 || att[0].Role != bbb.RoleModerator {
		t.Fatalf("attendees %+v", att)
	}
}

func TestUserInfoAndPassthrough(t *testing.T) {
	t.Parallel()
	h := newHarness(t, WithUserInfo(), WithUserDataPassthrough("bbb_skip_check_audio"),
		WithUserData(map[string]string{"bbb_auto_join_audio": "true"}))
	// Groups only in UserInfo, as Keycloak does without a mapper.
	h.op.set(func(op *fakeOP) {
		delete(op.user, "groups")
		op.userinfo = map[string]any{"groups": []any{"/teachers"}, "name": "Not The Token Name"}
	})
	b := h.browser()
	start := b.get(h.portal.URL + h.joiner.LoginURL("physics-101") + "&userdata-bbb_skip_check_audio=true")
	authz := b.get(start.location)
	ans := b.get(authz.location)
	if ans.status != http.StatusSeeOther {
		t.Fatalf("%d %s %v", ans.status, ans.body, h.lastErr())
	}
	q := mustQuery(t, ans.location)
	if q.Get("role") != "MODERATOR" || q.Get("fullName") != "Ada Lovelace" {
		t.Errorf("role %q name %q: UserInfo groups not used or ID token name overridden", q.Get("role"), q.Get("fullName"))
	}
	if q.Get("userdata-bbb_skip_check_audio") != "true" || q.Get("userdata-bbb_auto_join_audio") != "true" {
		t.Errorf("userdata not passed: %v", q)
	}
	b.enter(ans.location)

	// A userdata key that is not allowed is refused at login.
	refused := h.browser().get(h.portal.URL + h.joiner.LoginURL("physics-101") + "&userdata-bbb_custom_style_url=https://evil.example/x.css")
	if refused.status != http.StatusBadRequest || !errors.Is(h.lastErr(), ErrBadRequest) {
		t.Fatalf("userdata not allowed: %d %v", refused.status, h.lastErr())
	}
}

func TestUserInfoSubjectMismatch(t *testing.T) {
	t.Parallel()
	h := newHarness(t, WithUserInfo())
	h.op.set(func(op *fakeOP) { op.userinfo = map[string]any{"sub": "someone-else"} })
	_, ans := h.browser().login("physics-101")
	if ans.status != http.StatusUnauthorized || !errors.Is(h.lastErr(), ErrToken) {
		t.Fatalf("%d %v", ans.status, h.lastErr())
	}
}

func mustQuery(t *testing.T, raw string) url.Values {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}
