package metrics

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/bbbkit/bbbkit/scalelite/scheduler"
)

type staticLister []scheduler.Server

func (l staticLister) Servers(context.Context) ([]scheduler.Server, error) { return l, nil }

func TestCapacityMetrics(t *testing.T) {
	t.Parallel()
	servers := staticLister{
		{ID: "a1", Site: "a", State: scheduler.StateEnabled, Online: true, Load: 40, Capacity: 100, Meetings: 2, Users: 38, Secret: "secret-a1"},
		{ID: "a2", Site: "a", State: scheduler.StateEnabled, Online: true, Load: 100, Capacity: 100, Meetings: 3, Users: 100, Secret: "secret-a2"},
		{ID: "b1", Site: "b", State: scheduler.StateEnabled, Online: false, Capacity: 100, Secret: "secret-b1"},
	}
	m, err := NewCapacityMetrics(servers)
	if err != nil {
		t.Fatal(err)
	}
	want := `
# HELP bbbkit_scheduler_cluster_free Capacity left on the available servers that have a capacity, all sites
# TYPE bbbkit_scheduler_cluster_free gauge
bbbkit_scheduler_cluster_free 60
# HELP bbbkit_scheduler_site_free Capacity left on the available servers that have a capacity, per site
# TYPE bbbkit_scheduler_site_free gauge
bbbkit_scheduler_site_free{site="a"} 60
bbbkit_scheduler_site_free{site="b"} 0
# HELP bbbkit_scheduler_site_servers_accepting Servers taking new meetings (available and not full), per site
# TYPE bbbkit_scheduler_site_servers_accepting gauge
bbbkit_scheduler_site_servers_accepting{site="a"} 1
bbbkit_scheduler_site_servers_accepting{site="b"} 0
# HELP bbbkit_scheduler_site_users Users on the online servers at their last poll, per site
# TYPE bbbkit_scheduler_site_users gauge
bbbkit_scheduler_site_users{site="a"} 138
bbbkit_scheduler_site_users{site="b"} 0
# HELP bbbkit_scheduler_capacity_up 1 when the scheduler's servers could be read at scrape time
# TYPE bbbkit_scheduler_capacity_up gauge
bbbkit_scheduler_capacity_up 1
`
	if err := testutil.CollectAndCompare(m, strings.NewReader(want), "bbbkit_scheduler_cluster_free", "bbbkit_scheduler_site_free",
		"bbbkit_scheduler_site_servers_accepting", "bbbkit_scheduler_site_users", "bbbkit_scheduler_capacity_up"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(m); n != 1+10+2*10 {
		t.Errorf("%d series, want 31", n)
	}
	if lint, err := testutil.CollectAndLint(m); err != nil || len(lint) > 0 {
		t.Errorf("lint: %v %v", lint, err)
	}
}

type failingServers struct{}

func (failingServers) Servers(context.Context) ([]scheduler.Server, error) {
	return nil, errors.New("redis: connection refused")
}

func TestCapacityMetricsStoreDown(t *testing.T) {
	t.Parallel()
	m, err := NewCapacityMetrics(failingServers{})
	if err != nil {
		t.Fatal(err)
	}
	if err := testutil.CollectAndCompare(m, strings.NewReader(`
# HELP bbbkit_scheduler_capacity_up 1 when the scheduler's servers could be read at scrape time
# TYPE bbbkit_scheduler_capacity_up gauge
bbbkit_scheduler_capacity_up 0
`)); err != nil {
		t.Error(err)
	}
	var ce *ConfigError
	if _, err := NewCapacityMetrics(nil); !errors.As(err, &ce) {
		t.Errorf("NewCapacityMetrics(nil): %v, want *ConfigError", err)
	}
}
