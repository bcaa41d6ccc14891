package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/network"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/bbbkit/bbbkit/bbb"
)

const (
	workerPort   = "8090/tcp"
	balancerPort = "8080/tcp"
	// workerSecret is every worker's shared secret in the suite;
	// balancerSecret is the balancer's.
	workerSecret   = "e2e-worker-secret-0b9f7c"
	balancerSecret = "e2e-balancer-secret-5d21aa"
)

// node is one running container of the suite.
type node struct {
	t       *testing.T
	name    string // network alias
	port    string // container port of its HTTP API
	ctr     *testcontainers.DockerContainer
	network *testcontainers.DockerNetwork
}

// hostURL is the node's HTTP base as the test process reaches it (through
// loopback). It changes when the container restarts.
func (n *node) hostURL(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ep, err := n.ctr.PortEndpoint(ctx, n.port, "http")
	if err != nil {
		t.Fatalf("%s: endpoint: %v", n.name, err)
	}
	if !strings.HasPrefix(ep, "http://localhost:") && !strings.HasPrefix(ep, "http://127.0.0.1:") {
		t.Fatalf("%s: endpoint %s is not on loopback", n.name, ep)
	}
	return ep
}

// innerURL is the node's HTTP base as other containers reach it.
func (n *node) innerURL() string {
	return "http://" + n.name + ":" + strings.TrimSuffix(n.port, "/tcp")
}

// stop stops the container (SIGTERM, then kill after a second).
func (n *node) stop(t *testing.T) {
	t.Helper()
	d := time.Second
	if err := n.ctr.Stop(context.Background(), &d); err != nil {
		t.Fatalf("%s: stop: %v", n.name, err)
	}
}

// start starts a stopped container again and waits until it is healthy.
func (n *node) start(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := n.ctr.Start(ctx); err != nil {
		t.Fatalf("%s: start: %v", n.name, err)
	}
}

// pause freezes the container: its connections stay open and never answer,
// like a host behind a network partition.
func (n *node) pause(t *testing.T) {
	t.Helper()
	withDocker(t, func(ctx context.Context, cli *testcontainers.DockerClient) error {
		_, err := cli.ContainerPause(ctx, n.ctr.GetContainerID(), client.ContainerPauseOptions{})
		return err
	})
}

// kill ends the container with SIGKILL: no shutdown, no lease released.
func (n *node) kill(t *testing.T) {
	t.Helper()
	withDocker(t, func(ctx context.Context, cli *testcontainers.DockerClient) error {
		_, err := cli.ContainerKill(ctx, n.ctr.GetContainerID(), client.ContainerKillOptions{Signal: "KILL"})
		return err
	})
}

func (n *node) unpause(t *testing.T) {
	t.Helper()
	withDocker(t, func(ctx context.Context, cli *testcontainers.DockerClient) error {
		_, err := cli.ContainerUnpause(ctx, n.ctr.GetContainerID(), client.ContainerUnpauseOptions{})
		return err
	})
}

func withDocker(t *testing.T, fn func(context.Context, *testcontainers.DockerClient) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	if err := fn(ctx, cli); err != nil {
		t.Fatal(err)
	}
}

// cluster is a private network with the nodes of one test.
type cluster struct {
	t   *testing.T
	net *testcontainers.DockerNetwork
}

func newCluster(t *testing.T) *cluster {
	t.Helper()
	requireDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	nw, err := network.New(ctx)
	testcontainers.CleanupNetwork(t, nw)
	if err != nil {
		t.Fatalf("network: %v", err)
	}
	return &cluster{t: t, net: nw}
}

// run starts one container of program with args, reachable as alias, and
// waits for its health endpoint.
func (c *cluster) run(alias, program, port, healthPath string, args ...string) *node {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ctr, err := testcontainers.Run(ctx, env.images[program],
		testcontainers.WithCmd(args...),
		testcontainers.WithExposedPorts(port),
		network.WithNetwork([]string{alias}, c.net),
		testcontainers.WithWaitStrategy(wait.ForHTTP(healthPath).WithPort(port).
			WithStartupTimeout(60*time.Second).WithPollInterval(100*time.Millisecond)),
	)
	testcontainers.CleanupContainer(c.t, ctr)
	if err != nil {
		c.t.Fatalf("start %s (%s): %v", alias, program, err)
	}
	return &node{t: c.t, name: alias, port: port, ctr: ctr, network: c.net}
}

// worker starts a fake BBB server.
func (c *cluster) worker(alias string, extra ...string) *node {
	c.t.Helper()
	args := append([]string{"-listen", ":8090", "-secret", workerSecret, "-publish-delay", "200ms"}, extra...)
	return c.run(alias, "fakebbb", workerPort, "/health", args...)
}

// bbbClient is a BBB API client for a node (a worker, or the balancer's
// BBB front), reached from the test process.
func bbbClient(t *testing.T, n *node, secret string) *bbb.Client {
	t.Helper()
	c, err := bbb.New(n.hostURL(t)+"/bigbluebutton/", secret, bbb.WithTimeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// control calls a test-control endpoint of a fake BBB worker.
func control(t *testing.T, n *node, op string, form url.Values) map[string]any {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, n.hostURL(t)+"/bbbtest/"+op, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+workerSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", n.name, op, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %d %s", n.name, op, resp.StatusCode, body)
	}
	var out map[string]any
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("%s %s: %v", n.name, op, err)
	}
	return out
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(within)
	var last error
	for time.Now().Before(deadline) {
		if last = cond(); last == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: not within %v: %v", what, within, last)
}
