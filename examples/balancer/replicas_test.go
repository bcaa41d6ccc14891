package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/internal/redistest"
	"github.com/bbbkit/bbbkit/internal/testwait"
	"github.com/bbbkit/bbbkit/scalelite"
	"github.com/bbbkit/bbbkit/scalelite/scheduler/autoscale"
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

// TestReplicaTakeoverKeepsTheScaleCooldown: replica A runs the scale hook
// (one server wanted at site a, cooldown 1h) and stops; replica B takes the
// lease and, reading the cooldown from Redis, does not run the hook again.
// Before the cooldowns lived in the store, B scaled out a second time.
func TestReplicaTakeoverKeepsTheScaleCooldown(t *testing.T) {
	t.Parallel()
	w := bbbtest.NewServer()
	defer w.Close()
	dir := t.TempDir()
	pool := writeFile(t, "servers.yaml", poolYAML(w, "a", 100))
	policy := writeFile(t, "policy.yaml", "sites:\n  - site: a\n    headroom: {absolute: 150}\n    min_servers: 1\n    server_capacity: 100\nscale_out_cooldown: 1h\n")
	args := []string{"-redis", redistest.Addr(t), "-redis-prefix", redistest.Prefix(t), "-poll-interval", "50ms", "-lease-ttl", "200ms",
		"-servers", pool, "-scale-policy", policy, "-log-level", "debug"}
	planA, planB := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json")

	_, logsA, stopA := startBalancer(t, append(args, "-lease-holder", "replica-a", "-scale-hook", "cat > "+planA)...)
	// The hook has run once it has exited: wait for the log line, not only
	// for the file, so that stopping A does not cancel the hook.
	testwait.Eventually(t, func() bool { return strings.Contains(logsA.String(), "scale hook ran") }, 10*time.Second, 20*time.Millisecond,
		"replica A ran the hook")
	stopA()
	var first autoscale.Plan
	if b, err := os.ReadFile(planA); err != nil || json.Unmarshal(b, &first) != nil {
		t.Fatalf("A's plan file: %v, %q", err, b)
	}
	// One server short, or two when A planned before its first poll saw w1.
	if len(first.Actions) != 1 || first.Actions[0].Site != "a" || first.Actions[0].ScaleOut < 1 {
		t.Fatalf("A's plan %+v; want servers added at a", first.Actions)
	}

	b, logsB, _ := startBalancer(t, append(args, "-lease-holder", "replica-b", "-scale-hook", "cat > "+planB)...)
	testwait.Eventually(t, func() bool { return strings.Contains(logsB.String(), "lease_acquired") }, 10*time.Second, 10*time.Millisecond,
		"replica B took the lease")
	time.Sleep(500 * time.Millisecond) // ten poll intervals in which B plans
	if _, err := os.Stat(planB); err == nil {
		t.Fatal("replica B ran the hook again within the cooldown A started")
	}
	shown, err := adminOf(t, b).GetScalePlan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(shown.Actions) != 0 || len(shown.Held) != 1 || !shown.Held[0].Until.Equal(first.Time.Add(time.Hour).Truncate(time.Millisecond)) {
		t.Errorf("B's plan: actions %+v held %+v; want the scale-out held until an hour after %v", shown.Actions, shown.Held, first.Time)
	}
}
