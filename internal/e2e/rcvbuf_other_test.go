//go:build !unix

package e2e

import "syscall"

// setRcvBuf leaves the receive buffer alone where the socket option is not
// reachable the Unix way.
func setRcvBuf(syscall.RawConn, int) error { return nil }
