package metrics

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/bbbkit/bbbkit/scalelite/scheduler"
	"github.com/bbbkit/bbbkit/scalelite/scheduler/autoscale"
)

func TestScalePlanMetrics(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	a, err := autoscale.New(autoscale.Policy{
		Sites: []autoscale.SitePolicy{
			{Site: "a", Headroom: autoscale.Headroom{Absolute: 150}, MinServers: 1, ServerCapacity: 100},
			{Site: "b", Headroom: autoscale.Headroom{Absolute: 50}, MinServers: 1, ServerCapacity: 100},
			{Site: "c", Headroom: autoscale.Headroom{Absolute: 50}, MinServers: 1, ServerCapacity: 100},
		},
		ScaleOutCooldown: time.Hour,
	}, autoscale.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	up := func(id, site string, load float64) scheduler.Server {
		return scheduler.Server{ID: id, Site: site, State: scheduler.StateEnabled, Online: true, Load: load, Capacity: 100, Secret: "secret-" + id}
	}
	servers := staticLister{up("a1", "a", 0), up("b1", "b", 0), up("b2", "b", 0), up("b3", "b", 0), up("c1", "c", 10)}
	m, err := NewScalePlanMetrics(servers, a)
	if err != nil {
		t.Fatal(err)
	}
	want := `
# HELP bbbkit_autoscale_drain_servers Servers the autoscaling plan drains now, per site
# TYPE bbbkit_autoscale_drain_servers gauge
bbbkit_autoscale_drain_servers{site="a"} 0
bbbkit_autoscale_drain_servers{site="b"} 2
bbbkit_autoscale_drain_servers{site="c"} 0
# HELP bbbkit_autoscale_scale_out_servers Servers the autoscaling plan adds now, per site
# TYPE bbbkit_autoscale_scale_out_servers gauge
bbbkit_autoscale_scale_out_servers{site="a"} 1
bbbkit_autoscale_scale_out_servers{site="b"} 0
bbbkit_autoscale_scale_out_servers{site="c"} 0
# HELP bbbkit_autoscale_plan_up 1 when the autoscaling plan could be made at scrape time
# TYPE bbbkit_autoscale_plan_up gauge
bbbkit_autoscale_plan_up 1
`
	names := []string{"bbbkit_autoscale_drain_servers", "bbbkit_autoscale_scale_out_servers", "bbbkit_autoscale_plan_up"}
	for range 2 { // scraping records nothing: the second scrape is the same
		if err := testutil.CollectAndCompare(m, strings.NewReader(want), names...); err != nil {
			t.Fatal(err)
		}
	}
	// Once the scale-out is made (the hook ran), the cooldown holds it.
	srv, _ := servers.Servers(context.Background())
	if _, err := a.Plan(context.Background(), srv); err != nil {
		t.Fatal(err)
	}
	wantHeld := `
# HELP bbbkit_autoscale_held_servers Servers the autoscaling plan would add or drain but a cooldown holds back, per site
# TYPE bbbkit_autoscale_held_servers gauge
bbbkit_autoscale_held_servers{action="drain",site="a"} 0
bbbkit_autoscale_held_servers{action="drain",site="b"} 0
bbbkit_autoscale_held_servers{action="drain",site="c"} 0
bbbkit_autoscale_held_servers{action="scale_out",site="a"} 1
bbbkit_autoscale_held_servers{action="scale_out",site="b"} 0
bbbkit_autoscale_held_servers{action="scale_out",site="c"} 0
`
	if err := testutil.CollectAndCompare(m, strings.NewReader(wantHeld), "bbbkit_autoscale_held_servers"); err != nil {
		t.Error(err)
	}
	if lint, err := testutil.CollectAndLint(m); err != nil || len(lint) > 0 {
		t.Errorf("lint: %v %v", lint, err)
	}
	if _, err := NewScalePlanMetrics(nil, a); err == nil {
		t.Error("NewScalePlanMetrics(nil, a) = nil error")
	}
}

func TestScalePlanMetricsDown(t *testing.T) {
	t.Parallel()
	a, err := autoscale.New(autoscale.Policy{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewScalePlanMetrics(failingLister{}, a)
	if err != nil {
		t.Fatal(err)
	}
	want := `
# HELP bbbkit_autoscale_plan_up 1 when the autoscaling plan could be made at scrape time
# TYPE bbbkit_autoscale_plan_up gauge
bbbkit_autoscale_plan_up 0
`
	if err := testutil.CollectAndCompare(m, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
}
