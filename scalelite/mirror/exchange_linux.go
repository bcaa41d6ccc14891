package mirror

import (
	"os"

	"golang.org/x/sys/unix"
)

// exchangeDirs swaps the entries at a and b in one atomic step
// (renameat2 with RENAME_EXCHANGE, Linux 3.15 and later).
func exchangeDirs(a, b string) error {
	if err := unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE); err != nil {
		return &os.LinkError{Op: "exchange", Old: a, New: b, Err: err}
	}
	return nil
}
