package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/scalelite"
	"github.com/bbbkit/bbbkit/scalelite/scalelitetest"
	"github.com/bbbkit/bbbkit/scalelite/scheduler/autoscale"
)

// setSites gives the fleet's workers sites and a capacity of 100 each.
func (f *fleet) setSites(t *testing.T, sites ...string) {
	t.Helper()
	admin := f.balancer.AdminClient()
	for i, site := range sites {
		if _, err := admin.UpdateServer(context.Background(), f.ids[i], &scalelite.UpdateServerParams{Site: new(site), Capacity: new(100.0)}); err != nil {
			t.Fatalf("UpdateServer(%s): %v", f.ids[i], err)
		}
	}
}

// TestCapacityWithPlan: capacity prints a row per site and the total, then
// the plan of the balancer's policy, and the same as JSON.
func TestCapacityWithPlan(t *testing.T) {
	t.Parallel()
	scaler, err := autoscale.New(autoscale.Policy{Sites: []autoscale.SitePolicy{
		{Site: "a", Headroom: autoscale.Headroom{Absolute: 150}, MinServers: 1, ServerCapacity: 100},
		{Site: "b", Headroom: autoscale.Headroom{Absolute: 50}, MinServers: 1, ServerCapacity: 100},
	}})
	if err != nil {
		t.Fatal(err)
	}
	f := newFleetWith(t, 3, []scalelitetest.Option{scalelitetest.WithAutoscaler(scaler)})
	f.setSites(t, "a", "b", "b")

	r := ctl(t, f.env(), "capacity")
	requireOK(t, r)
	for _, want := range []string{
		"SITE", "FREE",
		"site a: add 1 server(s) of capacity 100: free 100 below target 150",
		"site b: drain ",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("capacity output lacks %q:\n%s", want, r.stdout)
		}
	}
	lines := strings.Split(r.stdout, "\n")
	if len(lines) < 4 || !strings.HasPrefix(lines[1], "a ") || !strings.HasPrefix(lines[2], "b ") || !strings.HasPrefix(lines[3], "TOTAL ") {
		t.Fatalf("want rows a, b, TOTAL:\n%s", r.stdout)
	}
	if got := strings.Fields(lines[3]); strings.Join(got, " ") != "TOTAL 3 3 3 0 0 0 300 300" {
		t.Errorf("total row %q; want TOTAL 3 3 3 0 0 0 300 300", lines[3])
	}

	r = ctl(t, f.env(), "capacity", "-o", "json")
	requireOK(t, r)
	var rep capacityReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("JSON: %v\n%s", err, r.stdout)
	}
	if rep.Capacity == nil || rep.Capacity.Total.Capacity != 300 || rep.Plan == nil || len(rep.Plan.Actions) != 2 {
		t.Fatalf("JSON report %+v; want capacity 300 and two actions", rep)
	}
	if rep.Plan.Time.IsZero() || time.Since(rep.Plan.Time) > time.Minute {
		t.Errorf("plan time %v; want now", rep.Plan.Time)
	}
}

// TestCapacityWithoutPolicy: without a policy capacity still prints the
// capacity and says there is no plan; a list of servers is a usage error.
func TestCapacityWithoutPolicy(t *testing.T) {
	t.Parallel()
	f := newFleet(t, 1)
	f.setSites(t, "a")
	r := ctl(t, f.env(), "capacity")
	requireOK(t, r)
	if !strings.Contains(r.stdout, "no autoscaling policy") || !strings.Contains(r.stdout, "TOTAL") {
		t.Fatalf("capacity without a policy:\n%s", r.stdout)
	}
	env := map[string]string{"BBBCTL_URL": f.workers[0].URL, "BBBCTL_SECRET": f.workers[0].Secret, "BBBCTL_CONFIG": "/nonexistent"}
	if r := ctl(t, env, "capacity", "-kind", "server"); r.code != 2 || !strings.Contains(r.stderr, "capacity needs a balancer") {
		t.Fatalf("capacity against a server: exit %d, want 2 (usage) saying it needs a balancer\n%s%s", r.code, r.stdout, r.stderr)
	}
}
