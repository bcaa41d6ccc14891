package main

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"regexp"

	"github.com/bbbkit/bbbkit/examples/internal/cli"
)

// Start the portal offline (embedded fake BBB server and mock OpenID
// provider) on a free loopback port and read the room list from its front
// page.
func Example() {
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan int, 1)
	ctx = cli.WithReady(ctx, func(addr string) { ready <- "http://" + addr })
	go func() { done <- run(ctx, []string{"-addr", "127.0.0.1:0"}, nil, io.Discard, io.Discard) }()
	var base string
	select {
	case base = <-ready:
	case code := <-done:
		cancel()
		fmt.Println("portal exited with", code)
		return
	}
	defer func() {
		cancel()
		fmt.Println("exit code:", <-done)
	}()

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get(base + "/")
	if err != nil {
		fmt.Println(err)
		return
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	row := regexp.MustCompile(`<tr><td>([^<]*)</td><td>([^<]*)</td><td><a href="[^"]*">([^<]*)</a>`)
	for _, m := range row.FindAllStringSubmatch(string(page), -1) {
		fmt.Printf("%s: %s [%s]\n", html.UnescapeString(m[1]), html.UnescapeString(m[2]), m[3])
	}
	// Output:
	// Physics 101: not started [Sign in and join]
	// Open lab: not started [Sign in and join]
	// exit code: 0
}
