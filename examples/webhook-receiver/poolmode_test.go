package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/internal/testwait"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("net.Listen(\"tcp\", \"127.0.0.1:0\"): %v", err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestPoolMode: -pool registers the hook on every server of the file,
// including one added to the file later, and prints the events of both,
// each verified with its own server's secret.
func TestPoolMode(t *testing.T) {
	defer http.DefaultClient.CloseIdleConnections()
	a := bbbtest.NewServer(bbbtest.WithSecret("pool-secret-aaaaaaaa"))
	defer a.Close()
	b := bbbtest.NewServer(bbbtest.WithSecret("pool-secret-bbbbbbbb"))
	defer b.Close()
	file := filepath.Join(t.TempDir(), "pool.txt")
	if err := os.WriteFile(file, []byte("# servers\nbbb-a "+a.APIURL()+" "+a.Secret+"\n"), 0o600); err != nil {
		t.Fatalf("os.WriteFile(...): %v", err)
	}
	listen := freeAddr(t)
	base := "http://" + listen + "/hooks"
	_, stdout, stderr, stop := startReceiverAt(t, listen, "-pool", file, "-pool-interval", "100ms", "-callback-url", base)
	testwait.Eventually(t, func() bool { return len(a.Hooks()) == 1 }, 5*time.Second, 10*time.Millisecond, "len(a.Hooks()) == 1")
	if got := a.Hooks()[0].CallbackURL; got != base+"/bbb-a" {
		t.Fatalf("a.Hooks()[0].CallbackURL = %v; want %v", got, base+"/bbb-a")
	}

	if err := os.WriteFile(file, []byte("bbb-a "+a.APIURL()+" "+a.Secret+"\nbbb-b "+b.APIURL()+" "+b.Secret+"\n"), 0o600); err != nil {
		t.Fatalf("os.WriteFile(...): %v", err)
	}
	testwait.Eventually(t, func() bool { return len(b.Hooks()) == 1 }, 5*time.Second, 10*time.Millisecond, "len(b.Hooks()) == 1")

	for i, s := range []*bbbtest.Server{a, b} {
		_, err := s.BBBClient().CreateMeeting(context.Background(), &bbb.CreateMeetingParams{Name: "Room", MeetingID: fmt.Sprintf("room-%d", i)})
		if err != nil {
			t.Fatalf("s.BBBClient(...).CreateMeeting(...): %v", err)
		}
	}
	testwait.Eventually(t, func() bool {
		out := stdout.String()
		return strings.Contains(out, `"meeting":"room-0"`) && strings.Contains(out, `"meeting":"room-1"`)
	}, 5*time.Second, 10*time.Millisecond, fmt.Sprintf("condition (%s)", stderr.String()))
	if got := stop(); got != 0 {
		t.Fatalf("stop() = %v; want %v", got, 0)
	}
	if got := stderr.String(); strings.Contains(got, "pool-secret") {
		t.Fatalf("stderr.String() = %q; want it not to contain %q", got, "pool-secret")
	}
}

func TestPoolFileErrors(t *testing.T) {
	_, err := parsePool([]byte("a http://x/ s3cr3t-value extra\n"))
	if err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("parsePool([]byte(\"a http://x/ s3cr3t-value extra\\n\")): %v; want an error containing %q", err, "line 1")
	}
	if got := err.Error(); strings.Contains(got, "s3cr3t") {
		t.Fatalf("err.Error() = %q; want it not to contain %q", got, "s3cr3t")
	}
	got, err := parsePool([]byte("\n# c\na http://x/ s\n"))
	if err != nil {
		t.Fatalf("parsePool([]byte(\"\\n# c\\na http://x/ s\\n\")): %v", err)
	}
	if len(got) != 1 {
		t.Fatalf("len(got) = %d; want %d: %v", len(got), 1, got)
	}
}
