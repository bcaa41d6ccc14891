package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/examples/internal/cli"
	"github.com/bbbkit/bbbkit/scalelite"
	"github.com/bbbkit/bbbkit/scalelite/scalelitetest"
)

// Point bbbctl at a balancer with BBBCTL_URL and BBBCTL_SECRET only: it
// finds out that the URL is a balancer and asks each of its servers.
func Example() {
	ctx := context.Background()
	balancer := scalelitetest.NewServer()
	defer balancer.Close()
	worker := bbbtest.NewServer()
	defer worker.Close()
	srv, err := balancer.AdminClient().AddServer(ctx, &scalelite.AddServerParams{URL: worker.APIURL(), Secret: worker.Secret})
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := balancer.AdminClient().EnableServer(ctx, srv.ID); err != nil {
		fmt.Println(err)
		return
	}
	if _, err := balancer.BBBClient().CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "math class", MeetingID: "math"}); err != nil {
		fmt.Println(err)
		return
	}
	env := map[string]string{"BBBCTL_URL": balancer.URL, "BBBCTL_SECRET": balancer.Secret, "BBBCTL_CONFIG": "/nonexistent"}
	ctx = cli.WithGetenv(ctx, func(k string) string { return env[k] })
	var out bytes.Buffer
	code := run(ctx, []string{"status", "-o", "json"}, nil, &out, io.Discard)
	var rep statusReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		fmt.Println(code, err)
		return
	}
	fmt.Println("exit", code, "servers", len(rep.Servers), "state", rep.Servers[0].State, "meetings", rep.Total.Meetings)
	// Output: exit 0 servers 1 state enabled meetings 1
}
