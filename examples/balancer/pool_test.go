package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/examples/internal/cli"
	"github.com/bbbkit/bbbkit/internal/testwait"
	"github.com/bbbkit/bbbkit/scalelite"
	"github.com/bbbkit/bbbkit/scalelite/scheduler/autoscale"
	"github.com/google/go-cmp/cmp"
)

// adminOf is an admin client of the balancer at addr, its connections
// closed at the end of the test.
func adminOf(t *testing.T, addr string) *scalelite.Client {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	admin, err := scalelite.New("http://"+addr, secret, bbb.WithHTTPClient(&http.Client{Transport: tr}))
	if err != nil {
		t.Fatalf("scalelite.New(...): %v", err)
	}
	return admin
}

// writeFile writes content to a file in the test's directory.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatalf("os.WriteFile(p, []byte(content), 0o600): %v", err)
	}
	return p
}

func poolYAML(w *bbbtest.Server, site string, capacity int) string {
	return fmt.Sprintf("servers:\n  w1:\n    url: %s\n    secret: %s\n    site: %s\n    capacity: %d\n", w.APIURL(), w.Secret, site, capacity)
}

func TestServersDryRun(t *testing.T) {
	t.Parallel()
	w := bbbtest.NewServer()
	defer w.Close()
	pool := writeFile(t, "servers.yaml", poolYAML(w, "a", 250))
	var stdout, stderr bytes.Buffer
	code := run(cli.WithGetenv(context.Background(), func(k string) string {
		if k == "BALANCER_SECRET" {
			return secret
		}
		return ""
	}), []string{"-servers", pool, "-servers-dry-run"}, nil, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("code = %v; want %v (%s)", code, 0, stderr.String())
	}
	if got := stdout.String(); got != "add w1\n" {
		t.Errorf("stdout.String() = %q; want %q", got, "add w1\n")
	}
	if got := stdout.String() + stderr.String(); strings.Contains(got, w.Secret) {
		t.Errorf("stdout.String()+stderr.String() = %q; want it not to contain %q", got, w.Secret)
	}
}

func TestPoolFlagErrors(t *testing.T) {
	t.Parallel()
	for name, args := range map[string][]string{
		"bad site order":       {"-secret", "x", "-site-order", "a b"},
		"hook without policy":  {"-secret", "x", "-scale-hook", "true"},
		"dry run without file": {"-secret", "x", "-servers-dry-run"},
	} {
		var stderr bytes.Buffer
		code := run(cli.WithGetenv(context.Background(), noEnv), args, nil, io.Discard, &stderr)
		if code != 2 {
			t.Errorf("code = %v; want %v (%s)", code, 2, name)
		}
	}
	bad := writeFile(t, "servers.yaml", "servers:\n  w1:\n    url: https://w1.example.com/\n    secret: x\n    colour: blue\n")
	var stderr bytes.Buffer
	code := run(cli.WithGetenv(context.Background(), func(k string) string {
		if k == "BALANCER_SECRET" {
			return secret
		}
		return ""
	}), []string{"-servers", bad, "-servers-dry-run"}, nil, io.Discard, &stderr)
	if code != 1 {
		t.Errorf("code = %v; want %v (an unknown field is an error)", code, 1)
	}
	if got := stderr.String(); !strings.Contains(got, "colour") {
		t.Errorf("stderr.String() = %q; want it to contain %q", got, "colour")
	}
}

// TestPoolScaleHookAndSites starts the balancer with a pool file, a site
// order and a scale hook: the pool is in the store at once (with its site
// and capacity), and the hook receives a plan asking for the minimum of two
// servers at site a.
func TestPoolScaleHookAndSites(t *testing.T) {
	t.Parallel()
	w := bbbtest.NewServer()
	defer w.Close()
	dir := t.TempDir()
	planFile := filepath.Join(dir, "plan.json")
	pool := writeFile(t, "servers.yaml", poolYAML(w, "a", 250))
	policy := writeFile(t, "policy.yaml", "sites:\n  - site: a\n    headroom: {percent: 20}\n    min_servers: 2\n    server_capacity: 250\nscale_out_cooldown: 1h\n")
	addr, _ := balancer(t, "-poll-interval", "50ms", "-servers", pool, "-site-order", "a,b",
		"-scale-policy", policy, "-scale-hook", "cat > "+planFile)
	admin := adminOf(t, addr)
	ctx := context.Background()
	srv, err := admin.GetServerInfo(ctx, "w1")
	if err != nil {
		t.Fatalf("admin.GetServerInfo(ctx, \"w1\"): %v", err)
	}
	if srv.Site != "a" {
		t.Errorf("srv.Site = %q; want %q", srv.Site, "a")
	}
	if srv.Capacity != 250.0 {
		t.Errorf("srv.Capacity = %v; want %v", srv.Capacity, 250.0)
	}
	if srv.State != scalelite.StateEnabled {
		t.Errorf("srv.State = %v; want %v", srv.State, scalelite.StateEnabled)
	}

	var plan autoscale.Plan
	testwait.Eventually(t, func() bool {
		b, err := os.ReadFile(planFile)
		return err == nil && json.Unmarshal(b, &plan) == nil
	}, 10*time.Second, 20*time.Millisecond, "condition (the hook ran with a plan)")
	if len(plan.Actions) != 1 {
		t.Fatalf("len(plan.Actions) = %d; want %d: %v", len(plan.Actions), 1, plan.Actions)
	}
	if plan.Actions[0].Site != "a" {
		t.Errorf("plan.Actions[0].Site = %q; want %q", plan.Actions[0].Site, "a")
	}
	if plan.Actions[0].ScaleOut != 1 {
		t.Errorf("plan.Actions[0].ScaleOut = %v; want %v", plan.Actions[0].ScaleOut, 1)
	}

	// The hook's plan started the 1h scale-out cooldown: getScalePlan
	// shows the scale-out held, not wanted again.
	shown, err := admin.GetScalePlan(ctx)
	if err != nil {
		t.Fatalf("admin.GetScalePlan(ctx): %v", err)
	}
	if len(shown.Actions) != 0 || len(shown.Held) != 1 || shown.Held[0].ScaleOut != 1 || shown.Held[0].Until.Sub(plan.Time) != time.Hour {
		t.Errorf("getScalePlan after the hook: actions %+v held %+v; want the scale-out held for the hour after %v", shown.Actions, shown.Held, plan.Time)
	}

	capacity, err := admin.GetCapacity(ctx)
	if err != nil {
		t.Fatalf("admin.GetCapacity(ctx): %v", err)
	}
	if capacity.Total.Servers != 1 {
		t.Errorf("capacity.Total.Servers = %v; want %v", capacity.Total.Servers, 1)
	}
}

// scaledBalancer starts a balancer with one worker, w1, at site a with a
// capacity of 100 and a policy that keeps 150 free there (so it wants one
// more server), and no hook.
func scaledBalancer(t *testing.T, extra ...string) (w *bbbtest.Server, addr string, logs *syncBuffer) {
	t.Helper()
	w = bbbtest.NewServer()
	t.Cleanup(w.Close)
	pool := writeFile(t, "servers.yaml", poolYAML(w, "a", 100))
	policy := writeFile(t, "policy.yaml", "sites:\n  - site: a\n    headroom: {absolute: 150}\n    min_servers: 1\n    server_capacity: 100\n")
	addr, logs = balancer(t, append([]string{"-poll-interval", "50ms", "-servers", pool, "-scale-policy", policy}, extra...)...)
	return w, addr, logs
}

// TestScalePolicyWithoutHook: with -scale-policy alone the balancer runs no
// hook but answers getScalePlan with the plan, which follows the servers.
func TestScalePolicyWithoutHook(t *testing.T) {
	t.Parallel()
	_, addr, _ := scaledBalancer(t)
	admin := adminOf(t, addr)
	ctx := context.Background()
	var (
		p   *scalelite.ScalePlan
		err error
	)
	testwait.Eventually(t, func() bool {
		p, err = admin.GetScalePlan(ctx)
		return err == nil && len(p.Sites) == 1 && p.Sites[0].Available == 1
	}, 10*time.Second, 20*time.Millisecond, "condition (the plan sees w1 online)")
	want := []scalelite.ScaleAction{{Site: "a", ScaleOut: 1, ServerCapacity: 100, Reason: "free 100 below target 150"}}
	if diff := cmp.Diff(want, p.Actions); diff != "" {
		t.Fatalf("plan mismatch (-want +got):\n%s", diff)
	}
	if _, err := admin.UpdateServer(ctx, "w1", &scalelite.UpdateServerParams{Capacity: new(400.0)}); err != nil {
		t.Fatal(err)
	}
	if p, err = admin.GetScalePlan(ctx); err != nil || len(p.Actions) != 0 || len(p.Held) != 0 {
		t.Fatalf("plan with 400 free: %+v, %v; want nothing to do", p, err)
	}
}

// TestMetricsEndpoint: -metrics-listen serves the scheduler's metrics, the
// capacity per site and the autoscaling plan, and no secret.
func TestMetricsEndpoint(t *testing.T) {
	t.Parallel()
	w, _, logs := scaledBalancer(t, "-metrics-listen", "127.0.0.1:0")
	addrRE := regexp.MustCompile(`msg="metrics listening" addr=(\S+)`)
	var addr string
	testwait.Eventually(t, func() bool {
		m := addrRE.FindStringSubmatch(logs.String())
		if m != nil {
			addr = m[1]
		}
		return m != nil
	}, 10*time.Second, 10*time.Millisecond, "the metrics address in the log")
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	var body string
	want := []string{
		`bbbkit_scheduler_site_capacity{site="a"} 100`,
		`bbbkit_autoscale_scale_out_servers{site="a"} 1`,
		`bbbkit_autoscale_plan_up 1`,
		`bbbkit_scheduler_server_online{server="w1"} 1`,
		`bbbkit_scheduler_polls_total{result="success",server="w1"}`,
		`go_goroutines`,
	}
	testwait.Eventually(t, func() bool {
		resp, err := hc.Get("http://" + addr + "/metrics")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != http.StatusOK {
			return false
		}
		body = string(b)
		for _, s := range want {
			if !strings.Contains(body, s) {
				return false
			}
		}
		return true
	}, 10*time.Second, 20*time.Millisecond, "metrics with the capacity and the plan")
	if strings.Contains(body, w.Secret) || strings.Contains(body, secret) {
		t.Fatal("the metrics contain a secret")
	}
}
