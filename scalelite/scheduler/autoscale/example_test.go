package autoscale_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/bbbkit/bbbkit/scalelite/scheduler"
	"github.com/bbbkit/bbbkit/scalelite/scheduler/autoscale"
)

// Keep 20% or 200 users free at site "a", with 2 to 10 servers of 250
// users each; the plan is what a scale hook reads on its standard input.
func Example() {
	a, err := autoscale.New(autoscale.Policy{
		Sites: []autoscale.SitePolicy{{
			Site: "a", Headroom: autoscale.Headroom{Percent: 20, Absolute: 200},
			MinServers: 2, MaxServers: 10, ServerCapacity: 250,
		}},
		ScaleInMargin:    autoscale.Headroom{Percent: 10},
		ScaleOutCooldown: 5 * time.Minute,
		ScaleInCooldown:  30 * time.Minute,
	}, autoscale.WithClock(func() time.Time { return time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC) }))
	if err != nil {
		fmt.Println(err)
		return
	}
	servers := []scheduler.Server{ // from Scheduler.Servers
		{ID: "a1", Site: "a", State: scheduler.StateEnabled, Online: true, Load: 230, Capacity: 250, Meetings: 9, Users: 230},
		{ID: "a2", Site: "a", State: scheduler.StateEnabled, Online: true, Load: 180, Capacity: 250, Meetings: 7, Users: 180},
	}
	plan, err := a.Plan(context.Background(), servers)
	if err != nil {
		fmt.Println(err)
		return
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(plan.Actions)
	// Output:
	// [
	//   {
	//     "site": "a",
	//     "scaleOut": 1,
	//     "serverCapacity": 250,
	//     "reason": "free 90 below target 200"
	//   }
	// ]
}
