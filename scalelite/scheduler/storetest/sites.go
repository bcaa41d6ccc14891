package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/scalelite/scheduler"
)

// addAt adds a server with a site and a capacity, enables it and polls it
// online.
func (e *env) addAt(id, tag, site string, capacity float64) {
	e.t.Helper()
	if _, err := e.s.AddServer(e.ctx, scheduler.ServerConfig{ID: id, URL: "https://" + id + ".example.com/bigbluebutton/api/",
		Secret: testSecret, Tag: tag, Site: site, Capacity: capacity}); err != nil {
		e.t.Fatalf("AddServer(%s): %v", id, err)
	}
	if _, err := e.s.SetState(e.ctx, id, scheduler.StateEnabled); err != nil {
		e.t.Fatalf("enable %s: %v", id, err)
	}
	if err := e.s.PollServer(e.ctx, id); err != nil {
		e.t.Fatalf("PollServer(%s): %v", id, err)
	}
}

// wantPick places meetingID (tag "", options opts) and checks the server.
func (e *env) wantPick(meetingID, want string, opts ...scheduler.PickOption) scheduler.Placement {
	e.t.Helper()
	p, err := e.s.Pick(e.ctx, meetingID, "", opts...)
	if err != nil || p.Server.ID != want {
		e.t.Fatalf("Pick(%s) = %v, %v; want %s", meetingID, p.Server.ID, err, want)
	}
	return p
}

func (e *env) wantOn(meetingID, want string) {
	e.t.Helper()
	srv, err := e.s.Lookup(e.ctx, meetingID)
	if err != nil || srv.ID != want {
		e.t.Fatalf("Lookup(%s) = %v, %v; want %s", meetingID, srv.ID, err, want)
	}
}

func (e *env) setDown(down bool, ids ...string) {
	e.t.Helper()
	for _, id := range ids {
		e.cluster.SetDown(id, down)
	}
	e.clock.Advance(time.Second)
	e.poll()
	e.clock.Advance(time.Second)
	e.poll()
	for _, id := range ids {
		if e.server(id).Online == down {
			e.t.Fatalf("%s online = %v after two polls with down=%v", id, !down, down)
		}
	}
}

// testSiteFailover: site a goes down (new meetings and re-created ones
// spill to b), comes back (new meetings return to a, meetings on b stay),
// and a request's own order wins over the scheduler's.
func testSiteFailover(t *testing.T, h Harness, _ func(*testing.T) (scheduler.Store, scheduler.Store)) {
	e := newEnv(t, h.New(t), scheduler.WithSiteOrder("a", "b"))
	e.addAt("a1", "", "a", 0)
	e.addAt("a2", "", "a", 0)
	e.addAt("b1", "", "b", 0)
	e.addAt("b2", "", "b", 0)
	e.addAt("x1", "", "", 0)
	if srv := e.server("a1"); srv.Site != "a" || srv.Capacity != 0 {
		t.Fatalf("Server(a1) = %v, want site a without capacity", srv)
	}
	e.wantPick("m1", "a1")
	e.wantPick("m2", "a2")
	e.wantPick("m3", "a1") // least loaded within a, b stays empty
	e.wantPick("r1", "b1", scheduler.PreferSites("b", "a"))
	e.wantPick("r2", "b2", scheduler.PreferSites("c")) // no server in c: the least loaded of any site (b2 and x1 tie)

	e.setDown(true, "a1", "a2")
	e.wantNotFound("m1")
	e.wantPick("m4", "b1") // b1 and b2 at 15
	e.wantPick("m1", "b2") // the frontend re-creates m1: it lands on b
	e.wantPick("m5", "b1") // b1, b2 at 30 and x1 at 0: site b still comes before the rest
	e.wantPick("m5", "b1") // sticks

	e.setDown(false, "a1", "a2")
	e.wantPick("m6", "a1")
	e.wantOn("m1", "b2") // meetings running elsewhere stay
	e.wantOn("m4", "b1")

	// Moving a server to another site moves it in the order.
	site := "b"
	if _, err := e.s.UpdateServer(e.ctx, "a2", scheduler.ServerUpdate{Site: &site}); err != nil {
		t.Fatal(err)
	}
	if srv := e.server("a2"); srv.Site != "b" {
		t.Fatalf("after update a2 = %v, want site b", srv)
	}
	e.wantPick("m7", "a1")                                  // a2 left site a: only a1 is there
	e.wantPick("m8", "a2", scheduler.PreferSites("b", "a")) // a2 is now b's least loaded
}

// testSiteFillsUp: a site whose servers are all full spills to the next
// site, and takes meetings again once a poll shows room.
func testSiteFillsUp(t *testing.T, h Harness, _ func(*testing.T) (scheduler.Store, scheduler.Store)) {
	e := newEnv(t, h.New(t), scheduler.WithSiteOrder("a", "b"))
	e.addAt("a1", "", "a", 30)
	e.addAt("a2", "", "a", 15)
	e.addAt("b1", "", "b", 0)
	e.wantPick("m1", "a1")
	e.wantPick("m2", "a2") // a1 at 15, a2 at 0
	if srv := e.server("a2"); !srv.Full() || srv.Accepting() || srv.Free() != 0 {
		t.Fatalf("a2 = %v at its capacity: want full", srv)
	}
	e.wantPick("m3", "a1") // a1 15 < 30
	e.wantPick("m4", "b1") // site a full
	e.wantPick("m2", "a2") // a full server keeps its meetings
	e.cluster.Start("a1", scheduler.Meeting{ID: "m1", CreateTime: Epoch().Add(-time.Hour), ParticipantCount: 10})
	e.cluster.Start("a1", scheduler.Meeting{ID: "m3", CreateTime: Epoch().Add(-time.Hour), ParticipantCount: 5})
	e.cluster.Start("a2", scheduler.Meeting{ID: "m2", CreateTime: Epoch().Add(-time.Hour), ParticipantCount: 15})
	e.cluster.Start("b1", scheduler.Meeting{ID: "m4", CreateTime: Epoch().Add(-time.Hour), ParticipantCount: 1})
	e.poll()
	e.wantLoad("a1", 15)
	if srv := e.server("a1"); srv.Full() || srv.Free() != 15 {
		t.Fatalf("a1 = %v, want 15 free", srv)
	}
	e.wantPick("m5", "a1") // room again on a
	e.wantPick("m6", "b1") // a1 at 30 and a2 at 15: both full
	if srv := e.server("a2"); !srv.Full() {
		t.Fatalf("a2 = %v, want full after the poll", srv)
	}
}

// testCapacity checks the boundaries: full at exactly the capacity, not
// just below; releases, AddLoad and capacity updates move a server in and
// out of the candidates.
func testCapacity(t *testing.T, h Harness, _ func(*testing.T) (scheduler.Store, scheduler.Store)) {
	e := newEnv(t, h.New(t), scheduler.WithReservation(10))
	e.addAt("a", "", "", 30)
	e.wantPick("m1", "a")
	e.wantPick("m2", "a")
	if srv := e.server("a"); srv.Full() || srv.Load != 20 {
		t.Fatalf("a = %v, want load 20, not full", srv)
	}
	e.wantPick("m3", "a") // 20 < 30: takes it, reaching 30
	if _, err := e.s.Pick(e.ctx, "m4", ""); !errors.Is(err, scheduler.ErrNoServer) {
		t.Fatalf("Pick on a full cluster: %v, want ErrNoServer", err)
	}
	e.wantNotFound("m4")
	if err := e.s.Release(e.ctx, "m3"); err != nil {
		t.Fatal(err)
	}
	e.wantPick("m4", "a")
	if err := e.s.AddLoad(e.ctx, "a", -0.5); err != nil { // 29.5
		t.Fatal(err)
	}
	e.wantLoad("a", 29.5)
	e.wantPick("m5", "a")                              // 39.5
	if err := e.s.AddLoad(e.ctx, "a", 1); err != nil { // a full server still counts joins
		t.Fatal(err)
	}
	e.wantLoad("a", 40.5)
	bigger := 41.0
	if _, err := e.s.UpdateServer(e.ctx, "a", scheduler.ServerUpdate{Capacity: &bigger}); err != nil {
		t.Fatal(err)
	}
	e.wantPick("m6", "a") // 40.5 < 41
	if _, err := e.s.Pick(e.ctx, "m7", ""); !errors.Is(err, scheduler.ErrNoServer) {
		t.Fatalf("Pick at 50.5 of 41: %v, want ErrNoServer", err)
	}
	unlimited := 0.0
	if _, err := e.s.UpdateServer(e.ctx, "a", scheduler.ServerUpdate{Capacity: &unlimited}); err != nil {
		t.Fatal(err)
	}
	e.wantPick("m7", "a")
	if srv := e.server("a"); srv.Capacity != 0 || srv.Full() {
		t.Fatalf("a = %v, want unlimited", srv)
	}
}

// testTagsWithSites: tags filter, sites order.
func testTagsWithSites(t *testing.T, h Harness, _ func(*testing.T) (scheduler.Store, scheduler.Store)) {
	disable := func(ids ...string) func(e *env) {
		return func(e *env) {
			for _, id := range ids {
				if _, err := e.s.SetState(e.ctx, id, scheduler.StateDisabled); err != nil {
					e.t.Fatal(err)
				}
			}
		}
	}
	cases := []struct {
		name    string
		setup   func(e *env)
		tag     string
		order   []string
		want    string
		wantErr error
	}{
		{"tag, site a first", nil, "gpu", []string{"a", "b"}, "a-gpu", nil},
		{"tag, site b first", nil, "gpu", []string{"b", "a"}, "b-gpu", nil},
		{"tag on the next site before untagged on the first", disable("a-gpu"), "gpu", []string{"a", "b"}, "b-gpu", nil},
		{"fallback to untagged in site order", disable("a-gpu", "b-gpu"), "gpu", []string{"b", "a"}, "b-u", nil},
		{"required tag gone everywhere", disable("a-gpu", "b-gpu"), "gpu!", []string{"a"}, "", scheduler.ErrTagUnavailable},
		{"untagged request", nil, "", []string{"b"}, "b-u", nil},
		{"no order: least loaded of all", nil, "", nil, "b-u", nil},
		{"order names an unknown site", nil, "gpu", []string{"z"}, "b-gpu", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, h.New(t))
			e.addAt("a-gpu", "gpu", "a", 0)
			e.addAt("b-gpu", "gpu", "b", 0)
			e.addAt("a-u", "", "a", 0)
			e.addAt("b-u", "", "b", 0)
			for _, id := range []string{"a-gpu", "a-u"} {
				if err := e.s.AddLoad(e.ctx, id, 5); err != nil {
					t.Fatal(err)
				}
			}
			if tc.setup != nil {
				tc.setup(e)
			}
			p, err := e.s.Pick(e.ctx, "m", tc.tag, scheduler.PreferSites(tc.order...))
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Pick = %v, %v; want %v", p.Server.ID, err, tc.wantErr)
				}
				e.wantNotFound("m")
				return
			}
			if err != nil || p.Server.ID != tc.want {
				t.Fatalf("Pick(%q, %v) = %v, %v; want %s", tc.tag, tc.order, p.Server.ID, err, tc.want)
			}
		})
	}
}

// testSiteBurst: concurrent picks from two schedulers fill a site's
// capacity exactly, never past it, then spill to the next site.
func testSiteBurst(t *testing.T, _ Harness, shared func(*testing.T) (scheduler.Store, scheduler.Store)) {
	sa, sb := shared(t)
	a := newEnv(t, sa, scheduler.WithSiteOrder("a", "b"), scheduler.WithReservation(1))
	b := newEnv(t, sb, scheduler.WithSiteOrder("a", "b"), scheduler.WithReservation(1))
	b.clock, b.cluster = a.clock, a.cluster
	a.addAt("a1", "", "a", 10)
	a.addAt("a2", "", "a", 10)
	a.addAt("b1", "", "b", 0)
	errs := make(chan error, 40)
	for i := range 40 {
		go func() {
			s := a.s
			if i%2 == 1 {
				s = b.s
			}
			_, err := s.Pick(a.ctx, fmt.Sprintf("m%02d", i), "")
			errs <- err
		}()
	}
	for range 40 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for id, want := range map[string]int{"a1": 10, "a2": 10, "b1": 20} {
		if got := len(a.meetingIDs(id)); got != want {
			t.Errorf("%s holds %d meetings, want %d", id, got, want)
		}
	}
}
