// Package syncbuf provides Buffer, a bytes.Buffer safe for concurrent
// writers, for tests that capture the log output of servers they start.
package syncbuf
