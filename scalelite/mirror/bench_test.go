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

// bigTree is about 1 GiB: 128 recordings with a 5 MiB webcam stream, a
// 3 MiB video and the small presentation files (2,944 files).
// MIRROR_BENCH_RECORDINGS changes the number of recordings (32 gives a
// quicker 256 MiB tree).
var bigTree = func() genSpec {
	s := genSpec{Recordings: 128, Seed: 100, Large: 5 << 20, Video: 3 << 20, Slides: 4}
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

// contender is one side of a timed comparison: run writes a fresh copy
// into dst and returns how long it took.
type contender struct {
	dst string
	run func(dst string) time.Duration
}

// contest times the contenders b.N times each, in an order that rotates
// every round, and returns each one's total time. All of them are first run
// once untimed, to warm the source's page cache. Before every timed run the
// machine's dirty pages are flushed and the contender's previous copy is
// renamed out of the way and its page cache dropped, not deleted: deleting
// thousands of files just before creating as many would time the file
// system's handling of recently deleted inodes (ext4 without a journal
// scans past every inode freed in the last minute on each create), and
// keeping the old copies cached would make every run take never-used
// memory (on a virtual machine, a host fault per page on first use)
// rather than time the contenders. The old copies are removed when the
// benchmark ends; they take b.N+1 times the tree per contender on disk
// meanwhile.
func contest(b *testing.B, cs ...contender) []time.Duration {
	b.Helper()
	trash := filepath.Join(filepath.Dir(cs[0].dst), "old")
	if err := os.MkdirAll(trash, 0o755); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(trash) })
	olds := 0
	moveAway := func(dst string) {
		olds++
		old := filepath.Join(trash, strconv.Itoa(olds))
		if err := os.Rename(dst, old); err != nil && !os.IsNotExist(err) {
			b.Fatal(err)
		}
		syscall.Sync()
		if err := dropPageCache(old); err != nil {
			b.Fatal(err)
		}
	}
	for _, c := range cs {
		c.run(c.dst)
	}
	total := make([]time.Duration, len(cs))
	b.ResetTimer()
	b.StopTimer()
	for i := 0; i < b.N; i++ {
		for k := range cs {
			j := (i + k) % len(cs)
			moveAway(cs[j].dst)
			b.StartTimer()
			total[j] += cs[j].run(cs[j].dst)
			b.StopTimer()
		}
	}
	return total
}

// fullSync is a contender that syncs the whole big tree from src into an
// empty destination.
func fullSync(b *testing.B, src Source, opts ...Option) func(string) time.Duration {
	return func(dst string) time.Duration {
		d, res := timeSync(b, src, dst, opts...)
		if res.Copied != bigTree.Recordings {
			b.Fatalf("copied %d", res.Copied)
		}
		return d
	}
}

// BenchmarkFirstSyncVsCp: a first full sync of the ~1 GiB tree with the
// default options against `cp -a` of the same tree (target: ratio <= 1.25).
// A sync that hashes every byte (WithHashLocal) is timed too, for
// information: hashed-ratio.
func BenchmarkFirstSyncVsCp(b *testing.B) {
	cp := need(b, "cp")
	src := benchTree(b, "big", bigTree)
	b.SetBytes(treeSizeB(b, src))
	work := benchWorkDir(b)
	t := contest(b,
		contender{filepath.Join(work, "cp"), func(dst string) time.Duration {
			return timeCmd(b, cp, "-a", src, dst)
		}},
		contender{filepath.Join(work, "mirror"), fullSync(b, mustDir(b, src))},
		contender{filepath.Join(work, "hashed"), fullSync(b, mustDir(b, src), WithHashLocal(true))},
	)
	report(b, t[1], t[0], "mirror", "cp")
	b.ReportMetric(float64(t[2].Milliseconds())/float64(b.N), "hashed-ms/op")
	b.ReportMetric(float64(t[2])/float64(t[0]), "hashed-ratio")
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

// BenchmarkHTTPVsLocalSync: a first full sync of the ~1 GiB tree from the
// export endpoint over loopback against the same sync from local disk with
// the same verification: the HTTP source always hashes every byte with
// SHA-256 and checks it against the manifest, so the local sync is timed
// with WithHashLocal, which hashes every byte in the pass that writes it.
// http/local-hashed-speed is the HTTP speed as a fraction of that local
// one (target >= 0.7). The default local sync, where the kernel copies
// files without hashing them, is timed too, for information:
// http/local-default-speed. Hashes at the source are computed before
// timing, as on a running server.
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
	var hashedCPU, httpCPU time.Duration
	t := contest(b,
		contender{filepath.Join(work, "hashed"), withCPU(fullSync(b, mustDir(b, src), WithHashLocal(true)), &hashedCPU)},
		contender{filepath.Join(work, "default"), fullSync(b, mustDir(b, src))},
		contender{filepath.Join(work, "http"), withCPU(fullSync(b, hs), &httpCPU)},
	)
	hashedT, defaultT, httpT := t[0], t[1], t[2]
	n := float64(b.N)
	// CPU time (user+system of the process, the endpoint included) is far
	// less sensitive to other load on the machine than wall time; when
	// both sides are CPU-bound their speed ratio approaches this one.
	b.ReportMetric(float64(hashedCPU)/float64(httpCPU), "http/local-hashed-cpu")
	b.ReportMetric(float64(httpT.Milliseconds())/n, "http-ms/op")
	b.ReportMetric(float64(hashedT.Milliseconds())/n, "local-hashed-ms/op")
	b.ReportMetric(float64(defaultT.Milliseconds())/n, "local-default-ms/op")
	b.ReportMetric(float64(hashedT)/float64(httpT), "http/local-hashed-speed")
	b.ReportMetric(float64(defaultT)/float64(httpT), "http/local-default-speed")
}

// withCPU adds the process's CPU time during every run of a contender
// (the untimed warm-up included) to *cpu.
func withCPU(run func(string) time.Duration, cpu *time.Duration) func(string) time.Duration {
	return func(dst string) time.Duration {
		before := processCPU()
		d := run(dst)
		*cpu += processCPU() - before
		return d
	}
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
