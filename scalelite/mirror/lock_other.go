//go:build !unix

package mirror

import "os"

func unlock(*os.File) {}

// tryLock does not lock where flock is not available.
func tryLock(*os.File) (bool, error) { return false, nil }
