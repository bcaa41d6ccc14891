// Package testwait is shared by the test files of bbbkit's packages: one
// polling wait with a deadline instead of a copy per package.
package testwait
