package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/examples/internal/cli"
	"github.com/bbbkit/bbbkit/scalelite"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// state is the balancer's view of a server, by ID.
func (f *fleet) state(t *testing.T, id string) (scalelite.Server, bool) {
	t.Helper()
	servers, err := f.balancer.AdminClient().GetServers(context.Background())
	require.NoError(t, err)
	for _, s := range servers {
		if s.ID == id {
			return s, true
		}
	}
	return scalelite.Server{}, false
}

func TestServersStateCommands(t *testing.T) {
	t.Parallel()
	f := newFleet(t, 2)
	host := strings.TrimPrefix(f.workers[0].URL, "http://")
	for _, tc := range []struct {
		cmd   string
		state scalelite.State
	}{
		{"cordon", scalelite.StateCordoned},
		{"disable", scalelite.StateDisabled},
		{"enable", scalelite.StateEnabled},
		{"panic", scalelite.StateDisabled},
	} {
		r := ctl(t, f.env(), "servers", tc.cmd, host) // by host name
		requireOK(t, r)
		s, ok := f.state(t, f.ids[0])
		require.True(t, ok)
		assert.Equal(t, tc.state, s.State, tc.cmd)
	}
	r := ctl(t, f.env(), "servers", "rm", f.ids[0]) // by ID
	requireOK(t, r)
	_, ok := f.state(t, f.ids[0])
	assert.False(t, ok)

	r = ctl(t, f.env(), "servers", "cordon", "no-such-server")
	assert.Equal(t, cli.ExitFailure, r.code)
	assert.Contains(t, r.stderr, `no server "no-such-server"`)
}

func TestServersAdd(t *testing.T) {
	t.Parallel()
	f := newFleet(t, 0)
	w := bbbtest.NewServer(bbbtest.WithSecret("added-server-secret-0123"))
	defer w.Close()
	env := f.env()
	r := ctl(t, env, "servers", "add", w.APIURL())
	assert.Equal(t, cli.ExitUsage, r.code, "a secret on no channel was accepted")
	env["BBBCTL_SERVER_SECRET"] = w.Secret
	r = ctl(t, env, "servers", "add", "-tag", "gpu", "-enable", w.APIURL())
	requireOK(t, r)
	servers, err := f.balancer.AdminClient().GetServers(context.Background())
	require.NoError(t, err)
	require.Len(t, servers, 1)
	assert.Equal(t, "gpu", servers[0].Tag)
	assert.Equal(t, scalelite.StateEnabled, servers[0].State)
	assert.Equal(t, w.Secret, servers[0].Secret)
	assert.NotContains(t, r.stdout+r.stderr, w.Secret)
}

func TestServersDrainWaitsThenRemoves(t *testing.T) {
	t.Parallel()
	f := newFleet(t, 2)
	f.busy(t, 0, "lecture", 2)
	done := make(chan result, 1)
	go func() {
		done <- ctl(t, f.env(), "servers", "drain", "-wait", "-interval", "100ms", "-timeout", "20s", f.ids[0])
	}()
	require.Eventually(t, func() bool {
		s, ok := f.state(t, f.ids[0])
		return ok && s.State == scalelite.StateCordoned
	}, 10*time.Second, 50*time.Millisecond)
	time.Sleep(300 * time.Millisecond)
	_, stillThere := f.state(t, f.ids[0])
	assert.True(t, stillThere, "removed while a meeting was running")
	require.NoError(t, f.workers[0].EndMeeting("lecture"))
	r := <-done
	requireOK(t, r)
	assert.Contains(t, r.stdout, "cordoned")
	assert.Contains(t, r.stdout, "1 meetings, 2 users left")
	assert.Contains(t, r.stdout, "empty and removed")
	_, ok := f.state(t, f.ids[0])
	assert.False(t, ok)
}

func TestServersDrainTimeout(t *testing.T) {
	t.Parallel()
	f := newFleet(t, 1)
	f.busy(t, 0, "lecture", 1)
	r := ctl(t, f.env(), "servers", "drain", "-wait", "-interval", "50ms", "-timeout", "200ms", f.ids[0])
	assert.Equal(t, cli.ExitFailure, r.code)
	assert.Contains(t, r.stderr, "still has meetings")
	s, ok := f.state(t, f.ids[0])
	require.True(t, ok)
	assert.Equal(t, scalelite.StateCordoned, s.State)
}

func TestServersSync(t *testing.T) {
	t.Parallel()
	f := newFleet(t, 2)
	newWorker := bbbtest.NewServer(bbbtest.WithSecret("new-worker-secret-0123456"))
	defer newWorker.Close()
	pool := filepath.Join(t.TempDir(), "pool.yaml")
	require.NoError(t, os.WriteFile(pool, fmt.Appendf(nil, `servers:
  - url: %s
    secret-env: W0_SECRET
    tag: gpu
  - url: %s
    secret-env: NEW_SECRET
    state: enabled
`, f.workers[0].APIURL(), newWorker.APIURL()), 0o600))
	env := f.env()
	env["W0_SECRET"] = f.workers[0].Secret
	env["NEW_SECRET"] = newWorker.Secret
	before, err := f.balancer.AdminClient().GetServers(context.Background())
	require.NoError(t, err)

	r := ctl(t, env, "servers", "sync", "-f", pool, "-dry-run")
	requireOK(t, r)
	assert.Contains(t, r.stdout, "plan: 3 changes")
	assert.Contains(t, r.stdout, "+ add "+newWorker.APIURL())
	assert.Contains(t, r.stdout, "~ update "+f.ids[0])
	assert.Contains(t, r.stdout, "tag - -> gpu")
	assert.Contains(t, r.stdout, "~ cordon "+f.ids[1])
	after, err := f.balancer.AdminClient().GetServers(context.Background())
	require.NoError(t, err)
	assert.Equal(t, fmt.Sprint(before), fmt.Sprint(after), "-dry-run changed the balancer")

	r = ctl(t, env, "servers", "sync", "-f", pool)
	requireOK(t, r)
	assert.Contains(t, r.stdout, "3 of 3 changes applied")
	s0, _ := f.state(t, f.ids[0])
	assert.Equal(t, "gpu", s0.Tag)
	s1, _ := f.state(t, f.ids[1])
	assert.Equal(t, scalelite.StateCordoned, s1.State)
	r = ctl(t, env, "servers", "sync", "-f", pool, "-dry-run")
	requireOK(t, r)
	assert.Contains(t, r.stdout, "match the pool file")
	assert.NotContains(t, r.stdout+r.stderr, newWorker.Secret)
}

func TestMeetingsCommands(t *testing.T) {
	t.Parallel()
	f := newFleet(t, 2)
	f.busy(t, 1, "chemistry", 3)
	r := ctl(t, f.env(), "meetings", "list")
	requireOK(t, r)
	assert.Regexp(t, `chemistry\s+chemistry\s+3\s`, r.stdout)

	r = ctl(t, f.env(), "meetings", "list", "-o", "json")
	requireOK(t, r)
	var rows []meetingRow
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rows))
	require.Len(t, rows, 1)
	assert.Equal(t, f.ids[1], rows[0].Server)

	r = ctl(t, f.env(), "meetings", "find", "chemistry")
	requireOK(t, r)
	assert.Contains(t, r.stdout, f.ids[1])
	r = ctl(t, f.env(), "meetings", "find", "-o", "json", "chemistry")
	requireOK(t, r)
	assert.Contains(t, r.stdout, `"server": "`+f.ids[1]+`"`)

	r = ctl(t, f.env(), "meetings", "end", "chemistry")
	requireOK(t, r)
	assert.Empty(t, f.workers[1].Meetings())
	r = ctl(t, f.env(), "meetings", "find", "chemistry")
	assert.Equal(t, cli.ExitFailure, r.code)
	assert.Contains(t, r.stderr, `no server holds meeting "chemistry"`)
}

func TestRecordingsCommands(t *testing.T) {
	t.Parallel()
	f := newFleet(t, 2)
	old, err := f.workers[0].AddRecording(bbbtest.RecordingSpec{MeetingID: "old-class", Name: "old class", Start: time.Now().AddDate(0, 0, -200), End: time.Now().AddDate(0, 0, -200).Add(time.Hour)})
	require.NoError(t, err)
	recent, err := f.workers[1].AddRecording(bbbtest.RecordingSpec{MeetingID: "new-class", Name: "new class", Start: time.Now().AddDate(0, 0, -2), End: time.Now().AddDate(0, 0, -2).Add(time.Hour)})
	require.NoError(t, err)

	r := ctl(t, f.env(), "recordings", "list")
	requireOK(t, r)
	assert.Contains(t, r.stdout, old)
	assert.Contains(t, r.stdout, recent)
	r = ctl(t, f.env(), "recordings", "list", "-o", "json")
	requireOK(t, r)
	var rows []recordingRow
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rows))
	assert.Len(t, rows, 2)

	r = ctl(t, f.env(), "recordings", "unpublish", recent)
	requireOK(t, r)
	assert.Equal(t, "unpublished", f.workers[1].Recordings()[0].State)
	r = ctl(t, f.env(), "recordings", "publish", recent)
	requireOK(t, r)
	assert.Equal(t, "published", f.workers[1].Recordings()[0].State)

	r = ctl(t, f.env(), "recordings", "prune", "-older-than", "90d", "-dry-run")
	requireOK(t, r)
	assert.Contains(t, r.stdout, "would delete 1 recordings")
	assert.Contains(t, r.stdout, old)
	assert.NotContains(t, r.stdout, recent)
	assert.Len(t, f.workers[0].Recordings(), 1, "-dry-run deleted")

	r = ctl(t, f.env(), "recordings", "prune", "-older-than", "90d")
	requireOK(t, r)
	assert.Equal(t, "deleted", f.workers[0].Recordings()[0].State)
	assert.Equal(t, "published", f.workers[1].Recordings()[0].State)
	r = ctl(t, f.env(), "recordings", "prune", "-older-than", "90d", "-dry-run")
	requireOK(t, r)
	assert.Contains(t, r.stdout, "would delete 0 recordings", "a deleted recording is pruned again")

	r = ctl(t, f.env(), "recordings", "delete", recent, "no-such-recording")
	assert.Equal(t, cli.ExitPartial, r.code)
	assert.Contains(t, r.stderr, "no server holds recording no-such-recording")
	assert.Equal(t, "deleted", f.workers[1].Recordings()[0].State)
}

func TestHooksCommands(t *testing.T) {
	t.Parallel()
	f := newFleet(t, 2)
	const callback = "https://hooks.example.com/bbb"
	r := ctl(t, f.env(), "hooks", "ensure", callback)
	requireOK(t, r)
	assert.Equal(t, 2, strings.Count(r.stdout, "registered"))
	r = ctl(t, f.env(), "hooks", "ensure", callback)
	requireOK(t, r)
	assert.Equal(t, 2, strings.Count(r.stdout, "already registered"))
	for _, w := range f.workers {
		require.Len(t, w.Hooks(), 1)
	}
	r = ctl(t, f.env(), "hooks", "list")
	requireOK(t, r)
	assert.Equal(t, 2, strings.Count(r.stdout, callback))
	r = ctl(t, f.env(), "hooks", "list", "-o", "json")
	requireOK(t, r)
	var rows []hookRow
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rows))
	assert.Len(t, rows, 2)

	r = ctl(t, f.env(), "doctor", "-skip-turn", "-hook", callback)
	requireOK(t, r)
	assert.Regexp(t, `webhook\s+ok`, r.stdout)
}

// A config file selects a context; flags and the environment come first.
func TestConfigContexts(t *testing.T) {
	t.Parallel()
	f := newFleet(t, 1)
	single := bbbtest.NewServer(bbbtest.WithSecret("context-single-secret-0123"))
	defer single.Close()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "single.secret"), []byte(single.Secret+"\n"), 0o600))
	cfg := filepath.Join(dir, "config.yaml")
	require.NoError(t, os.WriteFile(cfg, fmt.Appendf(nil, `current-context: cluster
contexts:
  - name: cluster
    url: %s
    secret-env: CLUSTER_SECRET
  - name: lab
    servers:
      - url: %s
        secret-file: single.secret
`, f.balancer.URL, single.APIURL()), 0o600))
	env := map[string]string{"BBBCTL_CONFIG": cfg, "CLUSTER_SECRET": balancerSecret}
	r := ctl(t, env, "status")
	requireOK(t, r)
	assert.Contains(t, r.stdout, strings.TrimPrefix(f.workers[0].URL, "http://"))
	r = ctl(t, env, "status", "-context", "lab")
	requireOK(t, r)
	assert.Contains(t, r.stdout, strings.TrimPrefix(single.URL, "http://"))
	r = ctl(t, env, "status", "-context", "nope")
	assert.Equal(t, cli.ExitUsage, r.code)
	assert.Contains(t, r.stderr, `no context "nope"`)
	r = ctl(t, env, "servers", "cordon", "-context", "lab", "x")
	assert.Equal(t, cli.ExitUsage, r.code)
	assert.Contains(t, r.stderr, "needs a balancer")

	// -kind server takes the balancer's BigBlueButton front as one server.
	r = ctl(t, map[string]string{"BBBCTL_URL": f.balancer.URL, "BBBCTL_SECRET": balancerSecret, "BBBCTL_CONFIG": cfg}, "status", "-kind", "server")
	requireOK(t, r)
	assert.Contains(t, r.stdout, strings.TrimPrefix(f.balancer.URL, "http://"))
	assert.NotContains(t, r.stdout, strings.TrimPrefix(f.workers[0].URL, "http://"))
	// A server's API URL, given in full, is still asked whether it is a balancer.
	r = ctl(t, map[string]string{"BBBCTL_URL": f.balancer.APIURL(), "BBBCTL_SECRET": balancerSecret, "BBBCTL_CONFIG": cfg}, "status")
	requireOK(t, r)
	assert.Contains(t, r.stdout, strings.TrimPrefix(f.workers[0].URL, "http://"))

	r = ctl(t, map[string]string{"BBBCTL_CONFIG": filepath.Join(dir, "none.yaml")}, "status")
	assert.Equal(t, cli.ExitUsage, r.code)
	assert.Contains(t, r.stderr, "BBBCTL_URL")

	r = ctl(t, map[string]string{"BBBCTL_URL": f.balancer.URL, "BBBCTL_SECRET": "wrong-balancer-secret-000", "BBBCTL_CONFIG": cfg}, "status")
	assert.Equal(t, cli.ExitAuth, r.code, r.stderr)
	assert.NotContains(t, r.stdout+r.stderr, "wrong-balancer-secret-000")
}

// Help names the three first commands.
func TestHelp(t *testing.T) {
	t.Parallel()
	r := ctl(t, nil, "-h")
	requireOK(t, r)
	for _, want := range []string{"bbbctl status", "bbbctl servers drain -wait", "bbbctl doctor", "1007/1020", "servers", "recordings"} {
		assert.Contains(t, r.stdout, want)
	}
	r = ctl(t, nil, "servers", "-h")
	requireOK(t, r)
	assert.Contains(t, r.stdout, "drain")
	assert.Contains(t, r.stdout, "sync")
	r = ctl(t, nil, "servers", "drain", "-h")
	requireOK(t, r)
	assert.Contains(t, r.stdout, "-wait")
	r = ctl(t, nil, "servers", "bogus")
	assert.Equal(t, cli.ExitUsage, r.code)
}
