package mirror

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// processCPU is the user plus system time the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// dropPageCache asks the kernel to drop the cached pages of every file
// under dir (clean pages only: call it after a sync), so that the memory
// goes back to the free lists without deleting any file.
func dropPageCache(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		const fadvDontNeed = 4 // POSIX_FADV_DONTNEED
		if _, _, e := syscall.Syscall6(syscall.SYS_FADVISE64, f.Fd(), 0, 0, fadvDontNeed, 0, 0); e != 0 {
			return e
		}
		return nil
	})
}
