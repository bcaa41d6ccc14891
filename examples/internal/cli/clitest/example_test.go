package clitest_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/bbbkit/bbbkit/examples/internal/cli/clitest"
)

// A server with a read timeout hangs up on a client that sends its body one
// byte a second.
func ExampleSlowBody() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := &http.Server{
		ReadHeaderTimeout: time.Second,
		ReadTimeout:       300 * time.Millisecond,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, err := io.ReadAll(r.Body); err != nil {
				http.Error(w, "slow body", http.StatusRequestTimeout)
			}
		}),
	}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	open, err := clitest.SlowBody(ln.Addr().String(), "/upload", 3*time.Second)
	fmt.Println("closed:", err == nil, "within the read timeout:", open < time.Second)
	// Output: closed: true within the read timeout: true
}
