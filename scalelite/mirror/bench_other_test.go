//go:build !linux

package mirror

// dropPageCache does nothing where posix_fadvise is not reached through
// package syscall.
func dropPageCache(string) error { return nil }
