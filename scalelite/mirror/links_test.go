package mirror

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A hard link can share a file from outside the served tree: by default
// the endpoint leaves such a recording out of its manifest (saying why in
// the manifest's skipped list), refuses the file itself and leaves it out
// of bundles; WithHardLinks(true) serves it.
func TestHandlerRefusesHardLinks(t *testing.T) {
	t.Parallel()
	src, ids := newTree(t, genSpec{Recordings: 2, Seed: 17, Large: 10})
	outside := filepath.Join(t.TempDir(), "secret.txt")
	require.NoError(t, os.WriteFile(outside, []byte("outside the tree"), 0o600))
	linked := filepath.Join(src, "presentation", ids[0], "shared.txt")
	require.NoError(t, os.Link(outside, linked))
	later := time.Now().Add(time.Minute)
	get := func(srv string, q url.Values, call string) (int, string) {
		resp, err := http.Get(signed(srv+"/mirror/", call, q, testSecret, later))
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	file := url.Values{"record": {ids[0]}, "format": {"presentation"}, "path": {"shared.txt"}}

	refusing := newExport(t, src)
	m, err := httpSource(t, refusing.URL+"/mirror/", testSecret).Manifest(context.Background())
	require.NoError(t, err)
	require.Len(t, m.Recordings, 1)
	require.Equal(t, ids[1], m.Recordings[0].ID)
	require.Len(t, m.Skipped, 1)
	require.Equal(t, ids[0], m.Skipped[0].ID)
	require.Contains(t, m.Skipped[0].Reason, "2 hard links")
	code, body := get(refusing.URL, file, CallFile)
	require.Equal(t, http.StatusForbidden, code)
	require.Contains(t, body, "hard link")
	require.NotContains(t, body, "outside the tree")
	code, body = get(refusing.URL, url.Values{"record": {ids[0]}, "format": {"presentation"}, "max": {"1000"}}, CallBundle)
	require.NotContains(t, body, "outside the tree", "status %d", code)

	allowing := newExport(t, src, WithHardLinks(true))
	m, err = httpSource(t, allowing.URL+"/mirror/", testSecret).Manifest(context.Background())
	require.NoError(t, err)
	require.Len(t, m.Recordings, 2)
	require.Empty(t, m.Skipped)
	code, body = get(allowing.URL, file, CallFile)
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "outside the tree", body)
}

// A recording the endpoint leaves out fails the Sync with the endpoint's
// reason and is not deleted from the destination, even WithDelete.
func TestHTTPSyncKeepsSkippedRecording(t *testing.T) {
	t.Parallel()
	src, ids := newTree(t, genSpec{Recordings: 2, Seed: 18, Large: 10})
	srv := newExport(t, src)
	dst := t.TempDir()
	_, err := Sync(context.Background(), httpSource(t, srv.URL+"/mirror/", testSecret), dst)
	require.NoError(t, err)
	require.NoError(t, os.Symlink("/etc", filepath.Join(src, "presentation", ids[0], "etc")))
	res, err := Sync(context.Background(), httpSource(t, srv.URL+"/mirror/", testSecret), dst, WithDelete(true))
	var se *SkippedError
	require.ErrorAs(t, err, &se)
	require.Equal(t, ids[0], se.RecordID)
	require.Contains(t, se.Reason, "not a regular file or directory")
	require.Equal(t, 1, res.Failed)
	require.Zero(t, res.Deleted)
	require.DirExists(t, filepath.Join(dst, "presentation", ids[0]))
}
