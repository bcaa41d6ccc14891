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

	"github.com/stretchr/testify/require"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
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
	require.NoError(t, os.WriteFile(file, []byte("# servers\nbbb-a "+a.APIURL()+" "+a.Secret+"\n"), 0o600))
	listen := freeAddr(t)
	base := "http://" + listen + "/hooks"
	_, stdout, stderr, stop := startReceiverAt(t, listen, "-pool", file, "-pool-interval", "100ms", "-callback-url", base)
	require.Eventually(t, func() bool { return len(a.Hooks()) == 1 }, 5*time.Second, 10*time.Millisecond)
	require.Equal(t, base+"/bbb-a", a.Hooks()[0].CallbackURL)

	require.NoError(t, os.WriteFile(file, []byte("bbb-a "+a.APIURL()+" "+a.Secret+"\nbbb-b "+b.APIURL()+" "+b.Secret+"\n"), 0o600))
	require.Eventually(t, func() bool { return len(b.Hooks()) == 1 }, 5*time.Second, 10*time.Millisecond)

	for i, s := range []*bbbtest.Server{a, b} {
		_, err := s.BBBClient().CreateMeeting(context.Background(), &bbb.CreateMeetingParams{Name: "Room", MeetingID: fmt.Sprintf("room-%d", i)})
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool {
		out := stdout.String()
		return strings.Contains(out, `"meeting":"room-0"`) && strings.Contains(out, `"meeting":"room-1"`)
	}, 5*time.Second, 10*time.Millisecond, stderr.String())
	require.Equal(t, 0, stop())
	require.NotContains(t, stderr.String(), "pool-secret")
}

func TestPoolFileErrors(t *testing.T) {
	_, err := parsePool([]byte("a http://x/ s3cr3t-value extra\n"))
	require.ErrorContains(t, err, "line 1")
	require.NotContains(t, err.Error(), "s3cr3t")
	got, err := parsePool([]byte("\n# c\na http://x/ s\n"))
	require.NoError(t, err)
	require.Len(t, got, 1)
}
