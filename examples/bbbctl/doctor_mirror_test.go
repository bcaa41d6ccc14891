package main

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

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
	if err := os.MkdirAll(base, 0o755); err != nil {
		t.Fatalf("os.MkdirAll(base, 0o755): %v", err)
	}
	md := fmt.Sprintf(`<recording><id>%s</id><state>published</state><published>true</published><start_time>%d</start_time><playback><format>presentation</format></playback></recording>`,
		id, 1767600000000+int64(i)*3600000)
	files := map[string][]byte{"metadata.xml": []byte(md), "slides.svg": []byte(strings.Repeat("x", size))}
	for name, data := range files {
		p := filepath.Join(base, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatalf("os.WriteFile(p, data, 0o644): %v", err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatalf("os.Chtimes(p, mtime, mtime): %v", err)
		}
	}
}

// mirrorEndpoint serves the tree at dir as `mirror serve` does.
func mirrorEndpoint(t *testing.T, dir string) *httptest.Server {
	t.Helper()
	h, err := mirror.NewHandler(dir, mirrorSecret)
	if err != nil {
		t.Fatalf("mirror.NewHandler(dir, mirrorSecret): %v", err)
	}
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
	if err != nil {
		t.Fatalf("mirror.NewHTTPSource(endpoint.URL, mirrorSecret): %v", err)
	}
	_, err = mirror.Sync(context.Background(), hs, dst)
	if err != nil {
		t.Fatalf("mirror.Sync(context.Background(), hs, dst): %v", err)
	}
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
	if checks["mirror"].Status != statusOK {
		t.Errorf("checks[\"mirror\"].Status = %v; want %v", checks["mirror"].Status, statusOK)
	}
	if !strings.Contains(checks["mirror"].Value, "3 recordings in ") {
		t.Errorf("checks[\"mirror\"].Value = %q; want it to contain %q", checks["mirror"].Value, "3 recordings in ")
	}
	if want := (check{Server: hostOf(endpoint.URL), Check: "mirror dest", Status: statusOK, Value: "up to date (3 recordings)"}); checks["mirror dest"] != want {
		t.Errorf("checks[\"mirror dest\"] = %v; want %v", checks["mirror dest"], want)
	}

	// A recording new on the endpoint for two hours, and one changed since
	// the last sync: two behind, the oldest two hours; a warning, exit 0.
	writeRecording(t, src, 3, 100, time.Now().Add(-2*time.Hour))
	writeRecording(t, src, 0, 200, time.Now().Add(-time.Hour))
	r, checks = doctor("-mirror", endpoint.URL, "-mirror-dest", dst)
	requireOK(t, r)
	if checks["mirror dest"].Status != statusWarn {
		t.Errorf("checks[\"mirror dest\"].Status = %v; want %v", checks["mirror dest"].Status, statusWarn)
	}
	if !regexp.MustCompile(`^2 behind, oldest 2h0m[0-9]+s$`).MatchString(checks["mirror dest"].Value) {
		t.Errorf("checks[\"mirror dest\"].Value = %q; want it to match `^2 behind, oldest 2h0m[0-9]+s$`", checks["mirror dest"].Value)
	}
	if !strings.Contains(checks["mirror dest"].Cause, "mirror sync") {
		t.Errorf("checks[\"mirror dest\"].Cause = %q; want it to contain %q", checks["mirror dest"].Cause, "mirror sync")
	}

	// With -mirror-max-lag 3h that lag is normal; with 1h it is not.
	r, checks = doctor("-mirror", endpoint.URL, "-mirror-dest", dst, "-mirror-max-lag", "3h")
	requireOK(t, r)
	if c := checks["mirror dest"]; c.Status != statusOK || !strings.HasSuffix(c.Value, "(within -mirror-max-lag 3h0m0s)") {
		t.Errorf("with -mirror-max-lag 3h: %+v; want ok, within the lag", c)
	}
	r, checks = doctor("-mirror", endpoint.URL, "-mirror-dest", dst, "-mirror-max-lag", "1h")
	requireOK(t, r)
	if c := checks["mirror dest"]; c.Status != statusWarn {
		t.Errorf("with -mirror-max-lag 1h: %+v; want a warning", c)
	}

	// Without -mirror-dest only the endpoint is checked.
	r, checks = doctor("-mirror", endpoint.URL)
	requireOK(t, r)
	if !strings.Contains(checks["mirror"].Value, "4 recordings") {
		t.Errorf("checks[\"mirror\"].Value = %q; want it to contain %q", checks["mirror"].Value, "4 recordings")
	}
	if _, ok := checks["mirror dest"]; ok {
		t.Errorf("checks = %v; want no %q check", checks, "mirror dest")
	}

	// A wrong secret and an endpoint that is down fail, and say why.
	env["MIRROR_SECRET"] = "wrong-mirror-secret-0123456789"
	r, checks = doctor("-mirror", endpoint.URL)
	if r.code != cli.ExitFailure {
		t.Errorf("r.code = %v; want %v", r.code, cli.ExitFailure)
	}
	if checks["mirror"].Status != statusFail {
		t.Errorf("checks[\"mirror\"].Status = %v; want %v", checks["mirror"].Status, statusFail)
	}
	if !strings.Contains(checks["mirror"].Cause, "refused the secret") {
		t.Errorf("checks[\"mirror\"].Cause = %q; want it to contain %q", checks["mirror"].Cause, "refused the secret")
	}
	if strings.Contains(r.stdout+r.stderr, "wrong-mirror-secret") {
		t.Errorf("r.stdout+r.stderr = %q; want it not to contain %q", r.stdout+r.stderr, "wrong-mirror-secret")
	}

	env["MIRROR_SECRET"] = mirrorSecret
	down := mirrorEndpoint(t, src)
	down.Close()
	r, checks = doctor("-mirror", down.URL, "-mirror-dest", dst)
	if r.code != cli.ExitFailure {
		t.Errorf("r.code = %v; want %v", r.code, cli.ExitFailure)
	}
	if checks["mirror"].Status != statusFail {
		t.Errorf("checks[\"mirror\"].Status = %v; want %v", checks["mirror"].Status, statusFail)
	}
	if !strings.Contains(checks["mirror"].Cause, "does not answer") {
		t.Errorf("checks[\"mirror\"].Cause = %q; want it to contain %q", checks["mirror"].Cause, "does not answer")
	}
	for _, s := range append(f.secrets(), mirrorSecret) {
		if strings.Contains(r.stdout+r.stderr, s) {
			t.Errorf("r.stdout+r.stderr = %q; want it not to contain %q", r.stdout+r.stderr, s)
		}
	}
	if regexp.MustCompile(`checksum=[0-9a-f]{40}`).MatchString(r.stdout + r.stderr) {
		t.Errorf("r.stdout+r.stderr = %q; want it to not match `checksum=[0-9a-f]{40}`", r.stdout+r.stderr)
	}

	// The table shows the same.
	r = ctl(t, env, "doctor", "-skip-turn", "-mirror", endpoint.URL, "-mirror-dest", dst)
	requireOK(t, r)
	if !regexp.MustCompile(`mirror dest\s+warn\s+2 behind, oldest 2h`).MatchString(r.stdout) {
		t.Errorf("r.stdout = %q; want it to match `mirror dest\\s+warn\\s+2 behind, oldest 2h`", r.stdout)
	}
}

func TestDoctorMirrorUsage(t *testing.T) {
	t.Parallel()
	f := newFleet(t, 1)
	env := f.env()
	r := ctl(t, env, "doctor", "-skip-turn", "-mirror-dest", t.TempDir())
	if r.code != cli.ExitUsage {
		t.Errorf("r.code = %v; want %v (%s)", r.code, cli.ExitUsage, r.stderr)
	}
	if !strings.Contains(r.stderr, "-mirror-dest needs -mirror") {
		t.Errorf("r.stderr = %q; want it to contain %q", r.stderr, "-mirror-dest needs -mirror")
	}
	r = ctl(t, env, "doctor", "-skip-turn", "-mirror", "http://127.0.0.1:1/")
	if r.code != cli.ExitUsage {
		t.Errorf("r.code = %v; want %v (%s)", r.code, cli.ExitUsage, r.stderr)
	}
	if !strings.Contains(r.stderr, "$MIRROR_SECRET") {
		t.Errorf("r.stderr = %q; want it to contain %q", r.stderr, "$MIRROR_SECRET")
	}
	for _, args := range [][]string{{"-mirror-max-lag", "1h"}, {"-mirror-max-lag", "-1h", "-mirror-dest", "x"}} {
		r = ctl(t, env, append([]string{"doctor", "-skip-turn"}, args...)...)
		if r.code != cli.ExitUsage || !strings.Contains(r.stderr, "-mirror-max-lag") {
			t.Errorf("doctor %v: exit %d, %q; want a usage error naming -mirror-max-lag", args, r.code, r.stderr)
		}
	}
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
	// missing, smaller, older, lacks-file
	if behind != 4 {
		t.Errorf("behind = %v; want %v", behind, 4)
	}
	if oldest != 6*time.Hour {
		t.Errorf("oldest = %v; want %v", oldest, 6*time.Hour)
	}
}
