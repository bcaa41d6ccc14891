package main

import (
	"context"
	"iter"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/bbbkit/bbbkit/internal/browsertest"
)

// The browser tests drive the portal in headless Chromium as a person does:
// the room list, "Sign in and join", the mock provider's page, and the
// fake BBB's client page (bbbtest), which shows meeting, name and role.
// The portal is served on localhost and the provider on 127.0.0.1, so the
// redirect back from the provider is cross-site, as in a deployment, and
// SameSite=Lax decides whether the login cookie comes along.

// startBrowserPortal starts the portal on localhost and returns its base
// URL as the browser must use it (the redirect URL names localhost).
func startBrowserPortal(t *testing.T, args ...string) string {
	t.Helper()
	base, _ := startPortal(t, append([]string{"-addr", "localhost:0"}, args...)...)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	return "http://localhost:" + u.Port()
}

// signIn clicks "Sign in and join" in room's row of the portal's index and
// then the demo user on the provider's page.
func signIn(tab *browsertest.Tab, base, room, person string) {
	startSignIn(tab, base, room)
	tab.Click(xpathLink(person))
}

// startSignIn opens the index and clicks "Sign in and join" for room, which
// leaves the tab on the provider's page.
func startSignIn(tab *browsertest.Tab, base, room string) {
	tab.Go(base + "/")
	tab.Click(`//tr[td[normalize-space()="` + room + `"]]//a[normalize-space()="Sign in and join"]`)
}

func xpathLink(text string) string { return `//a[normalize-space()="` + text + `"]` }

// inMeeting checks that the tab shows the fake BBB client page for meeting,
// name and role.
func inMeeting(t *testing.T, tab *browsertest.Tab, meeting, name, role string) {
	t.Helper()
	text := func(id string) string {
		return tab.Eval(`(document.getElementById("` + id + `") || {}).textContent || ""`)
	}
	got := [3]string{text("meeting"), text("name"), text("role")}
	if want := [3]string{meeting, name, role}; got != want {
		t.Fatalf("landed as %q, want %q; the page says:\n%s", got, want, tab.Body())
	}
	if u, err := url.Parse(tab.Location()); err != nil || u.Path != "/html5client/join" {
		t.Fatalf("client page at %s", tab.Location())
	}
}

// noCrashPage fails when the page is blank or shows a stack trace.
func noCrashPage(t *testing.T, tab *browsertest.Tab) {
	t.Helper()
	body := tab.Body()
	if strings.TrimSpace(body) == "" {
		t.Fatal("blank page")
	}
	for _, bad := range []string{"goroutine ", "panic", "runtime error", ".go:"} {
		if strings.Contains(body, bad) {
			t.Fatalf("page shows %q:\n%s", bad, body)
		}
	}
}

// A moderators-group member lands as moderator, a member of the allowed
// group as viewer, and someone the rules refuse sees the refusal page.
func TestBrowserRoles(t *testing.T) {
	t.Parallel()
	base := startBrowserPortal(t, "-member-group", "students")
	b := browsertest.Start(t)

	alice := b.Tab()
	signIn(alice, base, "Physics 101", "Alice Teacher")
	inMeeting(t, alice, "Physics 101", "Alice Teacher", "moderator")

	bob := b.NewWindow()
	signIn(bob, base, "Physics 101", "Bob Student")
	inMeeting(t, bob, "Physics 101", "Bob Student", "viewer")

	carol := b.NewWindow()
	signIn(carol, base, "Physics 101", "Carol Guest")
	noCrashPage(t, carol)
	if h1 := carol.Text("h1"); h1 != "Access denied" {
		t.Fatalf("refused user sees %q:\n%s", h1, carol.Body())
	}
	if body := carol.Body(); !strings.Contains(body, "not allowed into this meeting") {
		t.Fatalf("refusal page does not say why:\n%s", body)
	}
}

// A viewer who signs in before the room started waits on a page that
// lets them in by itself once a moderator starts it.
func TestBrowserViewerWaitsForModerator(t *testing.T) {
	t.Parallel()
	base := startBrowserPortal(t)
	b := browsertest.Start(t)
	bob := b.Tab()
	signIn(bob, base, "Open lab", "Bob Student")
	if h1 := bob.Text("h1"); h1 != "Waiting for Open lab" {
		t.Fatalf("viewer before start sees %q", h1)
	}
	alice := b.NewWindow()
	signIn(alice, base, "Open lab", "Alice Teacher")
	inMeeting(t, alice, "Open lab", "Alice Teacher", "moderator")
	// The waiting page refreshes every 5 seconds by itself.
	bob.Do("wait for the meeting", chromedp.WaitVisible(chromedp.ID("role")))
	inMeeting(t, bob, "Open lab", "Bob Student", "viewer")
}

// clientPageValid reports whether a client page URL still belongs to a live
// session: a second join of the same user replaces the session, so a
// double join shows here.
func clientPageValid(t *testing.T, b *browsertest.Browser, clientURL string) bool {
	t.Helper()
	check := b.NewWindow()
	check.Go(clientURL)
	return check.Eval(`document.title`) == "In the meeting"
}

// After joining, neither the back button nor reopening the callback URL
// joins again, and both show a page that says what happened.
func TestBrowserBackAndReloadDoNotJoinTwice(t *testing.T) {
	t.Parallel()
	base := startBrowserPortal(t)
	b := browsertest.Start(t)
	tab := b.Tab()
	requests := chromedp.Events(tab.Ctx, network.RequestWillBeSent)
	signIn(tab, base, "Physics 101", "Alice Teacher")
	inMeeting(t, tab, "Physics 101", "Alice Teacher", "moderator")
	clientURL := tab.Location()
	callbackURL := findRequest(t, requests, "/oidc/callback")

	// Back: the browser shows the provider's page again, whose links carry
	// the state the join used.
	tab.Back()
	noCrashPage(t, tab)
	tab.Click(xpathLink("Alice Teacher"))
	alreadyUsed(t, tab)
	if !clientPageValid(t, b, clientURL) {
		t.Fatal("the back button joined a second time")
	}

	tab.Go(callbackURL)
	alreadyUsed(t, tab)
	if !clientPageValid(t, b, clientURL) {
		t.Fatal("reopening the callback URL joined a second time")
	}
	// The page offers a fresh start for the same meeting.
	tab.Click(xpathLink("Sign in again"))
	tab.Click(xpathLink("Alice Teacher"))
	inMeeting(t, tab, "Physics 101", "Alice Teacher", "moderator")
}

// alreadyUsed checks that the tab shows the "already used" page.
func alreadyUsed(t *testing.T, tab *browsertest.Tab) {
	t.Helper()
	noCrashPage(t, tab)
	if h1 := tab.Text("h1"); h1 != "Sign-in link already used" {
		t.Fatalf("shows %q, want the already-used page:\n%s", h1, tab.Body())
	}
	if body := tab.Body(); !strings.Contains(body, "not signed in twice") {
		t.Fatalf("page does not say that nothing happened twice:\n%s", body)
	}
}

// findRequest returns the first URL requested so far whose path is path.
func findRequest(t *testing.T, events iter.Seq2[network.EventRequestWillBeSent, error], path string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	found := make(chan string, 1)
	go func() {
		for ev, err := range events {
			if err != nil {
				return
			}
			if u, perr := url.Parse(ev.Request.URL); perr == nil && u.Path == path {
				found <- ev.Request.URL
				return
			}
		}
	}()
	select {
	case u := <-found:
		return u
	case <-ctx.Done():
		t.Fatalf("no request to %s", path)
		return ""
	}
}

// Two tabs of one browser that start signing in at the same time both land
// in their meetings: each sign-in has its own login cookie.
func TestBrowserTwoTabsSignInAtOnce(t *testing.T) {
	t.Parallel()
	base := startBrowserPortal(t)
	b := browsertest.Start(t)
	first, second := b.Tab(), b.NewTab()
	startSignIn(first, base, "Physics 101")
	startSignIn(second, base, "Open lab")
	// Both are on the provider's page now; both choose at the same time.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, tab := range []*browsertest.Tab{first, second} {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(tab.Ctx, browsertest.ActionTimeout)
			defer cancel()
			errs[i] = chromedp.Do(ctx, chromedp.Click(xpathLink("Alice Teacher")), chromedp.WaitVisible(chromedp.CSS("h1")))
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("tab %d: %v", i+1, err)
		}
	}
	first.Do("wait", chromedp.WaitVisible(chromedp.ID("role")))
	second.Do("wait", chromedp.WaitVisible(chromedp.ID("role")))
	inMeeting(t, first, "Physics 101", "Alice Teacher", "moderator")
	inMeeting(t, second, "Open lab", "Alice Teacher", "moderator")
}

// A tab left on the provider's page past the login lifetime gets a page
// that says to start again, with a link that starts again for the same
// meeting.
func TestBrowserStaleTabStartsAgain(t *testing.T) {
	t.Parallel()
	const ttl = 30 * time.Second // the shortest -login-ttl
	base := startBrowserPortal(t, "-login-ttl", ttl.String())
	b := browsertest.Start(t)
	tab := b.Tab()
	startSignIn(tab, base, "Physics 101")
	time.Sleep(ttl + 2*time.Second)
	tab.Click(xpathLink("Alice Teacher"))
	noCrashPage(t, tab)
	if h1 := tab.Text("h1"); h1 != "Sign-in took too long" {
		t.Fatalf("stale tab sees %q:\n%s", h1, tab.Body())
	}
	if body := tab.Body(); !strings.Contains(body, "Start again") {
		t.Fatalf("no start-again text:\n%s", body)
	}
	tab.Click(xpathLink("Sign in again"))
	tab.Click(xpathLink("Alice Teacher"))
	inMeeting(t, tab, "Physics 101", "Alice Teacher", "moderator")
}

// cookieByPrefix returns the cookies whose name starts with prefix.
func cookieByPrefix(cookies []*network.Cookie, prefix string) []*network.Cookie {
	var out []*network.Cookie
	for _, c := range cookies {
		if strings.HasPrefix(c.Name, prefix) {
			out = append(out, c)
		}
	}
	return out
}

// The cookies Chromium stored carry the attributes the Joiner sets:
// __Host- prefix, Secure (kept on http://localhost), HttpOnly, SameSite=Lax,
// Path=/, host-only, and an expiry; the login cookie is gone after the
// join. With -insecure-cookies they lose the prefix and Secure.
func TestBrowserCookieFlags(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		args   []string
		prefix string
		secure bool
	}{
		{"secure", nil, "__Host-bbbkit-oidc-", true},
		{"insecure", []string{"-insecure-cookies"}, "bbbkit-oidc-", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			base := startBrowserPortal(t, c.args...)
			b := browsertest.Start(t)
			tab := b.Tab()
			startSignIn(tab, base, "Open lab")
			login := cookieByPrefix(tab.Cookies(base+"/"), c.prefix+"l-")
			if len(login) != 1 {
				t.Fatalf("want one login cookie, browser has %d: %+v", len(login), tab.Cookies(base+"/"))
			}
			checkCookie(t, login[0], "localhost", c.secure, 10*time.Minute)

			// A viewer of an unstarted room is parked in a wait cookie.
			tab.Click(xpathLink("Bob Student"))
			cookies := tab.Cookies(base + "/")
			wait := cookieByPrefix(cookies, c.prefix+"w-")
			if len(wait) != 1 {
				t.Fatalf("want one wait cookie, browser has %+v", cookies)
			}
			checkCookie(t, wait[0], "localhost", c.secure, time.Hour)
			// The login cookie is now the Used marker, without nonce and
			// verifier: shorter than the one the login set.
			if used := cookieByPrefix(cookies, c.prefix+"l-"); len(used) != 1 || used[0].Name != login[0].Name || len(used[0].Value) >= len(login[0].Value) {
				t.Errorf("login cookie not replaced by its marker after the callback: %+v", used)
			}
		})
	}
}

func checkCookie(t *testing.T, c *network.Cookie, host string, secure bool, ttl time.Duration) {
	t.Helper()
	if c.Secure != secure || !c.HTTPOnly || c.SameSite != network.CookieSameSiteLax || c.Path != "/" || c.Domain != host || c.Session {
		t.Errorf("cookie %s: secure=%t httpOnly=%t sameSite=%q path=%q domain=%q session=%t; want secure=%t, HttpOnly, Lax, /, %s, persistent",
			c.Name, c.Secure, c.HTTPOnly, c.SameSite, c.Path, c.Domain, c.Session, secure, host)
	}
	expires := time.Unix(int64(c.Expires), 0)
	if until := time.Until(expires); until < ttl-time.Minute || until > 2*ttl+time.Minute {
		t.Errorf("cookie %s expires in %s, want about %s", c.Name, until.Round(time.Second), ttl)
	}
}
