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
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/examples/internal/cli"
	"github.com/bbbkit/bbbkit/scalelite"
	"github.com/bbbkit/bbbkit/scalelite/scheduler/autoscale"
)

// writeFile writes content to a file in the test's directory.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
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
	require.Equal(t, 0, code, stderr.String())
	assert.Equal(t, "add w1\n", stdout.String())
	assert.NotContains(t, stdout.String()+stderr.String(), w.Secret)
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
		assert.Equal(t, 2, code, name)
	}
	bad := writeFile(t, "servers.yaml", "servers:\n  w1:\n    url: https://w1.example.com/\n    secret: x\n    colour: blue\n")
	var stderr bytes.Buffer
	code := run(cli.WithGetenv(context.Background(), func(k string) string {
		if k == "BALANCER_SECRET" {
			return secret
		}
		return ""
	}), []string{"-servers", bad, "-servers-dry-run"}, nil, io.Discard, &stderr)
	assert.Equal(t, 1, code, "an unknown field is an error")
	assert.Contains(t, stderr.String(), "colour")
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
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	admin, err := scalelite.New("http://"+addr, secret, bbb.WithHTTPClient(&http.Client{Transport: tr}))
	require.NoError(t, err)
	ctx := context.Background()
	srv, err := admin.GetServerInfo(ctx, "w1")
	require.NoError(t, err)
	assert.Equal(t, "a", srv.Site)
	assert.Equal(t, 250.0, srv.Capacity)
	assert.Equal(t, scalelite.StateEnabled, srv.State)

	var plan autoscale.Plan
	require.Eventually(t, func() bool {
		b, err := os.ReadFile(planFile)
		return err == nil && json.Unmarshal(b, &plan) == nil
	}, 10*time.Second, 20*time.Millisecond, "the hook ran with a plan")
	require.Len(t, plan.Actions, 1)
	assert.Equal(t, "a", plan.Actions[0].Site)
	assert.Equal(t, 1, plan.Actions[0].ScaleOut)

	capacity, err := admin.GetCapacity(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, capacity.Total.Servers)
}
