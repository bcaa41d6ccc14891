package e2e

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/scalelite"
)

// e2eInterval is the poll interval of the sites scenario's balancers.
const e2eInterval = time.Second

// registerAt adds workers with a site ("" for none) and a capacity (0 for
// none) through the admin API, enables them and records their IDs by alias
// in ids.
func registerAt(t *testing.T, admin *scalelite.Client, site string, capacity float64, ids map[string]string, workers ...*node) {
	t.Helper()
	ctx := context.Background()
	for _, w := range workers {
		s, err := admin.AddServer(ctx, &scalelite.AddServerParams{URL: w.innerURL() + "/bigbluebutton/api", Secret: workerSecret,
			Site: site, Capacity: capacity})
		if err != nil {
			t.Fatalf("addServer %s: %v", w.name, err)
		}
		if _, err := admin.EnableServer(ctx, s.ID); err != nil {
			t.Fatalf("enable %s: %v", w.name, err)
		}
		ids[w.name] = s.ID
	}
}

// scalePolicy is the autoscaling policy of the sites scenario's balancers:
// keep 100 users free at each site, at least two servers at a and one at b.
const scalePolicy = `sites:
  - site: a
    headroom: {absolute: 100}
    min_servers: 2
    max_servers: 4
    server_capacity: 100
  - site: b
    headroom: {absolute: 100}
    min_servers: 1
    max_servers: 4
    server_capacity: 100
`

// scaledBalancer starts a balancer with scalePolicy as /policy.yaml.
func (c *cluster) scaledBalancer(alias string, extra ...string) *node {
	c.t.Helper()
	policy := testcontainers.WithFiles(testcontainers.ContainerFile{Reader: strings.NewReader(scalePolicy),
		ContainerFilePath: "/policy.yaml", FileMode: 0o644})
	args := append([]string{"-listen", ":8080", "-secret", balancerSecret, "-scale-policy", "/policy.yaml"}, extra...)
	return c.runWith(alias, "balancer", balancerPort, httpReady("/health", balancerPort, http.StatusOK),
		[]testcontainers.ContainerCustomizer{policy}, args...)
}

// wantPlan waits until the balancer's autoscaling plan is want: per site,
// "out N" (add N servers) or "drain N"; sites not listed have nothing to do.
func wantPlan(t *testing.T, admin *scalelite.Client, want map[string]string) *scalelite.ScalePlan {
	t.Helper()
	var last *scalelite.ScalePlan
	eventually(t, 30*time.Second, fmt.Sprintf("scale plan %v", want), func() error {
		p, err := admin.GetScalePlan(context.Background())
		if err != nil {
			return err
		}
		last = p
		got := map[string]string{}
		for _, a := range p.Actions {
			if a.ScaleOut > 0 {
				got[a.Site] = fmt.Sprintf("out %d", a.ScaleOut)
			} else {
				got[a.Site] = fmt.Sprintf("drain %d", len(a.Drain))
			}
		}
		if !maps.Equal(got, want) {
			return fmt.Errorf("plan %v (actions %+v, sites %+v)", got, p.Actions, p.Sites)
		}
		return nil
	})
	return last
}

// siteOf returns the site ("a" or "b") of the worker holding a meeting.
func siteOf(t *testing.T, meetingID string, sites map[string][]*node) string {
	t.Helper()
	for site, ws := range sites {
		for _, w := range ws {
			if meetingsOn(t, w)[meetingID] {
				return site
			}
		}
	}
	return ""
}

// TestSitesFailoverLeaseAndDrain: two sites of two workers, one Redis, two
// balancer replicas polling under a lease. Stopping every worker of site a
// sends new meetings, and a re-created meeting of a, to b; pausing the
// replica that holds the lease lets the other take over and notice a
// worker stopped afterwards within three poll intervals, and so does the
// first when the second is killed; draining a worker
// with meetings ends with it empty and removed; capacity and the
// autoscaling plan, asked of the replica that does not poll, follow the
// load throughout.
func TestSitesFailoverLeaseAndDrain(t *testing.T) {
	c := newCluster(t)
	c.redis("redis")
	a1, a2, b1, b2 := c.worker("a1"), c.worker("a2"), c.worker("b1"), c.worker("b2")
	flags := []string{"-redis", "redis:6379", "-site-order", "a,b", "-poll-interval", e2eInterval.String()}
	lb1 := c.scaledBalancer("lb1", append(flags, "-lease-holder", "lb1")...)
	time.Sleep(2 * e2eInterval) // lb1 takes the lease first
	lb2 := c.scaledBalancer("lb2", append(flags, "-lease-holder", "lb2")...)
	admin1, admin2 := adminClient(t, lb1), adminClient(t, lb2)
	sids := map[string]string{}
	registerAt(t, admin1, "a", 100, sids, a1, a2)
	registerAt(t, admin1, "b", 100, sids, b1, b2)
	waitOnline(t, admin2, sids, true, "a1", "a2", "b1", "b2")
	sites := map[string][]*node{"a": {a1, a2}, "b": {b1, b2}}
	front1, front2 := bbbClient(t, lb1, balancerSecret), bbbClient(t, lb2, balancerSecret)

	// Idle: a keeps its minimum of two; one server of b can go.
	wantPlan(t, admin2, map[string]string{"b": "drain 1"})

	// Eight meetings on a count 15 users each: 80 of 200 free, below the
	// 100 to keep, so a wants one more server.
	createMany(t, front1, ids("first", 8), 2)
	for _, id := range ids("first", 8) {
		if s := siteOf(t, id, sites); s != "a" {
			t.Fatalf("%s on site %q, want a", id, s)
		}
	}
	eventually(t, 30*time.Second, "capacity of a after eight meetings", func() error {
		capacity, err := admin2.GetCapacity(context.Background())
		if err != nil {
			return err
		}
		for _, s := range capacity.Sites {
			if s.Site == "a" && s.Meetings == 8 && s.Free == 80 {
				return nil
			}
		}
		return fmt.Errorf("capacity %+v", capacity.Sites)
	})
	p := wantPlan(t, admin2, map[string]string{"a": "out 1", "b": "drain 1"})
	if len(p.Sites) != 2 || p.Sites[0].Site != "a" || p.Sites[0].Free != 80 {
		t.Fatalf("plan's site capacity %+v; want a first, with 80 free", p.Sites)
	}

	// Site a goes down: new meetings, and meetings of a created again by
	// their frontend, land on b.
	a1.stop(t)
	a2.stop(t)
	waitOnline(t, admin2, sids, false, "a1", "a2")
	createMany(t, front2, append(ids("second", 4), "first-000"), 2)
	sites = map[string][]*node{"b": {b1, b2}} // the stopped workers cannot be asked
	for _, id := range append(ids("second", 4), "first-000") {
		if s := siteOf(t, id, sites); s != "b" {
			t.Fatalf("%s on site %q after site a went down, want b", id, s)
		}
	}
	capacity, err := admin2.GetCapacity(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if capacity.Total.Online != 2 || capacity.Total.Servers != 4 {
		t.Fatalf("capacity %+v, want 2 of 4 servers online", capacity.Total)
	}
	// a has no capacity left; b holds five meetings (75 users) and can no
	// longer spare a server.
	wantPlan(t, admin2, map[string]string{"a": "out 1"})

	// The lease holder pauses: lb2 takes over and sees b1 stop.
	lb1.pause(t)
	paused := true
	defer func() {
		if paused {
			lb1.unpause(t)
		}
	}()
	time.Sleep(2 * e2eInterval)
	b1.stop(t)
	stopped := time.Now()
	waitOnline(t, admin2, sids, false, "b1")
	d := time.Since(stopped)
	t.Logf("after the lease holder paused, lb2 noticed b1 stop in %v", d)
	if d > 3*e2eInterval+time.Second {
		t.Errorf("lb2 noticed b1 stop after %v, want within three poll intervals (%v)", d, 3*e2eInterval)
	}

	// Drain b2 with its meetings: it ends empty and removed.
	if len(meetingsOn(t, b2)) == 0 {
		t.Fatal("b2 has no meetings to drain")
	}
	if _, err := admin2.DrainServer(context.Background(), sids["b2"], &scalelite.DrainServerParams{Deadline: 2 * time.Second,
		EndMeetings: true, Message: "maintenance"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "b2 drained and removed", func() error {
		_, err := admin2.GetServerInfo(context.Background(), sids["b2"])
		if !errors.Is(err, scalelite.ErrNotFound) {
			return fmt.Errorf("b2 still there: %v", err)
		}
		if n := len(meetingsOn(t, b2)); n != 0 {
			return fmt.Errorf("%d meetings left on b2", n)
		}
		return nil
	})
	if _, err := front2.CreateMeeting(context.Background(), &bbb.CreateMeetingParams{Name: "late", MeetingID: "late"}); err == nil {
		t.Error("a create succeeded with every worker down or drained")
	}
	wantPlan(t, admin2, map[string]string{"a": "out 1", "b": "out 1"})

	// lb1 wakes up without its lease; b1 comes back (lb2 still polls) and
	// the plans of both replicas follow: b has capacity again.
	lb1.unpause(t)
	paused = false
	b1.start(t)
	waitOnline(t, admin2, sids, true, "b1")
	wantPlan(t, admin1, map[string]string{"a": "out 1"})

	// The lease holder, lb2, is killed: lb1 takes the lease and sees b1
	// stop within three poll intervals.
	lb2.kill(t)
	b1.stop(t)
	stopped = time.Now()
	waitOnline(t, admin1, sids, false, "b1")
	d = time.Since(stopped)
	t.Logf("after the lease holder was killed, lb1 noticed b1 stop in %v", d)
	if d > 3*e2eInterval+time.Second {
		t.Errorf("lb1 noticed b1 stop after %v, want within three poll intervals (%v)", d, 3*e2eInterval)
	}
}
