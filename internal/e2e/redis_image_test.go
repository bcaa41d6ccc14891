package e2e

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/network"
	"github.com/testcontainers/testcontainers-go/wait"
)

var redisImage struct {
	once sync.Once
	tag  string
	err  error
}

// requireRedisImage builds, once per run, a FROM scratch image holding the
// host's Debian redis-server and the shared libraries it links, so Redis
// runs in the suite's network without a registry.
func requireRedisImage(t *testing.T) string {
	t.Helper()
	redisImage.once.Do(func() { redisImage.tag, redisImage.err = buildRedisImage() })
	if redisImage.err != nil {
		t.Fatalf("redis image: %v (install Debian's redis-server; .ci/run does)", redisImage.err)
	}
	return redisImage.tag
}

func buildRedisImage() (string, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return "", err
	}
	real, err := filepath.EvalSymlinks(bin)
	if err != nil {
		return "", err
	}
	out, err := exec.Command("ldd", real).Output()
	if err != nil {
		return "", fmt.Errorf("ldd: %w", err)
	}
	files := map[string]string{"usr/bin/redis-server": real} // image path -> host file
	for _, line := range strings.Split(string(out), "\n") {
		var path string
		if _, after, ok := strings.Cut(line, "=>"); ok {
			path = strings.Fields(after + " ")[0]
		} else if f := strings.Fields(line); len(f) > 0 && strings.HasPrefix(f[0], "/") {
			path = f[0]
		}
		if !strings.HasPrefix(path, "/") {
			continue
		}
		resolved, err := filepath.EvalSymlinks(path)
		if err != nil {
			return "", err
		}
		files[strings.TrimPrefix(path, "/")] = resolved
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	add := func(name string, mode int64, data []byte) error {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: mode, Size: int64(len(data)), ModTime: time.Unix(0, 0)}); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	if err := add("Dockerfile", 0o644, []byte("FROM scratch\nCOPY rootfs/ /\nUSER 65534:65534\nENTRYPOINT [\"/usr/bin/redis-server\"]\n")); err != nil {
		return "", err
	}
	for name, host := range files {
		data, err := os.ReadFile(host)
		if err != nil {
			return "", err
		}
		if err := add("rootfs/"+name, 0o755, data); err != nil {
			return "", err
		}
	}
	if err := tw.Close(); err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	provider, err := testcontainers.NewDockerProvider()
	if err != nil {
		return "", err
	}
	defer provider.Close()
	req := testcontainers.ContainerRequest{FromDockerfile: testcontainers.FromDockerfile{
		ContextArchive: bytes.NewReader(buf.Bytes()),
		Repo:           "bbbkit-e2e-redis",
		Tag:            env.runID,
		KeepImage:      true,
		BuildLogWriter: io.Discard,
	}}
	tag, err := provider.BuildImage(ctx, &req)
	if err != nil {
		return "", err
	}
	env.images["redis"] = tag
	return tag, nil
}

// redis starts a Redis server without persistence, reachable as alias:6379.
func (c *cluster) redis(alias string) *node {
	c.t.Helper()
	tag := requireRedisImage(c.t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ctr, err := testcontainers.Run(ctx, tag,
		testcontainers.WithCmd("--port", "6379", "--bind", "0.0.0.0", "--protected-mode", "no", "--save", "", "--appendonly", "no"),
		testcontainers.WithExposedPorts("6379/tcp"),
		network.WithNetwork([]string{alias}, c.net),
		testcontainers.WithWaitStrategy(wait.ForLog("Ready to accept connections").WithStartupTimeout(30*time.Second)),
	)
	testcontainers.CleanupContainer(c.t, ctr)
	if err != nil {
		c.t.Fatalf("start redis: %v", err)
	}
	return &node{t: c.t, name: alias, port: "6379/tcp", ctr: ctr, network: c.net}
}
