package bbbtest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
)

// A test starts a fake server, drives it with the bbb client, and makes a
// user join through the test controls.
func Example() {
	srv := bbbtest.NewServer()
	defer srv.Close()
	client := srv.BBBClient()
	ctx := context.Background()
	_, err := client.CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "Demo", MeetingID: "demo", Record: bbb.Bool(true)})
	if err != nil {
		panic(err)
	}
	if _, err := srv.Join("demo", bbbtest.User{FullName: "Alice", Role: "MODERATOR"}); err != nil {
		panic(err)
	}
	info, _ := client.GetMeetingInfo(ctx, "demo")
	fmt.Println(info.Running, info.ParticipantCount, info.Attendees[0].FullName)

	_ = client.EndMeeting(ctx, "demo")
	page, _ := client.GetRecordings(ctx, &bbb.GetRecordingsParams{MeetingIDs: []string{"demo"}})
	fmt.Println(len(page.Recordings), page.Recordings[0].State, page.Recordings[0].Playback[0].Type)
	// Output:
	// true 1 Alice
	// 1 published presentation
}

// A FakeClock makes the recording pipeline deterministic: the recording
// stays in "processing" until the clock passes the publish delay.
func ExampleFakeClock() {
	clock := bbbtest.NewFakeClock(time.Time{})
	srv := bbbtest.NewServer(bbbtest.WithClock(clock.Now), bbbtest.WithPublishDelay(10*time.Minute))
	defer srv.Close()
	client := srv.BBBClient()
	ctx := context.Background()
	_, _ = client.CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "Lecture", MeetingID: "lecture", Record: bbb.Bool(true)})
	_, _ = srv.Join("lecture", bbbtest.User{FullName: "Bob"})
	clock.Advance(30 * time.Minute)
	_ = srv.EndMeeting("lecture")

	fmt.Println(srv.Recordings()[0].State)
	clock.Advance(10 * time.Minute)
	fmt.Println(srv.Recordings()[0].State)
	// Output:
	// processing
	// published
}
