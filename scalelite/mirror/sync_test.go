package mirror

import (
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

	"github.com/stretchr/testify/require"
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
	require.NoError(t, err)
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
	require.NoError(t, err)
	requireSameTree(t, src, dst)
	require.Equal(t, 5, res.Recordings)
	require.Equal(t, 5, res.Copied)
	require.Equal(t, int64(5*(3<<20+1<<20+64<<10)), res.Bytes-smallBytes(t, src, ids))
	v := ctr.Values()
	require.Equal(t, res.Bytes, v.Bytes)
	require.EqualValues(t, 5, v.Copied)

	// Modification times are kept, so the next sync only compares.
	fi1, _ := os.Stat(filepath.Join(src, "video", ids[0], "video-0.m4v"))
	fi2, _ := os.Stat(filepath.Join(dst, "video", ids[0], "video-0.m4v"))
	require.True(t, fi1.ModTime().Equal(fi2.ModTime()))

	res, err = Sync(context.Background(), dirSource(t, src), dst)
	require.NoError(t, err)
	require.Equal(t, 5, res.Unchanged)
	require.Zero(t, res.Bytes)
	require.Zero(t, res.Copied)
	_, err = os.Stat(filepath.Join(dst, StagingDirName, ids[0]))
	require.True(t, os.IsNotExist(err), "staging cleaned up")
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
			require.Error(t, err)
			first := cs.read.Load()
			require.Less(t, first, total)

			// Whatever is visible is complete and identical to the source.
			got := treeFiles(t, dst)
			want := treeFiles(t, src)
			visible := map[string]bool{}
			for name, b := range got {
				require.Equal(t, want[name], b, name)
				parts := strings.SplitN(name, "/", 3)
				visible[parts[0]+"/"+parts[1]] = true
			}
			for v := range visible {
				for name := range want {
					if strings.HasPrefix(name, v+"/") {
						require.Contains(t, got, name, "recording %s visible but incomplete", v)
					}
				}
			}
			require.Less(t, len(visible), len(ids), "interrupted before the end")

			cs2 := &countingSource{Source: dirSource(t, src)}
			res, err := Sync(context.Background(), cs2, dst)
			require.NoError(t, err)
			requireSameTree(t, src, dst)
			// Resumed, not restarted: the two runs together read about the tree once.
			require.Less(t, first+cs2.read.Load(), total+total/8, "first %d second %d total %d", first, cs2.read.Load(), total)
			n := 0
			cs2.offs.Range(func(any, any) bool { n++; return true })
			require.Positive(t, n, "a transfer continued from an offset")
			require.Equal(t, len(ids), res.Copied+res.Unchanged)
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
			require.NoError(t, err)
			victim := filepath.Join(dst, "presentation", ids[1], "video", "webcams.webm")
			fi, err := os.Stat(victim)
			require.NoError(t, err)
			b, _ := os.ReadFile(victim)
			b[1000] ^= 0xff
			require.NoError(t, os.WriteFile(victim, b, 0o644))
			if tc.keepTime {
				require.NoError(t, os.Chtimes(victim, fi.ModTime(), fi.ModTime()))
			}
			s := dirSource(t, src, WithHashes(tc.httpStyle))
			res, err := Sync(context.Background(), s, dst, WithVerify(tc.verify))
			require.NoError(t, err)
			if !tc.repaired {
				require.Equal(t, 2, res.Unchanged)
				return
			}
			requireSameTree(t, src, dst)
			require.Equal(t, 1, res.Copied)
			require.Equal(t, 1, res.Files, "only the damaged file is transferred")
			require.Greater(t, res.Reused, 5, "the other files are kept")
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
			require.ErrorIs(t, err, ErrSourceChanged)
			var se *SyncError
			require.ErrorAs(t, err, &se)
			require.Len(t, se.Failed, 1)
			require.Equal(t, ids[1], se.Failed[0].RecordID)
			require.Equal(t, 2, res.Copied)
			_, err = os.Stat(filepath.Join(dst, "presentation", ids[1]))
			require.True(t, os.IsNotExist(err), "a recording that changed mid-copy must not appear")

			_, err = Sync(context.Background(), dirSource(t, src), dst)
			require.NoError(t, err)
			requireSameTree(t, src, dst)
		})
	}
}

func TestSyncDeleteOnlyWhenAsked(t *testing.T) {
	t.Parallel()
	src, ids := newTree(t, genSpec{Recordings: 3, Seed: 5, Large: 1024, Video: 2048})
	dst := t.TempDir()
	_, err := Sync(context.Background(), dirSource(t, src), dst)
	require.NoError(t, err)
	require.NoError(t, os.RemoveAll(filepath.Join(src, "presentation", ids[0])))
	require.NoError(t, os.RemoveAll(filepath.Join(src, "video", ids[0])))
	require.NoError(t, os.RemoveAll(filepath.Join(src, "video", ids[2])))

	res, err := Sync(context.Background(), dirSource(t, src), dst)
	require.NoError(t, err)
	require.Zero(t, res.Deleted)
	require.DirExists(t, filepath.Join(dst, "presentation", ids[0]))

	var deleted []string
	res, err = Sync(context.Background(), dirSource(t, src), dst, WithDelete(true), WithProgress(func(e Event) {
		if e.Kind == EventDeleted {
			deleted = append(deleted, e.Format+"/"+e.RecordID)
		}
	}))
	require.NoError(t, err)
	require.Equal(t, 3, res.Deleted)
	require.ElementsMatch(t, []string{"presentation/" + ids[0], "video/" + ids[0], "video/" + ids[2]}, deleted)
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
			require.ErrorIs(t, err, ErrMetadata)
			require.Equal(t, 1, res.Copied)
			require.NoDirExists(t, filepath.Join(dst, "presentation", ids[0]))
			require.DirExists(t, filepath.Join(dst, "presentation", ids[1]))
		})
	}
}

func TestSyncRefusesSymlinkInSource(t *testing.T) {
	t.Parallel()
	src, ids := newTree(t, genSpec{Recordings: 2, Seed: 7, Large: 1024})
	require.NoError(t, os.Symlink("/etc/passwd", filepath.Join(src, "presentation", ids[0], "passwd")))
	dst := t.TempDir()
	res, err := Sync(context.Background(), dirSource(t, src), dst, WithDelete(true))
	require.ErrorIs(t, err, ErrUnsafe)
	require.Equal(t, 1, res.Copied)
	require.NoDirExists(t, filepath.Join(dst, "presentation", ids[0]))
}

func TestSyncBandwidthLimit(t *testing.T) {
	t.Parallel()
	src, _ := newTree(t, genSpec{Recordings: 1, Seed: 8, Large: 384 << 10})
	size := treeSize(t, src)
	lim := rate.NewLimiter(rate.Limit(2<<20), 64<<10)
	lim.AllowN(time.Now(), 64<<10) // start with an empty bucket
	start := time.Now()
	_, err := Sync(context.Background(), dirSource(t, src), t.TempDir(), WithLimiter(lim))
	require.NoError(t, err)
	// 2 MiB/s for the whole tree: a lower bound only.
	min := time.Duration(float64(size) / float64(2<<20) * float64(time.Second))
	require.GreaterOrEqual(t, time.Since(start), min*8/10)
}

func TestSyncOptionsValidated(t *testing.T) {
	t.Parallel()
	src, _ := newTree(t, genSpec{Recordings: 1, Seed: 9, Large: 10})
	_, err := Sync(context.Background(), dirSource(t, src), t.TempDir(), WithConcurrency(0))
	require.Error(t, err)
	_, err = Sync(context.Background(), dirSource(t, src), src)
	require.Error(t, err)
	_, err = Sync(context.Background(), nil, t.TempDir())
	require.Error(t, err)
	_, err = NewDirSource(filepath.Join(src, "nope"))
	require.Error(t, err)
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
						f, err := os.OpenFile(target, os.O_WRONLY|os.O_APPEND, 0)
						require.NoError(t, err)
						f.WriteString("more")
						f.Close()
					})
				}
			}))
			require.ErrorIs(t, err, ErrSourceChanged)
			require.NoDirExists(t, filepath.Join(dst, "presentation", ids[0]))
			_, err = Sync(context.Background(), dirSource(t, src), dst, WithHashLocal(hashed))
			require.NoError(t, err)
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
			require.ErrorIs(t, err, context.Canceled)
			require.Positive(t, staged)
			var ctr Counters
			res, err := Sync(context.Background(), dirSource(t, src), dst, WithHashLocal(hashed), WithProgress(ctr.Observe))
			require.NoError(t, err)
			requireSameTree(t, src, dst)
			require.Equal(t, treeSize(t, src)-staged, res.Bytes, "only the rest was copied")
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
	require.NoError(t, err)
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
				require.ErrorIs(t, err, ErrVerify)
				var se *SyncError
				require.ErrorAs(t, err, &se)
				require.Len(t, se.Failed, 1)
				require.Equal(t, ids[0], se.Failed[0].RecordID)
			} else {
				require.NoError(t, err)
			}
			require.Equal(t, tc.wantCopied, res.Copied)
			if tc.wantVisible {
				require.DirExists(t, filepath.Join(dst, "presentation", ids[0]))
			} else {
				require.NoDirExists(t, filepath.Join(dst, "presentation", ids[0]))
				require.NoDirExists(t, filepath.Join(dst, "video", ids[0]))
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
						require.NoError(t, err)
						got, ok := dstCache.Get(p, fi.Size(), fi.ModTime())
						require.Equal(t, tc.wantHashes, ok, rel)
						if ok {
							sum := sha256.Sum256(data)
							require.Equal(t, hex.EncodeToString(sum[:]), got, rel)
						}
					}
				}
			}
			require.Positive(t, installed)
			if !tc.wantHashes {
				require.Zero(t, dstCache.Len())
			}
		})
	}
	// Once the source's digest is right, the sync accepts the file.
	dst := t.TempDir()
	_, err = Sync(context.Background(), dirSource(t, src), dst)
	require.NoError(t, err)
	requireSameTree(t, src, dst)
}

func TestSyncDeleteRefusesEmptySource(t *testing.T) {
	t.Parallel()
	src, ids := newTree(t, genSpec{Recordings: 2, Seed: 63, Large: 10})
	dst := t.TempDir()
	_, err := Sync(context.Background(), dirSource(t, src), dst)
	require.NoError(t, err)
	empty := t.TempDir()
	_, err = Sync(context.Background(), dirSource(t, empty), dst, WithDelete(true))
	require.ErrorIs(t, err, ErrEmptySource)
	require.DirExists(t, filepath.Join(dst, "presentation", ids[0]))
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
	require.ErrorAs(t, err, &le)
	require.Equal(t, os.Getpid(), le.PID)
	require.Equal(t, filepath.Join(dst, LockFileName), le.Path)
	close(first.release)
	require.NoError(t, <-done)
	requireSameTree(t, src, dst)
	_, err = Sync(context.Background(), dirSource(t, src), dst)
	require.NoError(t, err, "the lock is released when a Sync returns")
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
	require.NoError(t, err)
	f := m.Recordings[0].Formats[0].Files[0]
	p := filepath.Join(src, m.Recordings[0].Formats[0].Name, m.Recordings[0].ID, filepath.FromSlash(f.Path))
	cache.Put(p, f.Size, f.ModTime, strings.Repeat("0", 64))

	c := &customSource{inner: dirSource(t, src, WithHashCache(cache))}
	dst := t.TempDir()
	_, err = Sync(context.Background(), c, dst)
	require.ErrorIs(t, err, ErrVerify)
	require.Zero(t, c.opens.Load(), "files are opened through OpenFormat")
	require.Equal(t, int64(4), c.formatOpens.Load(), "each format of both recordings, once")
	require.Positive(t, c.digests.Load())
}
