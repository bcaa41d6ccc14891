package mirror

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A hard link can share a file from outside the served tree: by default
// the endpoint leaves such a recording out of its manifest (saying why in
// the manifest's skipped list), refuses the file itself and leaves it out
// of bundles; WithHardLinks(true) serves it.
func TestHandlerRefusesHardLinks(t *testing.T) {
	t.Parallel()
	src, ids := newTree(t, genSpec{Recordings: 2, Seed: 17, Large: 10})
	outside := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(outside, []byte("outside the tree"), 0o600); err != nil {
		t.Fatalf("os.WriteFile(outside, []byte(\"outside the tree\"), 0o600): %v", err)
	}
	linked := filepath.Join(src, "presentation", ids[0], "shared.txt")
	if err := os.Link(outside, linked); err != nil {
		t.Fatalf("os.Link(outside, linked): %v", err)
	}
	later := time.Now().Add(time.Minute)
	get := func(srv string, q url.Values, call string) (int, string) {
		resp, err := http.Get(signed(srv+"/mirror/", call, q, testSecret, later))
		if err != nil {
			t.Fatalf("http.Get(signed(srv+\"/mirror/\", call, q, testSecret, later)): %v", err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	file := url.Values{"record": {ids[0]}, "format": {"presentation"}, "path": {"shared.txt"}}

	refusing := newExport(t, src)
	m, err := httpSource(t, refusing.URL+"/mirror/", testSecret).Manifest(context.Background())
	if err != nil {
		t.Fatalf("httpSource(...).Manifest(...): %v", err)
	}
	if len(m.Recordings) != 1 {
		t.Fatalf("len(m.Recordings) = %d; want %d: %v", len(m.Recordings), 1, m.Recordings)
	}
	if m.Recordings[0].ID != ids[1] {
		t.Fatalf("m.Recordings[0].ID = %v; want %v", m.Recordings[0].ID, ids[1])
	}
	if len(m.Skipped) != 1 {
		t.Fatalf("len(m.Skipped) = %d; want %d: %v", len(m.Skipped), 1, m.Skipped)
	}
	if m.Skipped[0].ID != ids[0] {
		t.Fatalf("m.Skipped[0].ID = %v; want %v", m.Skipped[0].ID, ids[0])
	}
	if !strings.Contains(m.Skipped[0].Reason, "2 hard links") {
		t.Fatalf("m.Skipped[0].Reason = %q; want it to contain %q", m.Skipped[0].Reason, "2 hard links")
	}
	code, body := get(refusing.URL, file, CallFile)
	if code != http.StatusForbidden {
		t.Fatalf("code = %v; want %v", code, http.StatusForbidden)
	}
	if !strings.Contains(body, "hard link") {
		t.Fatalf("body = %q; want it to contain %q", body, "hard link")
	}
	if strings.Contains(body, "outside the tree") {
		t.Fatalf("body = %q; want it not to contain %q", body, "outside the tree")
	}
	code, body = get(refusing.URL, url.Values{"record": {ids[0]}, "format": {"presentation"}, "max": {"1000"}}, CallBundle)
	if strings.Contains(body, "outside the tree") {
		t.Fatalf("body = %q; want it not to contain %q (status %d)", body, "outside the tree", code)
	}

	allowing := newExport(t, src, WithHardLinks(true))
	m, err = httpSource(t, allowing.URL+"/mirror/", testSecret).Manifest(context.Background())
	if err != nil {
		t.Fatalf("httpSource(...).Manifest(...): %v", err)
	}
	if len(m.Recordings) != 2 {
		t.Fatalf("len(m.Recordings) = %d; want %d: %v", len(m.Recordings), 2, m.Recordings)
	}
	if len(m.Skipped) != 0 {
		t.Fatalf("m.Skipped = %v; want empty", m.Skipped)
	}
	code, body = get(allowing.URL, file, CallFile)
	if code != http.StatusOK {
		t.Fatalf("code = %v; want %v", code, http.StatusOK)
	}
	if body != "outside the tree" {
		t.Fatalf("body = %q; want %q", body, "outside the tree")
	}
}

// A recording the endpoint leaves out fails the Sync with the endpoint's
// reason and is not deleted from the destination, even WithDelete.
func TestHTTPSyncKeepsSkippedRecording(t *testing.T) {
	t.Parallel()
	src, ids := newTree(t, genSpec{Recordings: 2, Seed: 18, Large: 10})
	srv := newExport(t, src)
	dst := t.TempDir()
	_, err := Sync(context.Background(), httpSource(t, srv.URL+"/mirror/", testSecret), dst)
	if err != nil {
		t.Fatalf("Sync(...): %v", err)
	}
	if err := os.Symlink("/etc", filepath.Join(src, "presentation", ids[0], "etc")); err != nil {
		t.Fatalf("os.Symlink(\"/etc\", filepath.Join(src, \"presentation\", ids[0], \"etc\")): %v", err)
	}
	res, err := Sync(context.Background(), httpSource(t, srv.URL+"/mirror/", testSecret), dst, WithDelete(true))
	var se *SkippedError
	if !errors.As(err, &se) {
		t.Fatalf("Sync(...) = %v; want a *SkippedError", err)
	}
	if se.RecordID != ids[0] {
		t.Fatalf("se.RecordID = %v; want %v", se.RecordID, ids[0])
	}
	if !strings.Contains(se.Reason, "not a regular file or directory") {
		t.Fatalf("se.Reason = %q; want it to contain %q", se.Reason, "not a regular file or directory")
	}
	if res.Failed != 1 {
		t.Fatalf("res.Failed = %v; want %v", res.Failed, 1)
	}
	if res.Deleted != 0 {
		t.Fatalf("res.Deleted = %v; want 0", res.Deleted)
	}
	mustBeDir(t, filepath.Join(dst, "presentation", ids[0]))
}
