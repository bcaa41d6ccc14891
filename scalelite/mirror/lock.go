package mirror

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// LockFileName is the file inside the destination that Sync holds an
// exclusive lock (flock) on while it runs, so that two syncs never write
// one tree at once. It records the holder's process ID, host and start
// time. The kernel releases the lock when the holder exits, even when it is
// killed, so a stale file never blocks a later sync.
const LockFileName = ".mirror-sync.lock"

// ErrLocked matches a Sync refused because another sync holds the
// destination (see LockError).
var ErrLocked = errors.New("mirror: destination is in use by another sync")

// LockError reports the holder of the destination's lock, as it wrote
// itself into the lock file (zero values when it had not yet done so).
type LockError struct {
	Path  string // the lock file
	PID   int
	Host  string
	Since time.Time
}

// Error implements error.
func (e *LockError) Error() string {
	if e.PID == 0 {
		return fmt.Sprintf("mirror: destination is in use by another sync (lock %s, holder not yet recorded)", e.Path)
	}
	return fmt.Sprintf("mirror: destination is in use by another sync: pid %d on %s since %s (lock %s)",
		e.PID, e.Host, e.Since.Format(time.RFC3339), e.Path)
}

// Is makes errors.Is(err, ErrLocked) true.
func (e *LockError) Is(target error) bool { return target == ErrLocked }

// destLock is a held lock file; release unlocks it.
type destLock struct{ f *os.File }

// lockDest takes the exclusive lock on dir's lock file without waiting and
// writes the holder's details into it; when another process (or another
// Sync in this one) holds it, it returns a *LockError naming the holder.
func lockDest(dir string, now time.Time) (*destLock, error) {
	path := filepath.Join(dir, LockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("mirror: lock: %w", err)
	}
	held, err := tryLock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("mirror: lock %s: %w", path, err)
	}
	if held {
		le := readHolder(f)
		le.Path = path
		f.Close()
		return nil, le
	}
	host, _ := os.Hostname()
	info := fmt.Sprintf("pid=%d\nhost=%s\nsince=%s\n", os.Getpid(), host, now.UTC().Format(time.RFC3339Nano))
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(info), 0)
	}
	return &destLock{f: f}, nil
}

// release unlocks and closes the lock file. The file stays: removing it
// would let a third sync lock a new file while a second still waits on the
// old one.
func (l *destLock) release() {
	if l != nil {
		// Unlock explicitly: a child process forked meanwhile (by any
		// goroutine) shares the open file until it execs, and closing
		// alone would leave the lock held until then.
		unlock(l.f)
		l.f.Close()
	}
}

func readHolder(f *os.File) *LockError {
	le := &LockError{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "=")
		switch k {
		case "pid":
			le.PID, _ = strconv.Atoi(v)
		case "host":
			le.Host = v
		case "since":
			le.Since, _ = time.Parse(time.RFC3339Nano, v)
		}
	}
	return le
}
