package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/internal/testwait"
)

// TestGapfillWithoutAnyCallback: no hook is registered at all, yet the
// meeting's start, its attendee and its end are printed (synthesized) and
// its attendance report is written.
func TestGapfillWithoutAnyCallback(t *testing.T) {
	defer http.DefaultClient.CloseIdleConnections()
	srv := bbbtest.NewServer(bbbtest.WithSecret(secret))
	defer srv.Close()
	dir := t.TempDir()
	_, stdout, stderr, stop := startReceiver(t, "-secret", secret, "-callback-url", callbackURL,
		"-bbb-url", srv.APIURL(), "-gapfill", "50ms", "-attendance-dir", dir)
	_, err := srv.BBBClient().CreateMeeting(context.Background(), &bbb.CreateMeetingParams{Name: "Room", MeetingID: "room-7"})
	if err != nil {
		t.Fatalf("srv.BBBClient(...).CreateMeeting(...): %v", err)
	}
	_, err = srv.Join("room-7", bbbtest.User{FullName: "Dee", UserID: "dee"})
	if err != nil {
		t.Fatalf("srv.Join(\"room-7\", bbbtest.User{FullName: \"Dee\", UserID: \"dee\"}): %v", err)
	}
	testwait.Eventually(t, func() bool { return strings.Contains(stdout.String(), `"type":"user-joined"`) }, 5*time.Second, 10*time.Millisecond, fmt.Sprintf("condition (%s)", stderr.String()))
	if err := srv.EndMeeting("room-7"); err != nil {
		t.Fatalf("srv.EndMeeting(\"room-7\"): %v", err)
	}
	testwait.Eventually(t, func() bool { return strings.Contains(stdout.String(), `"type":"meeting-ended"`) }, 5*time.Second, 10*time.Millisecond, "strings.Contains(stdout.String(), `\"type\":\"meeting-ended\"`)")
	testwait.Eventually(t, func() bool {
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		return len(files) == 1
	}, 5*time.Second, 10*time.Millisecond, "one *.json file written")
	if got := stop(); got != 0 {
		t.Fatalf("stop() = %v; want %v", got, 0)
	}
	if got := stdout.String(); !strings.Contains(got, `"synthesized":true`) {
		t.Fatalf("stdout.String() = %q; want it to contain %q", got, `"synthesized":true`)
	}
	if got := stderr.String(); strings.Contains(got, secret) {
		t.Fatalf("stderr.String() = %q; want it not to contain %q", got, secret)
	}
}

func TestGapfillNeedsServers(t *testing.T) {
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	code := run(context.Background(), []string{"-secret", secret, "-callback-url", callbackURL, "-gapfill", "1m"}, nil, stdout, stderr)
	if code != 2 {
		t.Fatalf("code = %v; want %v", code, 2)
	}
	if got := stderr.String(); !strings.Contains(got, "-bbb-url") {
		t.Fatalf("stderr.String() = %q; want it to contain %q", got, "-bbb-url")
	}
}
