package e2e

import (
	"testing"
)

// TestBalancerWithRedisSurvivesRestart runs the balancer on the Redis store
// and restarts it: meetings placed before the restart are still found on
// the same workers after it.
func TestBalancerWithRedisSurvivesRestart(t *testing.T) {
	c := newCluster(t)
	c.redis("redis")
	workers := []*node{c.worker("bbb1"), c.worker("bbb2")}
	b := c.balancer("lb", "-redis", "redis:6379")
	admin := adminClient(t, b)
	sids := register(t, admin, workers...)
	front := bbbClient(t, b, balancerSecret)

	all := ids("sticky", 10)
	createMany(t, front, all, 4)
	placed := map[string]string{}
	for _, w := range workers {
		for id := range meetingsOn(t, w) {
			placed[id] = w.name
		}
	}
	if len(placed) != len(all) {
		t.Fatalf("%d of %d meetings on the workers", len(placed), len(all))
	}

	b.stop(t)
	b.start(t)
	admin = adminClient(t, b) // the mapped port changed
	front = bbbClient(t, b, balancerSecret)
	waitOnline(t, admin, sids, true, "bbb1", "bbb2")
	for _, id := range all {
		if host := joinTarget(t, front, id); host != placed[id] {
			t.Errorf("after restart, join of %s goes to %s; the meeting is on %s", id, host, placed[id])
		}
	}
	// A repeated create is a duplicate on the same worker, not a second meeting.
	createMany(t, front, all[:3], 3)
	for _, w := range workers {
		for id := range meetingsOn(t, w) {
			if placed[id] != w.name {
				t.Errorf("meeting %s appeared on %s after the restart (placed on %s)", id, w.name, placed[id])
			}
		}
	}
}
