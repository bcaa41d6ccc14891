//go:build !linux

package mirror

import (
	"os"
	"syscall"
)

// exchangeDirs reports ENOSYS where no atomic exchange is available; the
// caller then renames twice.
func exchangeDirs(a, b string) error {
	return &os.LinkError{Op: "exchange", Old: a, New: b, Err: syscall.ENOSYS}
}
