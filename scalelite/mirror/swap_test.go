package mirror

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// snapshot describes every entry under root (type, mode, size, mtime and
// content hash of files, link targets), skipping Sync's staging directory
// and Import's work directory (which must be empty or absent).
func snapshot(t testing.TB, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == root {
				return filepath.SkipDir
			}
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() && d.Name() == StagingDirName {
			return filepath.SkipDir // Sync keeps staged data for the next run
		}
		if d.Name() == LockFileName {
			return nil // rewritten by every Sync
		}
		if d.IsDir() && d.Name() == ImportDirName {
			left, _ := os.ReadDir(p)
			if len(left) != 0 {
				t.Fatalf("left = %v; want empty (work directory %s left behind)", left, p)
			}
			return filepath.SkipDir
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		desc := fi.Mode().String()
		switch {
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(b)
			desc += fmt.Sprintf(" %d %d %s", fi.Size(), fi.ModTime().UnixNano(), hex.EncodeToString(sum[:]))
		case fi.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			desc += " -> " + target
		}
		out[filepath.ToSlash(rel)] = desc
		return nil
	})
	if err != nil {
		t.Fatalf("filepath.WalkDir(root, ...): %v", err)
	}
	return out
}

// twoFormats is a spool archive of recording hid with a presentation and a
// video format; variant changes every file's content.
func twoFormats(t testing.TB, variant string) []byte {
	p, v := "presentation/"+hid+"/", "video/"+hid+"/"
	return buildTar(t, []entry{
		{name: p, typ: '5'},
		{name: p + "metadata.xml", body: meta("presentation")},
		{name: p + "shapes.svg", body: "<svg>" + variant + "</svg>"},
		{name: p + "slides/", typ: '5'},
		{name: p + "slides/1.png", body: "png " + variant},
		{name: v, typ: '5'},
		{name: v + "metadata.xml", body: meta("video")},
		{name: v + "video.m4v", body: strings.Repeat(variant, 100)},
	})
}

// importSetup returns published and unpublished trees under a fresh
// directory, with the "old" version of hid imported as published.
func importSetup(t *testing.T) (pub, unpub string) {
	root := t.TempDir()
	pub, unpub = filepath.Join(root, "published"), filepath.Join(root, "unpublished")
	_, err := Import(context.Background(), bytes.NewReader(twoFormats(t, "old")), pub, unpub)
	if err != nil {
		t.Fatalf("Import(...): %v", err)
	}
	return pub, unpub
}

func withMover(m *mover) ImportOption {
	return importOpt(func(c *importConfig) error { c.mover = m; return nil })
}

// countSteps runs the import with a fault hook that only counts steps.
func countSteps(t *testing.T, archive []byte, noExchange bool, opts ...ImportOption) int {
	pub, unpub := importSetup(t)
	var n int
	m := &mover{noExchange: noExchange, fault: func(string, string) error { n++; return nil }}
	_, err := Import(context.Background(), bytes.NewReader(archive), pub, unpub, append(opts, withMover(m))...)
	if err != nil {
		t.Fatalf("Import(...): %v", err)
	}
	return n
}

// A failure at any step of an import leaves both trees exactly as they
// were: re-importing published in place and re-importing as unpublished
// (which moves the recording between the trees), with the atomic exchange
// and with the two-rename fallback.
func TestImportFailureAtEveryStepLeavesTreesUnchanged(t *testing.T) {
	t.Parallel()
	archive := twoFormats(t, "new")
	for _, tc := range []struct {
		name       string
		noExchange bool
		opts       []ImportOption
	}{
		{"replace in place", false, nil},
		{"replace in place without exchange", true, nil},
		{"move to unpublished", false, []ImportOption{WithUnpublished(true)}},
		{"move to unpublished without exchange", true, []ImportOption{WithUnpublished(true)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			steps := countSteps(t, archive, tc.noExchange, tc.opts...)
			if steps < 4 {
				t.Fatalf("steps = %v; want >= %v", steps, 4)
			}
			for k := 0; k < steps; k++ {
				pub, unpub := importSetup(t)
				before := [2]map[string]string{snapshot(t, pub), snapshot(t, unpub)}
				var n int
				var failed string
				m := &mover{noExchange: tc.noExchange, fault: func(step, path string) error {
					n++
					if n == k+1 {
						failed = step + " " + path
						return syscall.EIO
					}
					return nil
				}}
				_, err := Import(context.Background(), bytes.NewReader(archive), pub, unpub, append(tc.opts, withMover(m))...)
				if !errors.Is(err, syscall.EIO) {
					t.Fatalf("Import(...) = %v; want syscall.EIO (step %d)", err, k)
				}
				if diff := cmp.Diff(before[0], snapshot(t, pub)); diff != "" {
					t.Fatalf("snapshot(t, pub) mismatch (-want +got) (published tree after a failure at %s):\n%s", failed, diff)
				}
				if diff := cmp.Diff(before[1], snapshot(t, unpub)); diff != "" {
					t.Fatalf("snapshot(t, unpub) mismatch (-want +got) (unpublished tree after a failure at %s):\n%s", failed, diff)
				}
			}
		})
	}
}

// The example: the unpublished tree's presentation directory is a
// file, so re-importing as unpublished must be refused, and the published
// copy must survive.
func TestImportRefusedKeepsExistingRecording(t *testing.T) {
	t.Parallel()
	pub, unpub := importSetup(t)
	if err := os.MkdirAll(unpub, 0o755); err != nil {
		t.Fatalf("os.MkdirAll(unpub, 0o755): %v", err)
	}
	if err := os.WriteFile(filepath.Join(unpub, "presentation"), []byte("not a directory"), 0o644); err != nil {
		t.Fatalf("os.WriteFile(...): %v", err)
	}
	before := [2]map[string]string{snapshot(t, pub), snapshot(t, unpub)}
	_, err := Import(context.Background(), bytes.NewReader(twoFormats(t, "new")), pub, unpub, WithUnpublished(true))
	if err == nil {
		t.Fatalf("Import(...) = nil; want an error")
	}
	if diff := cmp.Diff(before[0], snapshot(t, pub)); diff != "" {
		t.Fatalf("snapshot(t, pub) mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(before[1], snapshot(t, unpub)); diff != "" {
		t.Fatalf("snapshot(t, unpub) mismatch (-want +got):\n%s", diff)
	}
	mustBeFile(t, filepath.Join(pub, "presentation", hid, "shapes.svg"))
}

// A rename across file systems (EXDEV) becomes a copy, before anything in
// the trees changes.
func TestImportAcrossFileSystemsInjected(t *testing.T) {
	t.Parallel()
	pub, unpub := importSetup(t)
	m := &mover{fault: func(step, path string) error {
		if step == "rename" && strings.Contains(path, string(filepath.Separator)+ImportDirName+string(filepath.Separator)) {
			return syscall.EXDEV
		}
		return nil
	}}
	res, err := Import(context.Background(), bytes.NewReader(twoFormats(t, "new")), pub, unpub, WithUnpublished(true), withMover(m))
	if err != nil {
		t.Fatalf("Import(...): %v", err)
	}
	if len(res.Formats) != 2 {
		t.Fatalf("len(res.Formats) = %d; want %d: %v", len(res.Formats), 2, res.Formats)
	}
	mustNotBeDir(t, filepath.Join(pub, "presentation", hid), "")
	b, err := os.ReadFile(filepath.Join(unpub, "presentation", hid, "shapes.svg"))
	if err != nil {
		t.Fatalf("os.ReadFile(filepath.Join(unpub, \"presentation\", hid, \"shapes.svg\")): %v", err)
	}
	if string(b) != "<svg>new</svg>" {
		t.Fatalf("string(b) = %q; want %q", string(b), "<svg>new</svg>")
	}
	if diff := cmp.Diff([]string{hid}, dirNames(t, filepath.Join(unpub, "video"))); diff != "" {
		t.Fatalf("dirNames(t, filepath.Join(unpub, \"video\")) mismatch (-want +got) (no hidden leftovers):\n%s", diff)
	}
	if got := dirNames(t, filepath.Join(pub, "video")); len(got) != 0 {
		t.Fatalf("dirNames(t, filepath.Join(pub, \"video\")) = %v; want empty", got)
	}
}

func dirNames(t *testing.T, dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("os.ReadDir(dir): %v", err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// The same with the unpublished tree on a real second file system
// (/dev/shm, a tmpfs on Linux), both ways.
func TestImportAcrossFileSystems(t *testing.T) {
	t.Parallel()
	shm, err := os.MkdirTemp("/dev/shm", "mirror-test-")
	if err != nil {
		t.Skip("no /dev/shm; TestImportAcrossFileSystemsInjected covers EXDEV")
	}
	t.Cleanup(func() { os.RemoveAll(shm) })
	pub := filepath.Join(t.TempDir(), "published")
	var a, b syscall.Stat_t
	if err := os.MkdirAll(pub, 0o755); err != nil {
		t.Fatalf("os.MkdirAll(pub, 0o755): %v", err)
	}
	if err := syscall.Stat(pub, &a); err != nil {
		t.Fatalf("syscall.Stat(pub, &a): %v", err)
	}
	if err := syscall.Stat(shm, &b); err != nil {
		t.Fatalf("syscall.Stat(shm, &b): %v", err)
	}
	if a.Dev == b.Dev {
		t.Skip("/dev/shm is on the same file system as the temporary directory; TestImportAcrossFileSystemsInjected covers EXDEV")
	}
	unpub := filepath.Join(shm, "unpublished")
	_, err = Import(context.Background(), bytes.NewReader(twoFormats(t, "old")), pub, unpub)
	if err != nil {
		t.Fatalf("Import(...): %v", err)
	}
	_, err = Import(context.Background(), bytes.NewReader(twoFormats(t, "new")), pub, unpub, WithUnpublished(true))
	if err != nil {
		t.Fatalf("Import(...): %v", err)
	}
	mustNotBeDir(t, filepath.Join(pub, "presentation", hid), "")
	got, err := os.ReadFile(filepath.Join(unpub, "video", hid, "video.m4v"))
	if err != nil {
		t.Fatalf("os.ReadFile(filepath.Join(unpub, \"video\", hid, \"video.m4v\")): %v", err)
	}
	if string(got) != strings.Repeat("new", 100) {
		t.Fatalf("string(got) = %v; want %v", string(got), strings.Repeat("new", 100))
	}
	_, err = Import(context.Background(), bytes.NewReader(twoFormats(t, "third")), pub, unpub)
	if err != nil {
		t.Fatalf("Import(...): %v", err)
	}
	mustNotBeDir(t, filepath.Join(unpub, "presentation", hid), "")
	mustBeFile(t, filepath.Join(pub, "presentation", hid, "slides", "1.png"))
}

// While a format is replaced, a reader polling the final path never finds
// it missing: the exchange is one step.
func TestInstallExchangeIsAtomic(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	final := filepath.Join(dir, "rec")
	if err := os.Mkdir(final, 0o755); err != nil {
		t.Fatalf("os.Mkdir(final, 0o755): %v", err)
	}
	var missing atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := os.Lstat(final); err != nil {
				missing.Add(1)
			}
		}
	}()
	for i := 0; i < 300; i++ {
		staged := filepath.Join(dir, fmt.Sprintf(".staged-%d", i))
		if err := os.Mkdir(staged, 0o755); err != nil {
			t.Fatalf("os.Mkdir(staged, 0o755): %v", err)
		}
		tx := &swapTxn{m: &mover{}}
		if err := tx.install(staged, final); err != nil {
			t.Fatalf("tx.install(staged, final): %v", err)
		}
		tx.commit()
		mustNotBeDir(t, staged, " (old copy deleted on commit)")
	}
	close(stop)
	wg.Wait()
	if got := missing.Load(); got != 0 {
		t.Fatalf("missing.Load() = %v; want 0 (the exchange left the path missing)", got)
	}
}

// A Sync that fails while installing a changed recording leaves the
// destination's old copy whole (every format old), at every step, with and
// without the atomic exchange; the next Sync installs the new version.
func TestSyncInstallFailureAtEveryStepKeepsOldRecording(t *testing.T) {
	t.Parallel()
	oldSrc, ids := newTree(t, genSpec{Recordings: 1, Seed: 41, Large: 1 << 10, Video: 1 << 10})
	newSrc := t.TempDir()
	if err := copyTree(oldSrc, filepath.Join(newSrc, "t")); err != nil {
		t.Fatalf("copyTree(oldSrc, filepath.Join(newSrc, \"t\")): %v", err)
	}
	newSrc = filepath.Join(newSrc, "t")
	later := time.Now().Add(time.Hour)
	for _, p := range []string{filepath.Join(newSrc, "presentation", ids[0], "video", "webcams.webm"), filepath.Join(newSrc, "video", ids[0], "video-0.m4v")} {
		if err := os.WriteFile(p, []byte("changed "+p), 0o644); err != nil {
			t.Fatalf("os.WriteFile(p, []byte(\"changed \"+p), 0o644): %v", err)
		}
		if err := os.Chtimes(p, later, later); err != nil {
			t.Fatalf("os.Chtimes(p, later, later): %v", err)
		}
	}
	for _, noExchange := range []bool{false, true} {
		for k := 0; ; k++ {
			dst := t.TempDir()
			_, err := Sync(context.Background(), dirSource(t, oldSrc), dst)
			if err != nil {
				t.Fatalf("Sync(context.Background(), dirSource(t, oldSrc), dst): %v", err)
			}
			before := snapshot(t, dst)
			var n int
			m := &mover{noExchange: noExchange, fault: func(string, string) error {
				n++
				if n == k+1 {
					return syscall.EIO
				}
				return nil
			}}
			_, err = Sync(context.Background(), dirSource(t, newSrc), dst, syncOpt(func(c *syncConfig) error { c.mover = m; return nil }))
			if err == nil {
				if k < 2 {
					t.Fatalf("k = %v; want >= %v (both formats are installed in steps that can fail)", k, 2)
				}
				requireSameTree(t, newSrc, dst)
				break
			}
			if !errors.Is(err, syscall.EIO) {
				t.Fatalf("Sync(...) = %v; want syscall.EIO", err)
			}
			if diff := cmp.Diff(before, snapshot(t, dst)); diff != "" {
				t.Fatalf("snapshot(t, dst) mismatch (-want +got) (step %d):\n%s", k, diff)
			}
			_, err = Sync(context.Background(), dirSource(t, newSrc), dst)
			if err != nil {
				t.Fatalf("Sync(context.Background(), dirSource(t, newSrc), dst): %v", err)
			}
			requireSameTree(t, newSrc, dst)
		}
	}
}
