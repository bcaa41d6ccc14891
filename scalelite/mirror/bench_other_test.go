//go:build !linux

package mirror

import "time"

// dropPageCache does nothing where posix_fadvise is not reached through
// package syscall.
func dropPageCache(string) error { return nil }

// processCPU is not measured here.
func processCPU() time.Duration { return 0 }
