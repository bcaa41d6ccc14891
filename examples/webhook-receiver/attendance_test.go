package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/webhooks"
	"github.com/bbbkit/bbbkit/webhooks/attendance"
)

// runMeeting registers a hook for the receiver at listen, runs a meeting
// where Ann joins, leaves and re-joins, ends it and returns the files the
// receiver wrote into dir.
func runMeeting(t *testing.T, listen, dir, ext string) []string {
	t.Helper()
	srv := bbbtest.NewServer(bbbtest.WithSecret(secret))
	defer srv.Close()
	hooks, err := webhooks.NewClient(srv.BBBClient())
	require.NoError(t, err)
	_, err = hooks.Create(context.Background(), webhooks.CreateParams{CallbackURL: "http://" + listen + "/"})
	require.NoError(t, err)
	_, err = srv.BBBClient().CreateMeeting(context.Background(), &bbb.CreateMeetingParams{Name: "Room", MeetingID: "room-1"})
	require.NoError(t, err)
	// Steps some milliseconds apart: the report orders events by their
	// millisecond timestamps, as they may arrive in any order.
	_, err = srv.Join("room-1", bbbtest.User{FullName: "Ann Smith", UserID: "ann"})
	require.NoError(t, err)
	time.Sleep(5 * time.Millisecond)
	require.NoError(t, srv.Leave("room-1", "ann"))
	time.Sleep(5 * time.Millisecond)
	_, err = srv.Join("room-1", bbbtest.User{FullName: "Ann Smith", UserID: "ann"})
	require.NoError(t, err)
	time.Sleep(50 * time.Millisecond) // let the joins arrive before the end
	require.NoError(t, srv.EndMeeting("room-1"))
	var files []string
	require.Eventually(t, func() bool {
		files, _ = filepath.Glob(filepath.Join(dir, "*."+ext))
		return len(files) == 1
	}, 5*time.Second, 10*time.Millisecond)
	return files
}

func TestAttendanceDirWritesOneReportPerMeeting(t *testing.T) {
	defer http.DefaultClient.CloseIdleConnections()
	dir := t.TempDir()
	listen := freeAddr(t)
	_, _, stderr, stop := startReceiverAt(t, listen, "-secret", secret, "-callback-url", "http://"+listen+"/", "-attendance-dir", dir)
	files := runMeeting(t, listen, dir, "json")
	require.Equal(t, 0, stop(), stderr.String())
	data, err := os.ReadFile(files[0])
	require.NoError(t, err)
	var r attendance.Report
	require.NoError(t, json.Unmarshal(data, &r))
	require.Equal(t, "room-1", r.MeetingID)
	require.Len(t, r.Users, 1)
	require.Equal(t, "Ann Smith", r.Users[0].Name)
	require.Len(t, r.Users[0].Sessions, 2)
}

func TestAttendancePseudonymsCSV(t *testing.T) {
	defer http.DefaultClient.CloseIdleConnections()
	t.Setenv(attendanceKeyEnv, "a-key-of-more-than-16-bytes")
	dir := t.TempDir()
	listen := freeAddr(t)
	_, _, stderr, stop := startReceiverAt(t, listen, "-secret", secret, "-callback-url", "http://"+listen+"/",
		"-attendance-dir", dir, "-attendance-format", "csv", "-attendance-pseudonyms")
	files := runMeeting(t, listen, dir, "csv")
	require.Equal(t, 0, stop(), stderr.String())
	all, _ := filepath.Glob(filepath.Join(dir, "*"))
	require.Len(t, all, 1, "no temporary file left")
	data, err := os.ReadFile(files[0])
	require.NoError(t, err)
	rows, err := csv.NewReader(strings.NewReader(string(data))).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 2)
	require.Equal(t, attendance.CSVHeader, rows[0])
	require.Len(t, rows[1][1], 32, "user ID hashed")
	require.Empty(t, rows[1][2], "name removed")
	require.NotContains(t, string(data), "ann")
	require.NotContains(t, string(data), "Ann")
}

func TestAttendanceFlagErrors(t *testing.T) {
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	code := run(context.Background(), []string{"-secret", secret, "-callback-url", callbackURL, "-attendance-dir", t.TempDir(), "-attendance-pseudonyms"}, nil, stdout, stderr)
	require.Equal(t, 2, code)
	require.Contains(t, stderr.String(), attendanceKeyEnv)
	require.Equal(t, "x2e2e2f6574632f706173737764", reportName("../etc/passwd"))
	require.Equal(t, "abc-1", reportName("abc-1"))
}
