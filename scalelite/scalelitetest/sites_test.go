package scalelitetest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/internal/testwait"
	"github.com/bbbkit/bbbkit/scalelite"
	"github.com/bbbkit/bbbkit/scalelite/scheduler"
	"github.com/bbbkit/bbbkit/scalelite/scheduler/autoscale"
	"github.com/google/go-cmp/cmp"
)

// addSiteWorker starts a worker and adds it through the admin API with a
// site and a capacity, enabled.
func (c *testCluster) addSiteWorker(t *testing.T, site string, capacity float64) (*bbbtest.Server, string) {
	t.Helper()
	ctx := context.Background()
	w := bbbtest.NewServer()
	t.Cleanup(w.Close)
	srv, err := c.admin.AddServer(ctx, &scalelite.AddServerParams{URL: w.APIURL(), Secret: w.Secret, Site: site, Capacity: capacity})
	if err != nil {
		t.Fatalf("c.admin.AddServer(...): %v", err)
	}
	if srv.Site != site {
		t.Fatalf("srv.Site = %v; want %v", srv.Site, site)
	}
	if srv.Capacity != capacity {
		t.Fatalf("srv.Capacity = %v; want %v", srv.Capacity, capacity)
	}
	srv, err = c.admin.EnableServer(ctx, srv.ID)
	if err != nil {
		t.Fatalf("c.admin.EnableServer(ctx, srv.ID): %v", err)
	}
	if !srv.Online {
		t.Fatalf("srv.Online = false; want true")
	}
	c.workers = append(c.workers, w)
	c.ids = append(c.ids, srv.ID)
	return w, srv.ID
}

// TestSiteFailoverThroughTheBalancer drives sites from independent clients:
// the admin client sets sites and capacities, creates follow the
// balancer's site order, a request's meta_bbbkit-site-order, spill to the
// next site when a site is down, and getCapacity reports it all.
func TestSiteFailoverThroughTheBalancer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClusterWith(t, 0, []scheduler.Option{scheduler.WithSiteOrder("a", "b")})
	a1, _ := c.addSiteWorker(t, "a", 100)
	a2, _ := c.addSiteWorker(t, "a", 100)
	_, b1ID := c.addSiteWorker(t, "b", 0)
	c.addSiteWorker(t, "b", 0)

	servers, err := c.admin.GetServers(ctx)
	if err != nil {
		t.Fatalf("c.admin.GetServers(ctx): %v", err)
	}
	sites := map[string]int{}
	for _, s := range servers {
		sites[s.Site]++
	}
	if diff := cmp.Diff(map[string]int{"a": 2, "b": 2}, sites); diff != "" {
		t.Fatalf("sites mismatch (-want +got):\n%s", diff)
	}

	for _, id := range []string{"m1", "m2"} {
		_, err := c.create(ctx, id, nil)
		if err != nil {
			t.Fatalf("c.create(ctx, id, nil): %v", err)
		}
		if got := c.holder(id); !slices.Contains([]int{0, 1}, got) {
			t.Fatalf("c.holder(id) = %v; want one of []int{0, 1} (%s lands on site a)", got, id)
		}
	}
	_, err = c.create(ctx, "r1", map[string]string{"bbbkit-site-order": "b,a"})
	if err != nil {
		t.Fatalf("c.create(ctx, \"r1\", map[string]string{\"bbbkit-site-order\": \"b,a\"}): %v", err)
	}
	if got := c.holder("r1"); !slices.Contains([]int{2, 3}, got) {
		t.Fatalf("c.holder(\"r1\") = %v; want one of []int{2, 3} (the request's order puts b first)", got)
	}
	_, err = c.create(ctx, "bad", map[string]string{"bbbkit-site-order": "a b"})
	if err == nil {
		t.Fatalf("c.create(ctx, \"bad\", map[string]string{\"bbbkit-site-order\": \"a b\"}) = nil; want an error")
	}

	capacity, err := c.admin.GetCapacity(ctx)
	if err != nil {
		t.Fatalf("c.admin.GetCapacity(ctx): %v", err)
	}
	if len(capacity.Sites) != 2 {
		t.Fatalf("len(capacity.Sites) = %d; want %d: %v", len(capacity.Sites), 2, capacity.Sites)
	}
	if capacity.Total.Online != 4 {
		t.Fatalf("capacity.Total.Online = %v; want %v", capacity.Total.Online, 4)
	}
	if capacity.Sites[0].Capacity != 200.0 {
		t.Fatalf("capacity.Sites[0].Capacity = %v; want %v", capacity.Sites[0].Capacity, 200.0)
	}
	if capacity.Sites[0].Free != 170.0 {
		t.Fatalf("capacity.Sites[0].Free = %v; want %v (two meetings reserve 15 each on site a)", capacity.Sites[0].Free, 170.0)
	}

	// Site a goes down: new meetings and re-created ones go to b.
	a1.SetDown(true)
	a2.SetDown(true)
	for range 2 {
		if err := c.sl.Scheduler().Poll(ctx); err != nil {
			t.Fatalf("c.sl.Scheduler().Poll(ctx): %v", err)
		}
	}
	_, err = c.create(ctx, "m3", nil)
	if err != nil {
		t.Fatalf("c.create(ctx, \"m3\", nil): %v", err)
	}
	if got := c.holder("m3"); !slices.Contains([]int{2, 3}, got) {
		t.Fatalf("c.holder(\"m3\") = %v; want one of []int{2, 3}", got)
	}
	capacity, err = c.admin.GetCapacity(ctx)
	if err != nil {
		t.Fatalf("c.admin.GetCapacity(ctx): %v", err)
	}
	if capacity.Sites[0].Online != 0 {
		t.Fatalf("capacity.Sites[0].Online = %v; want %v", capacity.Sites[0].Online, 0)
	}
	if capacity.Sites[1].Online != 2 {
		t.Fatalf("capacity.Sites[1].Online = %v; want %v", capacity.Sites[1].Online, 2)
	}

	// Site a comes back: new meetings return to it; m3 stays on b.
	a1.SetDown(false)
	a2.SetDown(false)
	if err := c.sl.Scheduler().Poll(ctx); err != nil {
		t.Fatalf("c.sl.Scheduler().Poll(ctx): %v", err)
	}
	_, err = c.create(ctx, "m4", nil)
	if err != nil {
		t.Fatalf("c.create(ctx, \"m4\", nil): %v", err)
	}
	if got := c.holder("m4"); !slices.Contains([]int{0, 1}, got) {
		t.Fatalf("c.holder(\"m4\") = %v; want one of []int{0, 1}", got)
	}
	if got := c.holder("m3"); !slices.Contains([]int{2, 3}, got) {
		t.Fatalf("c.holder(\"m3\") = %v; want one of []int{2, 3}", got)
	}

	// Moving a server to another site through updateServer.
	srv, err := c.admin.UpdateServer(ctx, b1ID, &scalelite.UpdateServerParams{Site: new("c"), Capacity: new(50.0)})
	if err != nil {
		t.Fatalf("c.admin.UpdateServer(...): %v", err)
	}
	if srv.Site != "c" {
		t.Fatalf("srv.Site = %q; want %q", srv.Site, "c")
	}
	if srv.Capacity != 50.0 {
		t.Fatalf("srv.Capacity = %v; want %v", srv.Capacity, 50.0)
	}
}

// TestDrainThroughTheBalancer drains a worker with a meeting through the
// admin API: it is cordoned at once, its meeting is ended at the deadline
// and the server is removed.
func TestDrainThroughTheBalancer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClusterWith(t, 2, []scheduler.Option{scheduler.WithPollInterval(20 * time.Millisecond)})
	_, err := c.create(ctx, "m1", nil)
	if err != nil {
		t.Fatalf("c.create(ctx, \"m1\", nil): %v", err)
	}
	i := c.holder("m1")
	if err := c.sl.Scheduler().Poll(ctx); err != nil {
		t.Fatalf("c.sl.Scheduler().Poll(ctx): %v", err)
	}
	srv, err := c.admin.DrainServer(ctx, c.ids[i], &scalelite.DrainServerParams{Deadline: time.Second, EndMeetings: true, Message: "maintenance"})
	if err != nil {
		t.Fatalf("c.admin.DrainServer(...): %v", err)
	}
	if srv.State != scalelite.StateCordoned {
		t.Fatalf("srv.State = %v; want %v", srv.State, scalelite.StateCordoned)
	}
	_, err = c.create(ctx, "m2", nil)
	if err != nil {
		t.Fatalf("c.create(ctx, \"m2\", nil): %v", err)
	}
	if got := c.holder("m2"); got != 1-i {
		t.Fatalf("c.holder(\"m2\") = %v; want %v (a draining server takes no new meetings)", got, 1-i)
	}
	testwait.Eventually(t, func() bool {
		_, err := c.admin.GetServerInfo(ctx, c.ids[i])
		return errors.Is(err, scalelite.ErrNotFound)
	}, 10*time.Second, 20*time.Millisecond, "condition (the drained server is removed)")
	if got := c.workers[i].Meetings(); len(got) != 0 {
		t.Fatalf("c.workers[i].Meetings() = %v; want empty (the meeting was ended at the deadline)", got)
	}

	_, err = c.admin.DrainServer(ctx, "nope", nil)
	if !errors.Is(err, scalelite.ErrNotFound) {
		t.Fatalf("c.admin.DrainServer(ctx, \"nope\", nil) = %v; want scalelite.ErrNotFound", err)
	}
}

// TestTenantSiteOrder: a tenant's site order (admin "site_order") places
// its meetings; a create's meta_bbbkit-site-order still wins.
func TestTenantSiteOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClusterWith(t, 0, []scheduler.Option{scheduler.WithSiteOrder("a", "b")}, WithMultitenancy())
	c.addSiteWorker(t, "a", 0)
	c.addSiteWorker(t, "b", 0)
	tn, err := c.admin.AddTenant(ctx, &scalelite.AddTenantParams{Name: "school1", Secrets: []string{"school1-secret"}, SiteOrder: []string{"b", "a"}})
	if err != nil {
		t.Fatalf("c.admin.AddTenant(...): %v", err)
	}
	if diff := cmp.Diff([]string{"b", "a"}, tn.SiteOrder); diff != "" {
		t.Fatalf("tn.SiteOrder mismatch (-want +got):\n%s", diff)
	}
	_, err = c.admin.AddTenant(ctx, &scalelite.AddTenantParams{Name: "bad", Secrets: []string{"x"}, SiteOrder: []string{"a b"}})
	if err == nil {
		t.Fatalf("c.admin.AddTenant(...) = nil; want an error")
	}

	u, _ := url.Parse(c.sl.URL)
	cl, err := bbb.New("http://school1.scalelite.test:"+u.Port()+"/bigbluebutton/api/", "school1-secret",
		bbb.WithHTTPClient(&http.Client{Transport: hostRewrite{c.hc.Transport, u.Host}}))
	if err != nil {
		t.Fatalf("bbb.New(...): %v", err)
	}
	_, err = cl.CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "t1", MeetingID: "t1"})
	if err != nil {
		t.Fatalf("cl.CreateMeeting(...): %v", err)
	}
	if got := c.holder("t1"); got != 1 {
		t.Fatalf("c.holder(\"t1\") = %v; want %v (the tenant's order puts b first)", got, 1)
	}
	_, err = cl.CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "t2", MeetingID: "t2", Meta: map[string]string{"bbbkit-site-order": "a"}})
	if err != nil {
		t.Fatalf("cl.CreateMeeting(...): %v", err)
	}
	if got := c.holder("t2"); got != 0 {
		t.Fatalf("c.holder(\"t2\") = %v; want %v (the request's order wins over the tenant's)", got, 0)
	}
	_, err = c.create(ctx, "plain", nil)
	if err != nil {
		t.Fatalf("c.create(ctx, \"plain\", nil): %v", err)
	}
	if got := c.holder("plain"); got != 0 {
		t.Fatalf("c.holder(\"plain\") = %v; want %v (without a tenant the balancer's order applies)", got, 0)
	}

	up, err := c.admin.UpdateTenant(ctx, tn.ID, &scalelite.UpdateTenantParams{SiteOrder: []string{}})
	if err != nil {
		t.Fatalf("c.admin.UpdateTenant(...): %v", err)
	}
	if len(up.SiteOrder) != 0 {
		t.Fatalf("up.SiteOrder = %v; want empty", up.SiteOrder)
	}
}

// TestScalePlanThroughTheBalancer: getScalePlan shows the autoscaling plan
// as load changes, from an independent admin client, without starting a
// cooldown; a plan made by the autoscaler (what the scale hook runs) holds
// the next one back for every handler sharing the store.
func TestScalePlanThroughTheBalancer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := scheduler.NewMemoryStore()
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	scaler, err := autoscale.New(autoscale.Policy{
		Sites:            []autoscale.SitePolicy{{Site: "a", Headroom: autoscale.Headroom{Absolute: 100}, MinServers: 1, MaxServers: 3, ServerCapacity: 100}},
		ScaleOutCooldown: 5 * time.Minute,
		ScaleInCooldown:  5 * time.Minute,
	}, autoscale.WithHistory(store), autoscale.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	c := newClusterWith(t, 0, []scheduler.Option{scheduler.WithStore(store)}, WithAutoscaler(scaler))
	_, a1 := c.addSiteWorker(t, "a", 100)
	_, a2 := c.addSiteWorker(t, "a", 100)
	plan := func() *scalelite.ScalePlan {
		t.Helper()
		p, err := c.admin.GetScalePlan(ctx)
		if err != nil {
			t.Fatalf("c.admin.GetScalePlan(ctx): %v", err)
		}
		return p
	}

	// Idle: one of the two servers can go and leave 100 free.
	p := plan()
	if !p.Time.Equal(now) {
		t.Errorf("p.Time = %v; want %v", p.Time, now)
	}
	if len(p.Sites) != 1 || p.Sites[0].Site != "a" || p.Sites[0].Free != 200 {
		t.Fatalf("p.Sites = %+v; want site a with 200 free", p.Sites)
	}
	if len(p.Actions) != 1 || len(p.Actions[0].Drain) != 1 || !slices.Contains([]string{a1, a2}, p.Actions[0].Drain[0]) || p.Actions[0].Reason == "" {
		t.Fatalf("idle plan %+v; want one server of a drained, with a reason", p.Actions)
	}

	// Eight new meetings reserve 15 users each: 80 free, below 100.
	for i := range 8 {
		if _, err := c.create(ctx, fmt.Sprintf("m%d", i), nil); err != nil {
			t.Fatalf("create m%d: %v", i, err)
		}
	}
	want := []scalelite.ScaleAction{{Site: "a", ScaleOut: 1, ServerCapacity: 100, Reason: "free 80 below target 100"}}
	for range 2 { // a preview starts no cooldown
		if diff := cmp.Diff(want, plan().Actions); diff != "" {
			t.Fatalf("loaded plan mismatch (-want +got):\n%s", diff)
		}
	}

	// The scale hook's plan (Plan, not Preview) records the scale-out:
	// the admin call now shows it held until the cooldown ends.
	servers, err := c.sl.Scheduler().Servers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if made, err := scaler.Plan(ctx, servers); err != nil || len(made.Actions) != 1 {
		t.Fatalf("scaler.Plan = %+v, %v; want the scale-out", made.Actions, err)
	}
	now = now.Add(time.Minute)
	p = plan()
	if len(p.Actions) != 0 || len(p.Held) != 1 || !p.Held[0].Until.Equal(now.Add(4*time.Minute)) {
		t.Fatalf("plan after a scale-out: actions %+v held %+v; want the scale-out held 4 more minutes", p.Actions, p.Held)
	}

	// Without a policy the call is not found.
	bare := newCluster(t, 0)
	if _, err := bare.admin.GetScalePlan(ctx); !errors.Is(err, scalelite.ErrNotFound) {
		t.Fatalf("GetScalePlan without a policy = %v; want scalelite.ErrNotFound", err)
	}
}
