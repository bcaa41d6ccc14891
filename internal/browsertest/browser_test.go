package browsertest

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// recorder is a testing.TB that records what Start does with it instead of
// ending the goroutine.
type recorder struct {
	testing.TB
	failed   bool
	fatal    string
	skipped  string
	logs     []string
	cleanups []func()
}

type stopped struct{}

func (r *recorder) Helper()                    {}
func (r *recorder) Name() string               { return "TestRecorder/sub" }
func (r *recorder) Failed() bool               { return r.failed }
func (r *recorder) Cleanup(f func())           { r.cleanups = append(r.cleanups, f) }
func (r *recorder) Logf(f string, args ...any) { r.logs = append(r.logs, fmt.Sprintf(f, args...)) }
func (r *recorder) Fatal(args ...any)          { r.fatal = fmt.Sprint(args...); panic(stopped{}) }
func (r *recorder) Fatalf(f string, args ...any) {
	r.fatal = fmt.Sprintf(f, args...)
	panic(stopped{})
}
func (r *recorder) Skip(args ...any) { r.skipped = fmt.Sprint(args...); panic(stopped{}) }

// run calls f with r, as the testing package would, and then the cleanups.
func (r *recorder) run(f func(testing.TB)) {
	defer func() {
		for i := len(r.cleanups) - 1; i >= 0; i-- {
			r.cleanups[i]()
		}
	}()
	defer func() {
		if v := recover(); v != nil {
			if _, ok := v.(stopped); !ok {
				panic(v)
			}
		}
	}()
	f(r)
}

// Without Chromium a test skips and says why, except under CI=true, where
// it fails.
func TestStartWithoutChromium(t *testing.T) {
	t.Setenv("CHROMIUM", filepath.Join(t.TempDir(), "no-such-chromium"))
	for _, c := range []struct {
		ci              string
		wantSkip, wantF bool
	}{{"", true, false}, {"false", true, false}, {"true", false, true}} {
		t.Setenv("CI", c.ci)
		r := &recorder{}
		r.run(func(tb testing.TB) { Start(tb); tb.Fatal("Start returned") })
		if (r.skipped != "") != c.wantSkip || (r.fatal != "") != c.wantF {
			t.Errorf("CI=%q: skipped %q, fatal %q", c.ci, r.skipped, r.fatal)
		}
		if msg := r.skipped + r.fatal; !strings.Contains(msg, "no Chromium found") || !strings.Contains(msg, "chromium") {
			t.Errorf("CI=%q: message %q does not say what is missing", c.ci, msg)
		}
	}
}

// A failed test leaves a screenshot, the HTML and the URL of each tab in a
// directory that outlives it, and logs where.
func TestCaptureOnFailure(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<!doctype html><title>t</title><h1>page %s</h1>", r.URL.Path[1:])
	}))
	defer srv.Close()
	if Executable() == "" {
		Start(t) // skips, or fails under CI=true
	}
	r := &recorder{}
	r.run(func(tb testing.TB) {
		b := Start(tb)
		b.Tab().Go(srv.URL + "/one")
		b.NewTab().Go(srv.URL + "/two")
		r.failed = true
	})
	if r.fatal != "" {
		t.Fatal(r.fatal)
	}
	var dir string
	for _, l := range r.logs {
		if m := regexp.MustCompile(`browser capture .*: (\S+)$`).FindStringSubmatch(l); m != nil {
			dir = m[1]
		}
	}
	if dir == "" {
		t.Fatalf("no capture path logged: %q", r.logs)
	}
	defer os.RemoveAll(dir)
	for tab, page := range map[string]string{"tab1": "one", "tab2": "two"} {
		html, err := os.ReadFile(filepath.Join(dir, tab+".html"))
		if err != nil || !strings.Contains(string(html), "page "+page) {
			t.Errorf("%s.html: %v %q", tab, err, html)
		}
		png, err := os.ReadFile(filepath.Join(dir, tab+".png"))
		if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
			t.Errorf("%s.png: %v, %d bytes", tab, err, len(png))
		}
		url, err := os.ReadFile(filepath.Join(dir, tab+".url"))
		if err != nil || strings.TrimSpace(string(url)) != srv.URL+"/"+page {
			t.Errorf("%s.url: %v %q", tab, err, url)
		}
	}
}

// A test that passes leaves nothing behind.
func TestNoCaptureOnSuccess(t *testing.T) {
	r := &recorder{}
	if Executable() == "" {
		Start(t)
	}
	r.run(func(tb testing.TB) { Start(tb) })
	if r.fatal != "" || len(r.logs) != 0 {
		t.Errorf("fatal %q, logs %q", r.fatal, r.logs)
	}
}
