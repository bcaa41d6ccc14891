package main

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/examples/internal/cli"
	"github.com/bbbkit/bbbkit/scalelite"
)

// Start the balancer on a free loopback port, register one BigBlueButton
// server through its Scalelite admin API, and create a meeting through its
// BBB API: the meeting lands on that server.
func Example() {
	const secret = "example-balancer-secret"
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan int, 1)
	getenv := func(k string) string {
		if k == "BALANCER_SECRET" {
			return secret
		}
		return ""
	}
	ctx = cli.WithReady(cli.WithGetenv(ctx, getenv), func(a string) { ready <- a })
	go func() { done <- run(ctx, []string{"-listen", "127.0.0.1:0"}, nil, io.Discard, io.Discard) }()
	var addr string
	select {
	case addr = <-ready:
	case code := <-done:
		cancel()
		fmt.Println("balancer exited with", code)
		return
	}
	defer func() {
		cancel()
		fmt.Println("exit code:", <-done)
	}()

	worker := bbbtest.NewServer() // a fake BigBlueButton server
	defer worker.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}

	admin, err := scalelite.New("http://"+addr, secret, scalelite.WithHTTPClient(hc))
	if err != nil {
		fmt.Println(err)
		return
	}
	srv, err := admin.AddServer(ctx, &scalelite.AddServerParams{URL: worker.APIURL(), Secret: worker.Secret})
	if err != nil {
		fmt.Println(err)
		return
	}
	if srv, err = admin.EnableServer(ctx, srv.ID); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("server enabled, online:", srv.Online)

	front, err := bbb.New("http://"+addr+"/bigbluebutton/api/", secret, bbb.WithHTTPClient(hc))
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := front.CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "Example room", MeetingID: "example-1"}); err != nil {
		fmt.Println(err)
		return
	}
	_, placed := worker.Meeting("example-1")
	fmt.Println("meeting on the server:", placed)
	// Output:
	// server enabled, online: true
	// meeting on the server: true
	// exit code: 0
}
