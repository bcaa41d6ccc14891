package storetest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/scalelite/scheduler"
	"github.com/bbbkit/bbbkit/scalelite/scheduler/storetest"
)

func TestCluster(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := storetest.NewCluster()
	srv := scheduler.Server{ID: "a"}
	c.Start("a", scheduler.Meeting{ID: "m2"})
	c.Start("a", scheduler.Meeting{ID: "m1"})
	c.Start("a", scheduler.Meeting{ID: "m1", ParticipantCount: 3}) // replaces
	ms, err := c.ListMeetings(ctx, srv)
	if err != nil || len(ms) != 2 || ms[0].ID != "m1" || ms[0].ParticipantCount != 3 || ms[1].ID != "m2" {
		t.Fatalf("ListMeetings = %+v, %v", ms, err)
	}
	c.End("a", "m2")
	c.SetDown("a", true)
	if _, err := c.ListMeetings(ctx, srv); !errors.Is(err, storetest.ErrDown) {
		t.Fatalf("down server: %v", err)
	}
	c.SetDown("a", false)
	if ms, _ := c.ListMeetings(ctx, srv); len(ms) != 1 {
		t.Fatalf("after End: %+v", ms)
	}
	if ms, err := c.ListMeetings(ctx, scheduler.Server{ID: "unknown"}); err != nil || len(ms) != 0 {
		t.Fatalf("unknown server: %+v, %v", ms, err)
	}
	if n := c.Calls("a"); n != 3 {
		t.Fatalf("Calls = %d, want 3", n)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.ListMeetings(cctx, srv); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

func TestClockAndRecorder(t *testing.T) {
	t.Parallel()
	clk := storetest.NewClock(storetest.Epoch())
	clk.Advance(90 * time.Second)
	if got := clk.Now(); !got.Equal(storetest.Epoch().Add(90 * time.Second)) {
		t.Fatalf("Now = %v", got)
	}
	var r storetest.Recorder
	r.Observe(scheduler.Event{Kind: scheduler.EventPlaced})
	r.Observe(scheduler.Event{Kind: scheduler.EventOnline})
	if len(r.Events()) != 2 || len(r.Events(scheduler.EventOnline)) != 1 || len(r.Events(scheduler.EventOffline)) != 0 {
		t.Fatalf("Events = %+v", r.Events())
	}
}

// The suite runs here too, against the in-memory store, so that storetest
// is tested on its own.
func TestRunMemory(t *testing.T) {
	t.Parallel()
	storetest.Run(t, storetest.Harness{New: func(*testing.T) scheduler.Store { return scheduler.NewMemoryStore() }})
}
