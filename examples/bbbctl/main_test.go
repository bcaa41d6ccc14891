package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/examples/internal/cli"
	"github.com/bbbkit/bbbkit/scalelite"
	"github.com/bbbkit/bbbkit/scalelite/scalelitetest"
)

// Secrets of the fakes: tests assert that none ever reaches an output.
const (
	balancerSecret = "balancer-secret-0123456789abcdef"
	turnSecret     = "coturn-static-auth-secret-42"
)

// fleet is a fake balancer with fake BigBlueButton workers.
type fleet struct {
	balancer *scalelitetest.Server
	workers  []*bbbtest.Server
	ids      []string
}

// newFleet starts a balancer with n enabled workers, each with its own
// secret and the given options.
func newFleet(t *testing.T, n int, opts ...bbbtest.Option) *fleet {
	t.Helper()
	return newFleetWith(t, n, nil, opts...)
}

// newFleetWith is newFleet with options of the balancer.
func newFleetWith(t *testing.T, n int, balancerOpts []scalelitetest.Option, opts ...bbbtest.Option) *fleet {
	t.Helper()
	f := &fleet{balancer: scalelitetest.NewServer(append([]scalelitetest.Option{scalelitetest.WithSecret(balancerSecret)}, balancerOpts...)...)}
	t.Cleanup(f.balancer.Close)
	admin := f.balancer.AdminClient()
	for i := range n {
		w := bbbtest.NewServer(append([]bbbtest.Option{bbbtest.WithSecret(workerSecret(i))}, opts...)...)
		t.Cleanup(w.Close)
		s, err := admin.AddServer(context.Background(), &scalelite.AddServerParams{URL: w.APIURL(), Secret: w.Secret})
		if err != nil {
			t.Fatalf("admin.AddServer(...): %v", err)
		}
		_, err = admin.EnableServer(context.Background(), s.ID)
		if err != nil {
			t.Fatalf("admin.EnableServer(context.Background(), s.ID): %v", err)
		}
		f.workers = append(f.workers, w)
		f.ids = append(f.ids, s.ID)
	}
	return f
}

func workerSecret(i int) string { return "worker-secret-" + strings.Repeat(string(rune('a'+i)), 24) }

// secrets are every secret of the fleet.
func (f *fleet) secrets() []string {
	s := []string{balancerSecret, turnSecret}
	for _, w := range f.workers {
		s = append(s, w.Secret)
	}
	return s
}

// env is the environment pointing bbbctl at the balancer.
func (f *fleet) env() map[string]string {
	return map[string]string{"BBBCTL_URL": f.balancer.URL, "BBBCTL_SECRET": balancerSecret, "BBBCTL_CONFIG": "/nonexistent"}
}

// result is what one run of bbbctl printed.
type result struct {
	code           int
	stdout, stderr string
}

// ctl runs bbbctl with env as its whole environment.
func ctl(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ctx = cli.WithGetenv(ctx, func(k string) string { return env[k] })
	var stdout, stderr bytes.Buffer
	code := run(ctx, args, strings.NewReader(""), &stdout, &stderr)
	return result{code, stdout.String(), stderr.String()}
}

// requireOK fails the test unless r exited 0.
func requireOK(t *testing.T, r result) {
	t.Helper()
	if r.code != cli.ExitOK {
		t.Fatalf("r.code = %v; want %v (stdout:\n%s\nstderr:\n%s)", r.code, cli.ExitOK, r.stdout, r.stderr)
	}
}
