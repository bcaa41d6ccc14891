package redistest

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// EnvAddr names the environment variable holding the address (host:port)
// of an existing Redis server to use instead of starting one.
const EnvAddr = "BBBKIT_REDIS_ADDR"

// InstallHint is the message of the skip (or, in CI, the failure) when no
// redis-server is installed.
const InstallHint = "redis-server not found: install Debian's redis-server (apt-get install -y redis-server) or set " + EnvAddr

// startTimeout bounds how long a started redis-server may take to answer.
const startTimeout = 10 * time.Second

// tb is the part of testing.TB the helper uses, so that its skip and fail
// behaviour can be tested.
type tb interface {
	Helper()
	Skip(args ...any)
	Fatal(args ...any)
	Fatalf(format string, args ...any)
	Cleanup(func())
	TempDir() string
}

type env struct {
	getenv   func(string) string
	lookPath func(string) (string, error)
}

var _ tb = testing.TB(nil)

// Addr returns the address of a Redis server for t; see the package
// documentation.
func Addr(t testing.TB) string {
	t.Helper()
	return addr(t, env{getenv: os.Getenv, lookPath: exec.LookPath})
}

func addr(t tb, e env) string {
	t.Helper()
	if a := strings.TrimSpace(e.getenv(EnvAddr)); a != "" {
		return a
	}
	bin, err := e.lookPath("redis-server")
	if err != nil {
		if e.getenv("CI") == "true" {
			t.Fatal(InstallHint)
		} else {
			t.Skip(InstallHint)
		}
		return ""
	}
	var lastErr error
	for range 3 { // the free port may be taken between probe and start
		a, err := start(t, bin)
		if err == nil {
			return a
		}
		lastErr = err
	}
	t.Fatalf("redistest: start redis-server: %v", lastErr)
	return ""
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func start(t tb, bin string) (string, error) {
	port, err := freePort()
	if err != nil {
		return "", err
	}
	dir := t.TempDir()
	cmd := exec.Command(bin,
		"--bind", "127.0.0.1",
		"--port", strconv.Itoa(port),
		"--save", "",
		"--appendonly", "no",
		"--dir", dir,
		"--daemonize", "no",
		"--protected-mode", "yes",
		"--loglevel", "warning",
		"--logfile", "",
	)
	if err := cmd.Start(); err != nil {
		return "", err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	stop := func() {
		_ = cmd.Process.Kill()
		<-done
	}
	a := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(startTimeout)
	for {
		if err := ping(a); err == nil {
			break
		} else if time.Now().After(deadline) {
			stop()
			return "", fmt.Errorf("no answer on %s: %w", a, err)
		}
		select {
		case err := <-done:
			done <- err
			return "", fmt.Errorf("redis-server exited: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Cleanup(stop)
	return a, nil
}

// ping sends a RESP PING and expects +PONG.
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if strings.TrimSpace(line) != "+PONG" {
		return errors.New("unexpected reply " + strconv.Quote(line))
	}
	return nil
}

// Prefix returns a Redis key prefix unique to this call, for tests that
// share one Redis server: "test:<random hex>:".
func Prefix(t testing.TB) string {
	t.Helper()
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("redistest: random prefix: %v", err)
	}
	return "test:" + hex.EncodeToString(b[:]) + ":"
}
