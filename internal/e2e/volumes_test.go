package e2e

import (
	"context"
	"time"

	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/network"
	"github.com/testcontainers/testcontainers-go/wait"
)

// volume creates a named Docker volume for one test, removed after the
// test's containers. It lives in memory (tmpfs) and belongs to the
// unprivileged user the images run as, so containers sharing it need no
// root. size bounds it, e.g. "256m".
func (c *cluster) volume(name, size string) string {
	c.t.Helper()
	full := "bbbkit-e2e-" + env.runID + "-" + name
	withDocker(c.t, func(ctx context.Context, cli *testcontainers.DockerClient) error {
		_, err := cli.VolumeCreate(ctx, client.VolumeCreateOptions{
			Name:   full,
			Driver: "local",
			DriverOpts: map[string]string{
				"type":   "tmpfs",
				"device": "tmpfs",
				"o":      "size=" + size + ",uid=65534,gid=65534,mode=0755",
			},
			Labels: map[string]string{"org.bbbkit.e2e": env.runID},
		})
		return err
	})
	c.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cli, err := testcontainers.NewDockerClientWithOpts(ctx)
		if err != nil {
			c.t.Logf("volume %s: %v", full, err)
			return
		}
		defer cli.Close()
		if _, err := cli.VolumeRemove(ctx, full, client.VolumeRemoveOptions{Force: true}); err != nil {
			c.t.Logf("removing volume %s: %v", full, err)
		}
	})
	return full
}

// runWith is cluster.run with a wait strategy of the caller's choice and
// extra customizers (mounts, for example).
func (c *cluster) runWith(alias, program, port string, ready wait.Strategy, extra []testcontainers.ContainerCustomizer, args ...string) *node {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	opts := append([]testcontainers.ContainerCustomizer{
		testcontainers.WithCmd(args...),
		testcontainers.WithExposedPorts(port),
		network.WithNetwork([]string{alias}, c.net),
		testcontainers.WithWaitStrategy(ready),
	}, extra...)
	ctr, err := testcontainers.Run(ctx, env.images[program], opts...)
	testcontainers.CleanupContainer(c.t, ctr)
	if err != nil {
		c.t.Fatalf("start %s (%s): %v", alias, program, err)
	}
	return &node{t: c.t, name: alias, port: port, ctr: ctr, network: c.net}
}

// mountVolume mounts a named volume at target.
func mountVolume(name, target string, readOnly bool) testcontainers.ContainerCustomizer {
	return testcontainers.WithMounts(testcontainers.ContainerMount{
		Source:   testcontainers.GenericVolumeMountSource{Name: name},
		Target:   testcontainers.ContainerMountTarget(target),
		ReadOnly: readOnly,
	})
}

// httpReady waits until path answers with one of the given statuses.
func httpReady(path, port string, statuses ...int) wait.Strategy {
	return wait.ForHTTP(path).WithPort(port).
		WithStartupTimeout(60 * time.Second).WithPollInterval(100 * time.Millisecond).
		WithStatusCodeMatcher(func(code int) bool {
			for _, s := range statuses {
				if code == s {
					return true
				}
			}
			return false
		})
}
