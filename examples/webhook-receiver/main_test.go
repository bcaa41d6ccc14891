package main

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/bbbkit/bbbkit/examples/internal/cli"
	"github.com/bbbkit/bbbkit/examples/internal/cli/clitest"
	"github.com/bbbkit/bbbkit/internal/syncbuf"
)

// TestMain runs the program itself when mainEnv is set, so that tests can
// start it as a process (and kill it); otherwise it runs the tests.
func TestMain(m *testing.M) {
	if os.Getenv(mainEnv) == "1" {
		os.Exit(cli.Main(run))
	}
	goleak.VerifyTestMain(m)
}

const (
	secret      = "f4a7c2e9b1d05c3e8a6f9b2d4c7e1a30"
	callbackURL = "https://portal.example.org/bbb/events"
)

type syncBuffer = syncbuf.Buffer

// formEncode is the URL standard's form serializer (URLSearchParams).
func formEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ':
			b.WriteByte('+')
		case c == '*' || c == '-' || c == '.' || c == '_', '0' <= c && c <= '9', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func body(event string, ts int64) string {
	return "domain=bbb.example.org&event=" + formEncode("["+event+"]") + fmt.Sprintf("&timestamp=%d", ts)
}

func sha1Hex(s string) string   { h := sha1.Sum([]byte(s)); return hex.EncodeToString(h[:]) }
func sha256Hex(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }

func startReceiver(t *testing.T, args ...string) (addr string, stdout, stderr *syncBuffer, stop func() int) {
	t.Helper()
	return startReceiverAt(t, "127.0.0.1:0", args...)
}

func startReceiverAt(t *testing.T, listen string, args ...string) (addr string, stdout, stderr *syncBuffer, stop func() int) {
	t.Helper()
	stdout, stderr = &syncBuffer{}, &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan int, 1)
	ctx = cli.WithReady(ctx, func(a string) { ready <- a })
	go func() { done <- run(ctx, append([]string{"-listen", listen}, args...), nil, stdout, stderr) }()
	select {
	case addr = <-ready:
	case code := <-done:
		cancel()
		t.Fatalf("exited with %d: %s", code, stderr.String())
	case <-time.After(5 * time.Second):
		cancel()
		t.Fatal("not ready")
	}
	return addr, stdout, stderr, func() int { cancel(); return <-done }
}

func post(t *testing.T, addr, query, contentType, b string, header ...string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/bbb/events"+query, strings.NewReader(b))
	if err != nil {
		t.Fatalf("http.NewRequest(POST /bbb/events%s): %v", query, err)
	}
	req.Header.Set("Content-Type", contentType)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST /bbb/events%s: %v", query, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// jsonEqual reports an error unless want and got are valid JSON documents
// of equal value, whatever their formatting and key order.
func jsonEqual(t *testing.T, want, got, what string) {
	t.Helper()
	var w, g any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Errorf("%s: want is not valid JSON: %v\n%s", what, err, want)
		return
	}
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Errorf("%s: got is not valid JSON: %v\n%s", what, err, got)
		return
	}
	if diff := cmp.Diff(w, g); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, diff)
	}
}

const form = "application/x-www-form-urlencoded;charset=UTF-8"

func TestReceiverPrintsAcceptedEventsOnce(t *testing.T) {
	addr, stdout, stderr, stop := startReceiver(t, "-secret", secret, "-callback-url", callbackURL, "-max-body", "4096")
	defer http.DefaultClient.CloseIdleConnections()

	created := `{"data":{"type":"event","id":"meeting-created","attributes":{"meeting":{"internal-meeting-id":"int-1","external-meeting-id":"room-1","name":"Room","moderator-pass":"mp-secret","viewer-pass":"vp-secret"}},"event":{"ts":1764150000000}}}`
	joined := `{"data":{"type":"event","id":"user-joined","attributes":{"meeting":{"internal-meeting-id":"int-1","external-meeting-id":"room-1"},"user":{"internal-user-id":"w_1","external-user-id":"u1","name":"Ann & \"Bo\" *~","role":"VIEWER","presenter":"false"}},"event":{"ts":1764150001000}}}`
	raw := `{"envelope":{"name":"MeetingDestroyedEvtMsg","routing":{"sender":"bbb-apps-akka"},"timestamp":1764150009000},"core":{"header":{"name":"MeetingDestroyedEvtMsg"},"body":{"meetingId":"int-1"}}}`
	stamp := time.Now().UnixMilli() // deliveries older than -max-age are refused
	valid := []string{body(created, stamp), body(joined, stamp+1), body(raw, stamp+2)}

	for i, b := range valid {
		if got := post(t, addr, "?checksum="+sha1Hex(callbackURL+b+secret), form, b); got != http.StatusOK {
			t.Fatalf("POST valid[%d] = %d; want %d", i, got, http.StatusOK)
		}
	}
	// A retry of the second delivery and a SHA-256 signed copy of the first:
	// both already printed.
	if got := post(t, addr, "?checksum="+sha1Hex(callbackURL+valid[1]+secret), form, valid[1]); got != http.StatusOK {
		t.Errorf("POST retry of valid[1] = %d; want %d", got, http.StatusOK)
	}
	if got := post(t, addr, "?checksum="+sha256Hex(callbackURL+valid[0]+secret), form, valid[0]); got != http.StatusOK {
		t.Errorf("POST SHA-256 signed valid[0] = %d; want %d", got, http.StatusOK)
	}

	// Hostile deliveries.
	forged := body(strings.Replace(joined, "VIEWER", "MODERATOR", 1), stamp+1)
	if got := post(t, addr, "?checksum="+sha1Hex(callbackURL+valid[1]+secret), form, forged); got != http.StatusUnauthorized {
		t.Errorf("POST with the body swapped = %d; want %d", got, http.StatusUnauthorized)
	}
	if got := post(t, addr, "?checksum="+sha1Hex(callbackURL+forged+"guess"), form, forged); got != http.StatusUnauthorized {
		t.Errorf("POST signed with a wrong secret = %d; want %d", got, http.StatusUnauthorized)
	}
	if got := post(t, addr, "", form, forged); got != http.StatusUnauthorized {
		t.Errorf("POST unsigned = %d; want %d", got, http.StatusUnauthorized)
	}
	if got := post(t, addr, "", form, forged, "Authorization", "Bearer "+secret); got != http.StatusUnauthorized {
		t.Errorf("POST with a bearer token, bearer not enabled = %d; want %d", got, http.StatusUnauthorized)
	}
	big := body(strings.Replace(joined, "Ann", strings.Repeat("A", 5000), 1), 1)
	if got := post(t, addr, "?checksum="+sha1Hex(callbackURL+big+secret), form, big); got != http.StatusRequestEntityTooLarge {
		t.Errorf("POST of a body over -max-body = %d; want %d", got, http.StatusRequestEntityTooLarge)
	}
	if got := post(t, addr, "?checksum="+sha1Hex(callbackURL+valid[0]+secret), "application/json", valid[0]); got != http.StatusUnsupportedMediaType {
		t.Errorf("POST as application/json = %d; want %d", got, http.StatusUnsupportedMediaType)
	}
	bad := "domain=x&event=" + formEncode("[{\"data\":") + "&timestamp=1"
	if got := post(t, addr, "?checksum="+sha1Hex(callbackURL+bad+secret), form, bad); got != http.StatusBadRequest {
		t.Errorf("POST of a truncated event = %d; want %d", got, http.StatusBadRequest)
	}

	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatalf("GET /healthz: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz status = %d; want %d", resp.StatusCode, http.StatusOK)
	}

	if got := stop(); got != 0 {
		t.Errorf("stop() = %d; want 0", got)
	}

	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("printed %d lines; want 3:\n%s", len(lines), stdout.String())
	}
	type out struct {
		Type      string          `json:"type"`
		Meeting   string          `json:"meeting"`
		Timestamp string          `json:"timestamp"`
		Data      json.RawMessage `json:"data"`
	}
	var got []out
	for _, l := range lines {
		var o out
		if err := json.Unmarshal([]byte(l), &o); err != nil {
			t.Fatalf("json.Unmarshal(%q): %v", l, err)
		}
		got = append(got, o)
	}
	if got[0].Type != "meeting-created" {
		t.Errorf("line 1 type = %q; want %q", got[0].Type, "meeting-created")
	}
	if got[0].Meeting != "room-1" {
		t.Errorf("line 1 meeting = %q; want %q", got[0].Meeting, "room-1")
	}
	if got[0].Timestamp != "2025-11-26T09:40:00.000Z" {
		t.Errorf("line 1 timestamp = %q; want %q", got[0].Timestamp, "2025-11-26T09:40:00.000Z")
	}
	if want := `"moderator-pass":"[REDACTED]"`; !strings.Contains(string(got[0].Data), want) {
		t.Errorf("line 1 data = %s; want it to contain %s", got[0].Data, want)
	}
	if got[1].Type != "user-joined" {
		t.Errorf("line 2 type = %q; want %q", got[1].Type, "user-joined")
	}
	jsonEqual(t, joined, string(got[1].Data), "line 2 data (the event as received)")
	if got[2].Type != "MeetingDestroyedEvtMsg" {
		t.Errorf("line 3 type = %q; want %q", got[2].Type, "MeetingDestroyedEvtMsg")
	}
	if got[2].Meeting != "int-1" {
		t.Errorf("line 3 meeting = %q; want %q: raw events carry the internal ID only", got[2].Meeting, "int-1")
	}
	if got[2].Timestamp != "2025-11-26T09:40:09.000Z" {
		t.Errorf("line 3 timestamp = %q; want %q", got[2].Timestamp, "2025-11-26T09:40:09.000Z")
	}

	all := stdout.String() + stderr.String()
	for _, s := range []string{secret, "mp-secret", "vp-secret", sha1Hex(callbackURL + valid[1] + secret)} {
		if strings.Contains(all, s) {
			t.Errorf("output and logs contain %q; want no secret in them", s)
		}
	}
	if !strings.Contains(stderr.String(), "level=ERROR") {
		t.Errorf("logs = %q; want %q: authentication failures are logged at error level", stderr.String(), "level=ERROR")
	}
}

func TestReceiverBearerMode(t *testing.T) {
	addr, stdout, _, stop := startReceiver(t, "-secret", secret, "-callback-url", callbackURL, "-bearer", "-algorithms", "sha256")
	defer http.DefaultClient.CloseIdleConnections()
	ev := `{"data":{"type":"event","id":"meeting-ended","attributes":{"meeting":{"internal-meeting-id":"i","external-meeting-id":"e"}},"event":{"ts":1}}}`
	b := body(ev, time.Now().UnixMilli())
	if got := post(t, addr, "", form, b, "Authorization", "Bearer "+secret); got != http.StatusOK {
		t.Errorf("POST with the bearer token = %d; want %d", got, http.StatusOK)
	}
	if got := post(t, addr, "?checksum="+sha1Hex(callbackURL+b+secret), form, b); got != http.StatusUnauthorized {
		t.Errorf("POST with a SHA-1 checksum = %d; want %d: SHA-1 not allowed", got, http.StatusUnauthorized)
	}
	if got := stop(); got != 0 {
		t.Errorf("stop() = %d; want 0", got)
	}
	if got := strings.Count(stdout.String(), "\n"); got != 1 {
		t.Errorf("printed %d lines; want 1:\n%s", got, stdout.String())
	}
}

func TestReceiverFlags(t *testing.T) {
	t.Setenv("BBB_SECRET", "")
	for name, args := range map[string][]string{
		"no secret":       {"-callback-url", callbackURL},
		"no callback":     {"-secret", secret},
		"bad algorithm":   {"-secret", secret, "-callback-url", callbackURL, "-algorithms", "md5"},
		"bad callback":    {"-secret", secret, "-callback-url", "ftp://x"},
		"negative dedup":  {"-secret", secret, "-callback-url", callbackURL, "-dedup", "-1s"},
		"unknown flag":    {"-nope"},
		"extra arguments": {"-secret", secret, "-callback-url", callbackURL, "extra"},
	} {
		var stderr bytes.Buffer
		code := run(context.Background(), args, nil, &bytes.Buffer{}, &stderr)
		if code != 2 {
			t.Errorf("%s: run(%q) = %d; want 2", name, args, code)
		}
		if strings.Contains(stderr.String(), secret) {
			t.Errorf("%s: run(%q) logs = %q; want no secret in them", name, args, stderr.String())
		}
	}
	if got := run(context.Background(), []string{"-h"}, nil, &bytes.Buffer{}, &bytes.Buffer{}); got != 0 {
		t.Errorf("run(-h) = %d; want 0", got)
	}
	if got := run(context.Background(), []string{"-secret", secret, "-callback-url", callbackURL, "-listen", "256.0.0.1:1"}, nil, &bytes.Buffer{}, &bytes.Buffer{}); got != 1 {
		t.Errorf("run(-listen 256.0.0.1:1) = %d; want 1", got)
	}

	t.Setenv("BBB_SECRET", secret)
	_, _, _, stop := startReceiver(t, "-callback-url", callbackURL)
	if got := stop(); got != 0 {
		t.Errorf("stop() = %d; want 0: the secret may come from BBB_SECRET", got)
	}
}

// A callback body sent one byte a second is cut off at -read-timeout.
func TestSlowCallbackIsCutOff(t *testing.T) {
	addr, _, stderr, stop := startReceiver(t, "-secret", secret, "-callback-url", callbackURL, "-read-timeout", "500ms")
	open, err := clitest.SlowBody(addr, "/bbb/events", 3*time.Second)
	if err != nil {
		t.Fatalf("clitest.SlowBody(%q, %q): %v", addr, "/bbb/events", err)
	}
	if open < 400*time.Millisecond {
		t.Errorf("slow body kept open for %v; want >= %v: cut off by the read timeout, not at once", open, 400*time.Millisecond)
	}
	if got := stop(); got != 0 {
		t.Errorf("stop() = %d; want 0\n%s", got, stderr.String())
	}
}
