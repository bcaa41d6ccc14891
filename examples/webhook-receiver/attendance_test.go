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

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/internal/testwait"
	"github.com/bbbkit/bbbkit/webhooks"
	"github.com/bbbkit/bbbkit/webhooks/attendance"
	"github.com/google/go-cmp/cmp"
)

// runMeeting registers a hook for the receiver at listen, runs a meeting
// where Ann joins, leaves and re-joins, ends it and returns the files the
// receiver wrote into dir.
func runMeeting(t *testing.T, listen, dir, ext string) []string {
	t.Helper()
	srv := bbbtest.NewServer(bbbtest.WithSecret(secret))
	defer srv.Close()
	hooks, err := webhooks.NewClient(srv.BBBClient())
	if err != nil {
		t.Fatalf("webhooks.NewClient(srv.BBBClient()): %v", err)
	}
	_, err = hooks.Create(context.Background(), webhooks.CreateParams{CallbackURL: "http://" + listen + "/"})
	if err != nil {
		t.Fatalf("hooks.Create(...): %v", err)
	}
	_, err = srv.BBBClient().CreateMeeting(context.Background(), &bbb.CreateMeetingParams{Name: "Room", MeetingID: "room-1"})
	if err != nil {
		t.Fatalf("srv.BBBClient(...).CreateMeeting(...): %v", err)
	}
	// Steps some milliseconds apart: the report orders events by their
	// millisecond timestamps, as they may arrive in any order.
	_, err = srv.Join("room-1", bbbtest.User{FullName: "Ann Smith", UserID: "ann"})
	if err != nil {
		t.Fatalf("srv.Join(\"room-1\", bbbtest.User{FullName: \"Ann Smith\", UserID: \"ann\"}): %v", err)
	}
	time.Sleep(5 * time.Millisecond)
	if err := srv.Leave("room-1", "ann"); err != nil {
		t.Fatalf("srv.Leave(\"room-1\", \"ann\"): %v", err)
	}
	time.Sleep(5 * time.Millisecond)
	_, err = srv.Join("room-1", bbbtest.User{FullName: "Ann Smith", UserID: "ann"})
	if err != nil {
		t.Fatalf("srv.Join(\"room-1\", bbbtest.User{FullName: \"Ann Smith\", UserID: \"ann\"}): %v", err)
	}
	time.Sleep(50 * time.Millisecond) // let the joins arrive before the end
	if err := srv.EndMeeting("room-1"); err != nil {
		t.Fatalf("srv.EndMeeting(\"room-1\"): %v", err)
	}
	var files []string
	testwait.Eventually(t, func() bool {
		files, _ = filepath.Glob(filepath.Join(dir, "*."+ext))
		return len(files) == 1
	}, 5*time.Second, 10*time.Millisecond, "one *."+ext+" file written")
	return files
}

func TestAttendanceDirWritesOneReportPerMeeting(t *testing.T) {
	defer http.DefaultClient.CloseIdleConnections()
	dir := t.TempDir()
	listen := freeAddr(t)
	_, _, stderr, stop := startReceiverAt(t, listen, "-secret", secret, "-callback-url", "http://"+listen+"/", "-attendance-dir", dir)
	files := runMeeting(t, listen, dir, "json")
	if got := stop(); got != 0 {
		t.Fatalf("stop() = %v; want %v (%s)", got, 0, stderr.String())
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatalf("os.ReadFile(files[0]): %v", err)
	}
	var r attendance.Report
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("json.Unmarshal(data, &r): %v", err)
	}
	if r.MeetingID != "room-1" {
		t.Fatalf("r.MeetingID = %q; want %q", r.MeetingID, "room-1")
	}
	if len(r.Users) != 1 {
		t.Fatalf("len(r.Users) = %d; want %d: %v", len(r.Users), 1, r.Users)
	}
	if r.Users[0].Name != "Ann Smith" {
		t.Fatalf("r.Users[0].Name = %q; want %q", r.Users[0].Name, "Ann Smith")
	}
	if len(r.Users[0].Sessions) != 2 {
		t.Fatalf("len(r.Users[0].Sessions) = %d; want %d: %v", len(r.Users[0].Sessions), 2, r.Users[0].Sessions)
	}
}

func TestAttendancePseudonymsCSV(t *testing.T) {
	defer http.DefaultClient.CloseIdleConnections()
	t.Setenv(attendanceKeyEnv, "a-key-of-more-than-16-bytes")
	dir := t.TempDir()
	listen := freeAddr(t)
	_, _, stderr, stop := startReceiverAt(t, listen, "-secret", secret, "-callback-url", "http://"+listen+"/",
		"-attendance-dir", dir, "-attendance-format", "csv", "-attendance-pseudonyms")
	files := runMeeting(t, listen, dir, "csv")
	if got := stop(); got != 0 {
		t.Fatalf("stop() = %v; want %v (%s)", got, 0, stderr.String())
	}
	all, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(all) != 1 {
		t.Fatalf("len(all) = %d; want %d: %v (no temporary file left)", len(all), 1, all)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatalf("os.ReadFile(files[0]): %v", err)
	}
	rows, err := csv.NewReader(strings.NewReader(string(data))).ReadAll()
	if err != nil {
		t.Fatalf("csv.NewReader(strings.NewReader(string(data))).ReadAll(): %v", err)
	}
	if len(rows) != 2 {
		t.Fatalf("len(rows) = %d; want %d: %v", len(rows), 2, rows)
	}
	if diff := cmp.Diff(attendance.CSVHeader, rows[0]); diff != "" {
		t.Fatalf("rows[0] mismatch (-want +got):\n%s", diff)
	}
	if len(rows[1][1]) != 32 {
		t.Fatalf("len(rows[1][1]) = %d; want %d: %v (user ID hashed)", len(rows[1][1]), 32, rows[1][1])
	}
	if len(rows[1][2]) != 0 {
		t.Fatalf("rows[1][2] = %v; want empty (name removed)", rows[1][2])
	}
	if strings.Contains(string(data), "ann") {
		t.Fatalf("string(data) = %q; want it not to contain %q", string(data), "ann")
	}
	if strings.Contains(string(data), "Ann") {
		t.Fatalf("string(data) = %q; want it not to contain %q", string(data), "Ann")
	}
}

func TestAttendanceFlagErrors(t *testing.T) {
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	code := run(context.Background(), []string{"-secret", secret, "-callback-url", callbackURL, "-attendance-dir", t.TempDir(), "-attendance-pseudonyms"}, nil, stdout, stderr)
	if code != 2 {
		t.Fatalf("code = %v; want %v", code, 2)
	}
	if got := stderr.String(); !strings.Contains(got, attendanceKeyEnv) {
		t.Fatalf("stderr.String() = %q; want it to contain %q", got, attendanceKeyEnv)
	}
	if got := reportName("../etc/passwd"); got != "x2e2e2f6574632f706173737764" {
		t.Fatalf("reportName(\"../etc/passwd\") = %q; want %q", got, "x2e2e2f6574632f706173737764")
	}
	if got := reportName("abc-1"); got != "abc-1" {
		t.Fatalf("reportName(\"abc-1\") = %q; want %q", got, "abc-1")
	}
}
