package mirror

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Benchmarks compare the mirror with the tools operators use today, run in
// the same process on the same tree: cp -a for a first full copy, rsync -a
// for a re-sync that finds nothing to do, and the local-disk sync for the
// HTTP source. Each reports the two times and their ratio.
//
//	go test -run '^$' -bench . -benchtime 3x ./scalelite/mirror/

// benchTrees caches generated trees across benchmarks.
var benchTrees struct {
	sync.Mutex
	dirs map[string]string
}

func benchTree(b *testing.B, name string, spec genSpec) string {
	b.Helper()
	benchTrees.Lock()
	defer benchTrees.Unlock()
	if dir, ok := benchTrees.dirs[name]; ok {
		return filepath.Join(dir, "src")
	}
	if benchTrees.dirs == nil {
		benchTrees.dirs = map[string]string{}
	}
	dir, err := os.MkdirTemp("", "mirror-bench-"+name+"-")
	if err != nil {
		b.Fatal(err)
	}
	benchTrees.dirs[name] = dir
	src := filepath.Join(dir, "src")
	generate(b, src, spec)
	return src
}

// bigTree is about 256 MiB: 32 recordings with a 5 MiB webcam stream, a
// 3 MiB video and the small presentation files. MIRROR_BENCH_RECORDINGS
// changes the number of recordings (128 gives the 1 GiB tree).
var bigTree = func() genSpec {
	s := genSpec{Recordings: 32, Seed: 100, Large: 5 << 20, Video: 3 << 20, Slides: 4}
	if n, err := strconv.Atoi(os.Getenv("MIRROR_BENCH_RECORDINGS")); err == nil && n > 0 {
		s.Recordings = n
	}
	return s
}()

// manyTree is 2,000 recordings of 17 small files each (34,000 files).
var manyTree = genSpec{Recordings: 2000, Seed: 200, Large: 2 << 10, Video: 1 << 10, Slides: 2}

func need(b *testing.B, tool string) string {
	p, err := exec.LookPath(tool)
	if err != nil {
		b.Fatalf("%s is needed for the baseline: %v", tool, err)
	}
	return p
}

func timeCmd(b *testing.B, name string, args ...string) time.Duration {
	b.Helper()
	start := time.Now()
	out, err := exec.Command(name, args...).CombinedOutput()
	d := time.Since(start)
	if err != nil {
		b.Fatalf("%s: %v: %s", name, err, out)
	}
	return d
}

func timeSync(b *testing.B, src Source, dst string, opts ...Option) (time.Duration, *Result) {
	b.Helper()
	start := time.Now()
	res, err := Sync(context.Background(), src, dst, opts...)
	d := time.Since(start)
	if err != nil {
		b.Fatal(err)
	}
	return d, res
}

func report(b *testing.B, mine, base time.Duration, mineName, baseName string) {
	n := float64(b.N)
	b.ReportMetric(float64(mine.Milliseconds())/n, mineName+"-ms/op")
	b.ReportMetric(float64(base.Milliseconds())/n, baseName+"-ms/op")
	b.ReportMetric(float64(mine)/float64(base), "ratio")
}

// BenchmarkFirstSyncVsCp: a first full sync of a ~256 MiB tree against
// `cp -a` of the same tree (target: ratio <= 1.25).
func BenchmarkFirstSyncVsCp(b *testing.B) {
	cp := need(b, "cp")
	src := benchTree(b, "big", bigTree)
	b.SetBytes(treeSizeB(b, src))
	work := benchWorkDir(b)
	var mine, base time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dstCp, dstMirror := filepath.Join(work, "cp"), filepath.Join(work, "mirror")
		os.RemoveAll(dstCp)
		os.RemoveAll(dstMirror)
		// Alternate which one goes first so neither always meets the
		// other's write-back.
		for k := 0; k < 2; k++ {
			syscall.Sync()
			b.StartTimer()
			if (i+k)%2 == 0 {
				base += timeCmd(b, cp, "-a", src, dstCp)
			} else {
				d, res := timeSync(b, mustDir(b, src), dstMirror)
				mine += d
				if res.Copied != bigTree.Recordings {
					b.Fatalf("copied %d", res.Copied)
				}
			}
			b.StopTimer()
		}
	}
	b.StopTimer()
	report(b, mine, base, "mirror", "cp")
}

// BenchmarkNoChangeResyncVsRsync: re-syncing 2,000 unchanged recordings
// against `rsync -a` finding nothing to do (target: ratio <= 1).
func BenchmarkNoChangeResyncVsRsync(b *testing.B) {
	rsync := need(b, "rsync")
	src := benchTree(b, "many", manyTree)
	work := benchWorkDir(b)
	dstR, dstM := filepath.Join(work, "rsync"), filepath.Join(work, "mirror")
	timeCmd(b, rsync, "-a", src+"/", dstR+"/")
	if _, res := timeSync(b, mustDir(b, src), dstM); res.Copied != manyTree.Recordings {
		b.Fatalf("copied %d", res.Copied)
	}
	var mine, base time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		base += timeCmd(b, rsync, "-a", src+"/", dstR+"/")
		d, res := timeSync(b, mustDir(b, src), dstM)
		mine += d
		if res.Unchanged != manyTree.Recordings || res.Bytes != 0 {
			b.Fatalf("unchanged %d, bytes %d", res.Unchanged, res.Bytes)
		}
	}
	b.StopTimer()
	report(b, mine, base, "mirror", "rsync")
}

// BenchmarkHTTPVsLocalSync: a first full sync of the ~256 MiB tree from the
// export endpoint over loopback against the same sync from local disk. Both
// hash every copied byte (the default): the endpoint's against its
// manifest, the local one in the pass that writes it. The http/local-speed
// metric is the HTTP speed as a fraction of the local one (target >= 0.7).
// The unhashed kernel copy (WithKernelCopy) is timed too, for information:
// http/kernel-copy-speed. Hashes at the source are computed before timing,
// as on a running server.
func BenchmarkHTTPVsLocalSync(b *testing.B) {
	src := benchTree(b, "big", bigTree)
	b.SetBytes(treeSizeB(b, src))
	h, err := NewHandler(src, testSecret)
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	hs, err := NewHTTPSource(srv.URL, testSecret)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := hs.Manifest(context.Background()); err != nil {
		b.Fatal(err)
	}
	work := benchWorkDir(b)
	var httpT, localT, kernelT time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dstL, dstK, dstH := filepath.Join(work, "local"), filepath.Join(work, "kernel"), filepath.Join(work, "http")
		for _, d := range []string{dstL, dstK, dstH} {
			os.RemoveAll(d)
		}
		// Rotate the order so no one always meets another's write-back.
		for k := 0; k < 3; k++ {
			syscall.Sync()
			b.StartTimer()
			switch (i + k) % 3 {
			case 0:
				d, _ := timeSync(b, mustDir(b, src), dstL)
				localT += d
			case 1:
				d, _ := timeSync(b, mustDir(b, src), dstK, WithKernelCopy(true))
				kernelT += d
			case 2:
				d, res := timeSync(b, hs, dstH)
				httpT += d
				if res.Copied != bigTree.Recordings {
					b.Fatalf("copied %d", res.Copied)
				}
			}
			b.StopTimer()
		}
	}
	n := float64(b.N)
	b.ReportMetric(float64(httpT.Milliseconds())/n, "http-ms/op")
	b.ReportMetric(float64(localT.Milliseconds())/n, "local-ms/op")
	b.ReportMetric(float64(kernelT.Milliseconds())/n, "local-kernel-copy-ms/op")
	b.ReportMetric(float64(localT)/float64(httpT), "http/local-speed")
	b.ReportMetric(float64(kernelT)/float64(httpT), "http/kernel-copy-speed")
}

// benchWorkDir is where destinations are written: MIRROR_BENCH_DIR if set
// (e.g. /dev/shm to take a shared, noisy disk out of the comparison),
// otherwise a temporary directory on the default file system.
func benchWorkDir(b *testing.B) string {
	if d := os.Getenv("MIRROR_BENCH_DIR"); d != "" {
		w, err := os.MkdirTemp(d, "mirror-bench-")
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { os.RemoveAll(w) })
		return w
	}
	return b.TempDir()
}

func mustDir(b *testing.B, dir string) *DirSource {
	s, err := NewDirSource(dir)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func treeSizeB(b *testing.B, dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			n += fi.Size()
		}
		return nil
	})
	return n
}
