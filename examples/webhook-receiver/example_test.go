package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/bbbkit/bbbkit/examples/internal/cli"
)

// Start the receiver on a free loopback port, deliver one meeting-created
// callback signed the way bbb-webhooks signs it (SHA-1 of callback URL,
// body and secret in the checksum query parameter), and stop it. The
// program prints the event as one JSON line, with the meeting passwords
// redacted.
func Example() {
	const (
		secret      = "example-shared-secret"
		callbackURL = "https://portal.example.org/bbb/events"
	)
	var stdout syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan int, 1)
	args := []string{"-listen", "127.0.0.1:0", "-secret", secret, "-callback-url", callbackURL}
	ctx = cli.WithReady(ctx, func(a string) { ready <- a })
	go func() { done <- run(ctx, args, nil, &stdout, io.Discard) }()
	var addr string
	select {
	case addr = <-ready:
	case code := <-done:
		cancel()
		fmt.Println("webhook-receiver exited with", code)
		return
	}

	event := `{"data":{"type":"event","id":"meeting-created","attributes":{"meeting":{"external-meeting-id":"room-1","moderator-pass":"mp"}},"event":{"ts":1764150000000}}}`
	b := body(event, time.Now().UnixMilli()) // bbb-webhooks stamps the delivery when it sends it
	sum := checksum.Sum(checksum.SHA1, callbackURL, b, secret)
	tr := &http.Transport{}
	resp, err := (&http.Client{Transport: tr}).Post("http://"+addr+"/bbb/events?checksum="+sum, form, strings.NewReader(b))
	if err == nil {
		resp.Body.Close()
		fmt.Println("status:", resp.StatusCode)
	} else {
		fmt.Println(err)
	}
	tr.CloseIdleConnections()

	cancel()
	fmt.Println("exit code:", <-done)
	fmt.Print(stdout.String())
	// Output:
	// status: 200
	// exit code: 0
	// {"type":"meeting-created","meeting":"room-1","timestamp":"2025-11-26T09:40:00.000Z","data":{"data":{"type":"event","id":"meeting-created","attributes":{"meeting":{"external-meeting-id":"room-1","moderator-pass":"[REDACTED]"}},"event":{"ts":1764150000000}}}}
}
