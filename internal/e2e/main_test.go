package e2e

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
)

// env is what TestMain learned about the machine, shared by all tests.
var env struct {
	dockerErr error             // why there is no usable Docker engine, if so
	images    map[string]string // program name -> image tag
	runID     string
	buildOnce sync.Once
	buildErr  error
}

// programs are the example programs the suite runs in containers.
var programs = []string{"fakebbb", "balancer", "webhook-receiver", "mirror"}

func TestMain(m *testing.M) {
	if err := guardEnvironment(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: refusing to start:", err)
		os.Exit(2)
	}
	var b [4]byte
	rand.Read(b[:])
	env.runID = hex.EncodeToString(b[:])
	env.dockerErr = probeDocker()
	code := m.Run()
	removeImages()
	os.Exit(code)
}

// guardEnvironment makes sure testcontainers reaches published ports on
// loopback only: these machines run inside a container, and without the
// override testcontainers-go would go through the default gateway. Both
// variables must be set before the first testcontainers call, which reads its
// configuration once per process.
func guardEnvironment() error {
	if _, ok := os.LookupEnv("TESTCONTAINERS_HOST_OVERRIDE"); !ok {
		os.Setenv("TESTCONTAINERS_HOST_OVERRIDE", "localhost")
	}
	switch h := os.Getenv("TESTCONTAINERS_HOST_OVERRIDE"); h {
	case "localhost", "127.0.0.1", "::1":
	default:
		return fmt.Errorf("TESTCONTAINERS_HOST_OVERRIDE=%q: the suite only reaches containers through loopback (set it to localhost)", h)
	}
	if _, ok := os.LookupEnv("TESTCONTAINERS_RYUK_DISABLED"); !ok {
		os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	}
	if os.Getenv("TESTCONTAINERS_RYUK_DISABLED") != "true" {
		return fmt.Errorf("TESTCONTAINERS_RYUK_DISABLED must be the literal \"true\": the Ryuk image cannot be pulled here")
	}
	return nil
}

// probeDocker asks the engine once, with a deadline, whether it is there.
func probeDocker() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return err
	}
	defer cli.Close()
	_, err = cli.Ping(ctx, client.PingOptions{})
	return err
}

// requireDocker skips the test when no Docker engine answered the probe,
// and builds the images on first use.
func requireDocker(t *testing.T) {
	t.Helper()
	if env.dockerErr != nil {
		t.Skipf("no Docker engine: %v (the container suite needs one)", env.dockerErr)
	}
	env.buildOnce.Do(func() { env.buildErr = buildImages() })
	if env.buildErr != nil {
		t.Fatalf("building the images: %v", env.buildErr)
	}
}

// moduleRoot finds the directory holding go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("go.mod not found above the test directory")
		}
		dir = parent
	}
}

// buildImages compiles the example programs as static Linux binaries and
// wraps each in a FROM scratch image tagged for this run.
func buildImages() error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "bbbkit-e2e-bin-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	args := []string{"build", "-trimpath", "-ldflags=-s -w", "-o", dir + string(os.PathSeparator)}
	for _, p := range programs {
		args = append(args, "./examples/"+p)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	provider, err := testcontainers.NewDockerProvider()
	if err != nil {
		return err
	}
	defer provider.Close()
	env.images = map[string]string{}
	for _, p := range programs {
		bin, err := os.ReadFile(filepath.Join(dir, p))
		if err != nil {
			return err
		}
		archive, err := scratchContext(p, bin)
		if err != nil {
			return err
		}
		req := testcontainers.ContainerRequest{FromDockerfile: testcontainers.FromDockerfile{
			ContextArchive: archive,
			Repo:           "bbbkit-e2e-" + p,
			Tag:            env.runID,
			KeepImage:      true,
			BuildLogWriter: io.Discard,
		}}
		tag, err := provider.BuildImage(ctx, &req)
		if err != nil {
			return fmt.Errorf("image for %s: %w", p, err)
		}
		env.images[p] = tag
	}
	return nil
}

// ScratchDockerfile is the Dockerfile of every image of the suite: the
// program alone, as an unprivileged user, with nothing else in the image.
func ScratchDockerfile(program string) string {
	return "FROM scratch\nCOPY " + program + " /" + program + "\nUSER 65534:65534\nENTRYPOINT [\"/" + program + "\"]\n"
}

// scratchContext is the in-memory build context of one image.
func scratchContext(program string, bin []byte) (*bytes.Reader, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	files := []struct {
		name string
		mode int64
		data []byte
	}{
		{"Dockerfile", 0o644, []byte(ScratchDockerfile(program))},
		{program, 0o755, bin},
	}
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data)), ModTime: time.Unix(0, 0)}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return bytes.NewReader(buf.Bytes()), nil
}

func removeImages() {
	if len(env.images) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return
	}
	defer cli.Close()
	for _, tag := range env.images {
		if _, err := cli.ImageRemove(ctx, tag, client.ImageRemoveOptions{Force: true, PruneChildren: true}); err != nil && !strings.Contains(err.Error(), "No such image") {
			fmt.Fprintln(os.Stderr, "e2e: removing", tag, ":", err)
		}
	}
}
