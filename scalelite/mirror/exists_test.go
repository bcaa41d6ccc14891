package mirror

import (
	"os"
	"testing"
)

// mustBeFile fails the test unless path is a file (not a directory).
func mustBeFile(t testing.TB, path string) {
	t.Helper()
	info, err := os.Lstat(path)
	if err != nil {
		t.Fatalf("os.Lstat(%q): %v; want a file", path, err)
	}
	if info.IsDir() {
		t.Fatalf("%q is a directory; want a file", path)
	}
}

// mustBeDir fails the test unless path is a directory.
func mustBeDir(t testing.TB, path string) {
	t.Helper()
	info, err := os.Lstat(path)
	if err != nil {
		t.Fatalf("os.Lstat(%q): %v; want a directory", path, err)
	}
	if !info.IsDir() {
		t.Fatalf("%q is a %v; want a directory", path, info.Mode().Type())
	}
}

// mustNotBeDir fails the test if path is a directory; what it is otherwise,
// or whether it exists, does not matter.
func mustNotBeDir(t testing.TB, path, why string) {
	t.Helper()
	if info, err := os.Lstat(path); err == nil && info.IsDir() {
		t.Fatalf("%q is a directory; want none%s", path, why)
	}
}
