package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/examples/internal/cli"
	"github.com/bbbkit/bbbkit/examples/internal/cli/clitest"
	"github.com/bbbkit/bbbkit/internal/syncbuf"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer = syncbuf.Buffer

// runTest runs the program with getenv as its environment; ready, when not
// nil, gets the address it serves on.
func runTest(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer, ready func(addr string)) int {
	ctx = cli.WithGetenv(ctx, getenv)
	if ready != nil {
		ctx = cli.WithReady(ctx, ready)
	}
	return run(ctx, args, nil, io.Discard, stderr)
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestRunServesAPIAndShutsDown(t *testing.T) {
	const secret = "fakebbb-test-secret"
	ctx, cancel := context.WithCancel(context.Background())
	var logs syncBuffer
	addrc := make(chan string, 1)
	done := make(chan int, 1)
	go func() {
		done <- runTest(ctx, []string{"-listen", "127.0.0.1:0", "-algorithms", "sha256,sha512", "-webhook-retry", "10ms"}, env(map[string]string{"BBB_SECRET": secret}), &logs, func(a string) { addrc <- a })
	}()
	var addr string
	select {
	case addr = <-addrc:
	case code := <-done:
		t.Fatalf("run exited with %d: %s", code, logs.String())
	}
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	resp, err := hc.Get("http://" + addr + "/health")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "ok\n" {
		t.Errorf("health: %d %q", resp.StatusCode, body)
	}

	c, err := bbb.New("http://"+addr+"/bigbluebutton/", secret, bbb.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "Container", MeetingID: "c1", AttendeePW: "pw-attendee", Record: bbb.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	form := url.Values{"meetingID": {"c1"}, "fullName": {"Remote User"}, "role": {"MODERATOR"}}
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/bbbtest/join", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+secret)
	resp, err = hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("control join: %d", resp.StatusCode)
	}
	m, err := c.GetMeetingInfo(ctx, "c1")
	if err != nil || m.ParticipantCount != 1 || !m.Running {
		t.Fatalf("meeting: %+v %v", m, err)
	}
	joinURL, _ := c.JoinURL(&bbb.JoinParams{FullName: "X", MeetingID: "c1", Password: "pw-attendee"})
	if !strings.HasPrefix(joinURL, "http://"+addr+"/bigbluebutton/api/join?") {
		t.Errorf("join URL %s", joinURL)
	}
	sha1Client, _ := bbb.New("http://"+addr+"/bigbluebutton/", secret, bbb.WithHTTPClient(hc), bbb.WithChecksum(1))
	if _, err := sha1Client.GetMeetings(ctx); err == nil {
		t.Error("sha1 accepted although -algorithms excludes it")
	}
	if err := c.EndMeeting(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	page, err := c.GetRecordings(ctx, &bbb.GetRecordingsParams{MeetingIDs: []string{"c1"}})
	if err != nil || len(page.Recordings) != 1 {
		t.Errorf("recordings: %+v %v", page, err)
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit code %d", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no shutdown")
	}
	out := logs.String()
	for _, forbidden := range []string{secret, "checksum", "pw-attendee", "Remote User"} {
		if strings.Contains(out, forbidden) {
			t.Errorf("log contains %q:\n%s", forbidden, out)
		}
	}
	if n := strings.Count(out, "msg=request"); n != 7 {
		t.Errorf("%d request lines, want 7:\n%s", n, out)
	}
	if !strings.Contains(out, "path=/bigbluebutton/api/getMeetingInfo status=200") || !strings.Contains(out, "msg=stopped") {
		t.Errorf("log:\n%s", out)
	}
}

func TestRunRefusesBadFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		code int
	}{
		{"no secret", nil, nil, 2},
		{"bad algorithm", []string{"-secret", "s", "-algorithms", "md5"}, nil, 2},
		{"bad webhook checksum", []string{"-webhook-checksum", "crc"}, map[string]string{"BBB_SECRET": "s"}, 2},
		{"bad retry", []string{"-webhook-retry", "1s,soon"}, map[string]string{"BBB_SECRET": "s"}, 2},
		{"negative delay", []string{"-publish-delay", "-1s"}, map[string]string{"BBB_SECRET": "s"}, 2},
		{"bad base URL", []string{"-listen", "127.0.0.1:0", "-base-url", "ftp://x/"}, map[string]string{"BBB_SECRET": "s"}, 2},
		{"unknown flag", []string{"-nope"}, map[string]string{"BBB_SECRET": "s"}, 2},
		{"extra argument", []string{"serve"}, map[string]string{"BBB_SECRET": "s"}, 2},
		{"cannot listen", []string{"-listen", "256.0.0.1:1"}, map[string]string{"BBB_SECRET": "s"}, 1},
		{"help", []string{"-h"}, nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var logs syncBuffer
			code := runTest(context.Background(), tc.args, env(tc.env), &logs, nil)
			if code != tc.code {
				t.Errorf("exit %d, want %d: %s", code, tc.code, logs.String())
			}
			if strings.Contains(logs.String(), "-secret s ") {
				t.Error("secret echoed")
			}
		})
	}
}

func TestPublicHostPort(t *testing.T) {
	for in, want := range map[string]string{"[::]:8090": "localhost:8090", "0.0.0.0:1": "localhost:1", "127.0.0.1:5": "127.0.0.1:5", "[::1]:7": "[::1]:7"} {
		addr, err := net.ResolveTCPAddr("tcp", in)
		if err != nil {
			t.Fatal(err)
		}
		if got := publicHostPort(addr); got != want {
			t.Errorf("%s -> %s, want %s", in, got, want)
		}
	}
}

// A request body sent one byte a second is cut off at -read-timeout.
func TestSlowBodyIsCutOff(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var logs syncBuffer
	addrc := make(chan string, 1)
	done := make(chan int, 1)
	go func() {
		done <- runTest(ctx, []string{"-listen", "127.0.0.1:0", "-read-timeout", "500ms", "-max-body-readers", "1"},
			env(map[string]string{"BBB_SECRET": "s"}), &logs, func(a string) { addrc <- a })
	}()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("exit %d: %s", code, logs.String())
		}
	}()
	addr := <-addrc
	open, err := clitest.SlowBody(addr, "/bigbluebutton/api/create?meetingID=m&checksum=x", 3*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if open < 400*time.Millisecond { // the server starts its clock a little before ours
		t.Errorf("closed after %s, before the read timeout", open)
	}
}
