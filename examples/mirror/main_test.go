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
	"sync"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/examples/internal/cli"
	"github.com/bbbkit/bbbkit/examples/internal/cli/clitest"
	"github.com/bbbkit/bbbkit/scalelite/mirror"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const secret = "cli-test-secret-5f1e"

// syncBuffer is a goroutine-safe buffer for logs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
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
			require.NoError(t, os.MkdirAll(filepath.Join(base, "video"), 0o755))
			md := fmt.Sprintf(`<recording><id>%s</id><state>published</state><published>true</published><start_time>%d</start_time><playback><format>%s</format></playback></recording>`, id, 1767600000000+int64(i)*3600000, f)
			require.NoError(t, os.WriteFile(filepath.Join(base, "metadata.xml"), []byte(md), 0o644))
			require.NoError(t, os.WriteFile(filepath.Join(base, "video", "webcams.webm"), bytes.Repeat([]byte{byte(i)}, 10000+i), 0o644))
			require.NoError(t, os.WriteFile(filepath.Join(base, "deskshare.xml"), nil, 0o644))
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
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	bad := t.TempDir()
	writeTree(t, bad, 2)
	require.NoError(t, os.WriteFile(filepath.Join(bad, "video", recID(1), "metadata.xml"), []byte("<recording><id>x</id></recording>"), 0o644))
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
			require.Equal(t, tc.code, code, out)
			require.Contains(t, out, tc.want)
			require.NotContains(t, out, secret)
			require.NotContains(t, out, "wrong-value")
		})
	}
	// Nothing was pruned by the dry run.
	for _, id := range ids {
		require.DirExists(t, filepath.Join(src, "presentation", id))
	}
}

func writeHostileTar(t *testing.T, path string) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "presentation/" + recID(0) + "/../../../etc/cron.d/x", Typeflag: tar.TypeReg, Size: 1, Mode: 0o644})
	tw.Write([]byte("x"))
	tw.Close()
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
}

func TestPackImportPrune(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	ids := writeTree(t, src, 3)
	spool := t.TempDir()
	for _, id := range ids {
		code, out := runCLI(t, "pack", "-published", src, "-id", id, "-spool", spool)
		require.Equal(t, cli.ExitOK, code, out)
	}
	pub, unpub := t.TempDir(), t.TempDir()
	code, out := runCLI(t, "import", "-published", pub, "-unpublished", unpub, "-spool", spool, "-remove")
	require.Equal(t, cli.ExitOK, code, out)
	left, _ := filepath.Glob(filepath.Join(spool, "*.tar"))
	require.Empty(t, left)
	for _, id := range ids {
		b1, _ := os.ReadFile(filepath.Join(src, "video", id, "video", "webcams.webm"))
		b2, err := os.ReadFile(filepath.Join(pub, "video", id, "video", "webcams.webm"))
		require.NoError(t, err)
		require.Equal(t, b1, b2)
	}
	// ids[1] holds a symbolic link: prune leaves it, says why, and exits 1.
	require.NoError(t, os.Symlink("/etc", filepath.Join(pub, "video", ids[1], "etc")))
	code, out = runCLI(t, "prune", "-dir", pub, "-keep", "1")
	require.Equal(t, cli.ExitPartial, code, out)
	require.Contains(t, out, `msg="not removed" record_id=`+ids[1])
	require.Contains(t, out, "not a regular file or directory")
	require.Contains(t, out, "pruned=1 not_removed=1")
	require.NoDirExists(t, filepath.Join(pub, "presentation", ids[0]))
	require.DirExists(t, filepath.Join(pub, "presentation", ids[1]))
	require.DirExists(t, filepath.Join(pub, "presentation", ids[2]))
}

func TestServeThenSync(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	writeTree(t, src, 2)
	secretFile := filepath.Join(t.TempDir(), "secret")
	require.NoError(t, os.WriteFile(secretFile, []byte(secret+"\n"), 0o600))
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
	require.NotEmpty(t, addr, logs.String())
	dst := t.TempDir()
	code, out := runCLI(t, "sync", "-from", "http://"+addr+"/mirror/", "-to", dst, "-secret", secret, "-progress", "lines")
	require.Equal(t, cli.ExitOK, code, out)
	require.Contains(t, out, "recording mirrored")
	code, out = runCLI(t, "sync", "-from", "http://"+addr+"/mirror/", "-to", dst, "-secret", secret, "-progress", "bar")
	require.Equal(t, cli.ExitOK, code, out)
	require.Contains(t, out, "unchanged=2")
	cancel()
	require.Equal(t, cli.ExitOK, <-done)
	require.NotContains(t, logs.String(), secret)
}

func TestUnits(t *testing.T) {
	t.Parallel()
	rates := map[string]int64{"": 0, "0": 0, "100": 100, "50MB/s": 50e6, "800KiB/s": 800 << 10, "1G": 1e9, "1.5MiB": 3 << 19, "2MBps": 2e6}
	for in, want := range rates {
		got, err := parseRate(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, in := range []string{"fast", "10XB", "-5MB", "1e400"} {
		_, err := parseRate(in)
		require.Error(t, err, in)
	}
	ages := map[string]time.Duration{"90d": 90 * 24 * time.Hour, "36h": 36 * time.Hour, "1d12h": 36 * time.Hour, "15m": 15 * time.Minute}
	for in, want := range ages {
		got, err := parseAge(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, in := range []string{"soon", "xd", "-1d", "1d-5h"} {
		_, err := parseAge(in)
		require.Error(t, err, in)
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
		require.Equal(t, cli.ExitOK, code, out)
		cache, err := mirror.LoadHashCache(cacheFile)
		require.NoError(t, err)
		files := 0
		require.NoError(t, filepath.Walk(dst, func(p string, fi os.FileInfo, err error) error {
			if err != nil || !fi.Mode().IsRegular() || fi.Name() == mirror.LockFileName {
				return err
			}
			files++
			data, err := os.ReadFile(p)
			require.NoError(t, err)
			got, ok := cache.Get(p, fi.Size(), fi.ModTime())
			require.Equal(t, hash, ok, p)
			if ok {
				require.Equal(t, fmt.Sprintf("%x", sha256.Sum256(data)), got, p)
			}
			return nil
		}))
		require.Equal(t, 12, files)
		if !hash {
			require.Zero(t, cache.Len())
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
	require.NoError(t, err)
	require.GreaterOrEqual(t, open, 400*time.Millisecond)
	cancel()
	require.Equal(t, cli.ExitOK, <-done, logs.String())
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
	require.Equal(t, cli.ExitOK, code, out)
	archive := filepath.Join(spool, ids[0]+".tar")
	pub, unpub := t.TempDir(), t.TempDir()
	code, out = runCLI(t, "import", "-published", pub, "-unpublished", unpub, archive)
	require.Equal(t, cli.ExitOK, code, out)
	require.NoError(t, os.WriteFile(filepath.Join(unpub, "presentation"), []byte("a file"), 0o644))
	code, out = runCLI(t, "import", "-published", pub, "-unpublished", unpub, "-unpublished-all", archive)
	require.NotEqual(t, cli.ExitOK, code, out)
	require.Contains(t, out, "import refused")
	for _, f := range []string{"presentation", "video"} {
		b1, _ := os.ReadFile(filepath.Join(src, f, ids[0], "video", "webcams.webm"))
		b2, err := os.ReadFile(filepath.Join(pub, f, ids[0], "video", "webcams.webm"))
		require.NoError(t, err, "%s survives the refused import", f)
		require.Equal(t, b1, b2)
	}
	require.NoDirExists(t, filepath.Join(unpub, "video"), "nothing left half-moved")
}
