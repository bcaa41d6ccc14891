package mirror

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestKillChild is the process TestSyncSurvivesSIGKILL kills: it only runs
// when started by that test.
func TestKillChild(t *testing.T) {
	src, dst := os.Getenv("MIRROR_KILL_SRC"), os.Getenv("MIRROR_KILL_DST")
	if src == "" || dst == "" {
		return
	}
	s, err := NewDirSource(src)
	require.NoError(t, err)
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
	require.NoError(t, cmd.Start())
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
	require.NoError(t, cmd.Process.Kill())
	cmd.Wait()
	require.GreaterOrEqual(t, staged, int64(1<<20), "the child staged part of a file before it was killed")

	want := treeFiles(t, src)
	got := treeFiles(t, dst)
	for name, b := range got {
		require.Equal(t, want[name], b, name)
	}
	visible := 0
	for _, id := range ids {
		if _, err := os.Stat(filepath.Join(dst, "presentation", id)); err == nil {
			visible++
			for name := range want {
				if strings.HasPrefix(name, "presentation/"+id+"/") {
					require.Contains(t, got, name, "visible recording is complete")
				}
			}
		}
	}
	require.Less(t, visible, len(ids))

	res, err := Sync(context.Background(), dirSource(t, src), dst)
	require.NoError(t, err)
	requireSameTree(t, src, dst)
	require.LessOrEqual(t, res.Bytes, treeSize(t, src)-staged, "resumed after the staged bytes")
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
	require.NoError(t, cmd.Start())
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
	require.ErrorIs(t, err, ErrLocked)
	require.Less(t, time.Since(start), 2*time.Second, "fails at once")
	var le *LockError
	require.ErrorAs(t, err, &le)
	host, _ := os.Hostname()
	require.Equal(t, cmd.Process.Pid, le.PID)
	require.Equal(t, host, le.Host)
	require.WithinDuration(t, time.Now(), le.Since, time.Minute)
	require.Contains(t, err.Error(), "pid "+pid+" on "+host)

	require.NoError(t, cmd.Process.Kill())
	cmd.Wait()
	_, err = Sync(context.Background(), dirSource(t, src), dst)
	require.NoError(t, err)
	requireSameTree(t, src, dst)
}
