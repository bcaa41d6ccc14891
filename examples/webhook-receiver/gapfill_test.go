package main

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
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
	require.NoError(t, err)
	_, err = srv.Join("room-7", bbbtest.User{FullName: "Dee", UserID: "dee"})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return strings.Contains(stdout.String(), `"type":"user-joined"`) }, 5*time.Second, 10*time.Millisecond, stderr.String())
	require.NoError(t, srv.EndMeeting("room-7"))
	require.Eventually(t, func() bool { return strings.Contains(stdout.String(), `"type":"meeting-ended"`) }, 5*time.Second, 10*time.Millisecond)
	require.Eventually(t, func() bool {
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		return len(files) == 1
	}, 5*time.Second, 10*time.Millisecond)
	require.Equal(t, 0, stop())
	require.Contains(t, stdout.String(), `"synthesized":true`)
	require.NotContains(t, stderr.String(), secret)
}

func TestGapfillNeedsServers(t *testing.T) {
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	code := run(context.Background(), []string{"-secret", secret, "-callback-url", callbackURL, "-gapfill", "1m"}, nil, stdout, stderr)
	require.Equal(t, 2, code)
	require.Contains(t, stderr.String(), "-bbb-url")
}
