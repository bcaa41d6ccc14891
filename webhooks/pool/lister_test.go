package pool_test

import (
	"context"
	"strings"
	"testing"

	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/scalelite/scalelitetest"
	"github.com/bbbkit/bbbkit/scalelite/scheduler"
	"github.com/bbbkit/bbbkit/webhooks/pool"
	"github.com/google/go-cmp/cmp"
)

// TestListers: the scheduler's and Scalelite's server lists become pool
// servers with ID, URL and secret; a nil source is an error, not a panic.
func TestListers(t *testing.T) {
	ctx := context.Background()
	bbb1 := bbbtest.NewServer()
	defer bbb1.Close()
	sched, err := scheduler.New()
	if err != nil {
		t.Fatalf("scheduler.New(): %v", err)
	}
	_, err = sched.AddServer(ctx, scheduler.ServerConfig{ID: "bbb1", URL: bbb1.APIURL(), Secret: bbb1.Secret})
	if err != nil {
		t.Fatalf("sched.AddServer(...): %v", err)
	}
	got, err := pool.FromScheduler(sched).Servers(ctx)
	if err != nil {
		t.Fatalf("pool.FromScheduler(sched).Servers(ctx): %v", err)
	}
	if diff := cmp.Diff([]pool.Server{{ID: "bbb1", URL: bbb1.APIURL(), Secret: bbb1.Secret}}, got); diff != "" {
		t.Fatalf("got mismatch (-want +got):\n%s", diff)
	}

	lb := scalelitetest.NewServer()
	defer lb.Close()
	_, err = lb.Scheduler().AddServer(ctx, scheduler.ServerConfig{ID: "bbb1", URL: bbb1.APIURL(), Secret: bbb1.Secret})
	if err != nil {
		t.Fatalf("lb.Scheduler(...).AddServer(...): %v", err)
	}
	got, err = pool.FromScalelite(lb.AdminClient()).Servers(ctx)
	if err != nil {
		t.Fatalf("pool.FromScalelite(lb.AdminClient()).Servers(ctx): %v", err)
	}
	if len(got) != 1 {
		t.Fatalf("len(got) = %d; want %d: %v", len(got), 1, got)
	}
	if got[0].ID != "bbb1" {
		t.Fatalf("got[0].ID = %q; want %q", got[0].ID, "bbb1")
	}
	if got[0].Secret != bbb1.Secret {
		t.Fatalf("got[0].Secret = %v; want %v", got[0].Secret, bbb1.Secret)
	}

	_, err = pool.FromScheduler(nil).Servers(ctx)
	if err == nil {
		t.Fatalf("pool.FromScheduler(nil).Servers(ctx) = nil; want an error")
	}
	_, err = pool.FromScalelite(nil).Servers(ctx)
	if err == nil {
		t.Fatalf("pool.FromScalelite(nil).Servers(ctx) = nil; want an error")
	}
	if got := (pool.Server{ID: "a", URL: "u", Secret: "hidden"}).String(); strings.Contains(got, "hidden") {
		t.Fatalf("pool.Server{ID: \"a\", URL: \"u\", Secret: \"hidden\"}.String() = %q; want it not to contain %q", got, "hidden")
	}
}
