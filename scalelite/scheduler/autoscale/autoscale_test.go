package autoscale_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/scalelite/scheduler"
	"github.com/bbbkit/bbbkit/scalelite/scheduler/autoscale"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// srv is an enabled, online server of site with a capacity of 100.
func srv(id, site string, load float64, meetings int) scheduler.Server {
	return scheduler.Server{ID: id, Site: site, State: scheduler.StateEnabled, Online: true, LoadMultiplier: 1,
		Load: load, Capacity: 100, Meetings: meetings}
}

func with(s scheduler.Server, f func(*scheduler.Server)) scheduler.Server {
	f(&s)
	return s
}

func mustPlan(t *testing.T, a *autoscale.Autoscaler, servers []scheduler.Server) autoscale.Plan {
	t.Helper()
	p, err := a.Plan(context.Background(), servers)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPlan(t *testing.T) {
	t.Parallel()
	site := func(f func(*autoscale.SitePolicy)) autoscale.SitePolicy {
		sp := autoscale.SitePolicy{Site: "a", Headroom: autoscale.Headroom{Percent: 20}, MinServers: 1, ServerCapacity: 100}
		if f != nil {
			f(&sp)
		}
		return sp
	}
	cases := []struct {
		name    string
		sites   []autoscale.SitePolicy
		margin  autoscale.Headroom
		servers []scheduler.Server
		want    []autoscale.Action // without Reason
	}{
		{"below minimum", []autoscale.SitePolicy{site(func(sp *autoscale.SitePolicy) { sp.MinServers = 3 })},
			autoscale.Headroom{}, []scheduler.Server{srv("a1", "a", 0, 0)},
			[]autoscale.Action{{Site: "a", ScaleOut: 2, ServerCapacity: 100}}},
		{"offline server counts for the minimum, not for capacity", []autoscale.SitePolicy{site(func(sp *autoscale.SitePolicy) { sp.MinServers = 2 })},
			autoscale.Headroom{}, []scheduler.Server{srv("a1", "a", 90, 3), with(srv("a2", "a", 0, 0), func(s *scheduler.Server) { s.Online = false })},
			[]autoscale.Action{{Site: "a", ScaleOut: 1, ServerCapacity: 100}}},
		{"percent headroom short", []autoscale.SitePolicy{site(nil)}, autoscale.Headroom{},
			[]scheduler.Server{srv("a1", "a", 90, 3), srv("a2", "a", 80, 3)},
			[]autoscale.Action{{Site: "a", ScaleOut: 1, ServerCapacity: 100}}},
		{"percent headroom exactly met", []autoscale.SitePolicy{site(nil)}, autoscale.Headroom{},
			[]scheduler.Server{srv("a1", "a", 80, 3), srv("a2", "a", 80, 3)}, nil},
		{"absolute headroom short by 1.7 servers", []autoscale.SitePolicy{site(func(sp *autoscale.SitePolicy) { sp.Headroom.Absolute = 200 })},
			autoscale.Headroom{}, []scheduler.Server{srv("a1", "a", 90, 3), srv("a2", "a", 80, 3)},
			[]autoscale.Action{{Site: "a", ScaleOut: 2, ServerCapacity: 100}}},
		{"maximum bounds the scale-out", []autoscale.SitePolicy{site(func(sp *autoscale.SitePolicy) { sp.Headroom.Absolute = 200; sp.MaxServers = 3 })},
			autoscale.Headroom{}, []scheduler.Server{srv("a1", "a", 90, 3), srv("a2", "a", 80, 3)},
			[]autoscale.Action{{Site: "a", ScaleOut: 1, ServerCapacity: 100}}},
		{"at the maximum, draining servers included", []autoscale.SitePolicy{site(func(sp *autoscale.SitePolicy) { sp.MaxServers = 3 })},
			autoscale.Headroom{}, []scheduler.Server{srv("a1", "a", 100, 3), srv("a2", "a", 100, 3),
				with(srv("a3", "a", 10, 1), func(s *scheduler.Server) { s.State = scheduler.StateCordoned })}, nil},
		{"drain the emptiest down to the minimum", []autoscale.SitePolicy{site(func(sp *autoscale.SitePolicy) { sp.MinServers = 2 })},
			autoscale.Headroom{Percent: 10}, []scheduler.Server{srv("a1", "a", 10, 1), srv("a2", "a", 5, 1), srv("a3", "a", 0, 0), srv("a4", "a", 0, 0)},
			[]autoscale.Action{{Site: "a", Drain: []string{"a3", "a4"}}}},
		{"hysteresis keeps a server", []autoscale.SitePolicy{site(nil)}, autoscale.Headroom{Percent: 10},
			[]scheduler.Server{srv("a1", "a", 40, 2), srv("a2", "a", 40, 2)}, nil},
		{"without margin the same server goes", []autoscale.SitePolicy{site(nil)}, autoscale.Headroom{},
			[]scheduler.Server{srv("a1", "a", 40, 2), srv("a2", "a", 40, 2)},
			[]autoscale.Action{{Site: "a", Drain: []string{"a1"}}}},
		{"unlimited server: only the minimum applies", []autoscale.SitePolicy{site(func(sp *autoscale.SitePolicy) { sp.Headroom.Absolute = 1000 })},
			autoscale.Headroom{}, []scheduler.Server{srv("a1", "a", 90, 3), with(srv("a2", "a", 0, 0), func(s *scheduler.Server) { s.Capacity = 0 })}, nil},
		{"empty site with absolute headroom", []autoscale.SitePolicy{site(func(sp *autoscale.SitePolicy) {
			sp.Site, sp.MinServers, sp.Headroom = "b", 0, autoscale.Headroom{Absolute: 150}
		})}, autoscale.Headroom{}, []scheduler.Server{srv("a1", "a", 100, 3)},
			[]autoscale.Action{{Site: "b", ScaleOut: 2, ServerCapacity: 100}}},
		{"two sites, each its own", []autoscale.SitePolicy{site(nil), site(func(sp *autoscale.SitePolicy) { sp.Site = "b" })},
			autoscale.Headroom{}, []scheduler.Server{srv("a1", "a", 95, 3), srv("b1", "b", 10, 1), srv("b2", "b", 0, 0), srv("x", "", 100, 1)},
			[]autoscale.Action{{Site: "a", ScaleOut: 1, ServerCapacity: 100}, {Site: "b", Drain: []string{"b2"}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, err := autoscale.New(autoscale.Policy{Sites: tc.sites, ScaleInMargin: tc.margin},
				autoscale.WithClock(func() time.Time { return epoch }))
			if err != nil {
				t.Fatal(err)
			}
			plan, err := a.Plan(context.Background(), tc.servers)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]autoscale.Action, 0, len(plan.Actions))
			for _, act := range plan.Actions {
				if act.Reason == "" {
					t.Errorf("action %+v without a reason", act)
				}
				act.Reason = ""
				got = append(got, act)
			}
			if len(tc.want) == 0 && len(got) == 0 {
				return
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("actions = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestCooldowns(t *testing.T) {
	t.Parallel()
	now := epoch
	a, err := autoscale.New(autoscale.Policy{
		Sites:            []autoscale.SitePolicy{{Site: "a", Headroom: autoscale.Headroom{Percent: 20}, MinServers: 1, ServerCapacity: 100}},
		ScaleOutCooldown: 5 * time.Minute,
		ScaleInCooldown:  10 * time.Minute,
	}, autoscale.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	busy := []scheduler.Server{srv("a1", "a", 95, 5)}
	step := func(at time.Duration, servers []scheduler.Server, wantOut int, wantDrain []string, wantHeld bool) {
		t.Helper()
		now = epoch.Add(at)
		p := mustPlan(t, a, servers)
		if !p.Time.Equal(now) {
			t.Fatalf("plan time %v, want %v", p.Time, now)
		}
		out, drain := 0, []string(nil)
		for _, act := range p.Actions {
			out += act.ScaleOut
			drain = append(drain, act.Drain...)
		}
		if out != wantOut || !reflect.DeepEqual(drain, wantDrain) || (len(p.Held) > 0) != wantHeld {
			t.Fatalf("at +%v: actions %+v held %+v; want scale-out %d, drain %v, held %v", at, p.Actions, p.Held, wantOut, wantDrain, wantHeld)
		}
	}
	step(0, busy, 1, nil, false)
	step(time.Minute, busy, 0, nil, true) // the new server is not online yet: held, not repeated
	if now = epoch.Add(2 * time.Minute); mustPlan(t, a, busy).Held[0].Until != epoch.Add(5*time.Minute) {
		t.Fatal("held scale-out does not say when its cooldown ends")
	}
	step(5*time.Minute, busy, 1, nil, false) // cooldown over, still short
	idle := []scheduler.Server{srv("a1", "a", 0, 0), srv("a2", "a", 0, 0), srv("a3", "a", 0, 0)}
	step(6*time.Minute, idle, 0, nil, true)                    // drain wanted, but within 10 min of the scale-out
	step(15*time.Minute, idle, 0, []string{"a1", "a2"}, false) // down to the minimum of 1
	step(16*time.Minute, idle[:1], 0, nil, false)              // nothing left to drain
	step(17*time.Minute, busy, 1, nil, false)                  // a scale-out right after a drain is allowed
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	good := autoscale.SitePolicy{Site: "a", ServerCapacity: 100}
	for name, tc := range map[string]struct {
		p     autoscale.Policy
		opts  []autoscale.Option
		field string
	}{
		"percent 100":        {autoscale.Policy{Sites: []autoscale.SitePolicy{{Site: "a", ServerCapacity: 1, Headroom: autoscale.Headroom{Percent: 100}}}}, nil, "Policy.Sites[0].Headroom.Percent"},
		"negative absolute":  {autoscale.Policy{Sites: []autoscale.SitePolicy{{Site: "a", ServerCapacity: 1, Headroom: autoscale.Headroom{Absolute: -1}}}}, nil, "Policy.Sites[0].Headroom.Absolute"},
		"no server capacity": {autoscale.Policy{Sites: []autoscale.SitePolicy{{Site: "a"}}}, nil, "Policy.Sites[0].ServerCapacity"},
		"max below min":      {autoscale.Policy{Sites: []autoscale.SitePolicy{{Site: "a", ServerCapacity: 1, MinServers: 3, MaxServers: 2}}}, nil, "Policy.Sites[0]"},
		"site twice":         {autoscale.Policy{Sites: []autoscale.SitePolicy{good, good}}, nil, "Policy.Sites[1].Site"},
		"negative cooldown":  {autoscale.Policy{ScaleInCooldown: -time.Second}, nil, "Policy cooldowns"},
		"margin":             {autoscale.Policy{ScaleInMargin: autoscale.Headroom{Percent: -1}}, nil, "Policy.ScaleInMargin.Percent"},
		"nil clock":          {autoscale.Policy{}, []autoscale.Option{autoscale.WithClock(nil)}, "WithClock"},
		"nil option":         {autoscale.Policy{}, []autoscale.Option{nil}, "option"},
		"nil history":        {autoscale.Policy{}, []autoscale.Option{autoscale.WithHistory(nil)}, "WithHistory"},
	} {
		_, err := autoscale.New(tc.p, tc.opts...)
		var ve *scheduler.ValidationError
		if !errors.As(err, &ve) || ve.Field != tc.field {
			t.Errorf("%s: %v, want a ValidationError for %s", name, err, tc.field)
		}
	}
}

func TestPlanJSON(t *testing.T) {
	t.Parallel()
	a, err := autoscale.New(autoscale.Policy{Sites: []autoscale.SitePolicy{{Site: "a", Headroom: autoscale.Headroom{Absolute: 50}, ServerCapacity: 100}}},
		autoscale.WithClock(func() time.Time { return epoch }))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(mustPlan(t, a, []scheduler.Server{srv("a1", "a", 60, 2)}))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"time":"2026-01-01T00:00:00Z","actions":[{"site":"a","scaleOut":1,"serverCapacity":100,"reason":"free 40 below target 50"}],` +
		`"sites":[{"site":"a","servers":1,"online":1,"available":1,"accepting":1,"unlimited":0,"load":60,"capacity":100,"free":40,"meetings":2,"users":0}]}`
	if got := string(b); got != want {
		t.Fatalf("JSON:\n%s\nwant\n%s", got, want)
	}
	if strings.Contains(string(b), "secret") {
		t.Fatal("plan mentions a secret")
	}
}

// TestPreviewRecordsNothing: a preview shows the plan, held actions
// included, and never starts a cooldown.
func TestPreviewRecordsNothing(t *testing.T) {
	t.Parallel()
	now := epoch
	a, err := autoscale.New(autoscale.Policy{
		Sites:            []autoscale.SitePolicy{{Site: "a", Headroom: autoscale.Headroom{Percent: 20}, MinServers: 1, ServerCapacity: 100}},
		ScaleOutCooldown: 5 * time.Minute,
	}, autoscale.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	busy := []scheduler.Server{srv("a1", "a", 95, 5)}
	for range 3 {
		p, err := a.Preview(context.Background(), busy)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Actions) != 1 || p.Actions[0].ScaleOut != 1 || len(p.Held) != 0 {
			t.Fatalf("preview %+v, want one scale-out and nothing held", p)
		}
	}
	mustPlan(t, a, busy)
	now = epoch.Add(time.Minute)
	p, err := a.Preview(context.Background(), busy)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Actions) != 0 || len(p.Held) != 1 || !p.Held[0].Until.Equal(epoch.Add(5*time.Minute)) {
		t.Fatalf("preview after a plan: actions %+v held %+v, want the scale-out held until +5m", p.Actions, p.Held)
	}
}

// TestHistorySharedByReplicas: two Autoscalers on one store (two balancer
// replicas) share the cooldowns, so the second does not repeat the first's
// scale-out when it takes over.
func TestHistorySharedByReplicas(t *testing.T) {
	t.Parallel()
	store := scheduler.NewMemoryStore()
	now := epoch
	policy := autoscale.Policy{
		Sites:            []autoscale.SitePolicy{{Site: "a", Headroom: autoscale.Headroom{Percent: 20}, MinServers: 1, ServerCapacity: 100}},
		ScaleOutCooldown: 5 * time.Minute,
	}
	clock := autoscale.WithClock(func() time.Time { return now })
	first, err := autoscale.New(policy, clock, autoscale.WithHistory(store))
	if err != nil {
		t.Fatal(err)
	}
	second, err := autoscale.New(policy, clock, autoscale.WithHistory(store))
	if err != nil {
		t.Fatal(err)
	}
	busy := []scheduler.Server{srv("a1", "a", 95, 5)}
	if p := mustPlan(t, first, busy); len(p.Actions) != 1 {
		t.Fatalf("first replica: %+v, want a scale-out", p.Actions)
	}
	now = epoch.Add(time.Minute)
	if p := mustPlan(t, second, busy); len(p.Actions) != 0 || len(p.Held) != 1 {
		t.Fatalf("second replica a minute later: actions %+v held %+v, want the scale-out held", p.Actions, p.Held)
	}
	if h, err := store.ScaleHistory(context.Background(), "a"); err != nil || !h.Out.Equal(epoch) || !h.In.IsZero() {
		t.Fatalf("store history %+v, %v; want out at %v", h, err, epoch)
	}
}

// brokenHistory is a history whose store is down.
type brokenHistory struct{ failRecord bool }

var errStoreDown = errors.New("store down")

func (b brokenHistory) ScaleHistory(context.Context, string) (scheduler.ScaleHistory, error) {
	if b.failRecord {
		return scheduler.ScaleHistory{}, nil
	}
	return scheduler.ScaleHistory{}, errStoreDown
}

func (b brokenHistory) RecordScale(context.Context, string, scheduler.ScaleHistory) error {
	return errStoreDown
}

// TestHistoryErrors: when the history cannot be read or written no plan
// is returned, so a hook never acts without its cooldown recorded.
func TestHistoryErrors(t *testing.T) {
	t.Parallel()
	policy := autoscale.Policy{Sites: []autoscale.SitePolicy{{Site: "a", Headroom: autoscale.Headroom{Percent: 20}, MinServers: 1, ServerCapacity: 100}}}
	busy := []scheduler.Server{srv("a1", "a", 95, 5)}
	for _, failRecord := range []bool{false, true} {
		a, err := autoscale.New(policy, autoscale.WithHistory(brokenHistory{failRecord: failRecord}))
		if err != nil {
			t.Fatal(err)
		}
		p, err := a.Plan(context.Background(), busy)
		if !errors.Is(err, errStoreDown) || len(p.Actions) != 0 {
			t.Errorf("failRecord=%v: Plan = %+v, %v; want no actions and the store's error", failRecord, p.Actions, err)
		}
		_, err = a.Preview(context.Background(), busy)
		if failRecord != (err == nil) {
			t.Errorf("failRecord=%v: Preview error %v", failRecord, err)
		}
	}
}
