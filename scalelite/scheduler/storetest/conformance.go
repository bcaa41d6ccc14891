package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/scalelite/scheduler"
)

// Harness tells Run how to make stores.
type Harness struct {
	// New returns an empty store, private to the calling test. Required.
	New func(t *testing.T) scheduler.Store
	// Shared, when set, returns two handles (e.g. two connections) on one
	// empty state, to check atomicity across processes. Without it the
	// cross-scheduler tests use one store from New twice.
	Shared func(t *testing.T) (scheduler.Store, scheduler.Store)
}

// Epoch returns the start time of the fake clock in Run's tests,
// 2026-01-01T00:00:00Z.
func Epoch() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }

const testSecret = "s3cr3t-never-shown-0123456789"

// env is one scheduler over one store, with a fake clock and cluster.
type env struct {
	t       *testing.T
	ctx     context.Context
	store   scheduler.Store
	clock   *Clock
	cluster *Cluster
	rec     *Recorder
	s       *scheduler.Scheduler
}

func newEnv(t *testing.T, store scheduler.Store, opts ...scheduler.Option) *env {
	t.Helper()
	e := &env{t: t, ctx: context.Background(), store: store, clock: NewClock(Epoch()), cluster: NewCluster(), rec: &Recorder{}}
	base := []scheduler.Option{
		scheduler.WithStore(store),
		scheduler.WithClock(e.clock.Now),
		scheduler.WithMeetingLister(e.cluster),
		scheduler.WithObserver(e.rec.Observe),
		scheduler.WithPollConcurrency(3),
	}
	s, err := scheduler.New(append(base, opts...)...)
	if err != nil {
		t.Fatalf("scheduler.New: %v", err)
	}
	e.s = s
	return e
}

// add adds a server, enables it and polls it online.
func (e *env) add(id, tag string, mult float64) {
	e.t.Helper()
	if _, err := e.s.AddServer(e.ctx, scheduler.ServerConfig{ID: id, URL: "https://" + id + ".example.com/bigbluebutton/api/",
		Secret: testSecret, Tag: tag, LoadMultiplier: mult}); err != nil {
		e.t.Fatalf("AddServer(%s): %v", id, err)
	}
	if _, err := e.s.SetState(e.ctx, id, scheduler.StateEnabled); err != nil {
		e.t.Fatalf("enable %s: %v", id, err)
	}
	if err := e.s.PollServer(e.ctx, id); err != nil {
		e.t.Fatalf("PollServer(%s): %v", id, err)
	}
	if srv := e.server(id); !srv.Online {
		e.t.Fatalf("%s not online after a good poll", id)
	}
}

func (e *env) server(id string) scheduler.Server {
	e.t.Helper()
	srv, err := e.s.Server(e.ctx, id)
	if err != nil {
		e.t.Fatalf("Server(%s): %v", id, err)
	}
	return srv
}

func (e *env) pick(meetingID, tag string) scheduler.Placement {
	e.t.Helper()
	p, err := e.s.Pick(e.ctx, meetingID, tag)
	if err != nil {
		e.t.Fatalf("Pick(%q, %q): %v", meetingID, tag, err)
	}
	return p
}

func (e *env) poll() {
	e.t.Helper()
	if err := e.s.Poll(e.ctx); err != nil {
		e.t.Fatalf("Poll: %v", err)
	}
}

func (e *env) meetingIDs(serverID string) []string {
	e.t.Helper()
	ids, err := e.s.MeetingIDs(e.ctx, serverID)
	if err != nil {
		e.t.Fatalf("MeetingIDs(%s): %v", serverID, err)
	}
	return ids
}

func (e *env) wantLoad(id string, want float64) {
	e.t.Helper()
	if got := e.server(id).Load; !near(got, want) {
		e.t.Fatalf("load of %s = %v, want %v", id, got, want)
	}
}

func (e *env) wantNotFound(meetingID string) {
	e.t.Helper()
	if srv, err := e.s.Lookup(e.ctx, meetingID); !errors.Is(err, scheduler.ErrMeetingNotFound) {
		e.t.Fatalf("Lookup(%s) = %v, %v; want ErrMeetingNotFound", meetingID, srv.ID, err)
	}
}

func near(a, b float64) bool {
	d := a - b
	return d < 1e-9 && d > -1e-9
}

// Run runs the conformance tests against the stores h makes.
func Run(t *testing.T, h Harness) {
	if h.New == nil {
		t.Fatal("storetest: Harness.New is required")
	}
	shared := h.Shared
	if shared == nil {
		shared = func(t *testing.T) (scheduler.Store, scheduler.Store) {
			s := h.New(t)
			return s, s
		}
	}
	tests := []struct {
		name string
		fn   func(t *testing.T, h Harness, shared func(*testing.T) (scheduler.Store, scheduler.Store))
	}{
		{"Servers", testServers},
		{"PickNeedsAvailableServer", testPickNeedsAvailable},
		{"PickSticks", testPickSticks},
		{"BurstSpreadsEvenly", testBurst},
		{"SameMeetingRace", testSameMeetingRace},
		{"Tags", testTags},
		{"Multiplier", testMultiplier},
		{"Cordon", testCordon},
		{"Disable", testDisable},
		{"Delete", testDelete},
		{"Panic", testPanic},
		{"ServerKilledMidRun", testKilled},
		{"HealthThresholds", testThresholds},
		{"PollMappings", testPollMappings},
		{"Release", testRelease},
		{"LoadFormula", testLoadFormula},
		{"AddLoad", testAddLoad},
		{"NoSecretInOutput", testNoSecret},
		{"SiteFailover", testSiteFailover},
		{"SiteFillsUp", testSiteFillsUp},
		{"Capacity", testCapacity},
		{"TagsWithSites", testTagsWithSites},
		{"SiteBurst", testSiteBurst},
		{"Lease", testLease},
		{"LeaseTakeover", testLeaseTakeover},
		{"Tenants", testTenants},
		{"MeetingTenants", testMeetingTenants},
		{"ScaleHistory", testScaleHistory},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, h, shared)
		})
	}
}

func testServers(t *testing.T, h Harness, _ func(*testing.T) (scheduler.Store, scheduler.Store)) {
	e := newEnv(t, h.New(t))
	ctx := e.ctx
	srv, err := e.s.AddServer(ctx, scheduler.ServerConfig{ID: "b", URL: "https://b.example.com/bigbluebutton/api/",
		Secret: testSecret, Tag: "gpu", LoadMultiplier: 1.5})
	if err != nil {
		t.Fatalf("AddServer: %v", err)
	}
	if srv.State != scheduler.StateDisabled || srv.Online || srv.Load != 0 {
		t.Fatalf("new server = %v, want disabled and offline with load 0", srv)
	}
	if _, err := e.s.AddServer(ctx, scheduler.ServerConfig{ID: "b", URL: "https://x.example.com/", Secret: "x"}); !errors.Is(err, scheduler.ErrServerExists) {
		t.Fatalf("duplicate AddServer: %v, want ErrServerExists", err)
	}
	if _, err := e.s.AddServer(ctx, scheduler.ServerConfig{ID: "a", URL: "http://a.example.com/", Secret: "sa"}); err != nil {
		t.Fatal(err)
	}
	auto, err := e.s.AddServer(ctx, scheduler.ServerConfig{URL: "http://c.example.com/", Secret: "sc"})
	if err != nil || len(auto.ID) != 36 {
		t.Fatalf("AddServer without ID: %v, %v; want a UUID", auto.ID, err)
	}
	got := e.server("b")
	want := scheduler.Server{ID: "b", URL: "https://b.example.com/bigbluebutton/api/", Secret: testSecret, Tag: "gpu",
		State: scheduler.StateDisabled, LoadMultiplier: 1.5}
	if got != want {
		t.Fatalf("Server(b) = %#v, want %#v", got, want)
	}
	list, err := e.s.Servers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range list {
		ids = append(ids, s.ID)
	}
	if wantIDs := []string{"a", "b", auto.ID}; !slices.Equal(ids, slices.Sorted(slices.Values(wantIDs))) {
		t.Fatalf("Servers IDs = %v", ids)
	}

	secret, tag, mult := "new-secret", "", 3.0
	srv, err = e.s.UpdateServer(ctx, "b", scheduler.ServerUpdate{Secret: &secret, Tag: &tag, LoadMultiplier: &mult})
	if err != nil {
		t.Fatal(err)
	}
	if srv.Secret != secret || srv.Tag != "" || srv.LoadMultiplier != 3 || srv.State != scheduler.StateDisabled {
		t.Fatalf("updated = %#v", srv)
	}
	if again := e.server("b"); again != srv {
		t.Fatalf("Server after update = %#v, UpdateServer returned %#v", again, srv)
	}

	if err := e.s.DeleteServer(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"Server":       func() error { _, err := e.s.Server(ctx, "b"); return err }(),
		"UpdateServer": func() error { _, err := e.s.SetState(ctx, "b", scheduler.StateEnabled); return err }(),
		"DeleteServer": e.s.DeleteServer(ctx, "b"),
		"Panic":        func() error { _, err := e.s.Panic(ctx, "b", false); return err }(),
		"MeetingIDs":   func() error { _, err := e.s.MeetingIDs(ctx, "b"); return err }(),
		"AddLoad":      e.s.AddLoad(ctx, "b", 1),
		"PollServer":   e.s.PollServer(ctx, "b"),
		"ApplyPoll": func() error {
			_, err := e.store.ApplyPoll(ctx, "b", scheduler.PollResult{OK: true, Now: Epoch(), HealthyThreshold: 1, UnhealthyThreshold: 1})
			return err
		}(),
	} {
		if !errors.Is(err, scheduler.ErrServerNotFound) {
			t.Errorf("%s on a deleted server: %v, want ErrServerNotFound", name, err)
		}
	}
	if list, _ := e.s.Servers(ctx); len(list) != 2 {
		t.Fatalf("Servers after delete: %d servers, want 2", len(list))
	}
}

func testPickNeedsAvailable(t *testing.T, h Harness, _ func(*testing.T) (scheduler.Store, scheduler.Store)) {
	e := newEnv(t, h.New(t))
	ctx := e.ctx
	if _, err := e.s.Pick(ctx, "m", ""); !errors.Is(err, scheduler.ErrNoServer) {
		t.Fatalf("Pick with no servers: %v, want ErrNoServer", err)
	}
	if _, err := e.s.AddServer(ctx, scheduler.ServerConfig{ID: "a", URL: "https://a.example.com/", Secret: "x"}); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name string
		do   func() error
		ok   bool
	}{
		{"disabled and offline", func() error { return nil }, false},
		{"enabled and offline", func() error { _, err := e.s.SetState(ctx, "a", scheduler.StateEnabled); return err }, false},
		{"enabled and online", func() error { return e.s.PollServer(ctx, "a") }, true},
		{"cordoned and online", func() error { _, err := e.s.SetState(ctx, "a", scheduler.StateCordoned); return err }, false},
		{"disabled and online", func() error { _, err := e.s.SetState(ctx, "a", scheduler.StateDisabled); return err }, false},
		{"enabled again", func() error { _, err := e.s.SetState(ctx, "a", scheduler.StateEnabled); return err }, true},
	}
	for i, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		p, err := e.s.Pick(ctx, fmt.Sprintf("m%d", i), "")
		if st.ok && (err != nil || p.Server.ID != "a") {
			t.Fatalf("%s: Pick = %v, %v; want server a", st.name, p.Server.ID, err)
		}
		if !st.ok && !errors.Is(err, scheduler.ErrNoServer) {
			t.Fatalf("%s: Pick = %v, %v; want ErrNoServer", st.name, p.Server.ID, err)
		}
	}
	if n := len(e.rec.Events(scheduler.EventPickFailed)); n != 5 {
		t.Fatalf("%d pick_failed events, want 5", n)
	}
}

func testPickSticks(t *testing.T, h Harness, _ func(*testing.T) (scheduler.Store, scheduler.Store)) {
	e := newEnv(t, h.New(t))
	e.add("a", "", 2)
	e.add("b", "", 2)
	p := e.pick("m1", "")
	if p.Existing || p.Server.ID != "a" || !near(p.Server.Load, 30) || p.MeetingID != "m1" {
		t.Fatalf("first Pick = %+v, want new placement on a with load 30", p)
	}
	again := e.pick("m1", "gpu!") // tags do not matter for a placed meeting
	if !again.Existing || again.Server.ID != "a" {
		t.Fatalf("second Pick = %+v, want existing on a", again)
	}
	e.wantLoad("a", 30)
	if srv, err := e.s.Lookup(e.ctx, "m1"); err != nil || srv.ID != "a" {
		t.Fatalf("Lookup = %v, %v", srv.ID, err)
	}
	e.wantNotFound("nope")
	if got := e.meetingIDs("a"); !slices.Equal(got, []string{"m1"}) {
		t.Fatalf("MeetingIDs(a) = %v", got)
	}
	if got := e.meetingIDs("b"); len(got) != 0 {
		t.Fatalf("MeetingIDs(b) = %v", got)
	}
	if n := len(e.rec.Events(scheduler.EventPlaced)); n != 1 {
		t.Fatalf("%d placed events, want 1", n)
	}
	if ev := e.rec.Events(scheduler.EventReused); len(ev) != 1 || ev[0].MeetingID != "m1" || ev[0].ServerID != "a" {
		t.Fatalf("reused events = %+v", ev)
	}
}

// twoSchedulers returns two schedulers over one shared state, with n equal
// servers s1..sn online.
func twoSchedulers(t *testing.T, shared func(*testing.T) (scheduler.Store, scheduler.Store), n int) (*env, *env) {
	sa, sb := shared(t)
	a := newEnv(t, sa)
	b := newEnv(t, sb)
	b.clock, b.cluster = a.clock, a.cluster
	for i := 1; i <= n; i++ {
		a.add(fmt.Sprintf("s%d", i), "", 1)
	}
	return a, b
}

// race calls fn n times at once, all released together, with a's scheduler
// for even i and b's for odd i, and waits for every call.
func race(n int, a, b *env, fn func(s *scheduler.Scheduler, i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			s := a.s
			if i%2 == 1 {
				s = b.s
			}
			fn(s, i)
		}()
	}
	close(start)
	wg.Wait()
}

func testBurst(t *testing.T, _ Harness, shared func(*testing.T) (scheduler.Store, scheduler.Store)) {
	a, b := twoSchedulers(t, shared, 5)
	const creates = 200
	errs := make(chan error, creates)
	race(creates, a, b, func(s *scheduler.Scheduler, i int) {
		if _, err := s.Pick(context.Background(), fmt.Sprintf("burst-%03d", i), ""); err != nil {
			errs <- err
		}
	})
	close(errs)
	for err := range errs {
		t.Fatalf("Pick: %v", err)
	}
	total := 0
	for i := 1; i <= 5; i++ {
		id := fmt.Sprintf("s%d", i)
		n := len(a.meetingIDs(id))
		total += n
		if n < creates/5-1 || n > creates/5+1 {
			t.Errorf("%s holds %d meetings, want %d±1", id, n, creates/5)
		}
		a.wantLoad(id, float64(n*scheduler.DefaultMinUsers))
	}
	if total != creates {
		t.Fatalf("%d meetings placed, want %d", total, creates)
	}
}

func testSameMeetingRace(t *testing.T, _ Harness, shared func(*testing.T) (scheduler.Store, scheduler.Store)) {
	a, b := twoSchedulers(t, shared, 3)
	const n = 40
	var (
		mu     sync.Mutex
		fresh  int
		holder = map[string]bool{}
	)
	race(n, a, b, func(s *scheduler.Scheduler, _ int) {
		p, err := s.Pick(context.Background(), "same", "")
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			t.Errorf("Pick: %v", err)
			return
		}
		holder[p.Server.ID] = true
		if !p.Existing {
			fresh++
		}
	})
	if fresh != 1 || len(holder) != 1 {
		t.Fatalf("%d new placements on %d servers, want 1 on 1", fresh, len(holder))
	}
	loads := 0.0
	for i := 1; i <= 3; i++ {
		loads += a.server(fmt.Sprintf("s%d", i)).Load
	}
	if !near(loads, scheduler.DefaultMinUsers) {
		t.Fatalf("total load %v, want one reservation (%d)", loads, scheduler.DefaultMinUsers)
	}
}

func testTags(t *testing.T, h Harness, _ func(*testing.T) (scheduler.Store, scheduler.Store)) {
	type setup func(e *env)
	loadGPU := func(e *env) {
		if err := e.s.AddLoad(e.ctx, "g1", 100); err != nil {
			e.t.Fatal(err)
		}
	}
	disable := func(id string) setup {
		return func(e *env) {
			if _, err := e.s.SetState(e.ctx, id, scheduler.StateDisabled); err != nil {
				e.t.Fatal(err)
			}
		}
	}
	retag := func(id, tag string) setup {
		return func(e *env) {
			if _, err := e.s.UpdateServer(e.ctx, id, scheduler.ServerUpdate{Tag: &tag}); err != nil {
				e.t.Fatal(err)
			}
		}
	}
	cases := []struct {
		name    string
		setup   setup
		tag     string
		want    string // server ID, or "" for an error
		wantErr error
	}{
		{"untagged request", nil, "", "u1", nil},
		{"bare bang", nil, "!", "u1", nil},
		{"none names untagged", nil, "none", "u1", nil},
		{"none required", nil, "none!", "u1", nil},
		{"tag", nil, "gpu", "g1", nil},
		{"required tag", nil, "gpu!", "g1", nil},
		{"list takes least loaded", loadGPU, "gpu;big", "b1", nil},
		{"list with empty entries", loadGPU, ";gpu;;big;", "b1", nil},
		{"list with none", loadGPU, "gpu;none", "u1", nil},
		{"unknown falls back to untagged", nil, "nope", "u1", nil},
		{"unknown required", nil, "nope!", "", scheduler.ErrTagUnavailable},
		{"unknown required, untidy list", nil, ";nope;;!", "", scheduler.ErrTagUnavailable},
		{"list required, one known", nil, "nope;big!", "b1", nil},
		{"tags are case sensitive", nil, "GPU!", "", scheduler.ErrTagUnavailable},
		{"untagged gone", disable("u1"), "", "", scheduler.ErrNoServer},
		{"fallback gone", disable("u1"), "nope", "", scheduler.ErrNoServer},
		{"tag still there", disable("u1"), "gpu", "g1", nil},
		{"tagged server disabled falls back", disable("g1"), "gpu", "u1", nil},
		{"tagged server disabled, required", disable("g1"), "gpu!", "", scheduler.ErrTagUnavailable},
		{"retagged", retag("u1", "new"), "new!", "u1", nil},
		{"retagged leaves no untagged", retag("u1", "new"), "", "", scheduler.ErrNoServer},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, h.New(t))
			e.add("b1", "big", 1)
			e.add("g1", "gpu", 1)
			e.add("u1", "", 1)
			if tc.setup != nil {
				tc.setup(e)
			}
			e.wantTagPick(tc.tag, tc.want, tc.wantErr)
		})
	}
}

// wantTagPick picks a placement for meeting "m" with tag and checks that it
// lands on server want, or fails with wantErr (then with a
// *TagUnavailableError naming the tag when wantErr is ErrTagUnavailable)
// and leaves no mapping behind.
func (e *env) wantTagPick(tag, want string, wantErr error) {
	e.t.Helper()
	p, err := e.s.Pick(e.ctx, "m", tag)
	if wantErr == nil {
		if err != nil || p.Server.ID != want {
			e.t.Fatalf("Pick(%q) = %v, %v; want %s", tag, p.Server.ID, err, want)
		}
		return
	}
	if !errors.Is(err, wantErr) {
		e.t.Fatalf("Pick(%q) = %v, %v; want %v", tag, p.Server.ID, err, wantErr)
	}
	var te *scheduler.TagUnavailableError
	if errors.Is(wantErr, scheduler.ErrTagUnavailable) && (!errors.As(err, &te) || te.Tag != tag) {
		e.t.Fatalf("error %#v, want *TagUnavailableError{Tag: %q}", err, tag)
	}
	e.wantNotFound("m")
}

func testMultiplier(t *testing.T, h Harness, _ func(*testing.T) (scheduler.Store, scheduler.Store)) {
	e := newEnv(t, h.New(t))
	e.add("a", "", 1)
	e.add("b", "", 2)
	for i := range 30 {
		e.pick(fmt.Sprintf("m%02d", i), "")
	}
	if na, nb := len(e.meetingIDs("a")), len(e.meetingIDs("b")); na != 20 || nb != 10 {
		t.Fatalf("a holds %d, b holds %d; want 20 and 10", na, nb)
	}
	e.wantLoad("a", 300)
	e.wantLoad("b", 300)
	mult := 4.0
	if _, err := e.s.UpdateServer(e.ctx, "b", scheduler.ServerUpdate{LoadMultiplier: &mult}); err != nil {
		t.Fatal(err)
	}
	e.wantLoad("b", 600)
	for i := range 3 {
		if p := e.pick(fmt.Sprintf("n%d", i), ""); p.Server.ID != "a" {
			t.Fatalf("after raising b's multiplier, Pick chose %s", p.Server.ID)
		}
	}
}

func testCordon(t *testing.T, h Harness, _ func(*testing.T) (scheduler.Store, scheduler.Store)) {
	e := newEnv(t, h.New(t))
	e.add("c1", "", 1)
	e.add("c2", "", 1)
	if p := e.pick("m1", ""); p.Server.ID != "c1" {
		t.Fatalf("m1 on %s, want c1", p.Server.ID)
	}
	e.cluster.Start("c1", scheduler.Meeting{ID: "m1", CreateTime: Epoch(), ParticipantCount: 2})
	e.poll()
	if _, err := e.s.SetState(e.ctx, "c1", scheduler.StateCordoned); err != nil {
		t.Fatal(err)
	}
	if p := e.pick("m1", ""); !p.Existing || p.Server.ID != "c1" {
		t.Fatalf("cordoned server lost its meeting: %+v", p)
	}
	if p := e.pick("m2", ""); p.Server.ID != "c2" {
		t.Fatalf("new meeting on %s, want c2 (c1 is cordoned)", p.Server.ID)
	}
	e.cluster.Start("c2", scheduler.Meeting{ID: "m2", CreateTime: Epoch()})
	e.poll()
	if st := e.server("c1").State; st != scheduler.StateCordoned {
		t.Fatalf("c1 with a meeting is %s, want cordoned", st)
	}
	e.cluster.End("c1", "m1")
	e.clock.Advance(time.Minute)
	e.poll()
	if st := e.server("c1").State; st != scheduler.StateDisabled {
		t.Fatalf("empty cordoned c1 is %s, want disabled", st)
	}
	if ev := e.rec.Events(scheduler.EventStateChanged); len(ev) == 0 || ev[len(ev)-1].ServerID != "c1" || ev[len(ev)-1].State != scheduler.StateDisabled {
		t.Fatalf("state events = %+v", ev)
	}
	e.wantNotFound("m1")

	// A cordoned server with a placement still on its way is not empty.
	if _, err := e.s.SetState(e.ctx, "c1", scheduler.StateEnabled); err != nil {
		t.Fatal(err)
	}
	if p := e.pick("m3", ""); p.Server.ID != "c1" {
		t.Fatalf("m3 on %s, want c1", p.Server.ID)
	}
	if _, err := e.s.SetState(e.ctx, "c1", scheduler.StateCordoned); err != nil {
		t.Fatal(err)
	}
	e.poll()
	if st := e.server("c1").State; st != scheduler.StateCordoned {
		t.Fatalf("cordoned c1 with a pending meeting is %s, want cordoned", st)
	}
}

// placeTwo adds d1 and d2 and places m1 and m3 on d1, m2 on d2.
func placeTwo(t *testing.T, e *env) {
	t.Helper()
	e.add("d1", "", 1)
	e.add("d2", "", 1)
	for _, m := range []string{"m1", "m2", "m3"} {
		e.pick(m, "")
	}
	if got := e.meetingIDs("d1"); !slices.Equal(got, []string{"m1", "m3"}) {
		t.Fatalf("d1 holds %v, want [m1 m3]", got)
	}
}

func testDisable(t *testing.T, h Harness, _ func(*testing.T) (scheduler.Store, scheduler.Store)) {
	e := newEnv(t, h.New(t))
	placeTwo(t, e)
	if _, err := e.s.SetState(e.ctx, "d1", scheduler.StateDisabled); err != nil {
		t.Fatal(err)
	}
	e.wantNotFound("m1")
	e.wantNotFound("m3")
	if got := e.meetingIDs("d1"); len(got) != 0 {
		t.Fatalf("disabled d1 still holds %v", got)
	}
	if ev := e.rec.Events(scheduler.EventMeetingsCleared); len(ev) != 1 || !slices.Equal(ev[0].MeetingIDs, []string{"m1", "m3"}) {
		t.Fatalf("cleared events = %+v", ev)
	}
	if p := e.pick("m1", ""); p.Existing || p.Server.ID != "d2" {
		t.Fatalf("m1 after disable = %+v, want new placement on d2", p)
	}
	if _, err := e.s.SetState(e.ctx, "d1", scheduler.StateEnabled); err != nil {
		t.Fatal(err)
	}
	if p := e.pick("m4", ""); p.Server.ID != "d1" {
		t.Fatalf("re-enabled d1 not used: %s", p.Server.ID)
	}
}

func testDelete(t *testing.T, h Harness, _ func(*testing.T) (scheduler.Store, scheduler.Store)) {
	e := newEnv(t, h.New(t))
	placeTwo(t, e)
	if err := e.s.DeleteServer(e.ctx, "d1"); err != nil {
		t.Fatal(err)
	}
	e.wantNotFound("m1")
	if ev := e.rec.Events(scheduler.EventServerDeleted); len(ev) != 1 || !slices.Equal(ev[0].MeetingIDs, []string{"m1", "m3"}) {
		t.Fatalf("deleted events = %+v", ev)
	}
	for _, m := range []string{"m1", "m2", "m3"} {
		if p := e.pick(m, ""); p.Server.ID != "d2" {
			t.Fatalf("%s on %s after delete", m, p.Server.ID)
		}
	}
	// A server re-added under the same ID starts clean.
	if _, err := e.s.AddServer(e.ctx, scheduler.ServerConfig{ID: "d1", URL: "https://d1.example.com/", Secret: "x"}); err != nil {
		t.Fatal(err)
	}
	if got := e.meetingIDs("d1"); len(got) != 0 {
		t.Fatalf("re-added d1 holds %v", got)
	}
}

func testPanic(t *testing.T, h Harness, _ func(*testing.T) (scheduler.Store, scheduler.Store)) {
	e := newEnv(t, h.New(t))
	placeTwo(t, e)
	ids, err := e.s.Panic(e.ctx, "d1", true)
	if err != nil || !slices.Equal(ids, []string{"m1", "m3"}) {
		t.Fatalf("Panic(keep) = %v, %v", ids, err)
	}
	srv := e.server("d1")
	if srv.State != scheduler.StateEnabled || !near(srv.Load, 0) {
		t.Fatalf("after Panic(keep) d1 = %v, want enabled with its reservations gone", srv)
	}
	e.wantNotFound("m1")
	e.pick("m5", "")
	ids, err = e.s.Panic(e.ctx, "d1", false)
	if err != nil || !slices.Equal(ids, []string{"m5"}) {
		t.Fatalf("Panic = %v, %v", ids, err)
	}
	if st := e.server("d1").State; st != scheduler.StateDisabled {
		t.Fatalf("after Panic d1 is %s, want disabled", st)
	}
}

func testKilled(t *testing.T, h Harness, _ func(*testing.T) (scheduler.Store, scheduler.Store)) {
	e := newEnv(t, h.New(t))
	for _, id := range []string{"k1", "k2", "k3"} {
		e.add(id, "", 1)
	}
	var all []string
	for i := range 30 {
		m := fmt.Sprintf("m%02d", i)
		p := e.pick(m, "")
		e.cluster.Start(p.Server.ID, scheduler.Meeting{ID: m, CreateTime: Epoch(), ParticipantCount: 1})
		all = append(all, m)
	}
	e.poll()
	victims := e.meetingIDs("k1")
	if len(victims) != 10 {
		t.Fatalf("k1 holds %d meetings, want 10", len(victims))
	}

	e.cluster.SetDown("k1", true)
	e.clock.Advance(time.Second)
	e.poll()
	if srv := e.server("k1"); !srv.Online || len(e.meetingIDs("k1")) != 10 {
		t.Fatalf("after 1 failed poll k1 = %v with %d meetings; want online, untouched", srv, len(e.meetingIDs("k1")))
	}
	fails := e.rec.Events(scheduler.EventPollFailed)
	if len(fails) != 1 || fails[0].ServerID != "k1" || !errors.Is(fails[0].Err, ErrDown) {
		t.Fatalf("poll_failed events = %+v", fails)
	}
	var pe *scheduler.PollError
	if !errors.As(fails[0].Err, &pe) || pe.ServerID != "k1" {
		t.Fatalf("poll failure %v is not a *PollError for k1", fails[0].Err)
	}

	e.clock.Advance(time.Second)
	e.poll()
	srv := e.server("k1")
	if srv.Online || srv.Load != 0 {
		t.Fatalf("after 2 failed polls k1 = %v, want offline with load 0", srv)
	}
	if got := e.meetingIDs("k1"); len(got) != 0 {
		t.Fatalf("offline k1 still holds %v", got)
	}
	if ev := e.rec.Events(scheduler.EventOffline); len(ev) != 1 || ev[0].ServerID != "k1" {
		t.Fatalf("offline events = %+v", ev)
	}
	for _, m := range victims {
		e.wantNotFound(m)
	}
	for _, m := range all {
		p := e.pick(m, "")
		if p.Server.ID == "k1" {
			t.Fatalf("%s placed on dead k1", m)
		}
		if p.Existing == slices.Contains(victims, m) {
			t.Fatalf("%s: Existing = %v", m, p.Existing)
		}
	}

	// k1 comes back: one good poll brings it online; meetings placed
	// elsewhere meanwhile stay where they are.
	e.cluster.SetDown("k1", false)
	e.poll()
	if !e.server("k1").Online {
		t.Fatal("k1 still offline after a good poll")
	}
	if ev := e.rec.Events(scheduler.EventOnline); len(ev) != 4 || ev[3].ServerID != "k1" {
		t.Fatalf("online events = %+v", ev)
	}
	for _, m := range victims {
		if srv, err := e.s.Lookup(e.ctx, m); err != nil || srv.ID == "k1" {
			t.Fatalf("Lookup(%s) = %v, %v after k1 returned", m, srv.ID, err)
		}
	}
}

func testThresholds(t *testing.T, h Harness, _ func(*testing.T) (scheduler.Store, scheduler.Store)) {
	e := newEnv(t, h.New(t), scheduler.WithHealthThresholds(2, 3))
	if _, err := e.s.AddServer(e.ctx, scheduler.ServerConfig{ID: "a", URL: "https://a.example.com/", Secret: "x"}); err != nil {
		t.Fatal(err)
	}
	step := func(down, wantOnline bool) {
		t.Helper()
		e.cluster.SetDown("a", down)
		e.poll()
		if got := e.server("a").Online; got != wantOnline {
			t.Fatalf("after a poll with down=%v, online = %v, want %v", down, got, wantOnline)
		}
	}
	step(false, false) // 1 good
	step(true, false)  // reset
	step(false, false) // 1 good
	step(false, true)  // 2 good: online
	step(true, true)   // 1 bad
	step(true, true)   // 2 bad
	step(false, true)  // reset
	step(true, true)   // 1 bad
	step(true, true)   // 2 bad
	step(true, false)  // 3 bad: offline
}

func testPollMappings(t *testing.T, h Harness, _ func(*testing.T) (scheduler.Store, scheduler.Store)) {
	e := newEnv(t, h.New(t), scheduler.WithPendingGrace(time.Minute))
	e.add("a", "", 1)

	// A placement the server does not show yet stays, with its reservation.
	e.pick("pending", "")
	e.clock.Advance(30 * time.Second)
	e.poll()
	if got := e.meetingIDs("a"); !slices.Equal(got, []string{"pending"}) {
		t.Fatalf("within the grace period a holds %v", got)
	}
	e.wantLoad("a", 15)
	// After the grace period it goes, with its reservation.
	e.clock.Advance(31 * time.Second)
	e.poll()
	e.wantNotFound("pending")
	e.wantLoad("a", 0)
	if ev := e.rec.Events(scheduler.EventMeetingsCleared); len(ev) != 1 || !slices.Equal(ev[0].MeetingIDs, []string{"pending"}) {
		t.Fatalf("cleared events = %+v", ev)
	}

	// A meeting a poll has seen goes as soon as a poll misses it.
	e.pick("seen", "")
	e.cluster.Start("a", scheduler.Meeting{ID: "seen", CreateTime: e.clock.Now(), ParticipantCount: 2})
	e.poll()
	e.wantLoad("a", 15)
	e.cluster.End("a", "seen")
	e.poll()
	e.wantNotFound("seen")
	e.wantLoad("a", 0)

	// A meeting the server runs without a mapping is adopted.
	e.cluster.Start("a", scheduler.Meeting{ID: "orphan", CreateTime: Epoch().Add(-time.Hour), ParticipantCount: 4})
	e.poll()
	if srv, err := e.s.Lookup(e.ctx, "orphan"); err != nil || srv.ID != "a" {
		t.Fatalf("orphan not adopted: %v, %v", srv.ID, err)
	}
	if p := e.pick("orphan", ""); !p.Existing {
		t.Fatal("Pick of an adopted meeting is not Existing")
	}
	e.wantLoad("a", 4)

	// A meeting mapped to another server is not stolen.
	e.add("b", "", 1)
	e.cluster.Start("b", scheduler.Meeting{ID: "orphan", CreateTime: Epoch(), ParticipantCount: 4})
	e.poll()
	if srv, _ := e.s.Lookup(e.ctx, "orphan"); srv.ID != "a" {
		t.Fatalf("orphan moved to %s", srv.ID)
	}

	// A disabled server adopts nothing.
	if _, err := e.s.SetState(e.ctx, "b", scheduler.StateDisabled); err != nil {
		t.Fatal(err)
	}
	e.cluster.Start("b", scheduler.Meeting{ID: "stray", CreateTime: Epoch()})
	e.poll()
	e.wantNotFound("stray")
	if srv := e.server("b"); srv.Meetings != 2 || !srv.Online {
		t.Fatalf("disabled b = %v (meetings %d), want polled and online", srv, srv.Meetings)
	}
}

func testRelease(t *testing.T, h Harness, _ func(*testing.T) (scheduler.Store, scheduler.Store)) {
	e := newEnv(t, h.New(t))
	e.add("a", "", 2)
	e.pick("m1", "")
	e.pick("m2", "")
	e.wantLoad("a", 60)
	if err := e.s.Release(e.ctx, "m1"); err != nil {
		t.Fatal(err)
	}
	e.wantLoad("a", 30)
	e.wantNotFound("m1")
	if err := e.s.Release(e.ctx, "m1"); !errors.Is(err, scheduler.ErrMeetingNotFound) {
		t.Fatalf("second Release: %v, want ErrMeetingNotFound", err)
	}
	// Once a poll has seen a meeting, its users are in the polled load and
	// releasing it leaves the load to the next poll.
	e.cluster.Start("a", scheduler.Meeting{ID: "m2", CreateTime: Epoch().Add(-time.Hour), ParticipantCount: 5})
	e.poll()
	e.wantLoad("a", 10)
	if err := e.s.Release(e.ctx, "m2"); err != nil {
		t.Fatal(err)
	}
	e.wantLoad("a", 10)
	if ev := e.rec.Events(scheduler.EventReleased); len(ev) != 2 || ev[1].ServerID != "a" || ev[1].MeetingID != "m2" {
		t.Fatalf("released events = %+v", ev)
	}
}

func testLoadFormula(t *testing.T, h Harness, _ func(*testing.T) (scheduler.Store, scheduler.Store)) {
	t.Run("scalelite", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, h.New(t))
		e.add("a", "", 2)
		now := e.clock.Now()
		for _, m := range []scheduler.Meeting{
			{ID: "young-small", CreateTime: now.Add(-time.Minute), ParticipantCount: 3, ModeratorCount: 1},    // 15
			{ID: "old", CreateTime: now.Add(-time.Hour), ParticipantCount: 20, ModeratorCount: 2},             // 20
			{ID: "breakout", CreateTime: now.Add(-time.Hour), ParticipantCount: 7, IsBreakout: true},          // 0
			{ID: "young-big", CreateTime: now.Add(-5 * time.Minute), ParticipantCount: 30, ModeratorCount: 3}, // 30
		} {
			e.cluster.Start("a", m)
		}
		e.poll()
		srv := e.server("a")
		if !near(srv.Load, 130) || srv.Meetings != 4 || srv.Users != 60 || !srv.PolledAt.Equal(now) {
			t.Fatalf("polled server = %v, meetings %d, users %d, polled %v; want load 130, 4, 60, %v",
				srv, srv.Meetings, srv.Users, srv.PolledAt, now)
		}
		if ev := e.rec.Events(scheduler.EventPolled); len(ev) != 2 || !near(ev[1].Load, 130) || ev[1].Users != 60 {
			t.Fatalf("polled events = %+v", ev)
		}
	})
	t.Run("custom", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, h.New(t), scheduler.WithLoadFunc(scheduler.MeetingCountLoad), scheduler.WithReservation(1))
		e.add("a", "", 1.5)
		e.cluster.Start("a", scheduler.Meeting{ID: "x", CreateTime: Epoch(), ParticipantCount: 50})
		e.cluster.Start("a", scheduler.Meeting{ID: "y", CreateTime: Epoch(), ParticipantCount: 50})
		e.poll()
		e.wantLoad("a", 3)
		e.pick("z", "")
		e.wantLoad("a", 4.5)
	})
}

func testAddLoad(t *testing.T, h Harness, _ func(*testing.T) (scheduler.Store, scheduler.Store)) {
	e := newEnv(t, h.New(t))
	e.add("a", "", 2)
	if err := e.s.AddLoad(e.ctx, "a", 5); err != nil {
		t.Fatal(err)
	}
	e.wantLoad("a", 10)
	if err := e.s.AddLoad(e.ctx, "a", -3); err != nil {
		t.Fatal(err)
	}
	e.wantLoad("a", 4)
	if err := e.s.AddLoad(e.ctx, "a", -100); err != nil {
		t.Fatal(err)
	}
	e.wantLoad("a", 0)
	if err := e.s.AddLoad(e.ctx, "a", 5); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.SetState(e.ctx, "a", scheduler.StateCordoned); err != nil {
		t.Fatal(err)
	}
	if err := e.s.AddLoad(e.ctx, "a", 5); err != nil {
		t.Fatal(err)
	}
	e.wantLoad("a", 10)
}

func testNoSecret(t *testing.T, h Harness, _ func(*testing.T) (scheduler.Store, scheduler.Store)) {
	e := newEnv(t, h.New(t))
	e.add("a", "", 1)
	p := e.pick("m", "")
	e.cluster.SetDown("a", true)
	e.poll()
	e.poll()
	_, errPick := e.s.Pick(e.ctx, "other", "x!")
	srv, _ := e.s.Server(e.ctx, "a")
	texts := []string{
		fmt.Sprint(srv), fmt.Sprintf("%v %+v %#v %s", srv, srv, srv, srv),
		fmt.Sprintf("%v %+v", p, p), fmt.Sprint(errPick),
	}
	for _, ev := range e.rec.Events() {
		texts = append(texts, fmt.Sprintf("%+v %v", ev, ev.Err))
	}
	for _, s := range texts {
		if strings.Contains(s, testSecret) {
			t.Fatalf("secret shown in %q", s)
		}
	}
	if srv.Secret != testSecret {
		t.Fatal("the secret itself must still be readable from the field")
	}
}
