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

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
	require.NoError(t, err)
	req.Header.Set("Content-Type", contentType)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode
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

	for _, b := range valid {
		require.Equal(t, http.StatusOK, post(t, addr, "?checksum="+sha1Hex(callbackURL+b+secret), form, b))
	}
	// A retry of the second delivery and a SHA-256 signed copy of the first:
	// both already printed.
	assert.Equal(t, http.StatusOK, post(t, addr, "?checksum="+sha1Hex(callbackURL+valid[1]+secret), form, valid[1]))
	assert.Equal(t, http.StatusOK, post(t, addr, "?checksum="+sha256Hex(callbackURL+valid[0]+secret), form, valid[0]))

	// Hostile deliveries.
	forged := body(strings.Replace(joined, "VIEWER", "MODERATOR", 1), stamp+1)
	assert.Equal(t, http.StatusUnauthorized, post(t, addr, "?checksum="+sha1Hex(callbackURL+valid[1]+secret), form, forged), "body swapped")
	assert.Equal(t, http.StatusUnauthorized, post(t, addr, "?checksum="+sha1Hex(callbackURL+forged+"guess"), form, forged), "wrong secret")
	assert.Equal(t, http.StatusUnauthorized, post(t, addr, "", form, forged), "unsigned")
	assert.Equal(t, http.StatusUnauthorized, post(t, addr, "", form, forged, "Authorization", "Bearer "+secret), "bearer not enabled")
	big := body(strings.Replace(joined, "Ann", strings.Repeat("A", 5000), 1), 1)
	assert.Equal(t, http.StatusRequestEntityTooLarge, post(t, addr, "?checksum="+sha1Hex(callbackURL+big+secret), form, big))
	assert.Equal(t, http.StatusUnsupportedMediaType, post(t, addr, "?checksum="+sha1Hex(callbackURL+valid[0]+secret), "application/json", valid[0]))
	bad := "domain=x&event=" + formEncode("[{\"data\":") + "&timestamp=1"
	assert.Equal(t, http.StatusBadRequest, post(t, addr, "?checksum="+sha1Hex(callbackURL+bad+secret), form, bad))

	resp, err := http.Get("http://" + addr + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	assert.Equal(t, 0, stop())

	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	require.Len(t, lines, 3, stdout.String())
	type out struct {
		Type      string          `json:"type"`
		Meeting   string          `json:"meeting"`
		Timestamp string          `json:"timestamp"`
		Data      json.RawMessage `json:"data"`
	}
	var got []out
	for _, l := range lines {
		var o out
		require.NoError(t, json.Unmarshal([]byte(l), &o), l)
		got = append(got, o)
	}
	assert.Equal(t, "meeting-created", got[0].Type)
	assert.Equal(t, "room-1", got[0].Meeting)
	assert.Equal(t, "2025-11-26T09:40:00.000Z", got[0].Timestamp)
	assert.Contains(t, string(got[0].Data), `"moderator-pass":"[REDACTED]"`)
	assert.Equal(t, "user-joined", got[1].Type)
	assert.JSONEq(t, joined, string(got[1].Data), "data is the event as received")
	assert.Equal(t, "MeetingDestroyedEvtMsg", got[2].Type)
	assert.Equal(t, "int-1", got[2].Meeting, "raw events carry the internal ID only")
	assert.Equal(t, "2025-11-26T09:40:09.000Z", got[2].Timestamp)

	all := stdout.String() + stderr.String()
	for _, s := range []string{secret, "mp-secret", "vp-secret", sha1Hex(callbackURL + valid[1] + secret)} {
		assert.NotContains(t, all, s)
	}
	assert.Contains(t, stderr.String(), "level=ERROR", "authentication failures are logged at error level")
}

func TestReceiverBearerMode(t *testing.T) {
	addr, stdout, _, stop := startReceiver(t, "-secret", secret, "-callback-url", callbackURL, "-bearer", "-algorithms", "sha256")
	defer http.DefaultClient.CloseIdleConnections()
	ev := `{"data":{"type":"event","id":"meeting-ended","attributes":{"meeting":{"internal-meeting-id":"i","external-meeting-id":"e"}},"event":{"ts":1}}}`
	b := body(ev, time.Now().UnixMilli())
	assert.Equal(t, http.StatusOK, post(t, addr, "", form, b, "Authorization", "Bearer "+secret))
	assert.Equal(t, http.StatusUnauthorized, post(t, addr, "?checksum="+sha1Hex(callbackURL+b+secret), form, b), "SHA-1 not allowed")
	assert.Equal(t, 0, stop())
	assert.Equal(t, 1, strings.Count(stdout.String(), "\n"))
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
		assert.Equal(t, 2, code, name)
		assert.NotContains(t, stderr.String(), secret, name)
	}
	assert.Equal(t, 0, run(context.Background(), []string{"-h"}, nil, &bytes.Buffer{}, &bytes.Buffer{}))
	assert.Equal(t, 1, run(context.Background(), []string{"-secret", secret, "-callback-url", callbackURL, "-listen", "256.0.0.1:1"}, nil, &bytes.Buffer{}, &bytes.Buffer{}))

	t.Setenv("BBB_SECRET", secret)
	_, _, _, stop := startReceiver(t, "-callback-url", callbackURL)
	assert.Equal(t, 0, stop(), "the secret may come from BBB_SECRET")
}

// A callback body sent one byte a second is cut off at -read-timeout.
func TestSlowCallbackIsCutOff(t *testing.T) {
	addr, _, stderr, stop := startReceiver(t, "-secret", secret, "-callback-url", callbackURL, "-read-timeout", "500ms")
	open, err := clitest.SlowBody(addr, "/bbb/events", 3*time.Second)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, open, 400*time.Millisecond, "cut off by the read timeout, not at once")
	assert.Equal(t, 0, stop(), stderr.String())
}
