package mirror

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/time/rate"
)

func newTree(t *testing.T, s genSpec) (string, []string) {
	t.Helper()
	dir := t.TempDir()
	return dir, generate(t, dir, s)
}

func dirSource(t *testing.T, dir string, opts ...DirOption) *DirSource {
	t.Helper()
	s, err := NewDirSource(dir, opts...)
	if err != nil {
		t.Fatalf("NewDirSource(%q): %v", dir, err)
	}
	return s
}

// countingSource counts bytes read through it and can fail after a budget.
type countingSource struct {
	Source
	read   atomic.Int64
	budget int64 // fail reads after this many bytes in total (0: never)
	opens  atomic.Int64
	offs   sync.Map // offsets > 0 requested
}

var errInjected = errors.New("injected read failure")

func (c *countingSource) Open(ctx context.Context, id, format string, f File, off int64) (io.ReadCloser, error) {
	c.opens.Add(1)
	if off > 0 {
		c.offs.Store(format+"/"+id+"/"+f.Path, off)
	}
	rc, err := c.Source.Open(ctx, id, format, f, off)
	if err != nil {
		return nil, err
	}
	return &countingReader{rc: rc, c: c}, nil
}

type countingReader struct {
	rc io.ReadCloser
	c  *countingSource
}

func (r *countingReader) Read(p []byte) (int, error) {
	if r.c.budget > 0 {
		left := r.c.budget - r.c.read.Load()
		if left <= 0 {
			return 0, errInjected
		}
		if int64(len(p)) > left {
			p = p[:left]
		}
	}
	n, err := r.rc.Read(p)
	r.c.read.Add(int64(n))
	return n, err
}

func (r *countingReader) Close() error { return r.rc.Close() }

func TestSyncMirrorsTreeByteForByte(t *testing.T) {
	t.Parallel()
	src, ids := newTree(t, genSpec{Recordings: 5, Seed: 1, Large: 3 << 20, Video: 1 << 20, Podcast: 64 << 10})
	dst := filepath.Join(t.TempDir(), "published")
	var ctr Counters
	res, err := Sync(context.Background(), dirSource(t, src), dst, WithProgress(ctr.Observe), WithConcurrency(3))
	if err != nil {
		t.Fatalf("Sync(...): %v", err)
	}
	requireSameTree(t, src, dst)
	if res.Recordings != 5 {
		t.Fatalf("Sync(...).Recordings = %d; want 5", res.Recordings)
	}
	if res.Copied != 5 {
		t.Fatalf("Sync(...).Copied = %d; want 5", res.Copied)
	}
	if got, want := res.Bytes-smallBytes(t, src, ids), int64(5*(3<<20+1<<20+64<<10)); got != want {
		t.Fatalf("Sync(...).Bytes - smallBytes(...) = %d; want %d", got, want)
	}
	v := ctr.Values()
	if v.Bytes != res.Bytes {
		t.Fatalf("ctr.Values().Bytes = %d; want %d (Sync(...).Bytes)", v.Bytes, res.Bytes)
	}
	if v.Copied != 5 {
		t.Fatalf("ctr.Values().Copied = %d; want 5", v.Copied)
	}

	// Modification times are kept, so the next sync only compares.
	fi1, _ := os.Stat(filepath.Join(src, "video", ids[0], "video-0.m4v"))
	fi2, _ := os.Stat(filepath.Join(dst, "video", ids[0], "video-0.m4v"))
	if !fi1.ModTime().Equal(fi2.ModTime()) {
		t.Fatalf("mirrored video-0.m4v ModTime() = %v; want %v (the source's)", fi2.ModTime(), fi1.ModTime())
	}

	res, err = Sync(context.Background(), dirSource(t, src), dst)
	if err != nil {
		t.Fatalf("second Sync(...): %v", err)
	}
	if res.Unchanged != 5 {
		t.Fatalf("second Sync(...).Unchanged = %d; want 5", res.Unchanged)
	}
	if res.Bytes != 0 {
		t.Fatalf("second Sync(...).Bytes = %d; want 0", res.Bytes)
	}
	if res.Copied != 0 {
		t.Fatalf("second Sync(...).Copied = %d; want 0", res.Copied)
	}
	_, err = os.Stat(filepath.Join(dst, StagingDirName, ids[0]))
	if !os.IsNotExist(err) {
		t.Fatalf("os.Stat(staging dir of %s) = %v; want not exist (staging cleaned up)", ids[0], err)
	}
}

// smallBytes sums the sizes of files that are not the large media files.
func smallBytes(t *testing.T, dir string, ids []string) int64 {
	var n int64
	for name, b := range treeFiles(t, dir) {
		if strings.HasSuffix(name, "webcams.webm") || strings.HasSuffix(name, "video-0.m4v") || strings.HasSuffix(name, "audio.ogg") {
			continue
		}
		n += int64(len(b))
	}
	return n
}

func TestSyncResumesAfterInterruption(t *testing.T) {
	t.Parallel()
	src, ids := newTree(t, genSpec{Recordings: 3, Seed: 2, Large: 4 << 20})
	dst := t.TempDir()
	total := treeSize(t, src)

	cases := []struct {
		name string
		kill func(cs *countingSource) (context.Context, context.CancelFunc, []Option)
	}{
		{"context cancelled", func(cs *countingSource) (context.Context, context.CancelFunc, []Option) {
			ctx, cancel := context.WithCancel(context.Background())
			return ctx, cancel, []Option{WithProgress(func(e Event) {
				if e.Kind == EventBytes && e.SyncDone > total/2 {
					cancel()
				}
			})}
		}},
		{"reader fails", func(cs *countingSource) (context.Context, context.CancelFunc, []Option) {
			cs.budget = total / 2
			ctx, cancel := context.WithCancel(context.Background())
			return ctx, cancel, []Option{WithRetries(0)}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dst := filepath.Join(dst, strings.ReplaceAll(tc.name, " ", "-"))
			cs := &countingSource{Source: dirSource(t, src)}
			ctx, cancel, opts := tc.kill(cs)
			_, err := Sync(ctx, cs, dst, append(opts, WithConcurrency(1))...)
			cancel()
			if err == nil {
				t.Fatalf("interrupted Sync(...) = nil; want an error")
			}
			first := cs.read.Load()
			if first >= total {
				t.Fatalf("bytes read by the interrupted Sync = %d; want < %d", first, total)
			}

			// Whatever is visible is complete and identical to the source.
			got := treeFiles(t, dst)
			want := treeFiles(t, src)
			visible := map[string]bool{}
			for name, b := range got {
				if w, ok := want[name]; !ok || !bytes.Equal(w, b) {
					t.Fatalf("destination file %s (%d bytes) differs from the source's (%d bytes, present %v)", name, len(b), len(w), ok)
				}
				parts := strings.SplitN(name, "/", 3)
				visible[parts[0]+"/"+parts[1]] = true
			}
			for v := range visible {
				for name := range want {
					if strings.HasPrefix(name, v+"/") {
						if _, ok := got[name]; !ok {
							t.Fatalf("destination lacks %s; want it (recording %s visible but incomplete)", name, v)
						}
					}
				}
			}
			if len(visible) >= len(ids) {
				t.Fatalf("visible recordings = %d; want < %d (interrupted before the end)", len(visible), len(ids))
			}

			cs2 := &countingSource{Source: dirSource(t, src)}
			res, err := Sync(context.Background(), cs2, dst)
			if err != nil {
				t.Fatalf("resumed Sync(...): %v", err)
			}
			requireSameTree(t, src, dst)
			// Resumed, not restarted: the two runs together read about the tree once.
			if second := cs2.read.Load(); first+second >= total+total/8 {
				t.Fatalf("bytes read by both runs = %d; want < %d (first %d second %d total %d)", first+second, total+total/8, first, second, total)
			}
			n := 0
			cs2.offs.Range(func(any, any) bool { n++; return true })
			if n <= 0 {
				t.Fatalf("transfers continued from an offset = %d; want > 0", n)
			}
			if got := res.Copied + res.Unchanged; got != len(ids) {
				t.Fatalf("resumed Sync(...).Copied + Unchanged = %d; want %d", got, len(ids))
			}
		})
	}
}

func treeSize(t *testing.T, dir string) int64 {
	var n int64
	for _, b := range treeFiles(t, dir) {
		n += int64(len(b))
	}
	return n
}

func TestSyncRepairsCorruptedDestination(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		keepTime  bool // corruption hides behind the original mtime
		verify    bool
		repaired  bool
		httpStyle bool // source with hashes
	}{
		{"changed mtime, quick check", false, false, true, false},
		{"changed mtime, hashed source", false, false, true, true},
		{"same mtime, quick check misses it", true, false, false, false},
		{"same mtime, verify finds it", true, true, true, false},
		{"same mtime, verify with hashed source", true, true, true, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src, ids := newTree(t, genSpec{Recordings: 2, Seed: 3, Large: 256 << 10})
			dst := t.TempDir()
			_, err := Sync(context.Background(), dirSource(t, src), dst)
			if err != nil {
				t.Fatalf("first Sync(...): %v", err)
			}
			victim := filepath.Join(dst, "presentation", ids[1], "video", "webcams.webm")
			fi, err := os.Stat(victim)
			if err != nil {
				t.Fatalf("os.Stat(victim): %v", err)
			}
			b, _ := os.ReadFile(victim)
			b[1000] ^= 0xff
			if err := os.WriteFile(victim, b, 0o644); err != nil {
				t.Fatalf("os.WriteFile(victim, ...): %v", err)
			}
			if tc.keepTime {
				if err := os.Chtimes(victim, fi.ModTime(), fi.ModTime()); err != nil {
					t.Fatalf("os.Chtimes(victim, ...): %v", err)
				}
			}
			s := dirSource(t, src, WithHashes(tc.httpStyle))
			res, err := Sync(context.Background(), s, dst, WithVerify(tc.verify))
			if err != nil {
				t.Fatalf("Sync(..., WithVerify(%v)): %v", tc.verify, err)
			}
			if !tc.repaired {
				if res.Unchanged != 2 {
					t.Fatalf("Sync(...).Unchanged = %d; want 2", res.Unchanged)
				}
				return
			}
			requireSameTree(t, src, dst)
			if res.Copied != 1 {
				t.Fatalf("Sync(...).Copied = %d; want 1", res.Copied)
			}
			if res.Files != 1 {
				t.Fatalf("Sync(...).Files = %d; want 1 (only the damaged file is transferred)", res.Files)
			}
			if res.Reused <= 5 {
				t.Fatalf("Sync(...).Reused = %d; want > 5 (the other files are kept)", res.Reused)
			}
		})
	}
}

// changingSource rewrites a source file while Sync is reading it.
type changingSource struct {
	Source
	dir, target string
	once        sync.Once
	during      bool // change after the first chunk rather than before Open
}

func (c *changingSource) Open(ctx context.Context, id, format string, f File, off int64) (io.ReadCloser, error) {
	name := format + "/" + id + "/" + f.Path
	if name == c.target && !c.during {
		c.once.Do(c.change)
	}
	rc, err := c.Source.Open(ctx, id, format, f, off)
	if err != nil || name != c.target || !c.during {
		return rc, err
	}
	return &changeAfterRead{ReadCloser: rc, c: c}, nil
}

func (c *changingSource) change() {
	p := filepath.Join(c.dir, filepath.FromSlash(c.target))
	b, _ := os.ReadFile(p)
	b = append(b, "new data appended by the recorder"...)
	os.WriteFile(p, b, 0o644)
}

type changeAfterRead struct {
	io.ReadCloser
	c *changingSource
}

func (r *changeAfterRead) Read(p []byte) (int, error) {
	n, err := r.ReadCloser.Read(p)
	r.c.once.Do(r.c.change)
	return n, err
}

func TestSyncSourceChangesDuringSync(t *testing.T) {
	t.Parallel()
	for _, during := range []bool{false, true} {
		t.Run(map[bool]string{false: "before open", true: "while reading"}[during], func(t *testing.T) {
			t.Parallel()
			src, ids := newTree(t, genSpec{Recordings: 3, Seed: 4, Large: 3 << 20})
			dst := t.TempDir()
			target := "presentation/" + ids[1] + "/video/webcams.webm"
			cs := &changingSource{Source: dirSource(t, src), dir: src, target: target, during: during}
			res, err := Sync(context.Background(), cs, dst)
			if !errors.Is(err, ErrSourceChanged) {
				t.Fatalf("Sync(...) = %v; want ErrSourceChanged", err)
			}
			var se *SyncError
			if !errors.As(err, &se) {
				t.Fatalf("Sync(...) = %v (%T); want a *SyncError", err, err)
			}
			if len(se.Failed) != 1 {
				t.Fatalf("len(SyncError.Failed) = %d; want 1: %v", len(se.Failed), se.Failed)
			}
			if se.Failed[0].RecordID != ids[1] {
				t.Fatalf("SyncError.Failed[0].RecordID = %q; want %q", se.Failed[0].RecordID, ids[1])
			}
			if res.Copied != 2 {
				t.Fatalf("Sync(...).Copied = %d; want 2", res.Copied)
			}
			_, err = os.Stat(filepath.Join(dst, "presentation", ids[1]))
			if !os.IsNotExist(err) {
				t.Fatalf("os.Stat(changed recording) = %v; want not exist (a recording that changed mid-copy must not appear)", err)
			}

			_, err = Sync(context.Background(), dirSource(t, src), dst)
			if err != nil {
				t.Fatalf("next Sync(...): %v", err)
			}
			requireSameTree(t, src, dst)
		})
	}
}

func TestSyncDeleteOnlyWhenAsked(t *testing.T) {
	t.Parallel()
	src, ids := newTree(t, genSpec{Recordings: 3, Seed: 5, Large: 1024, Video: 2048})
	dst := t.TempDir()
	_, err := Sync(context.Background(), dirSource(t, src), dst)
	if err != nil {
		t.Fatalf("first Sync(...): %v", err)
	}
	if err := os.RemoveAll(filepath.Join(src, "presentation", ids[0])); err != nil {
		t.Fatalf("os.RemoveAll(presentation/%s): %v", ids[0], err)
	}
	if err := os.RemoveAll(filepath.Join(src, "video", ids[0])); err != nil {
		t.Fatalf("os.RemoveAll(video/%s): %v", ids[0], err)
	}
	if err := os.RemoveAll(filepath.Join(src, "video", ids[2])); err != nil {
		t.Fatalf("os.RemoveAll(video/%s): %v", ids[2], err)
	}

	res, err := Sync(context.Background(), dirSource(t, src), dst)
	if err != nil {
		t.Fatalf("Sync(...) without WithDelete: %v", err)
	}
	if res.Deleted != 0 {
		t.Fatalf("Sync(...) without WithDelete: Deleted = %d; want 0", res.Deleted)
	}
	mustBeDir(t, filepath.Join(dst, "presentation", ids[0]))

	var deleted []string
	res, err = Sync(context.Background(), dirSource(t, src), dst, WithDelete(true), WithProgress(func(e Event) {
		if e.Kind == EventDeleted {
			deleted = append(deleted, e.Format+"/"+e.RecordID)
		}
	}))
	if err != nil {
		t.Fatalf("Sync(..., WithDelete(true)): %v", err)
	}
	if res.Deleted != 3 {
		t.Fatalf("Sync(..., WithDelete(true)).Deleted = %d; want 3", res.Deleted)
	}
	wantDeleted := []string{"presentation/" + ids[0], "video/" + ids[0], "video/" + ids[2]}
	if diff := cmp.Diff(wantDeleted, deleted, cmpopts.SortSlices(strings.Compare)); diff != "" {
		t.Fatalf("EventDeleted events mismatch (-want +got), in any order:\n%s", diff)
	}
	requireSameTree(t, src, dst)
}

func TestSyncRefusesInvalidMetadata(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		edit func(dir, id string)
	}{
		{"missing", func(dir, id string) { os.Remove(filepath.Join(dir, "presentation", id, "metadata.xml")) }},
		{"wrong id", func(dir, id string) {
			os.WriteFile(filepath.Join(dir, "presentation", id, "metadata.xml"), genMetadata("other-1700000000000", "presentation", time.Now(), true), 0o644)
		}},
		{"wrong format", func(dir, id string) {
			os.WriteFile(filepath.Join(dir, "presentation", id, "metadata.xml"), genMetadata(id, "video", time.Now(), true), 0o644)
		}},
		{"not xml", func(dir, id string) {
			os.WriteFile(filepath.Join(dir, "presentation", id, "metadata.xml"), []byte("<recording><id>"), 0o644)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src, ids := newTree(t, genSpec{Recordings: 2, Seed: 6, Large: 1024})
			tc.edit(src, ids[0])
			dst := t.TempDir()
			res, err := Sync(context.Background(), dirSource(t, src), dst)
			if !errors.Is(err, ErrMetadata) {
				t.Fatalf("Sync(...) = %v; want ErrMetadata", err)
			}
			if res.Copied != 1 {
				t.Fatalf("Sync(...).Copied = %d; want 1", res.Copied)
			}
			mustNotBeDir(t, filepath.Join(dst, "presentation", ids[0]), "")
			mustBeDir(t, filepath.Join(dst, "presentation", ids[1]))
		})
	}
}

func TestSyncRefusesSymlinkInSource(t *testing.T) {
	t.Parallel()
	src, ids := newTree(t, genSpec{Recordings: 2, Seed: 7, Large: 1024})
	if err := os.Symlink("/etc/passwd", filepath.Join(src, "presentation", ids[0], "passwd")); err != nil {
		t.Fatalf("os.Symlink(...): %v", err)
	}
	dst := t.TempDir()
	res, err := Sync(context.Background(), dirSource(t, src), dst, WithDelete(true))
	if !errors.Is(err, ErrUnsafe) {
		t.Fatalf("Sync(...) = %v; want ErrUnsafe", err)
	}
	if res.Copied != 1 {
		t.Fatalf("Sync(...).Copied = %d; want 1", res.Copied)
	}
	mustNotBeDir(t, filepath.Join(dst, "presentation", ids[0]), "")
}

func TestSyncBandwidthLimit(t *testing.T) {
	t.Parallel()
	src, _ := newTree(t, genSpec{Recordings: 1, Seed: 8, Large: 384 << 10})
	size := treeSize(t, src)
	lim := rate.NewLimiter(rate.Limit(2<<20), 64<<10)
	lim.AllowN(time.Now(), 64<<10) // start with an empty bucket
	start := time.Now()
	_, err := Sync(context.Background(), dirSource(t, src), t.TempDir(), WithLimiter(lim))
	if err != nil {
		t.Fatalf("Sync(..., WithLimiter(lim)): %v", err)
	}
	// 2 MiB/s for the whole tree: a lower bound only.
	min := time.Duration(float64(size) / float64(2<<20) * float64(time.Second))
	if took := time.Since(start); took < min*8/10 {
		t.Fatalf("Sync(..., WithLimiter(lim)) took %v; want >= %v", took, min*8/10)
	}
}

func TestSyncOptionsValidated(t *testing.T) {
	t.Parallel()
	src, _ := newTree(t, genSpec{Recordings: 1, Seed: 9, Large: 10})
	_, err := Sync(context.Background(), dirSource(t, src), t.TempDir(), WithConcurrency(0))
	if err == nil {
		t.Fatalf("Sync(..., WithConcurrency(0)) = nil; want an error")
	}
	_, err = Sync(context.Background(), dirSource(t, src), src)
	if err == nil {
		t.Fatalf("Sync(src, src) = nil; want an error")
	}
	_, err = Sync(context.Background(), nil, t.TempDir())
	if err == nil {
		t.Fatalf("Sync(nil source) = nil; want an error")
	}
	_, err = NewDirSource(filepath.Join(src, "nope"))
	if err == nil {
		t.Fatalf("NewDirSource(missing dir) = nil; want an error")
	}
}

// Both ways of copying a local source (the kernel copy, the default, and
// hashing every byte with WithHashLocal) notice a file that changes while
// it is being copied, and resume after a cancellation.
func TestSyncLocalCopy(t *testing.T) {
	t.Parallel()
	for _, hashed := range []bool{false, true} {
		mode := map[bool]string{false: "kernel copy", true: "hashed"}[hashed]
		t.Run(mode+"/changes while copying", func(t *testing.T) {
			t.Parallel()
			src, ids := newTree(t, genSpec{Recordings: 2, Seed: 61, Large: 6 << 20})
			dst := t.TempDir()
			target := filepath.Join(src, "presentation", ids[0], "video", "webcams.webm")
			var once sync.Once
			_, err := Sync(context.Background(), dirSource(t, src), dst, WithConcurrency(1), WithHashLocal(hashed), WithProgress(func(e Event) {
				if e.Kind == EventBytes && e.RecordID == ids[0] && e.Path == "video/webcams.webm" {
					once.Do(func() {
						// The progress callback may run on one of Sync's
						// goroutines: report with t.Errorf, not t.Fatalf.
						f, err := os.OpenFile(target, os.O_WRONLY|os.O_APPEND, 0)
						if err != nil {
							t.Errorf("os.OpenFile(target, ...): %v", err)
							return
						}
						f.WriteString("more")
						f.Close()
					})
				}
			}))
			if !errors.Is(err, ErrSourceChanged) {
				t.Fatalf("Sync(...) = %v; want ErrSourceChanged", err)
			}
			mustNotBeDir(t, filepath.Join(dst, "presentation", ids[0]), "")
			_, err = Sync(context.Background(), dirSource(t, src), dst, WithHashLocal(hashed))
			if err != nil {
				t.Fatalf("next Sync(...): %v", err)
			}
			requireSameTree(t, src, dst)
		})
		t.Run(mode+"/resume after cancel", func(t *testing.T) {
			t.Parallel()
			src, _ := newTree(t, genSpec{Recordings: 1, Seed: 62, Large: 9 << 20})
			dst := t.TempDir()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var staged int64
			_, err := Sync(ctx, dirSource(t, src), dst, WithHashLocal(hashed), WithProgress(func(e Event) {
				if e.Kind == EventBytes && e.Done >= 4<<20 {
					staged = e.Done
					cancel()
				}
			}))
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Sync(...) = %v; want context.Canceled", err)
			}
			if staged <= 0 {
				t.Fatalf("staged = %d; want > 0", staged)
			}
			var ctr Counters
			res, err := Sync(context.Background(), dirSource(t, src), dst, WithHashLocal(hashed), WithProgress(ctr.Observe))
			if err != nil {
				t.Fatalf("resumed Sync(...): %v", err)
			}
			requireSameTree(t, src, dst)
			if want := treeSize(t, src) - staged; res.Bytes != want {
				t.Fatalf("resumed Sync(...).Bytes = %d; want %d (only the rest was copied)", res.Bytes, want)
			}
		})
	}
}

// A local sync hashes a copy whenever the source's digest is known (its
// hash cache holds it) and refuses a copy that does not match it; other
// files are copied unhashed unless WithHashLocal asks for every byte to be
// hashed, and then their digests land in the destination hash cache.
func TestSyncLocalHashes(t *testing.T) {
	t.Parallel()
	src, ids := newTree(t, genSpec{Recordings: 2, Seed: 64, Large: 2 << 20, Video: 1 << 20})
	wrong := filepath.Join(src, "presentation", ids[0], "video", "webcams.webm")
	fi, err := os.Stat(wrong)
	if err != nil {
		t.Fatalf("os.Stat(wrong): %v", err)
	}
	tests := []struct {
		name        string
		hashLocal   bool
		knownWrong  bool // the source's cache holds a wrong digest for one file
		wantHashes  bool // installed files' digests are in the destination cache
		wantCopied  int
		wantVisible bool // the recording with the wrong digest is installed
	}{
		{name: "default/digest known", knownWrong: true, wantCopied: 1},
		{name: "default/no digest known", wantCopied: 2, wantVisible: true},
		{name: "hash local/digest known", hashLocal: true, knownWrong: true, wantHashes: true, wantCopied: 1},
		{name: "hash local/no digest known", hashLocal: true, wantHashes: true, wantCopied: 2, wantVisible: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srcCache := NewHashCache()
			if tc.knownWrong {
				srcCache.Put(wrong, fi.Size(), fi.ModTime(), strings.Repeat("0", 64))
			}
			dst := t.TempDir()
			dstCache := NewHashCache()
			res, err := Sync(context.Background(), dirSource(t, src, WithHashCache(srcCache)), dst,
				WithHashCache(dstCache), WithHashLocal(tc.hashLocal))
			if tc.knownWrong {
				if !errors.Is(err, ErrVerify) {
					t.Fatalf("Sync(...) = %v; want ErrVerify", err)
				}
				var se *SyncError
				if !errors.As(err, &se) {
					t.Fatalf("Sync(...) = %v (%T); want a *SyncError", err, err)
				}
				if len(se.Failed) != 1 {
					t.Fatalf("len(SyncError.Failed) = %d; want 1: %v", len(se.Failed), se.Failed)
				}
				if se.Failed[0].RecordID != ids[0] {
					t.Fatalf("SyncError.Failed[0].RecordID = %q; want %q", se.Failed[0].RecordID, ids[0])
				}
			} else if err != nil {
				t.Fatalf("Sync(...): %v", err)
			}
			if res.Copied != tc.wantCopied {
				t.Fatalf("Sync(...).Copied = %d; want %d", res.Copied, tc.wantCopied)
			}
			if tc.wantVisible {
				mustBeDir(t, filepath.Join(dst, "presentation", ids[0]))
			} else {
				mustNotBeDir(t, filepath.Join(dst, "presentation", ids[0]), "")
				mustNotBeDir(t, filepath.Join(dst, "video", ids[0]), "")
			}
			// Every installed file's digest is cached (hashed) or none is
			// (kernel copy).
			installed := 0
			for _, id := range ids[1:] {
				for _, format := range []string{"presentation", "video"} {
					dir := filepath.Join(dst, format, id)
					for rel, data := range treeFiles(t, dir) {
						installed++
						p := filepath.Join(dir, filepath.FromSlash(rel))
						fi, err := os.Stat(p)
						if err != nil {
							t.Fatalf("os.Stat(%q): %v", p, err)
						}
						got, ok := dstCache.Get(p, fi.Size(), fi.ModTime())
						if ok != tc.wantHashes {
							t.Fatalf("dstCache.Get(%s) ok = %v; want %v", rel, ok, tc.wantHashes)
						}
						if ok {
							sum := sha256.Sum256(data)
							if want := hex.EncodeToString(sum[:]); got != want {
								t.Fatalf("dstCache.Get(%s) = %s; want %s", rel, got, want)
							}
						}
					}
				}
			}
			if installed <= 0 {
				t.Fatalf("installed files = %d; want > 0", installed)
			}
			if !tc.wantHashes {
				if n := dstCache.Len(); n != 0 {
					t.Fatalf("dstCache.Len() = %d; want 0", n)
				}
			}
		})
	}
	// Once the source's digest is right, the sync accepts the file.
	dst := t.TempDir()
	_, err = Sync(context.Background(), dirSource(t, src), dst)
	if err != nil {
		t.Fatalf("Sync(...) with no wrong digest: %v", err)
	}
	requireSameTree(t, src, dst)
}

func TestSyncDeleteRefusesEmptySource(t *testing.T) {
	t.Parallel()
	src, ids := newTree(t, genSpec{Recordings: 2, Seed: 63, Large: 10})
	dst := t.TempDir()
	_, err := Sync(context.Background(), dirSource(t, src), dst)
	if err != nil {
		t.Fatalf("first Sync(...): %v", err)
	}
	empty := t.TempDir()
	_, err = Sync(context.Background(), dirSource(t, empty), dst, WithDelete(true))
	if !errors.Is(err, ErrEmptySource) {
		t.Fatalf("Sync(empty source, WithDelete(true)) = %v; want ErrEmptySource", err)
	}
	mustBeDir(t, filepath.Join(dst, "presentation", ids[0]))
}

// blockingSource holds Manifest until released.
type blockingSource struct {
	Source
	entered chan struct{}
	release chan struct{}
}

func (b *blockingSource) Manifest(ctx context.Context) (*Manifest, error) {
	close(b.entered)
	<-b.release
	return b.Source.Manifest(ctx)
}

// Two Syncs on one destination in one process: the second fails at once.
func TestSyncLockedBySecondSync(t *testing.T) {
	t.Parallel()
	src, _ := newTree(t, genSpec{Recordings: 2, Seed: 73, Large: 1 << 10})
	dst := t.TempDir()
	first := &blockingSource{Source: dirSource(t, src), entered: make(chan struct{}), release: make(chan struct{})}
	done := make(chan error, 1)
	go func() {
		_, err := Sync(context.Background(), first, dst)
		done <- err
	}()
	<-first.entered
	_, err := Sync(context.Background(), dirSource(t, src), dst)
	var le *LockError
	if !errors.As(err, &le) {
		t.Fatalf("second Sync(...) = %v (%T); want a *LockError", err, err)
	}
	if want := os.Getpid(); le.PID != want {
		t.Fatalf("LockError.PID = %d; want %d", le.PID, want)
	}
	if want := filepath.Join(dst, LockFileName); le.Path != want {
		t.Fatalf("LockError.Path = %q; want %q", le.Path, want)
	}
	close(first.release)
	if err := <-done; err != nil {
		t.Fatalf("first Sync(...): %v", err)
	}
	requireSameTree(t, src, dst)
	_, err = Sync(context.Background(), dirSource(t, src), dst)
	if err != nil {
		t.Fatalf("Sync(...) after the first returned: %v (the lock is released when a Sync returns)", err)
	}
}

// customSource is a Source written outside the package's own types that
// offers the optional interfaces: it must get the same fast path as a
// DirSource.
type customSource struct {
	inner                       *DirSource
	opens, formatOpens, digests atomic.Int64
}

func (c *customSource) Manifest(ctx context.Context) (*Manifest, error) {
	return c.inner.Manifest(ctx)
}

func (c *customSource) Open(ctx context.Context, id, format string, f File, off int64) (io.ReadCloser, error) {
	c.opens.Add(1)
	return c.inner.Open(ctx, id, format, f, off)
}

func (c *customSource) OpenFormat(ctx context.Context, id, format string) (FormatFiles, error) {
	c.formatOpens.Add(1)
	return c.inner.OpenFormat(ctx, id, format)
}

func (c *customSource) KnownDigest(id, format string, f File) string {
	c.digests.Add(1)
	return c.inner.KnownDigest(id, format, f)
}

func (c *customSource) Digest(ctx context.Context, id, format string, f File) (string, error) {
	return c.inner.Digest(ctx, id, format, f)
}

func TestSyncFastPathForAnySource(t *testing.T) {
	t.Parallel()
	src, _ := newTree(t, genSpec{Recordings: 2, Seed: 74, Large: 1 << 10, Video: 1 << 10})
	// A digest the source knows is checked against the copy: corrupt the
	// cache's entry for one file and the sync must refuse it.
	cache := NewHashCache()
	inner := dirSource(t, src, WithHashCache(cache), WithHashes(true))
	m, err := inner.Manifest(context.Background())
	if err != nil {
		t.Fatalf("inner.Manifest(...): %v", err)
	}
	f := m.Recordings[0].Formats[0].Files[0]
	p := filepath.Join(src, m.Recordings[0].Formats[0].Name, m.Recordings[0].ID, filepath.FromSlash(f.Path))
	cache.Put(p, f.Size, f.ModTime, strings.Repeat("0", 64))

	c := &customSource{inner: dirSource(t, src, WithHashCache(cache))}
	dst := t.TempDir()
	_, err = Sync(context.Background(), c, dst)
	if !errors.Is(err, ErrVerify) {
		t.Fatalf("Sync(...) = %v; want ErrVerify", err)
	}
	if n := c.opens.Load(); n != 0 {
		t.Fatalf("Open calls = %d; want 0 (files are opened through OpenFormat)", n)
	}
	if n := c.formatOpens.Load(); n != 4 {
		t.Fatalf("OpenFormat calls = %d; want 4 (each format of both recordings, once)", n)
	}
	if n := c.digests.Load(); n <= 0 {
		t.Fatalf("KnownDigest calls = %d; want > 0", n)
	}
}
