package main

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/bbbkit/bbbkit/examples/internal/cli"
	"github.com/bbbkit/bbbkit/examples/internal/cli/clitest"
	"github.com/bbbkit/bbbkit/internal/syncbuf"
	"github.com/bbbkit/bbbkit/scalelite/mirror"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const secret = "cli-test-secret-5f1e"

type syncBuffer = syncbuf.Buffer

// mustBeDir fails the test unless path is a directory.
func mustBeDir(t testing.TB, path string) {
	t.Helper()
	info, err := os.Lstat(path)
	if err != nil {
		t.Fatalf("os.Lstat(%q): %v; want a directory", path, err)
	}
	if !info.IsDir() {
		t.Fatalf("%q is a %v; want a directory", path, info.Mode().Type())
	}
}

// mustNotBeDir fails the test if path is a directory; what it is otherwise,
// or whether it exists, does not matter.
func mustNotBeDir(t testing.TB, path, why string) {
	t.Helper()
	if info, err := os.Lstat(path); err == nil && info.IsDir() {
		t.Fatalf("%q is a directory; want none%s", path, why)
	}
}

func recID(i int) string { return fmt.Sprintf("%040x-%d", i+1, 1767600000000+int64(i)*3600000) }

// writeTree writes n small recordings in two formats.
func writeTree(t *testing.T, dir string, n int) []string {
	t.Helper()
	var ids []string
	for i := 0; i < n; i++ {
		id := recID(i)
		ids = append(ids, id)
		for _, f := range []string{"presentation", "video"} {
			base := filepath.Join(dir, f, id)
			if err := os.MkdirAll(filepath.Join(base, "video"), 0o755); err != nil {
				t.Fatalf("os.MkdirAll(%q): %v", filepath.Join(base, "video"), err)
			}
			md := fmt.Sprintf(`<recording><id>%s</id><state>published</state><published>true</published><start_time>%d</start_time><playback><format>%s</format></playback></recording>`, id, 1767600000000+int64(i)*3600000, f)
			if err := os.WriteFile(filepath.Join(base, "metadata.xml"), []byte(md), 0o644); err != nil {
				t.Fatalf("os.WriteFile(metadata.xml): %v", err)
			}
			if err := os.WriteFile(filepath.Join(base, "video", "webcams.webm"), bytes.Repeat([]byte{byte(i)}, 10000+i), 0o644); err != nil {
				t.Fatalf("os.WriteFile(webcams.webm): %v", err)
			}
			if err := os.WriteFile(filepath.Join(base, "deskshare.xml"), nil, 0o644); err != nil {
				t.Fatalf("os.WriteFile(deskshare.xml): %v", err)
			}
		}
	}
	return ids
}

func runCLI(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errb syncBuffer
	code := run(context.Background(), args, nil, &out, &errb)
	return code, out.String() + errb.String()
}

func TestExitCodes(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	ids := writeTree(t, src, 3)
	h, err := mirror.NewHandler(src, secret)
	if err != nil {
		t.Fatalf("mirror.NewHandler(...): %v", err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	bad := t.TempDir()
	writeTree(t, bad, 2)
	if err := os.WriteFile(filepath.Join(bad, "video", recID(1), "metadata.xml"), []byte("<recording><id>x</id></recording>"), 0o644); err != nil {
		t.Fatalf("os.WriteFile(bad metadata.xml): %v", err)
	}
	hostile := filepath.Join(t.TempDir(), "evil.tar")
	writeHostileTar(t, hostile)

	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no command", nil, cli.ExitUsage, "usage"},
		{"unknown command", []string{"frobnicate"}, cli.ExitUsage, "unknown command"},
		{"help", []string{"help"}, cli.ExitOK, "commands"},
		{"sync help", []string{"sync", "-h"}, cli.ExitOK, "-concurrency"},
		{"sync without flags", []string{"sync"}, cli.ExitUsage, "-from and -to"},
		{"sync bad flag", []string{"sync", "-nope"}, cli.ExitUsage, "not defined"},
		{"sync bad limit", []string{"sync", "-from", src, "-to", t.TempDir(), "-limit", "fast"}, cli.ExitUsage, "-limit"},
		{"sync bad progress", []string{"sync", "-from", src, "-to", t.TempDir(), "-progress", "loud"}, cli.ExitUsage, "-progress"},
		{"sync local", []string{"sync", "-from", src, "-to", t.TempDir(), "-limit", "500MB/s"}, cli.ExitOK, "sync finished"},
		{"sync http", []string{"sync", "-from", srv.URL, "-to", t.TempDir(), "-secret", secret}, cli.ExitOK, "copied=3"},
		{"sync http no secret", []string{"sync", "-from", srv.URL, "-to", t.TempDir()}, cli.ExitUsage, "needs a secret"},
		{"sync http wrong secret", []string{"sync", "-from", srv.URL, "-to", t.TempDir(), "-secret", "wrong-value"}, cli.ExitAuth, "HTTP 401"},
		{"sync missing source", []string{"sync", "-from", filepath.Join(src, "nope"), "-to", t.TempDir()}, cli.ExitUnavailable, "no such file"},
		{"sync partial failure", []string{"sync", "-from", bad, "-to", t.TempDir()}, cli.ExitPartial, "recording failed"},
		{"import hostile", []string{"import", "-published", t.TempDir(), "-unpublished", t.TempDir(), hostile}, cli.ExitRefused, "unsafe"},
		{"import nothing", []string{"import"}, cli.ExitUsage, "give archives"},
		{"pack bad id", []string{"pack", "-published", src, "-id", "../x", "-o", "x.tar"}, cli.ExitUsage, "invalid record ID"},
		{"pack both outputs", []string{"pack", "-published", src, "-id", ids[0]}, cli.ExitUsage, "exactly one"},
		{"pack missing", []string{"pack", "-published", src, "-id", "abc-1", "-spool", t.TempDir()}, cli.ExitUnavailable, "no published formats"},
		{"prune no criterion", []string{"prune", "-dir", src}, cli.ExitUsage, "-older-than or -keep"},
		{"prune bad age", []string{"prune", "-dir", src, "-older-than", "soon"}, cli.ExitUsage, "invalid -older-than"},
		{"prune dry run", []string{"prune", "-dir", src, "-older-than", "1d", "-dry-run"}, cli.ExitOK, "would remove"},
		{"serve no secret", []string{"serve", "-dir", src}, cli.ExitUsage, "secret is required"},
		{"serve half tls", []string{"serve", "-dir", src, "-secret", secret, "-tls-cert", "c.pem"}, cli.ExitUsage, "go together"},
		{"serve bad listen", []string{"serve", "-dir", src, "-secret", secret, "-listen", "256.0.0.1:99999"}, cli.ExitUnavailable, "listen"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, out := runCLI(t, tc.args...)
			if code != tc.code {
				t.Fatalf("run(%q) = %d; want %d\noutput:\n%s", tc.args, code, tc.code, out)
			}
			if !strings.Contains(out, tc.want) {
				t.Fatalf("run(%q) output:\n%s\nwant it to contain %q", tc.args, out, tc.want)
			}
			if strings.Contains(out, secret) {
				t.Fatalf("run(%q) output contains the secret:\n%s", tc.args, out)
			}
			if strings.Contains(out, "wrong-value") {
				t.Fatalf("run(%q) output contains the wrong secret:\n%s", tc.args, out)
			}
		})
	}
	// Nothing was pruned by the dry run.
	for _, id := range ids {
		mustBeDir(t, filepath.Join(src, "presentation", id))
	}
}

func writeHostileTar(t *testing.T, path string) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "presentation/" + recID(0) + "/../../../etc/cron.d/x", Typeflag: tar.TypeReg, Size: 1, Mode: 0o644})
	tw.Write([]byte("x"))
	tw.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatalf("os.WriteFile(%q): %v", path, err)
	}
}

func TestPackImportPrune(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	ids := writeTree(t, src, 3)
	spool := t.TempDir()
	for _, id := range ids {
		code, out := runCLI(t, "pack", "-published", src, "-id", id, "-spool", spool)
		if code != cli.ExitOK {
			t.Fatalf("mirror pack -id %s = %d; want %d\noutput:\n%s", id, code, cli.ExitOK, out)
		}
	}
	pub, unpub := t.TempDir(), t.TempDir()
	code, out := runCLI(t, "import", "-published", pub, "-unpublished", unpub, "-spool", spool, "-remove")
	if code != cli.ExitOK {
		t.Fatalf("mirror import -spool -remove = %d; want %d\noutput:\n%s", code, cli.ExitOK, out)
	}
	left, _ := filepath.Glob(filepath.Join(spool, "*.tar"))
	if len(left) != 0 {
		t.Fatalf("archives left in the spool = %v; want none", left)
	}
	for _, id := range ids {
		b1, _ := os.ReadFile(filepath.Join(src, "video", id, "video", "webcams.webm"))
		b2, err := os.ReadFile(filepath.Join(pub, "video", id, "video", "webcams.webm"))
		if err != nil {
			t.Fatalf("os.ReadFile(imported video/%s webcams.webm): %v", id, err)
		}
		if diff := cmp.Diff(b1, b2); diff != "" {
			t.Fatalf("imported video/%s webcams.webm mismatch (-want +got):\n%s", id, diff)
		}
	}
	// ids[1] holds a symbolic link: prune leaves it, says why, and exits 1.
	if err := os.Symlink("/etc", filepath.Join(pub, "video", ids[1], "etc")); err != nil {
		t.Fatalf("os.Symlink(\"/etc\", ...): %v", err)
	}
	code, out = runCLI(t, "prune", "-dir", pub, "-keep", "1")
	if code != cli.ExitPartial {
		t.Fatalf("mirror prune -keep 1 = %d; want %d\noutput:\n%s", code, cli.ExitPartial, out)
	}
	for _, want := range []string{`msg="not removed" record_id=` + ids[1], "not a regular file or directory", "pruned=1 not_removed=1"} {
		if !strings.Contains(out, want) {
			t.Fatalf("mirror prune -keep 1 output:\n%s\nwant it to contain %q", out, want)
		}
	}
	mustNotBeDir(t, filepath.Join(pub, "presentation", ids[0]), "")
	mustBeDir(t, filepath.Join(pub, "presentation", ids[1]))
	mustBeDir(t, filepath.Join(pub, "presentation", ids[2]))
}

func TestServeThenSync(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	writeTree(t, src, 2)
	secretFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secretFile, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatalf("os.WriteFile(secretFile): %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var logs syncBuffer
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"serve", "-dir", src, "-listen", "127.0.0.1:0", "-prefix", "/mirror", "-secret-file", secretFile,
			"-hash-cache", filepath.Join(t.TempDir(), "cache.json")}, nil, &logs, &logs)
	}()
	addr := ""
	re := regexp.MustCompile(`addr=(127\.0\.0\.1:\d+)`)
	for deadline := time.Now().Add(5 * time.Second); addr == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := re.FindStringSubmatch(logs.String()); m != nil {
			addr = m[1]
		}
	}
	if addr == "" {
		t.Fatalf("mirror serve logged no address; want addr=127.0.0.1:port\nlogs:\n%s", logs.String())
	}
	dst := t.TempDir()
	code, out := runCLI(t, "sync", "-from", "http://"+addr+"/mirror/", "-to", dst, "-secret", secret, "-progress", "lines")
	if code != cli.ExitOK {
		t.Fatalf("mirror sync -progress lines = %d; want %d\noutput:\n%s", code, cli.ExitOK, out)
	}
	if !strings.Contains(out, "recording mirrored") {
		t.Fatalf("mirror sync -progress lines output:\n%s\nwant it to contain %q", out, "recording mirrored")
	}
	code, out = runCLI(t, "sync", "-from", "http://"+addr+"/mirror/", "-to", dst, "-secret", secret, "-progress", "bar")
	if code != cli.ExitOK {
		t.Fatalf("mirror sync -progress bar = %d; want %d\noutput:\n%s", code, cli.ExitOK, out)
	}
	if !strings.Contains(out, "unchanged=2") {
		t.Fatalf("mirror sync -progress bar output:\n%s\nwant it to contain %q", out, "unchanged=2")
	}
	cancel()
	if code := <-done; code != cli.ExitOK {
		t.Fatalf("mirror serve = %d; want %d", code, cli.ExitOK)
	}
	if l := logs.String(); strings.Contains(l, secret) {
		t.Fatalf("mirror serve logs contain the secret:\n%s", l)
	}
}

func TestUnits(t *testing.T) {
	t.Parallel()
	rates := map[string]int64{"": 0, "0": 0, "100": 100, "50MB/s": 50e6, "800KiB/s": 800 << 10, "1G": 1e9, "1.5MiB": 3 << 19, "2MBps": 2e6}
	for in, want := range rates {
		got, err := parseRate(in)
		if err != nil {
			t.Fatalf("parseRate(%q): %v", in, err)
		}
		if got != want {
			t.Fatalf("parseRate(%q) = %d; want %d", in, got, want)
		}
	}
	for _, in := range []string{"fast", "10XB", "-5MB", "1e400"} {
		if got, err := parseRate(in); err == nil {
			t.Fatalf("parseRate(%q) = %d, nil; want an error", in, got)
		}
	}
	ages := map[string]time.Duration{"90d": 90 * 24 * time.Hour, "36h": 36 * time.Hour, "1d12h": 36 * time.Hour, "15m": 15 * time.Minute}
	for in, want := range ages {
		got, err := parseAge(in)
		if err != nil {
			t.Fatalf("parseAge(%q): %v", in, err)
		}
		if got != want {
			t.Fatalf("parseAge(%q) = %v; want %v", in, got, want)
		}
	}
	for _, in := range []string{"soon", "xd", "-1d", "1d-5h"} {
		if got, err := parseAge(in); err == nil {
			t.Fatalf("parseAge(%q) = %v, nil; want an error", in, got)
		}
	}
}

// sync -hash records the SHA-256 of every file it copies from a local tree
// in -hash-cache; without it the kernel copies the files and the cache stays
// empty, so a later -verify reads them once.
func TestSyncHashFlag(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	writeTree(t, src, 2)
	for _, hash := range []bool{false, true} {
		dst := t.TempDir()
		cacheFile := filepath.Join(t.TempDir(), "cache.json")
		args := []string{"sync", "-from", src, "-to", dst, "-hash-cache", cacheFile, "-progress", "none"}
		if hash {
			args = append(args, "-hash")
		}
		code, out := runCLI(t, args...)
		if code != cli.ExitOK {
			t.Fatalf("run(%q) = %d; want %d\noutput:\n%s", args, code, cli.ExitOK, out)
		}
		cache, err := mirror.LoadHashCache(cacheFile)
		if err != nil {
			t.Fatalf("mirror.LoadHashCache(%q): %v", cacheFile, err)
		}
		files := 0
		err = filepath.Walk(dst, func(p string, fi os.FileInfo, err error) error {
			if err != nil || !fi.Mode().IsRegular() || fi.Name() == mirror.LockFileName {
				return err
			}
			files++
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatalf("os.ReadFile(%q): %v", p, err)
			}
			got, ok := cache.Get(p, fi.Size(), fi.ModTime())
			if ok != hash {
				t.Fatalf("cache.Get(%q) ok = %v; want %v", p, ok, hash)
			}
			if ok {
				if want := fmt.Sprintf("%x", sha256.Sum256(data)); got != want {
					t.Fatalf("cache.Get(%q) = %s; want %s", p, got, want)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("filepath.Walk(dst, ...): %v", err)
		}
		if files != 12 {
			t.Fatalf("files in dst = %d; want 12", files)
		}
		if !hash {
			if n := cache.Len(); n != 0 {
				t.Fatalf("cache.Len() without -hash = %d; want 0", n)
			}
		}
	}
}

// mirror serve runs with the shared server limits: a request whose body
// comes one byte a second is cut off at -read-timeout, and the server
// learns its address through cli.WithReady.
func TestServeCutsOffSlowBody(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	writeTree(t, src, 1)
	ready := make(chan string, 1)
	ctx, cancel := context.WithCancel(cli.WithReady(context.Background(), func(addr string) { ready <- addr }))
	var logs syncBuffer
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"serve", "-dir", src, "-listen", "127.0.0.1:0", "-secret", secret, "-read-timeout", "500ms"}, nil, &logs, &logs)
	}()
	var addr string
	select {
	case addr = <-ready:
	case code := <-done:
		t.Fatalf("serve ended with %d: %s", code, logs.String())
	}
	open, err := clitest.SlowBody(addr, "/manifest", 3*time.Second)
	if err != nil {
		t.Fatalf("clitest.SlowBody(%s, \"/manifest\", 3s): %v", addr, err)
	}
	if open < 400*time.Millisecond {
		t.Fatalf("clitest.SlowBody(...) = %v; want >= %v", open, 400*time.Millisecond)
	}
	cancel()
	if code := <-done; code != cli.ExitOK {
		t.Fatalf("mirror serve = %d; want %d\nlogs:\n%s", code, cli.ExitOK, logs.String())
	}
}

// The example through the command: a re-import as unpublished
// that is refused (the unpublished tree's presentation is a file) leaves
// the published copy whole.
func TestImportRefusedKeepsPublishedCopy(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	ids := writeTree(t, src, 1)
	spool := t.TempDir()
	code, out := runCLI(t, "pack", "-published", src, "-id", ids[0], "-spool", spool)
	if code != cli.ExitOK {
		t.Fatalf("mirror pack = %d; want %d\noutput:\n%s", code, cli.ExitOK, out)
	}
	archive := filepath.Join(spool, ids[0]+".tar")
	pub, unpub := t.TempDir(), t.TempDir()
	code, out = runCLI(t, "import", "-published", pub, "-unpublished", unpub, archive)
	if code != cli.ExitOK {
		t.Fatalf("mirror import = %d; want %d\noutput:\n%s", code, cli.ExitOK, out)
	}
	if err := os.WriteFile(filepath.Join(unpub, "presentation"), []byte("a file"), 0o644); err != nil {
		t.Fatalf("os.WriteFile(unpublished presentation): %v", err)
	}
	code, out = runCLI(t, "import", "-published", pub, "-unpublished", unpub, "-unpublished-all", archive)
	if code == cli.ExitOK {
		t.Fatalf("mirror import -unpublished-all = %d; want a failure\noutput:\n%s", code, out)
	}
	if !strings.Contains(out, "import refused") {
		t.Fatalf("mirror import -unpublished-all output:\n%s\nwant it to contain %q", out, "import refused")
	}
	for _, f := range []string{"presentation", "video"} {
		b1, _ := os.ReadFile(filepath.Join(src, f, ids[0], "video", "webcams.webm"))
		b2, err := os.ReadFile(filepath.Join(pub, f, ids[0], "video", "webcams.webm"))
		if err != nil {
			t.Fatalf("os.ReadFile(published %s webcams.webm): %v (%s survives the refused import)", f, err, f)
		}
		if diff := cmp.Diff(b1, b2); diff != "" {
			t.Fatalf("published %s webcams.webm mismatch (-want +got):\n%s", f, diff)
		}
	}
	mustNotBeDir(t, filepath.Join(unpub, "video"), " (nothing left half-moved)")
}
