package main

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/examples/internal/cli"
)

// Start the fake server on a free loopback port, check its health endpoint,
// create a meeting through the BBB API with a signed call, and shut it down.
func Example() {
	const secret = "example-secret"
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan int, 1)
	getenv := func(k string) string {
		if k == "BBB_SECRET" {
			return secret
		}
		return ""
	}
	ctx = cli.WithReady(cli.WithGetenv(ctx, getenv), func(a string) { addrc <- a })
	go func() { done <- run(ctx, []string{"-listen", "127.0.0.1:0"}, nil, io.Discard, io.Discard) }()
	var addr string
	select {
	case addr = <-addrc:
	case code := <-done:
		cancel()
		fmt.Println("fakebbb exited with", code)
		return
	}
	defer func() {
		cancel()
		fmt.Println("exit code:", <-done)
	}()

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	resp, err := hc.Get("http://" + addr + "/health")
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Printf("health: %s", body)

	c, err := bbb.New("http://"+addr+"/bigbluebutton/", secret, bbb.WithHTTPClient(hc))
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := c.CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "Example room", MeetingID: "example-1"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("created:", m.MeetingID)
	// Output:
	// health: ok
	// created: example-1
	// exit code: 0
}
