package scalelitetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/scalelite"
)

// BenchmarkCreateThroughFake measures a create sent through the fake
// Scalelite to one of three workers; BenchmarkCreateDirect, the same create
// sent straight to a worker, is its baseline, so the ratio is the cost of the
// balancer hop (checksum check, atomic pick, re-signing, forwarding).
func BenchmarkCreateThroughFake(b *testing.B) {
	sl := NewServer()
	defer sl.Close()
	admin := sl.AdminClient()
	ctx := context.Background()
	for range 3 {
		w := bbbtest.NewServer()
		defer w.Close()
		srv, err := admin.AddServer(ctx, &scalelite.AddServerParams{URL: w.APIURL(), Secret: w.Secret})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := admin.EnableServer(ctx, srv.ID); err != nil {
			b.Fatal(err)
		}
	}
	front := sl.BBBClient()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		if _, err := front.CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "bench room", MeetingID: fmt.Sprint("m", i)}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCreateDirect is the baseline of BenchmarkCreateThroughFake.
func BenchmarkCreateDirect(b *testing.B) {
	w := bbbtest.NewServer()
	defer w.Close()
	c, err := bbb.New(w.APIURL(), w.Secret)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		if _, err := c.CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "bench room", MeetingID: fmt.Sprint("m", i)}); err != nil {
			b.Fatal(err)
		}
	}
}
