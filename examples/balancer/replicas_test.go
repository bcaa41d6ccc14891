package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/internal/redistest"
	"github.com/bbbkit/bbbkit/internal/testwait"
	"github.com/bbbkit/bbbkit/scalelite"
	"github.com/google/go-cmp/cmp"
)

// TestReplicasShareTenantsAndOnePolls runs two balancer replicas on one
// Redis, both with the poller on: only one holds the lease (and polls), and
// a tenant added through one is seen through the other. (Takeover and
// fencing are tested in scheduler/storetest and redisstore.)
func TestReplicasShareTenantsAndOnePolls(t *testing.T) {
	t.Parallel()
	raddr := redistest.Addr(t)
	prefix := redistest.Prefix(t)
	args := []string{"-redis", raddr, "-redis-prefix", prefix, "-poll-interval", "100ms", "-multitenancy", "-log-level", "debug"}
	// A lease far longer than the poll interval: a replica stalled by a
	// loaded machine must not lose it during the test.
	args = append(args, "-lease-ttl", "10s")
	a, logsA := balancer(t, append(args, "-lease-holder", "replica-a")...)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	ctx := context.Background()
	adminA, err := scalelite.New("http://"+a, secret, bbb.WithHTTPClient(hc))
	if err != nil {
		t.Fatalf("scalelite.New(\"http://\"+a, secret, bbb.WithHTTPClient(hc)): %v", err)
	}
	testwait.Eventually(t, func() bool { return strings.Contains(logsA.String(), "lease_acquired") }, 5*time.Second, 10*time.Millisecond, "strings.Contains(logsA.String(), \"lease_acquired\")")

	// Replica B, started after A holds the lease, shares its tenants.
	b, logsB := balancer(t, append(args, "-lease-holder", "replica-b")...)
	adminB, err := scalelite.New("http://"+b, secret, bbb.WithHTTPClient(hc))
	if err != nil {
		t.Fatalf("scalelite.New(\"http://\"+b, secret, bbb.WithHTTPClient(hc)): %v", err)
	}
	tn, err := adminA.AddTenant(ctx, &scalelite.AddTenantParams{Name: "school1", Secrets: []string{"school1-secret"}, SiteOrder: []string{"b"}})
	if err != nil {
		t.Fatalf("adminA.AddTenant(...): %v", err)
	}
	got, err := adminB.GetTenantInfo(ctx, tn.ID)
	if err != nil {
		t.Fatalf("adminB.GetTenantInfo(ctx, tn.ID): %v", err)
	}
	if got.Name != "school1" {
		t.Errorf("got.Name = %q; want %q", got.Name, "school1")
	}
	if diff := cmp.Diff([]string{"b"}, got.SiteOrder); diff != "" {
		t.Errorf("got.SiteOrder mismatch (-want +got):\n%s", diff)
	}
	time.Sleep(300 * time.Millisecond)
	if got := logsB.String(); strings.Contains(got, "lease_acquired") {
		t.Errorf("logsB.String() = %q; want it not to contain %q (B took the lease while A holds it)", got, "lease_acquired")
	}
}
