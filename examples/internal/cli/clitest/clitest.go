package clitest

import (
	"fmt"
	"io"
	"net"
	"time"
)

// SlowBody sends a POST to path on addr whose 100-byte body comes one byte
// a second, and waits for the server to close the connection. It returns
// how long the connection stayed open, and an error when it was still open
// after limit (the server's read timeout plus a margin) or could not be
// made.
func SlowBody(addr, path string, limit time.Duration) (time.Duration, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	start := time.Now()
	if _, err := fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n", path, addr); err != nil {
		return 0, err
	}
	stop := make(chan struct{})
	sent := make(chan struct{})
	go func() { // one byte a second until the server hangs up or we stop
		defer close(sent)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			if _, err := conn.Write([]byte("x")); err != nil {
				return
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	defer func() {
		close(stop)
		<-sent
	}()
	if err := conn.SetReadDeadline(time.Now().Add(limit)); err != nil {
		return 0, err
	}
	_, err = io.ReadAll(conn) // whatever the server answers, then its close
	open := time.Since(start)
	if err != nil {
		return open, fmt.Errorf("a body sent one byte a second kept the connection open for %s: %w", open.Round(time.Millisecond), err)
	}
	return open, nil
}
