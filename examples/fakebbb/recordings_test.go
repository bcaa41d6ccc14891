package main

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/scalelite/mirror"
)

// TestRecordingsDirIsAMirrorableTree runs the program with -recordings-dir
// and checks that what it writes is a published tree scalelite/mirror
// accepts: metadata.xml validates, and a sync copies it byte for byte.
func TestRecordingsDirIsAMirrorableTree(t *testing.T) {
	const secret = "fakebbb-recordings-secret"
	dir := filepath.Join(t.TempDir(), "published")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs syncBuffer
	addrc := make(chan string, 1)
	done := make(chan int, 1)
	go func() {
		done <- runTest(ctx, []string{"-listen", "127.0.0.1:0", "-secret", secret, "-recordings-dir", dir, "-recording-size", "300KiB"}, env(nil), &logs, func(a string) { addrc <- a })
	}()
	var addr string
	select {
	case addr = <-addrc:
	case code := <-done:
		t.Fatalf("run exited with %d: %s", code, logs.String())
	}
	hc := &http.Client{Transport: &http.Transport{}}
	defer hc.CloseIdleConnections()
	c, err := bbb.New("http://"+addr+"/bigbluebutton/", secret, bbb.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range []string{"math", "physics"} {
		if _, err := c.CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: m, MeetingID: m, Record: bbb.Bool(true)}); err != nil {
			t.Fatal(err)
		}
		form := url.Values{"meetingID": {m}, "fullName": {"Ada"}, "role": {"MODERATOR"}}
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/bbbtest/join", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Bearer "+secret)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if err := c.EndMeeting(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	page, err := c.GetRecordings(ctx, nil)
	if err != nil || len(page.Recordings) != 2 {
		t.Fatalf("getRecordings: %+v %v", page, err)
	}
	for _, r := range page.Recordings {
		ids = append(ids, r.RecordID)
		md, err := os.ReadFile(filepath.Join(dir, "presentation", r.RecordID, "metadata.xml"))
		if err != nil {
			t.Fatal(err)
		}
		m, err := mirror.ValidateMetadata(md, "presentation", r.RecordID)
		if err != nil || !m.Published || m.State != "published" || m.Meta["meetingId"] != r.MeetingID {
			t.Errorf("metadata of %s: %+v %v", r.RecordID, m, err)
		}
	}

	src, err := mirror.NewDirSource(dir, mirror.WithHashes(true))
	if err != nil {
		t.Fatal(err)
	}
	dst := t.TempDir()
	res, err := mirror.Sync(ctx, src, dst)
	if err != nil || res.Copied != 2 || res.Recordings != 2 {
		t.Fatalf("sync: %+v %v", res, err)
	}
	want, _ := src.Manifest(ctx)
	back, _ := mirror.NewDirSource(dst, mirror.WithHashes(true))
	got, _ := back.Manifest(ctx)
	if len(got.Recordings) != len(want.Recordings) {
		t.Fatalf("%d recordings mirrored, want %d", len(got.Recordings), len(want.Recordings))
	}
	for i, r := range want.Recordings {
		for j, f := range r.Formats {
			for k, x := range f.Files {
				y := got.Recordings[i].Formats[j].Files[k]
				if x.Path != y.Path || x.SHA256 != y.SHA256 || x.Size != y.Size {
					t.Errorf("%s/%s/%s: mirrored %+v, source %+v", f.Name, r.ID, x.Path, y, x)
				}
			}
		}
		var size int64
		for _, x := range r.Formats[0].Files {
			size += x.Size
		}
		if size < 270<<10 || size > 340<<10 {
			t.Errorf("recording %s holds %d bytes, want about 300KiB", r.ID, size)
		}
	}

	// Deleting through the API removes the recording from the tree.
	del := url.Values{"recordID": {ids[0]}}
	var out struct{ bbb.Envelope }
	if err := c.Do(ctx, "deleteRecordings", del, &out); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "presentation", ids[0])); !os.IsNotExist(err) {
		t.Errorf("deleted recording still on disk: %v", err)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("no shutdown")
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"4096": 4096, "4KiB": 4 << 10, "3MiB": 3 << 20, "2M": 2 << 20, "1GiB": 1 << 30, " 5K ": 5 << 10} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "MiB", "-1", "4TB", "1.5MiB", "9999999999GiB"} {
		if _, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) accepted", in)
		}
	}
	var logs syncBuffer
	for _, args := range [][]string{
		{"-secret", "s", "-recordings-dir", t.TempDir(), "-recording-size", "big"},
		{"-secret", "s", "-listen", "127.0.0.1:0", "-recordings-dir", t.TempDir(), "-recording-size", "1KiB"},
	} {
		if code := runTest(context.Background(), args, env(nil), &logs, nil); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"4096", "4MiB", "2G", "-1", "", "9223372036854775807K"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseSize(s)
		if err == nil && (n < 0 || n > 1<<40) {
			t.Fatalf("parseSize(%q) = %d", s, n)
		}
	})
}
