package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/scalelite"
)

// balancer starts the fake Scalelite; extra flags such as -redis follow.
func (c *cluster) balancer(alias string, extra ...string) *node {
	c.t.Helper()
	args := append([]string{"-listen", ":8080", "-secret", balancerSecret, "-poll-interval", "300ms"}, extra...)
	return c.run(alias, "balancer", balancerPort, "/health", args...)
}

func adminClient(t *testing.T, b *node) *scalelite.Client {
	t.Helper()
	c, err := scalelite.New(b.hostURL(t)+"/", balancerSecret, bbb.WithTimeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// register adds the workers to the balancer through the admin API, enables
// them and waits until the balancer's poller sees them online.
func register(t *testing.T, admin *scalelite.Client, workers ...*node) map[string]string {
	t.Helper()
	ids := map[string]string{} // alias -> server ID
	registerAt(t, admin, "", 0, ids, workers...)
	waitOnline(t, admin, ids, true, keys(ids)...)
	return ids
}

// waitOnline waits until the balancer reports the named workers online (or
// offline).
func waitOnline(t *testing.T, admin *scalelite.Client, ids map[string]string, online bool, names ...string) {
	t.Helper()
	eventually(t, 30*time.Second, fmt.Sprintf("servers %v online=%v", names, online), func() error {
		servers, err := admin.GetServers(context.Background())
		if err != nil {
			return err
		}
		byID := map[string]scalelite.Server{}
		for _, s := range servers {
			byID[s.ID] = s
		}
		for _, n := range names {
			if s, ok := byID[ids[n]]; !ok || s.Online != online {
				return fmt.Errorf("%s: %+v", n, s)
			}
		}
		return nil
	})
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// meetingsOn reads the meeting IDs a worker itself holds.
func meetingsOn(t *testing.T, w *node) map[string]bool {
	t.Helper()
	ms, err := bbbClient(t, w, workerSecret).GetMeetings(context.Background())
	if err != nil {
		t.Fatalf("%s getMeetings: %v", w.name, err)
	}
	out := map[string]bool{}
	for _, m := range ms {
		out[m.MeetingID] = true
	}
	return out
}

// createMany creates the meetings through the balancer, conc at a time.
func createMany(t *testing.T, front *bbb.Client, ids []string, conc int) {
	t.Helper()
	var wg sync.WaitGroup
	sem := make(chan struct{}, conc)
	errs := make(chan error, len(ids))
	for _, id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if _, err := front.CreateMeeting(context.Background(), &bbb.CreateMeetingParams{Name: "Room " + id, MeetingID: id}); err != nil {
				errs <- fmt.Errorf("create %s: %w", id, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		t.FailNow()
	}
}

// joinTarget asks the balancer to join and returns the host of the worker
// its redirect points at.
func joinTarget(t *testing.T, front *bbb.Client, meetingID string) string {
	t.Helper()
	host, err := tryJoinTarget(front, meetingID)
	if err != nil {
		t.Fatal(err)
	}
	return host
}

func tryJoinTarget(front *bbb.Client, meetingID string) (string, error) {
	u, err := front.JoinURL(&bbb.JoinParams{FullName: "Ada", MeetingID: meetingID, Role: bbb.RoleViewer})
	if err != nil {
		return "", err
	}
	hc := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(u)
	if err != nil {
		return "", fmt.Errorf("join %s: %w", meetingID, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		return "", fmt.Errorf("join %s: status %d, want 302", meetingID, resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		return "", err
	}
	if loc.Query().Has("errors") {
		return "", fmt.Errorf("join %s: redirected with errors %s", meetingID, loc.Query().Get("errors"))
	}
	return loc.Hostname(), nil
}

func ids(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%03d", prefix, i)
	}
	return out
}

// TestBalancerSpreadsAndJoinsLand provisions three workers through the admin
// API, creates 60 meetings through the balancer and checks on the workers
// themselves that they spread evenly and that joins land where the meeting is.
func TestBalancerSpreadsAndJoinsLand(t *testing.T) {
	c := newCluster(t)
	workers := []*node{c.worker("bbb1"), c.worker("bbb2"), c.worker("bbb3")}
	b := c.balancer("lb")
	register(t, adminClient(t, b), workers...)
	front := bbbClient(t, b, balancerSecret)

	all := ids("spread", 60)
	createMany(t, front, all, 8)
	placed := map[string]string{}
	for _, w := range workers {
		on := meetingsOn(t, w)
		if len(on) < 19 || len(on) > 21 {
			t.Errorf("%s holds %d meetings, want 20±1", w.name, len(on))
		}
		for id := range on {
			if prev, dup := placed[id]; dup {
				t.Errorf("meeting %s on %s and %s", id, prev, w.name)
			}
			placed[id] = w.name
		}
	}
	if len(placed) != len(all) {
		t.Fatalf("%d of %d meetings found on the workers", len(placed), len(all))
	}
	for _, id := range all[:12] {
		if host := joinTarget(t, front, id); host != placed[id] {
			t.Errorf("join of %s redirected to %s, meeting is on %s", id, host, placed[id])
		}
	}
	// The balancer's own view agrees with the workers'.
	for _, id := range all[:5] {
		m, err := front.GetMeetingInfo(context.Background(), id)
		if err != nil || m.MeetingID != id {
			t.Errorf("getMeetingInfo %s through the balancer: %v", id, err)
		}
	}
	if got, err := front.GetMeetings(context.Background()); err != nil || len(got) != len(all) {
		t.Errorf("getMeetings through the balancer: %d meetings, %v", len(got), err)
	}
}

// TestBalancerAvoidsDeadAndPartitionedWorkers stops one worker and pauses
// another mid-run.
func TestBalancerAvoidsDeadAndPartitionedWorkers(t *testing.T) {
	c := newCluster(t)
	workers := []*node{c.worker("bbb1"), c.worker("bbb2"), c.worker("bbb3")}
	b := c.balancer("lb")
	admin := adminClient(t, b)
	sids := register(t, admin, workers...)
	front := bbbClient(t, b, balancerSecret)

	first := ids("before", 30)
	createMany(t, front, first, 6)
	onDead := meetingsOn(t, workers[1])
	if len(onDead) == 0 {
		t.Fatal("no meeting landed on bbb2 before it was stopped")
	}

	workers[1].stop(t)
	waitOnline(t, admin, sids, false, "bbb2")
	second := ids("after-stop", 20)
	createMany(t, front, second, 4)
	on1, on3 := meetingsOn(t, workers[0]), meetingsOn(t, workers[2])
	for _, id := range second {
		if !on1[id] && !on3[id] {
			t.Errorf("meeting %s is on neither live worker", id)
		}
	}
	// A meeting of the dead worker is re-created elsewhere on the next create.
	var moved string
	for id := range onDead {
		moved = id
		break
	}
	createMany(t, front, []string{moved}, 1)
	if host := joinTarget(t, front, moved); host == "bbb2" {
		t.Errorf("meeting %s still points at the dead worker", moved)
	}

	// A paused worker (a partition) goes offline too and takes nothing.
	onPaused := meetingsOn(t, workers[2])
	workers[2].pause(t)
	waitOnline(t, admin, sids, false, "bbb3")
	third := ids("after-pause", 10)
	createMany(t, front, third, 2)
	on1 = meetingsOn(t, workers[0])
	for _, id := range third {
		if !on1[id] {
			t.Errorf("meeting %s not on the only live worker", id)
		}
	}

	// Both come back into rotation: the restarted (empty) worker takes the
	// next meetings, and the partitioned one's meetings, still running
	// there, are found again by the poller.
	workers[2].unpause(t)
	workers[1].start(t)
	waitOnline(t, admin, sids, true, "bbb2", "bbb3")
	fourth := ids("after-restart", 12)
	createMany(t, front, fourth, 4)
	on := meetingsOn(t, workers[1])
	n := 0
	for _, id := range fourth {
		if on[id] {
			n++
		}
	}
	if n == 0 {
		t.Errorf("the restarted worker took none of %d new meetings", len(fourth))
	}
	var sample string
	for id := range onPaused {
		sample = id
		break
	}
	eventually(t, 15*time.Second, "meeting of the partitioned worker found again", func() error {
		host, err := tryJoinTarget(front, sample)
		if err == nil && host != "bbb3" {
			err = fmt.Errorf("join of %s goes to %s", sample, host)
		}
		return err
	})
}
