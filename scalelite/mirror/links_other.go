//go:build !unix

package mirror

import "io/fs"

// linkCount returns 1 where the link count is not available.
func linkCount(fs.FileInfo) uint64 { return 1 }
