package gapfill_test

import (
	"context"
	"fmt"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/webhooks"
	"github.com/bbbkit/bbbkit/webhooks/gapfill"
	"github.com/bbbkit/bbbkit/webhooks/pool"
)

// A meeting whose events never arrived is announced by the next poll.
func Example() {
	srv := bbbtest.NewServer()
	defer srv.Close()
	ctx := context.Background()
	if _, err := srv.BBBClient().CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "Physics", MeetingID: "physics-101"}); err != nil {
		panic(err)
	}
	app := func(_ context.Context, d *webhooks.Delivery) error {
		for i := range d.Events {
			fmt.Println(d.Events[i].Type, d.Events[i].MeetingID, gapfill.Synthesized(&d.Events[i]))
		}
		return nil
	}
	f, err := gapfill.New(pool.Static{{ID: "bbb1", URL: srv.APIURL(), Secret: srv.Secret}}, app)
	if err != nil {
		panic(err)
	}
	// A receiver would use f.Deliver as its DeliveryFunc, and go f.Run(ctx).
	if err := f.Poll(ctx); err != nil {
		panic(err)
	}
	// Output: meeting-created physics-101 true
}
