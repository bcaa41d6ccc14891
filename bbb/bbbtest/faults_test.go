package bbbtest

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/bbb/checksum"
)

func TestFaults(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	s.FailNext("getMeetings", 2, "internalError", "boom")
	expectKey(t, get(t, s, "getMeetings", ""), "FAILED", "internalError")
	expectKey(t, get(t, s, "isMeetingRunning", q("meetingID", "x")), "SUCCESS", "")
	expectKey(t, get(t, s, "getMeetings", ""), "FAILED", "internalError")
	expectKey(t, get(t, s, "getMeetings", ""), "SUCCESS", "noMeetings")

	s.InjectFault(Fault{Call: "getMeetings", Status: http.StatusBadGateway})
	if a := get(t, s, "getMeetings", ""); a.status != http.StatusBadGateway || !strings.Contains(string(a.body), "<html>") {
		t.Errorf("status fault: %d %s", a.status, a.body)
	}
	s.InjectFault(Fault{Call: "hooks/list", Key: "listHookError", Message: "x"})
	if a := get(t, s, "hooks/list", ""); strings.Contains(string(a.body), "\n") || !strings.Contains(string(a.body), "listHookError") {
		t.Errorf("hooks fault: %s", a.body)
	}
	s.InjectFault(Fault{Call: "getRecordingTextTracks", Key: "noRecordings", Message: "x"})
	if a := get(t, s, "getRecordingTextTracks", q("recordID", "r")); a.header.Get("Content-Type") != "application/json" {
		t.Errorf("JSON call answered %s", a.header.Get("Content-Type"))
	}

	// A fresh connection per request: Go's transport retries a GET that
	// failed on a reused connection, which would hide the drop.
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	s.DropNext("*", 1)
	req, _ := http.NewRequest(http.MethodGet, signedURL(s, checksum.SHA1, "getMeetings", ""), nil)
	if resp, err := fresh.Do(req); err == nil {
		resp.Body.Close()
		t.Error("dropped connection answered")
	}
	expectKey(t, get(t, s, "getMeetings", ""), "SUCCESS", "noMeetings")

	s.SetDown(true)
	if resp, err := fresh.Get(s.APIURL()); err == nil {
		resp.Body.Close()
		t.Error("server answered while down")
	}
	s.SetDown(false)
	expectKey(t, get(t, s, "getMeetings", ""), "SUCCESS", "noMeetings")

	s.SetLatency(50 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	req, _ = http.NewRequestWithContext(ctx, http.MethodGet, signedURL(s, checksum.SHA1, "getMeetings", ""), nil)
	if resp, err := fresh.Do(req); err == nil {
		resp.Body.Close()
		t.Error("latency not applied")
	}
	start := time.Now()
	expectKey(t, get(t, s, "getMeetings", ""), "SUCCESS", "noMeetings")
	if time.Since(start) < 50*time.Millisecond {
		t.Error("answer came before the latency")
	}
	s.ClearFaults()
	before := s.Calls("getMeetings")
	expectKey(t, get(t, s, "getMeetings", ""), "SUCCESS", "noMeetings")
	if n := s.Calls("getMeetings"); n != before+1 || before < 8 {
		t.Errorf("Calls(getMeetings) = %d then %d", before, n)
	}
}

func TestNewValidatesOptions(t *testing.T) {
	t.Parallel()
	bad := map[string]Option{
		"empty secret":      WithSecret(""),
		"padded secret":     WithSecret(" s "),
		"no algorithms":     WithAcceptedChecksums(),
		"bad algorithm":     WithAcceptedChecksums(checksum.Algorithm(9)),
		"nil clock":         WithClock(nil),
		"negative delay":    WithPublishDelay(-1),
		"relative base URL": WithBaseURL("/bigbluebutton/"),
		"base URL path":     WithBaseURL("http://h/api/"),
		"negative retry":    WithWebhookRetry(-time.Second),
		"bad hook alg":      WithWebhookChecksum(0),
		"zero timeout":      WithWebhookTimeout(0),
		"nil client":        WithWebhookHTTPClient(nil),
		"bad permanent":     WithPermanentHook("::", false),
		"empty version":     WithBBBVersion(""),
		"zero body limit":   WithMaxBodyBytes(0),
		"negative empty":    WithEmptyMeetingTimeout(-1),
		"nil option":        nil,
		"nil observer":      WithObserver(nil),
		"empty hook domain": WithWebhookDomain(""),
		"relative hook URL": WithPermanentHook("/hook", false),
	}
	for name, opt := range bad {
		if _, err := New(opt); err == nil {
			t.Errorf("%s: no error", name)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: NewServer did not panic", name)
				}
			}()
			NewServer(opt).Close()
		}()
	}
	s, err := New(WithBaseURL("https://bbb.example.com/bigbluebutton/"), WithSecret("s3cret"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.URL != "https://bbb.example.com" || s.APIURL() != "https://bbb.example.com/bigbluebutton/api/" || s.Secret != "s3cret" {
		t.Errorf("New: %q, %q", s.URL, s.APIURL())
	}
	s.Start()
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") || s.APIURL() != s.URL+"/bigbluebutton/api/" {
		t.Errorf("Start: %q, %q", s.URL, s.APIURL())
	}
	if v, err := s.BBBClient().Version(context.Background()); err != nil || v.BBBVersion == "" {
		t.Errorf("BBBClient: %v, %+v", err, v)
	}
	defer func() {
		if recover() == nil {
			t.Error("a second Start did not panic")
		}
	}()
	s.Start()
}

func TestTimersFollowTheClock(t *testing.T) {
	t.Parallel()
	c := NewFakeClock(time.Time{})
	s := newTestServer(t, WithClock(c.Now))
	var mu sync.Mutex
	var fired []int
	add := func(n int) { mu.Lock(); fired = append(fired, n); mu.Unlock() }
	got := func() []int { mu.Lock(); defer mu.Unlock(); return slices.Clone(fired) }
	s.afterFunc(2*time.Second, func() { add(2) })
	stop := s.afterFunc(time.Second, func() { add(1) })
	s.afterFunc(time.Second, func() {
		add(10)
		s.afterFunc(0, func() { add(11) })
	})
	if !stop() || stop() {
		t.Error("stop should succeed once")
	}
	c.Advance(1500 * time.Millisecond)
	c.Advance(-time.Hour)
	waitFor(t, "timers", func() bool { return len(got()) == 2 })
	if f := got(); f[0] != 10 || f[1] != 11 {
		t.Errorf("fired %v", f)
	}
	c.Advance(time.Second)
	s.fireDue()
	waitFor(t, "timers", func() bool { return len(got()) == 3 })
	if f := got(); f[2] != 2 {
		t.Errorf("fired %v", f)
	}
	if want := time.Date(2026, 1, 1, 0, 0, 2, 500e6, time.UTC); !c.Now().Equal(want) || !s.now().Equal(want) {
		t.Errorf("now %v, server %v", c.Now(), s.now())
	}
}

// A clock that is not a FakeClock moves without telling the server: the
// server notices within a few milliseconds on its own, and at once on the
// next call.
func TestCustomClockTimersFire(t *testing.T) {
	t.Parallel()
	var now atomic.Int64
	now.Store(time.Date(2026, 2, 2, 0, 0, 0, 0, time.UTC).UnixNano())
	s := newTestServer(t, WithClock(func() time.Time { return time.Unix(0, now.Load()) }), WithPublishDelay(time.Minute))
	recordMeeting(t, s, "custom", nil)
	if st := s.Recordings()[0].State; st != StateProcessing {
		t.Fatalf("state %s before the delay", st)
	}
	var fired atomic.Bool
	s.afterFunc(time.Hour, func() { fired.Store(true) })
	now.Add(int64(2 * time.Hour))
	waitFor(t, "background timer", fired.Load) // no call to the server
	if st := s.Recordings()[0].State; st != StatePublished {
		t.Errorf("state %s after the delay", st)
	}
}
