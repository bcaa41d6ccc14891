package redistest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// recorder is a tb that records Skip and Fatal instead of stopping.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()                   {}
func (r *recorder) Skip(args ...any)          { r.skipped = fmt.Sprint(args...) }
func (r *recorder) Fatal(args ...any)         { r.failed = fmt.Sprint(args...) }
func (r *recorder) Fatalf(f string, a ...any) { r.failed = fmt.Sprintf(f, a...) }

func noRedis(string) (string, error) { return "", exec.ErrNotFound }

func TestMissingRedisServer(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		ci       string
		wantSkip bool
	}{{"", true}, {"false", true}, {"true", false}} {
		t.Run("CI="+tc.ci, func(t *testing.T) {
			t.Parallel()
			r := &recorder{TB: t}
			got := addr(r, env{getenv: func(k string) string {
				if k == "CI" {
					return tc.ci
				}
				return ""
			}, lookPath: noRedis})
			if got != "" {
				t.Fatalf("addr = %q without redis-server", got)
			}
			msg := r.failed
			if tc.wantSkip {
				msg = r.skipped
				if r.failed != "" {
					t.Fatalf("failed outside CI: %q", r.failed)
				}
			} else if r.skipped != "" {
				t.Fatalf("skipped in CI: %q", r.skipped)
			}
			if msg != InstallHint || strings.Contains(msg, "\n") || !strings.Contains(msg, "apt-get install -y redis-server") {
				t.Fatalf("message %q, want the one-line install hint", msg)
			}
		})
	}
}

func TestEnvAddrWins(t *testing.T) {
	t.Parallel()
	r := &recorder{TB: t}
	got := addr(r, env{getenv: func(k string) string {
		if k == EnvAddr {
			return " 127.0.0.1:6390 "
		}
		return ""
	}, lookPath: func(string) (string, error) {
		t.Fatal("looked for redis-server although the address was given")
		return "", nil
	}})
	if got != "127.0.0.1:6390" || r.failed != "" || r.skipped != "" {
		t.Fatalf("addr = %q (failed %q, skipped %q)", got, r.failed, r.skipped)
	}
}

func TestStartsAndStops(t *testing.T) {
	t.Parallel()
	var a string
	t.Run("server", func(t *testing.T) {
		// Start our own even when BBBKIT_REDIS_ADDR is set, to test it.
		a = addr(t, env{getenv: func(k string) string {
			if k == EnvAddr {
				return ""
			}
			return os.Getenv(k)
		}, lookPath: exec.LookPath})
		if !strings.HasPrefix(a, "127.0.0.1:") {
			t.Fatalf("address %q is not on loopback", a)
		}
		if err := ping(a); err != nil {
			t.Fatalf("ping %s: %v", a, err)
		}
	})
	if t.Failed() || t.Skipped() || a == "" {
		return
	}
	if err := ping(a); err == nil {
		t.Fatalf("redis-server on %s still answers after the test ended", a)
	}
}

func TestAddr(t *testing.T) {
	t.Parallel()
	a := Addr(t)
	if err := ping(a); err != nil {
		t.Fatalf("ping %s: %v", a, err)
	}
}

func TestPingRejectsNonRedis(t *testing.T) {
	t.Parallel()
	if err := ping("127.0.0.1:1"); err == nil {
		t.Fatal("ping of a closed port succeeded")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_, _ = c.Write([]byte("HTTP/1.1 400 Bad Request\r\n"))
	}()
	err = ping(l.Addr().String())
	l.Close()
	<-done
	if err == nil || !strings.Contains(err.Error(), "unexpected reply") {
		t.Fatalf("ping of a non-Redis server: %v", err)
	}
}

func TestPrefix(t *testing.T) {
	t.Parallel()
	a, b := Prefix(t), Prefix(t)
	if a == b || !strings.HasPrefix(a, "test:") || !strings.HasSuffix(a, ":") {
		t.Fatalf("prefixes %q and %q", a, b)
	}
}
