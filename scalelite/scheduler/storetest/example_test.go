package storetest_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bbbkit/bbbkit/scalelite/scheduler"
	"github.com/bbbkit/bbbkit/scalelite/scheduler/storetest"
)

// Cluster and Clock drive a Scheduler in tests: meetings start and end on
// fake servers, servers go down, and time moves only when told to.
func ExampleCluster() {
	ctx := context.Background()
	cluster := storetest.NewCluster()
	clock := storetest.NewClock(storetest.Epoch())
	s, err := scheduler.New(scheduler.WithMeetingLister(cluster), scheduler.WithClock(clock.Now))
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := s.AddServer(ctx, scheduler.ServerConfig{ID: "bbb1", URL: "https://bbb1.example.com/", Secret: "x"}); err != nil {
		fmt.Println(err)
		return
	}
	if _, err := s.SetState(ctx, "bbb1", scheduler.StateEnabled); err != nil {
		fmt.Println(err)
		return
	}
	_ = s.Poll(ctx)
	p, _ := s.Pick(ctx, "m1", "")
	cluster.Start(p.Server.ID, scheduler.Meeting{ID: "m1", CreateTime: clock.Now(), ParticipantCount: 3})

	cluster.SetDown("bbb1", true)
	for range scheduler.DefaultUnhealthyThreshold {
		clock.Advance(time.Minute)
		_ = s.Poll(ctx)
	}
	srv, _ := s.Server(ctx, "bbb1")
	_, err = s.Lookup(ctx, "m1")
	fmt.Println(srv.Online, errors.Is(err, scheduler.ErrMeetingNotFound))
	// Output: false true
}
