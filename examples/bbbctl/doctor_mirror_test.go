package main

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bbbkit/bbbkit/examples/internal/cli"
	"github.com/bbbkit/bbbkit/scalelite/mirror"
)

const mirrorSecret = "mirror-endpoint-secret-0123456789"

// writeRecording writes one published presentation recording into the tree
// at dir, every file modified at mtime.
func writeRecording(t *testing.T, dir string, i int, size int, mtime time.Time) {
	t.Helper()
	id := fmt.Sprintf("%040x-%d", i+1, 1767600000000+int64(i)*3600000)
	base := filepath.Join(dir, "presentation", id)
	require.NoError(t, os.MkdirAll(base, 0o755))
	md := fmt.Sprintf(`<recording><id>%s</id><state>published</state><published>true</published><start_time>%d</start_time><playback><format>presentation</format></playback></recording>`,
		id, 1767600000000+int64(i)*3600000)
	files := map[string][]byte{"metadata.xml": []byte(md), "slides.svg": []byte(strings.Repeat("x", size))}
	for name, data := range files {
		p := filepath.Join(base, name)
		require.NoError(t, os.WriteFile(p, data, 0o644))
		require.NoError(t, os.Chtimes(p, mtime, mtime))
	}
}

// mirrorEndpoint serves the tree at dir as `mirror serve` does.
func mirrorEndpoint(t *testing.T, dir string) *httptest.Server {
	t.Helper()
	h, err := mirror.NewHandler(dir, mirrorSecret)
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func TestDoctorMirror(t *testing.T) {
	t.Parallel()
	f := newFleet(t, 1)
	src, dst := t.TempDir(), t.TempDir()
	old := time.Now().Add(-3 * time.Hour).Truncate(time.Second)
	for i := range 3 {
		writeRecording(t, src, i, 100, old)
	}
	endpoint := mirrorEndpoint(t, src)
	hs, err := mirror.NewHTTPSource(endpoint.URL, mirrorSecret)
	require.NoError(t, err)
	_, err = mirror.Sync(context.Background(), hs, dst)
	require.NoError(t, err)
	env := f.env()
	env["MIRROR_SECRET"] = mirrorSecret
	doctor := func(extra ...string) (result, map[string]check) {
		t.Helper()
		r := ctl(t, env, append([]string{"doctor", "-skip-turn", "-o", "json"}, extra...)...)
		return r, checksByName(t, r.stdout)
	}

	// In step: both checks pass.
	r, checks := doctor("-mirror", endpoint.URL, "-mirror-dest", dst)
	requireOK(t, r)
	assert.Equal(t, statusOK, checks["mirror"].Status)
	assert.Contains(t, checks["mirror"].Value, "3 recordings in ")
	assert.Equal(t, check{Server: hostOf(endpoint.URL), Check: "mirror dest", Status: statusOK, Value: "up to date (3 recordings)"}, checks["mirror dest"])

	// A recording new on the endpoint for two hours, and one changed since
	// the last sync: two behind, the oldest two hours; a warning, exit 0.
	writeRecording(t, src, 3, 100, time.Now().Add(-2*time.Hour))
	writeRecording(t, src, 0, 200, time.Now().Add(-time.Hour))
	r, checks = doctor("-mirror", endpoint.URL, "-mirror-dest", dst)
	requireOK(t, r)
	assert.Equal(t, statusWarn, checks["mirror dest"].Status)
	assert.Regexp(t, `^2 behind, oldest 2h0m[0-9]+s$`, checks["mirror dest"].Value)
	assert.Contains(t, checks["mirror dest"].Cause, "mirror sync")

	// Without -mirror-dest only the endpoint is checked.
	r, checks = doctor("-mirror", endpoint.URL)
	requireOK(t, r)
	assert.Contains(t, checks["mirror"].Value, "4 recordings")
	assert.NotContains(t, checks, "mirror dest")

	// A wrong secret and an endpoint that is down fail, and say why.
	env["MIRROR_SECRET"] = "wrong-mirror-secret-0123456789"
	r, checks = doctor("-mirror", endpoint.URL)
	assert.Equal(t, cli.ExitFailure, r.code)
	assert.Equal(t, statusFail, checks["mirror"].Status)
	assert.Contains(t, checks["mirror"].Cause, "refused the secret")
	assert.NotContains(t, r.stdout+r.stderr, "wrong-mirror-secret")

	env["MIRROR_SECRET"] = mirrorSecret
	down := mirrorEndpoint(t, src)
	down.Close()
	r, checks = doctor("-mirror", down.URL, "-mirror-dest", dst)
	assert.Equal(t, cli.ExitFailure, r.code)
	assert.Equal(t, statusFail, checks["mirror"].Status)
	assert.Contains(t, checks["mirror"].Cause, "does not answer")
	for _, s := range append(f.secrets(), mirrorSecret) {
		assert.NotContains(t, r.stdout+r.stderr, s)
	}
	assert.NotRegexp(t, `checksum=[0-9a-f]{40}`, r.stdout+r.stderr)

	// The table shows the same.
	r = ctl(t, env, "doctor", "-skip-turn", "-mirror", endpoint.URL, "-mirror-dest", dst)
	requireOK(t, r)
	assert.Regexp(t, `mirror dest\s+warn\s+2 behind, oldest 2h`, r.stdout)
}

func TestDoctorMirrorUsage(t *testing.T) {
	t.Parallel()
	f := newFleet(t, 1)
	env := f.env()
	r := ctl(t, env, "doctor", "-skip-turn", "-mirror-dest", t.TempDir())
	assert.Equal(t, cli.ExitUsage, r.code, r.stderr)
	assert.Contains(t, r.stderr, "-mirror-dest needs -mirror")
	r = ctl(t, env, "doctor", "-skip-turn", "-mirror", "http://127.0.0.1:1/")
	assert.Equal(t, cli.ExitUsage, r.code, r.stderr)
	assert.Contains(t, r.stderr, "$MIRROR_SECRET")
}

func TestMirrorLag(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	rec := func(id string, files ...mirror.File) mirror.Recording {
		return mirror.Recording{ID: id, Formats: []mirror.Format{{Name: "presentation", Files: files}}}
	}
	file := func(path string, size int64, mtime time.Time) mirror.File {
		return mirror.File{Path: path, Size: size, ModTime: mtime}
	}
	remote := &mirror.Manifest{Recordings: []mirror.Recording{
		rec("current", file("a", 1, at)),
		rec("missing", file("a", 1, at.Add(-5*time.Hour))),
		rec("smaller", file("a", 2, at)),
		rec("older", file("a", 1, at.Add(time.Hour))),
		rec("lacks-file", file("a", 1, at), file("b", 1, at.Add(-time.Hour))),
		rec("newer-here", file("a", 1, at)),
	}}
	local := &mirror.Manifest{Recordings: []mirror.Recording{
		rec("current", file("a", 1, at)),
		rec("lacks-file", file("a", 1, at)),
		rec("newer-here", file("a", 1, at.Add(time.Minute))),
		rec("older", file("a", 1, at)),
		rec("smaller", file("a", 1, at)),
	}}
	behind, oldest := mirrorLag(remote, local, at.Add(time.Hour))
	assert.Equal(t, 4, behind) // missing, smaller, older, lacks-file
	assert.Equal(t, 6*time.Hour, oldest)
}
