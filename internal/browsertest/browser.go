package browsertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// ActionTimeout bounds each step a Tab method runs: generous, since the
// machines that run the suite are often loaded.
const ActionTimeout = 45 * time.Second

// browsers bounds how many browsers a test binary runs at once: parallel
// tests wait for a slot rather than start a Chromium each on a small
// machine and time out.
var browsers = make(chan struct{}, 2)

// executables are the names Start looks for on PATH, in order.
var executables = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"}

// Browser is one headless Chromium process for one test.
type Browser struct {
	t       testing.TB
	ctx     context.Context // the first tab's context; its browser is started
	mu      sync.Mutex
	tabs    []*Tab
	closers []func() // of the tabs after the first
}

// Tab is a browser tab. Its methods fail the test on error and must be
// called from the test's goroutine; Ctx serves chromedp calls from other
// goroutines (one goroutine per tab).
type Tab struct {
	// Ctx is the chromedp context of the tab.
	Ctx  context.Context
	b    *Browser
	name string
}

// Executable returns the path of the Chromium to run, or "" when there is
// none.
func Executable() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		if found, err := exec.LookPath(p); err == nil {
			return found
		}
		return ""
	}
	for _, name := range executables {
		if found, err := exec.LookPath(name); err == nil {
			return found
		}
	}
	return ""
}

// Start starts headless Chromium for t and returns it with one tab open.
// Without Chromium it skips t, or fails it when $CI is "true". The browser
// closes when t ends; if t failed, every tab is captured first.
func Start(t testing.TB) *Browser {
	t.Helper()
	exe := Executable()
	if exe == "" {
		msg := "no Chromium found (looked for $CHROMIUM and " + fmt.Sprint(executables) + " on PATH); install Debian's chromium to run the browser tests"
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true: " + msg)
		}
		t.Skip("browser test skipped: " + msg)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("no-proxy-server", true),
		// Without the back-forward cache, the back button reloads the page
		// the way a no-store page is reloaded anyway, and chromedp's view
		// of the document stays current.
		chromedp.Flag("disable-features", "Translate,BlinkGenPropertyTrees,BackForwardCache"),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"),
		chromedp.WindowSize(1024, 768),
	)
	browsers <- struct{}{}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	b := &Browser{t: t, ctx: ctx}
	t.Cleanup(func() {
		b.captureOnFailure()
		b.mu.Lock()
		closers := b.closers
		b.mu.Unlock()
		for _, closeTab := range closers {
			closeTab()
		}
		cancel()
		cancelAlloc()
		<-browsers
	})
	// The first call starts the browser and binds its life to ctx, so it
	// runs without a timeout; later calls get one each.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", exe, err)
	}
	b.add(&Tab{Ctx: ctx, b: b, name: "tab1"}, nil)
	return b
}

func (b *Browser) add(tab *Tab, closeTab func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	tab.name = fmt.Sprintf("tab%d", len(b.tabs)+1)
	b.tabs = append(b.tabs, tab)
	if closeTab != nil {
		b.closers = append(b.closers, closeTab)
	}
}

// Tab returns the tab Start opened.
func (b *Browser) Tab() *Tab {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.tabs[0]
}

// NewTab opens another tab that shares cookies with the first, as a second
// tab of the same person.
func (b *Browser) NewTab() *Tab { return b.open(false) }

// NewWindow opens a tab in a browser context of its own (own cookies and
// cache), as another person's browser.
func (b *Browser) NewWindow() *Tab { return b.open(true) }

func (b *Browser) open(isolated bool) *Tab {
	b.t.Helper()
	var opts []chromedp.ContextOption
	if isolated {
		opts = append(opts, chromedp.WithNewBrowserContext())
	}
	ctx, cancel := chromedp.NewContext(b.ctx, opts...)
	tab := &Tab{Ctx: ctx, b: b}
	b.add(tab, cancel) // closed after the capture of a failed test
	if err := chromedp.Do(ctx); err != nil {
		b.t.Fatalf("open tab: %v", err)
	}
	return tab
}

// Do runs actions in the tab, each call bounded by ActionTimeout, and fails
// the test on error.
func (tab *Tab) Do(what string, actions ...chromedp.Action[chromedp.Void]) {
	tab.b.t.Helper()
	ctx, cancel := context.WithTimeout(tab.Ctx, ActionTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tab.b.t.Fatalf("%s: %s: %v", tab.name, what, err)
	}
}

// Go opens url in the tab and waits for the page to load.
func (tab *Tab) Go(url string) {
	tab.b.t.Helper()
	// The query can hold a signed join's checksum: keep it out of the log.
	shown, _, _ := strings.Cut(url, "?")
	tab.Do("open "+shown, chromedp.Navigate(url))
}

// Click clicks the first element matching sel (a text, XPath or CSS search)
// and waits for the page it leads to to load.
func (tab *Tab) Click(sel string) {
	tab.b.t.Helper()
	tab.Do("click "+sel, chromedp.WaitVisible(sel), clickAndWait(sel))
}

func clickAndWait(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(sel))(ctx, t)
		return err
	})
}

// Back goes one entry back in the tab's history, as the back button does,
// and waits for that page to load.
func (tab *Tab) Back() {
	tab.b.t.Helper()
	tab.Do("back", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		res, err := cdp.Call(ctx, t, page.GetNavigationHistory, cdp.Empty{})
		if err != nil {
			return err
		}
		if res.CurrentIndex < 1 || int(res.CurrentIndex) >= len(res.Entries) {
			return errors.New("no history entry to go back to")
		}
		entry := res.Entries[res.CurrentIndex-1]
		if _, err := cdp.Call(ctx, t, page.NavigateToHistoryEntry, page.NavigateToHistoryEntryParams{EntryID: entry.ID}); err != nil {
			return err
		}
		// Not a load event: a page restored from the back-forward cache
		// fires none.
		target, _ := json.Marshal(entry.URL)
		_, err = chromedp.Poll[bool](`document.location.href === `+string(target)+` && document.readyState === "complete"`)(ctx, t)
		return err
	}))
}

// Text returns the text of the first element matching the CSS selector
// css, waiting for it to appear.
func (tab *Tab) Text(css string) string {
	tab.b.t.Helper()
	ctx, cancel := context.WithTimeout(tab.Ctx, ActionTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		tab.b.t.Fatalf("%s: text of %s: %v", tab.name, css, err)
	}
	return s
}

// Eval evaluates a JavaScript expression that yields a string (used to read
// the page, not to drive it).
func (tab *Tab) Eval(expr string) string {
	tab.b.t.Helper()
	ctx, cancel := context.WithTimeout(tab.Ctx, ActionTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		tab.b.t.Fatalf("%s: evaluate %s: %v", tab.name, expr, err)
	}
	return s
}

// Location returns the URL of the page in the tab.
func (tab *Tab) Location() string { return tab.Eval(`document.location.href`) }

// Body returns the visible text of the page.
func (tab *Tab) Body() string { return tab.Eval(`document.body ? document.body.innerText : ""`) }

// Cookies returns the cookies the browser stored for urls, with the
// attributes the browser recorded (Secure, HttpOnly, SameSite, expiry).
func (tab *Tab) Cookies(urls ...string) []*network.Cookie {
	tab.b.t.Helper()
	ctx, cancel := context.WithTimeout(tab.Ctx, ActionTimeout)
	defer cancel()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: urls})
	if err != nil {
		tab.b.t.Fatalf("%s: read cookies: %v", tab.name, err)
	}
	return res.Cookies
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// captureOnFailure writes a screenshot, the HTML and the URL of every tab to
// a new directory under the system's temporary directory when the test
// failed; t.TempDir would be removed with the test.
func (b *Browser) captureOnFailure() {
	b.mu.Lock()
	tabs := append([]*Tab(nil), b.tabs...)
	b.mu.Unlock()
	if !b.t.Failed() || len(tabs) == 0 {
		return
	}
	dir, err := os.MkdirTemp("", "bbbkit-browser-"+unsafeName.ReplaceAllString(b.t.Name(), "_")+"-")
	if err != nil {
		b.t.Logf("browser capture: %v", err)
		return
	}
	for _, tab := range tabs {
		tab.capture(dir)
	}
	b.t.Logf("browser capture (screenshot, HTML and URL of each tab): %s", dir)
}

func (tab *Tab) capture(dir string) {
	ctx, cancel := context.WithTimeout(tab.Ctx, 10*time.Second)
	defer cancel()
	if png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
		_ = os.WriteFile(filepath.Join(dir, tab.name+".png"), png, 0o644)
	} else {
		tab.b.t.Logf("%s: screenshot: %v", tab.name, err)
	}
	if html, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`)); err == nil {
		_ = os.WriteFile(filepath.Join(dir, tab.name+".html"), []byte(html), 0o644)
	} else {
		tab.b.t.Logf("%s: page HTML: %v", tab.name, err)
	}
	if loc, err := chromedp.Run(ctx, chromedp.Location()); err == nil {
		_ = os.WriteFile(filepath.Join(dir, tab.name+".url"), []byte(loc+"\n"), 0o644)
	}
}
