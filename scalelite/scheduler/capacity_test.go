package scheduler_test

import (
	"reflect"
	"testing"

	"github.com/bbbkit/bbbkit/scalelite/scheduler"
)

func TestCapacityOf(t *testing.T) {
	t.Parallel()
	on := func(id, site string, st scheduler.State, load, capacity float64, meetings, users int) scheduler.Server {
		return scheduler.Server{ID: id, Site: site, State: st, Online: true, Load: load, Capacity: capacity,
			Meetings: meetings, Users: users, LoadMultiplier: 1}
	}
	servers := []scheduler.Server{
		on("a1", "a", scheduler.StateEnabled, 40, 100, 2, 35),
		on("a2", "a", scheduler.StateEnabled, 120, 100, 5, 110),                                // full: no free capacity, still in service
		on("a3", "a", scheduler.StateCordoned, 10, 100, 1, 10),                                 // draining: load counts, capacity does not
		{ID: "a4", Site: "a", State: scheduler.StateEnabled, Capacity: 100, LoadMultiplier: 1}, // offline
		on("b1", "b", scheduler.StateEnabled, 5, 0, 1, 5),                                      // unlimited
		on("x1", "", scheduler.StateDisabled, 0, 50, 0, 0),
	}
	got := scheduler.CapacityOf(servers)
	want := scheduler.CapacityReport{
		Sites: []scheduler.SiteCapacity{
			{Site: "", Servers: 1, Online: 1},
			{Site: "a", Servers: 4, Online: 3, Available: 2, Accepting: 1, Load: 170, Capacity: 200, Free: 60, Meetings: 8, Users: 155},
			{Site: "b", Servers: 1, Online: 1, Available: 1, Accepting: 1, Unlimited: 1, Load: 5, Meetings: 1, Users: 5},
		},
		Total: scheduler.SiteCapacity{Servers: 6, Online: 5, Available: 3, Accepting: 2, Unlimited: 1, Load: 175, Capacity: 200,
			Free: 60, Meetings: 9, Users: 160},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("CapacityOf =\n%+v\nwant\n%+v", got, want)
	}
	if c := got.Site("b"); c.Unlimited != 1 {
		t.Errorf("Site(b) = %+v", c)
	}
	if c := got.Site("nowhere"); c != (scheduler.SiteCapacity{Site: "nowhere"}) {
		t.Errorf("Site(nowhere) = %+v", c)
	}
}
