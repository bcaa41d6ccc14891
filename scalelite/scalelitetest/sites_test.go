package scalelitetest

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/scalelite"
	"github.com/bbbkit/bbbkit/scalelite/scheduler"
)

// addSiteWorker starts a worker and adds it through the admin API with a
// site and a capacity, enabled.
func (c *testCluster) addSiteWorker(t *testing.T, site string, capacity float64) (*bbbtest.Server, string) {
	t.Helper()
	ctx := context.Background()
	w := bbbtest.NewServer()
	t.Cleanup(w.Close)
	srv, err := c.admin.AddServer(ctx, &scalelite.AddServerParams{URL: w.APIURL(), Secret: w.Secret, Site: site, Capacity: capacity})
	require.NoError(t, err)
	require.Equal(t, site, srv.Site)
	require.Equal(t, capacity, srv.Capacity)
	srv, err = c.admin.EnableServer(ctx, srv.ID)
	require.NoError(t, err)
	require.True(t, srv.Online)
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
	require.NoError(t, err)
	sites := map[string]int{}
	for _, s := range servers {
		sites[s.Site]++
	}
	require.Equal(t, map[string]int{"a": 2, "b": 2}, sites)

	for _, id := range []string{"m1", "m2"} {
		_, err := c.create(ctx, id, nil)
		require.NoError(t, err)
		require.Contains(t, []int{0, 1}, c.holder(id), "%s lands on site a", id)
	}
	_, err = c.create(ctx, "r1", map[string]string{"bbbkit-site-order": "b,a"})
	require.NoError(t, err)
	require.Contains(t, []int{2, 3}, c.holder("r1"), "the request's order puts b first")
	_, err = c.create(ctx, "bad", map[string]string{"bbbkit-site-order": "a b"})
	require.Error(t, err)

	capacity, err := c.admin.GetCapacity(ctx)
	require.NoError(t, err)
	require.Len(t, capacity.Sites, 2)
	require.Equal(t, 4, capacity.Total.Online)
	require.Equal(t, 200.0, capacity.Sites[0].Capacity)
	require.Equal(t, 170.0, capacity.Sites[0].Free, "two meetings reserve 15 each on site a")

	// Site a goes down: new meetings and re-created ones go to b.
	a1.SetDown(true)
	a2.SetDown(true)
	for range 2 {
		require.NoError(t, c.sl.Scheduler().Poll(ctx))
	}
	_, err = c.create(ctx, "m3", nil)
	require.NoError(t, err)
	require.Contains(t, []int{2, 3}, c.holder("m3"))
	capacity, err = c.admin.GetCapacity(ctx)
	require.NoError(t, err)
	require.Equal(t, 0, capacity.Sites[0].Online)
	require.Equal(t, 2, capacity.Sites[1].Online)

	// Site a comes back: new meetings return to it; m3 stays on b.
	a1.SetDown(false)
	a2.SetDown(false)
	require.NoError(t, c.sl.Scheduler().Poll(ctx))
	_, err = c.create(ctx, "m4", nil)
	require.NoError(t, err)
	require.Contains(t, []int{0, 1}, c.holder("m4"))
	require.Contains(t, []int{2, 3}, c.holder("m3"))

	// Moving a server to another site through updateServer.
	srv, err := c.admin.UpdateServer(ctx, b1ID, &scalelite.UpdateServerParams{Site: new("c"), Capacity: new(50.0)})
	require.NoError(t, err)
	require.Equal(t, "c", srv.Site)
	require.Equal(t, 50.0, srv.Capacity)
}

// TestDrainThroughTheBalancer drains a worker with a meeting through the
// admin API: it is cordoned at once, its meeting is ended at the deadline
// and the server is removed.
func TestDrainThroughTheBalancer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClusterWith(t, 2, []scheduler.Option{scheduler.WithPollInterval(20 * time.Millisecond)})
	_, err := c.create(ctx, "m1", nil)
	require.NoError(t, err)
	i := c.holder("m1")
	require.NoError(t, c.sl.Scheduler().Poll(ctx))
	srv, err := c.admin.DrainServer(ctx, c.ids[i], &scalelite.DrainServerParams{Deadline: time.Second, EndMeetings: true, Message: "maintenance"})
	require.NoError(t, err)
	require.Equal(t, scalelite.StateCordoned, srv.State)
	_, err = c.create(ctx, "m2", nil)
	require.NoError(t, err)
	require.Equal(t, 1-i, c.holder("m2"), "a draining server takes no new meetings")
	require.Eventually(t, func() bool {
		_, err := c.admin.GetServerInfo(ctx, c.ids[i])
		return errors.Is(err, scalelite.ErrNotFound)
	}, 10*time.Second, 20*time.Millisecond, "the drained server is removed")
	require.Empty(t, c.workers[i].Meetings(), "the meeting was ended at the deadline")

	_, err = c.admin.DrainServer(ctx, "nope", nil)
	require.ErrorIs(t, err, scalelite.ErrNotFound)
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
	require.NoError(t, err)
	require.Equal(t, []string{"b", "a"}, tn.SiteOrder)
	_, err = c.admin.AddTenant(ctx, &scalelite.AddTenantParams{Name: "bad", Secrets: []string{"x"}, SiteOrder: []string{"a b"}})
	require.Error(t, err)

	u, _ := url.Parse(c.sl.URL)
	cl, err := bbb.New("http://school1.scalelite.test:"+u.Port()+"/bigbluebutton/api/", "school1-secret",
		bbb.WithHTTPClient(&http.Client{Transport: hostRewrite{c.hc.Transport, u.Host}}))
	require.NoError(t, err)
	_, err = cl.CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "t1", MeetingID: "t1"})
	require.NoError(t, err)
	require.Equal(t, 1, c.holder("t1"), "the tenant's order puts b first")
	_, err = cl.CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "t2", MeetingID: "t2", Meta: map[string]string{"bbbkit-site-order": "a"}})
	require.NoError(t, err)
	require.Equal(t, 0, c.holder("t2"), "the request's order wins over the tenant's")
	_, err = c.create(ctx, "plain", nil)
	require.NoError(t, err)
	require.Equal(t, 0, c.holder("plain"), "without a tenant the balancer's order applies")

	up, err := c.admin.UpdateTenant(ctx, tn.ID, &scalelite.UpdateTenantParams{SiteOrder: []string{}})
	require.NoError(t, err)
	require.Empty(t, up.SiteOrder)
}
