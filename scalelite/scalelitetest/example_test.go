package scalelitetest_test

import (
	"context"
	"fmt"
	"log"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/scalelite"
	"github.com/bbbkit/bbbkit/scalelite/scalelitetest"
)

// Example puts a fake Scalelite in front of two fake BigBlueButton servers
// and creates four meetings through it: they are spread over both servers.
func Example() {
	ctx := context.Background()
	sl := scalelitetest.NewServer()
	defer sl.Close()
	admin := sl.AdminClient()

	var workers []*bbbtest.Server
	for range 2 {
		w := bbbtest.NewServer()
		defer w.Close()
		srv, err := admin.AddServer(ctx, &scalelite.AddServerParams{URL: w.APIURL(), Secret: w.Secret})
		if err != nil {
			log.Fatal(err)
		}
		if _, err := admin.EnableServer(ctx, srv.ID); err != nil {
			log.Fatal(err)
		}
		workers = append(workers, w)
	}

	front := sl.BBBClient() // the BigBlueButton API, signed with the balancer secret
	for _, id := range []string{"math", "physics", "history", "art"} {
		if _, err := front.CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: id + " class", MeetingID: id}); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println(len(workers[0].Meetings()), len(workers[1].Meetings()))
	// Output:
	// 2 2
}
