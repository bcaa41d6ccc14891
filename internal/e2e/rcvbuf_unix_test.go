//go:build unix

package e2e

import "syscall"

// setRcvBuf fixes a socket's receive buffer, which turns off the kernel's
// autotuning (up to tens of megabytes on loopback).
func setRcvBuf(c syscall.RawConn, n int) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, n)
	})
	if err != nil {
		return err
	}
	return serr
}
