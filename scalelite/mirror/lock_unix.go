//go:build unix

package mirror

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// unlock releases the flock on f, whoever else shares the open file.
func unlock(f *os.File) { unix.Flock(int(f.Fd()), unix.LOCK_UN) }

// tryLock takes an exclusive flock on f without waiting; held reports that
// another open file description holds it.
func tryLock(f *os.File) (held bool, err error) {
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if errors.Is(err, unix.EWOULDBLOCK) {
		return true, nil
	}
	return false, err
}
