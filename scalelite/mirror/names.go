package mirror

import (
	"path"
	"strings"
)

// ValidRecordID reports whether id can name a recording directory. BBB record
// IDs look like "<40 hex>-<13 digit milliseconds>"; any single path element of
// letters, digits, '-', '_' and '.' (not starting with '.') up to 128 bytes is
// accepted so that imported or hand-made IDs work too.
func ValidRecordID(id string) bool {
	if id == "" || len(id) > 128 || id[0] == '.' {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// ValidFormat reports whether name can be a playback format directory
// (presentation, video, podcast, notes, screenshare, ...): lower-case letters,
// digits, '-' and '_', up to 64 bytes.
func ValidFormat(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// checkRelPath validates a slash-separated path relative to a format
// directory: not empty, not absolute, no "." or ".." element, no empty
// element, no backslash, no NUL or control byte, at most 1024 bytes.
func checkRelPath(p string) error {
	bad := func(reason string) error { return &UnsafeError{Name: p, Reason: reason} }
	switch {
	case p == "":
		return bad("empty path")
	case len(p) > 1024:
		return bad("path too long")
	case strings.HasPrefix(p, "/"):
		return bad("absolute path")
	case strings.ContainsRune(p, '\\'):
		return bad("backslash in path")
	}
	for i := 0; i < len(p); i++ {
		if p[i] < 0x20 || p[i] == 0x7f {
			return bad("control character in path")
		}
	}
	for _, el := range strings.Split(p, "/") {
		switch el {
		case "":
			return bad("empty path element")
		case ".", "..":
			return bad("dot element in path")
		}
	}
	if path.Clean(p) != p {
		return bad("path not clean")
	}
	return nil
}
