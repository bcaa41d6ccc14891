package mirror

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestKillChild is the process TestSyncSurvivesSIGKILL kills: it only runs
// when started by that test.
func TestKillChild(t *testing.T) {
	src, dst := os.Getenv("MIRROR_KILL_SRC"), os.Getenv("MIRROR_KILL_DST")
	if src == "" || dst == "" {
		return
	}
	s, err := NewDirSource(src)
	if err != nil {
		t.Fatalf("NewDirSource(%q): %v", src, err)
	}
	Sync(context.Background(), s, dst, WithConcurrency(1), WithBandwidthLimit(4<<20))
}

// A sync killed with SIGKILL mid-transfer leaves no partial recording
// visible, and the next sync resumes from what was staged.
func TestSyncSurvivesSIGKILL(t *testing.T) {
	t.Parallel()
	src, ids := newTree(t, genSpec{Recordings: 3, Seed: 71, Large: 3 << 20})
	dst := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "MIRROR_KILL_SRC="+src, "MIRROR_KILL_DST="+dst)
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the child: %v", err)
	}
	// Wait until a large file is partly staged.
	var staged int64
	deadline := time.Now().Add(20 * time.Second)
	for staged < 1<<20 && time.Now().Before(deadline) {
		filepath.Walk(filepath.Join(dst, StagingDirName), func(p string, fi os.FileInfo, err error) error {
			if err == nil && strings.HasSuffix(p, "webcams.webm") && fi.Size() > staged {
				staged = fi.Size()
			}
			return nil
		})
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatalf("killing the child: %v", err)
	}
	cmd.Wait()
	if staged < 1<<20 {
		t.Fatalf("bytes staged by the child = %d; want >= %d (the child staged part of a file before it was killed)", staged, 1<<20)
	}

	want := treeFiles(t, src)
	got := treeFiles(t, dst)
	for name, b := range got {
		if w, ok := want[name]; !ok || !bytes.Equal(w, b) {
			t.Fatalf("destination file %s (%d bytes) differs from the source's (%d bytes, present %v)", name, len(b), len(w), ok)
		}
	}
	visible := 0
	for _, id := range ids {
		if _, err := os.Stat(filepath.Join(dst, "presentation", id)); err == nil {
			visible++
			for name := range want {
				if strings.HasPrefix(name, "presentation/"+id+"/") {
					if _, ok := got[name]; !ok {
						t.Fatalf("destination lacks %s; want it (visible recording is complete)", name)
					}
				}
			}
		}
	}
	if visible >= len(ids) {
		t.Fatalf("visible recordings = %d; want < %d", visible, len(ids))
	}

	res, err := Sync(context.Background(), dirSource(t, src), dst)
	if err != nil {
		t.Fatalf("Sync(...) after the kill: %v", err)
	}
	requireSameTree(t, src, dst)
	if limit := treeSize(t, src) - staged; res.Bytes > limit {
		t.Fatalf("Sync(...).Bytes after the kill = %d; want <= %d (resumed after the staged bytes)", res.Bytes, limit)
	}
}

// While one process syncs into a destination, a second Sync there fails at
// once with ErrLocked naming the holder (pid, host, start time); when the
// holder dies, the kernel releases the lock and the next Sync runs.
func TestSyncLockedByAnotherProcess(t *testing.T) {
	t.Parallel()
	src, _ := newTree(t, genSpec{Recordings: 3, Seed: 72, Large: 3 << 20})
	dst := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "MIRROR_KILL_SRC="+src, "MIRROR_KILL_DST="+dst)
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the child: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	pid := strconv.Itoa(cmd.Process.Pid)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if b, _ := os.ReadFile(filepath.Join(dst, LockFileName)); strings.Contains(string(b), "pid="+pid+"\n") {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	start := time.Now()
	_, err := Sync(context.Background(), dirSource(t, src), dst)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("Sync(...) = %v; want ErrLocked", err)
	}
	if took := time.Since(start); took >= 2*time.Second {
		t.Fatalf("Sync(...) took %v; want < %v (fails at once)", took, 2*time.Second)
	}
	var le *LockError
	if !errors.As(err, &le) {
		t.Fatalf("Sync(...) = %v (%T); want a *LockError", err, err)
	}
	host, _ := os.Hostname()
	if le.PID != cmd.Process.Pid {
		t.Fatalf("LockError.PID = %d; want %d", le.PID, cmd.Process.Pid)
	}
	if le.Host != host {
		t.Fatalf("LockError.Host = %q; want %q", le.Host, host)
	}
	if now := time.Now(); now.Sub(le.Since) < -time.Minute || now.Sub(le.Since) > time.Minute {
		t.Fatalf("LockError.Since = %v; want within %v of %v", le.Since, time.Minute, now)
	}
	if msg, want := err.Error(), "pid "+pid+" on "+host; !strings.Contains(msg, want) {
		t.Fatalf("Sync(...) error %q; want it to contain %q", msg, want)
	}

	if err := cmd.Process.Kill(); err != nil {
		t.Fatalf("killing the child: %v", err)
	}
	cmd.Wait()
	_, err = Sync(context.Background(), dirSource(t, src), dst)
	if err != nil {
		t.Fatalf("Sync(...) after the holder died: %v", err)
	}
	requireSameTree(t, src, dst)
}
