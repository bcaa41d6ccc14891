package bbb

import "unsafe"

// unsafeString converts a byte slice that is never written again into a
// string without copying it.
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
