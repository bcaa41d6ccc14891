package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/examples/internal/cli"
	"github.com/bbbkit/bbbkit/internal/testwait"
	"github.com/bbbkit/bbbkit/scalelite"
	"github.com/bbbkit/bbbkit/scalelite/scalelitetest"
)

// state is the balancer's view of a server, by ID.
func (f *fleet) state(t *testing.T, id string) (scalelite.Server, bool) {
	t.Helper()
	servers, err := f.balancer.AdminClient().GetServers(context.Background())
	if err != nil {
		t.Fatalf("f.balancer.AdminClient().GetServers(context.Background()): %v", err)
	}
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
		if !ok {
			t.Fatalf("f.state(t, %s): not found; want the server", f.ids[0])
		}
		if s.State != tc.state {
			t.Errorf("s.State = %v; want %v (%s)", s.State, tc.state, tc.cmd)
		}
	}
	r := ctl(t, f.env(), "servers", "rm", f.ids[0]) // by ID
	requireOK(t, r)
	_, ok := f.state(t, f.ids[0])
	if ok {
		t.Errorf("f.state(t, %s) found the server; want it removed", f.ids[0])
	}

	r = ctl(t, f.env(), "servers", "cordon", "no-such-server")
	if r.code != cli.ExitFailure {
		t.Errorf("r.code = %v; want %v", r.code, cli.ExitFailure)
	}
	if !strings.Contains(r.stderr, `no server "no-such-server"`) {
		t.Errorf("r.stderr = %q; want it to contain %q", r.stderr, `no server "no-such-server"`)
	}
}

func TestServersAdd(t *testing.T) {
	t.Parallel()
	f := newFleet(t, 0)
	w := bbbtest.NewServer(bbbtest.WithSecret("added-server-secret-0123"))
	defer w.Close()
	env := f.env()
	r := ctl(t, env, "servers", "add", w.APIURL())
	if r.code != cli.ExitUsage {
		t.Errorf("r.code = %v; want %v (a secret on no channel was accepted)", r.code, cli.ExitUsage)
	}
	env["BBBCTL_SERVER_SECRET"] = w.Secret
	r = ctl(t, env, "servers", "add", "-tag", "gpu", "-enable", w.APIURL())
	requireOK(t, r)
	servers, err := f.balancer.AdminClient().GetServers(context.Background())
	if err != nil {
		t.Fatalf("f.balancer.AdminClient().GetServers(context.Background()): %v", err)
	}
	if len(servers) != 1 {
		t.Fatalf("len(servers) = %d; want %d: %v", len(servers), 1, servers)
	}
	if servers[0].Tag != "gpu" {
		t.Errorf("servers[0].Tag = %q; want %q", servers[0].Tag, "gpu")
	}
	if servers[0].State != scalelite.StateEnabled {
		t.Errorf("servers[0].State = %v; want %v", servers[0].State, scalelite.StateEnabled)
	}
	if servers[0].Secret != w.Secret {
		t.Errorf("servers[0].Secret = %v; want %v", servers[0].Secret, w.Secret)
	}
	if strings.Contains(r.stdout+r.stderr, w.Secret) {
		t.Errorf("r.stdout+r.stderr = %q; want it not to contain %q", r.stdout+r.stderr, w.Secret)
	}
}

func TestServersDrainWaitsThenRemoves(t *testing.T) {
	t.Parallel()
	f := newFleet(t, 2)
	f.busy(t, 0, "lecture", 2)
	done := make(chan result, 1)
	go func() {
		done <- ctl(t, f.env(), "servers", "drain", "-wait", "-interval", "100ms", "-timeout", "20s", f.ids[0])
	}()
	testwait.Eventually(t, func() bool {
		s, ok := f.state(t, f.ids[0])
		return ok && s.State == scalelite.StateCordoned
	}, 10*time.Second, 50*time.Millisecond, "server state is cordoned")
	time.Sleep(300 * time.Millisecond)
	_, stillThere := f.state(t, f.ids[0])
	if !stillThere {
		t.Errorf("stillThere = false; want true (removed while a meeting was running)")
	}
	if err := f.workers[0].EndMeeting("lecture"); err != nil {
		t.Fatalf("f.workers[0].EndMeeting(\"lecture\"): %v", err)
	}
	r := <-done
	requireOK(t, r)
	if !strings.Contains(r.stdout, "cordoned") {
		t.Errorf("r.stdout = %q; want it to contain %q", r.stdout, "cordoned")
	}
	if !strings.Contains(r.stdout, "1 meetings, 2 users left") {
		t.Errorf("r.stdout = %q; want it to contain %q", r.stdout, "1 meetings, 2 users left")
	}
	if !strings.Contains(r.stdout, "empty and removed") {
		t.Errorf("r.stdout = %q; want it to contain %q", r.stdout, "empty and removed")
	}
	_, ok := f.state(t, f.ids[0])
	if ok {
		t.Errorf("f.state(t, %s) found the server; want it removed", f.ids[0])
	}
}

func TestServersDrainTimeout(t *testing.T) {
	t.Parallel()
	f := newFleet(t, 1)
	f.busy(t, 0, "lecture", 1)
	r := ctl(t, f.env(), "servers", "drain", "-wait", "-interval", "50ms", "-timeout", "200ms", f.ids[0])
	if r.code != cli.ExitFailure {
		t.Errorf("r.code = %v; want %v", r.code, cli.ExitFailure)
	}
	if !strings.Contains(r.stderr, "still has meetings") {
		t.Errorf("r.stderr = %q; want it to contain %q", r.stderr, "still has meetings")
	}
	s, ok := f.state(t, f.ids[0])
	if !ok {
		t.Fatalf("f.state(t, %s): not found; want the server", f.ids[0])
	}
	if s.State != scalelite.StateCordoned {
		t.Errorf("s.State = %v; want %v", s.State, scalelite.StateCordoned)
	}
}

func TestServersSync(t *testing.T) {
	t.Parallel()
	f := newFleet(t, 2)
	newWorker := bbbtest.NewServer(bbbtest.WithSecret("new-worker-secret-0123456"))
	defer newWorker.Close()
	pool := filepath.Join(t.TempDir(), "pool.yaml")
	if err := os.WriteFile(pool, fmt.Appendf(nil, `servers:
  - url: %s
    secret-env: W0_SECRET
    tag: gpu
  - url: %s
    secret-env: NEW_SECRET
    state: enabled
`, f.workers[0].APIURL(), newWorker.APIURL()), 0o600); err != nil {
		t.Fatalf("os.WriteFile(...): %v", err)
	}
	env := f.env()
	env["W0_SECRET"] = f.workers[0].Secret
	env["NEW_SECRET"] = newWorker.Secret
	before, err := f.balancer.AdminClient().GetServers(context.Background())
	if err != nil {
		t.Fatalf("f.balancer.AdminClient().GetServers(context.Background()): %v", err)
	}

	r := ctl(t, env, "servers", "sync", "-f", pool, "-dry-run")
	requireOK(t, r)
	if !strings.Contains(r.stdout, "plan: 3 changes") {
		t.Errorf("r.stdout = %q; want it to contain %q", r.stdout, "plan: 3 changes")
	}
	if !strings.Contains(r.stdout, "+ add "+newWorker.APIURL()) {
		t.Errorf("r.stdout = %q; want it to contain %q", r.stdout, "+ add "+newWorker.APIURL())
	}
	if !strings.Contains(r.stdout, "~ update "+f.ids[0]) {
		t.Errorf("r.stdout = %q; want it to contain %q", r.stdout, "~ update "+f.ids[0])
	}
	if !strings.Contains(r.stdout, "tag - -> gpu") {
		t.Errorf("r.stdout = %q; want it to contain %q", r.stdout, "tag - -> gpu")
	}
	if !strings.Contains(r.stdout, "~ cordon "+f.ids[1]) {
		t.Errorf("r.stdout = %q; want it to contain %q", r.stdout, "~ cordon "+f.ids[1])
	}
	after, err := f.balancer.AdminClient().GetServers(context.Background())
	if err != nil {
		t.Fatalf("f.balancer.AdminClient().GetServers(context.Background()): %v", err)
	}
	if fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("fmt.Sprint(after) = %v; want %v (-dry-run changed the balancer)", fmt.Sprint(after), fmt.Sprint(before))
	}

	r = ctl(t, env, "servers", "sync", "-f", pool)
	requireOK(t, r)
	if !strings.Contains(r.stdout, "3 of 3 changes applied") {
		t.Errorf("r.stdout = %q; want it to contain %q", r.stdout, "3 of 3 changes applied")
	}
	s0, _ := f.state(t, f.ids[0])
	if s0.Tag != "gpu" {
		t.Errorf("s0.Tag = %q; want %q", s0.Tag, "gpu")
	}
	s1, _ := f.state(t, f.ids[1])
	if s1.State != scalelite.StateCordoned {
		t.Errorf("s1.State = %v; want %v", s1.State, scalelite.StateCordoned)
	}
	r = ctl(t, env, "servers", "sync", "-f", pool, "-dry-run")
	requireOK(t, r)
	if !strings.Contains(r.stdout, "match the pool file") {
		t.Errorf("r.stdout = %q; want it to contain %q", r.stdout, "match the pool file")
	}
	if strings.Contains(r.stdout+r.stderr, newWorker.Secret) {
		t.Errorf("r.stdout+r.stderr = %q; want it not to contain %q", r.stdout+r.stderr, newWorker.Secret)
	}
}

func TestMeetingsCommands(t *testing.T) {
	t.Parallel()
	f := newFleet(t, 2)
	f.busy(t, 1, "chemistry", 3)
	r := ctl(t, f.env(), "meetings", "list")
	requireOK(t, r)
	if !regexp.MustCompile(`chemistry\s+chemistry\s+3\s`).MatchString(r.stdout) {
		t.Errorf("r.stdout = %q; want it to match `chemistry\\s+chemistry\\s+3\\s`", r.stdout)
	}

	r = ctl(t, f.env(), "meetings", "list", "-o", "json")
	requireOK(t, r)
	var rows []meetingRow
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatalf("json.Unmarshal([]byte(r.stdout), &rows): %v", err)
	}
	if len(rows) != 1 {
		t.Fatalf("len(rows) = %d; want %d: %v", len(rows), 1, rows)
	}
	if rows[0].Server != f.ids[1] {
		t.Errorf("rows[0].Server = %v; want %v", rows[0].Server, f.ids[1])
	}

	r = ctl(t, f.env(), "meetings", "find", "chemistry")
	requireOK(t, r)
	if !strings.Contains(r.stdout, f.ids[1]) {
		t.Errorf("r.stdout = %q; want it to contain %q", r.stdout, f.ids[1])
	}
	r = ctl(t, f.env(), "meetings", "find", "-o", "json", "chemistry")
	requireOK(t, r)
	if !strings.Contains(r.stdout, `"server": "`+f.ids[1]+`"`) {
		t.Errorf("r.stdout = %q; want it to contain %q", r.stdout, `"server": "`+f.ids[1]+`"`)
	}

	r = ctl(t, f.env(), "meetings", "end", "chemistry")
	requireOK(t, r)
	if got := f.workers[1].Meetings(); len(got) != 0 {
		t.Errorf("f.workers[1].Meetings() = %v; want empty", got)
	}
	r = ctl(t, f.env(), "meetings", "find", "chemistry")
	if r.code != cli.ExitFailure {
		t.Errorf("r.code = %v; want %v", r.code, cli.ExitFailure)
	}
	if !strings.Contains(r.stderr, `no server holds meeting "chemistry"`) {
		t.Errorf("r.stderr = %q; want it to contain %q", r.stderr, `no server holds meeting "chemistry"`)
	}
}

func TestRecordingsCommands(t *testing.T) {
	t.Parallel()
	f := newFleet(t, 2)
	old, err := f.workers[0].AddRecording(bbbtest.RecordingSpec{MeetingID: "old-class", Name: "old class", Start: time.Now().AddDate(0, 0, -200), End: time.Now().AddDate(0, 0, -200).Add(time.Hour)})
	if err != nil {
		t.Fatalf("f.workers[0].AddRecording(...): %v", err)
	}
	recent, err := f.workers[1].AddRecording(bbbtest.RecordingSpec{MeetingID: "new-class", Name: "new class", Start: time.Now().AddDate(0, 0, -2), End: time.Now().AddDate(0, 0, -2).Add(time.Hour)})
	if err != nil {
		t.Fatalf("f.workers[1].AddRecording(...): %v", err)
	}

	r := ctl(t, f.env(), "recordings", "list")
	requireOK(t, r)
	if !strings.Contains(r.stdout, old) {
		t.Errorf("r.stdout = %q; want it to contain %q", r.stdout, old)
	}
	if !strings.Contains(r.stdout, recent) {
		t.Errorf("r.stdout = %q; want it to contain %q", r.stdout, recent)
	}
	r = ctl(t, f.env(), "recordings", "list", "-o", "json")
	requireOK(t, r)
	var rows []recordingRow
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatalf("json.Unmarshal([]byte(r.stdout), &rows): %v", err)
	}
	if len(rows) != 2 {
		t.Errorf("len(rows) = %d; want %d: %v", len(rows), 2, rows)
	}

	r = ctl(t, f.env(), "recordings", "unpublish", recent)
	requireOK(t, r)
	if got := f.workers[1].Recordings()[0].State; got != "unpublished" {
		t.Errorf("f.workers[1].Recordings()[0].State = %q; want %q", got, "unpublished")
	}
	r = ctl(t, f.env(), "recordings", "publish", recent)
	requireOK(t, r)
	if got := f.workers[1].Recordings()[0].State; got != "published" {
		t.Errorf("f.workers[1].Recordings()[0].State = %q; want %q", got, "published")
	}

	r = ctl(t, f.env(), "recordings", "prune", "-older-than", "90d", "-dry-run")
	requireOK(t, r)
	if !strings.Contains(r.stdout, "would delete 1 recordings") {
		t.Errorf("r.stdout = %q; want it to contain %q", r.stdout, "would delete 1 recordings")
	}
	if !strings.Contains(r.stdout, old) {
		t.Errorf("r.stdout = %q; want it to contain %q", r.stdout, old)
	}
	if strings.Contains(r.stdout, recent) {
		t.Errorf("r.stdout = %q; want it not to contain %q", r.stdout, recent)
	}
	if got := f.workers[0].Recordings(); len(got) != 1 {
		t.Errorf("len(f.workers[0].Recordings()) = %d; want %d: %v (-dry-run deleted)", len(got), 1, got)
	}

	r = ctl(t, f.env(), "recordings", "prune", "-older-than", "90d")
	requireOK(t, r)
	if got := f.workers[0].Recordings()[0].State; got != "deleted" {
		t.Errorf("f.workers[0].Recordings()[0].State = %q; want %q", got, "deleted")
	}
	if got := f.workers[1].Recordings()[0].State; got != "published" {
		t.Errorf("f.workers[1].Recordings()[0].State = %q; want %q", got, "published")
	}
	r = ctl(t, f.env(), "recordings", "prune", "-older-than", "90d", "-dry-run")
	requireOK(t, r)
	if !strings.Contains(r.stdout, "would delete 0 recordings") {
		t.Errorf("r.stdout = %q; want it to contain %q (a deleted recording is pruned again)", r.stdout, "would delete 0 recordings")
	}

	r = ctl(t, f.env(), "recordings", "delete", recent, "no-such-recording")
	if r.code != cli.ExitPartial {
		t.Errorf("r.code = %v; want %v", r.code, cli.ExitPartial)
	}
	if !strings.Contains(r.stderr, "no server holds recording no-such-recording") {
		t.Errorf("r.stderr = %q; want it to contain %q", r.stderr, "no server holds recording no-such-recording")
	}
	if got := f.workers[1].Recordings()[0].State; got != "deleted" {
		t.Errorf("f.workers[1].Recordings()[0].State = %q; want %q", got, "deleted")
	}
}

func TestHooksCommands(t *testing.T) {
	t.Parallel()
	f := newFleet(t, 2)
	const callback = "https://hooks.example.com/bbb"
	r := ctl(t, f.env(), "hooks", "ensure", callback)
	requireOK(t, r)
	if got := strings.Count(r.stdout, "registered"); got != 2 {
		t.Errorf("strings.Count(r.stdout, \"registered\") = %v; want %v", got, 2)
	}
	r = ctl(t, f.env(), "hooks", "ensure", callback)
	requireOK(t, r)
	if got := strings.Count(r.stdout, "already registered"); got != 2 {
		t.Errorf("strings.Count(r.stdout, \"already registered\") = %v; want %v", got, 2)
	}
	for _, w := range f.workers {
		if got := w.Hooks(); len(got) != 1 {
			t.Fatalf("len(w.Hooks()) = %d; want %d: %v", len(got), 1, got)
		}
	}
	r = ctl(t, f.env(), "hooks", "list")
	requireOK(t, r)
	if got := strings.Count(r.stdout, callback); got != 2 {
		t.Errorf("strings.Count(r.stdout, callback) = %v; want %v", got, 2)
	}
	r = ctl(t, f.env(), "hooks", "list", "-o", "json")
	requireOK(t, r)
	var rows []hookRow
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatalf("json.Unmarshal([]byte(r.stdout), &rows): %v", err)
	}
	if len(rows) != 2 {
		t.Errorf("len(rows) = %d; want %d: %v", len(rows), 2, rows)
	}

	r = ctl(t, f.env(), "doctor", "-skip-turn", "-hook", callback)
	requireOK(t, r)
	if !regexp.MustCompile(`webhook\s+ok`).MatchString(r.stdout) {
		t.Errorf("r.stdout = %q; want it to match `webhook\\s+ok`", r.stdout)
	}
}

// A config file selects a context; flags and the environment come first.
func TestConfigContexts(t *testing.T) {
	t.Parallel()
	f := newFleet(t, 1)
	single := bbbtest.NewServer(bbbtest.WithSecret("context-single-secret-0123"))
	defer single.Close()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "single.secret"), []byte(single.Secret+"\n"), 0o600); err != nil {
		t.Fatalf("os.WriteFile(...): %v", err)
	}
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, `current-context: cluster
contexts:
  - name: cluster
    url: %s
    secret-env: CLUSTER_SECRET
  - name: lab
    servers:
      - url: %s
        secret-file: single.secret
`, f.balancer.URL, single.APIURL()), 0o600); err != nil {
		t.Fatalf("os.WriteFile(...): %v", err)
	}
	env := map[string]string{"BBBCTL_CONFIG": cfg, "CLUSTER_SECRET": balancerSecret}
	r := ctl(t, env, "status")
	requireOK(t, r)
	if !strings.Contains(r.stdout, strings.TrimPrefix(f.workers[0].URL, "http://")) {
		t.Errorf("r.stdout = %q; want it to contain %q", r.stdout, strings.TrimPrefix(f.workers[0].URL, "http://"))
	}
	r = ctl(t, env, "status", "-context", "lab")
	requireOK(t, r)
	if !strings.Contains(r.stdout, strings.TrimPrefix(single.URL, "http://")) {
		t.Errorf("r.stdout = %q; want it to contain %q", r.stdout, strings.TrimPrefix(single.URL, "http://"))
	}
	r = ctl(t, env, "status", "-context", "nope")
	if r.code != cli.ExitUsage {
		t.Errorf("r.code = %v; want %v", r.code, cli.ExitUsage)
	}
	if !strings.Contains(r.stderr, `no context "nope"`) {
		t.Errorf("r.stderr = %q; want it to contain %q", r.stderr, `no context "nope"`)
	}
	r = ctl(t, env, "servers", "cordon", "-context", "lab", "x")
	if r.code != cli.ExitUsage {
		t.Errorf("r.code = %v; want %v", r.code, cli.ExitUsage)
	}
	if !strings.Contains(r.stderr, "needs a balancer") {
		t.Errorf("r.stderr = %q; want it to contain %q", r.stderr, "needs a balancer")
	}

	// -kind server takes the balancer's BigBlueButton front as one server.
	r = ctl(t, map[string]string{"BBBCTL_URL": f.balancer.URL, "BBBCTL_SECRET": balancerSecret, "BBBCTL_CONFIG": cfg}, "status", "-kind", "server")
	requireOK(t, r)
	if !strings.Contains(r.stdout, strings.TrimPrefix(f.balancer.URL, "http://")) {
		t.Errorf("r.stdout = %q; want it to contain %q", r.stdout, strings.TrimPrefix(f.balancer.URL, "http://"))
	}
	if strings.Contains(r.stdout, strings.TrimPrefix(f.workers[0].URL, "http://")) {
		t.Errorf("r.stdout = %q; want it not to contain %q", r.stdout, strings.TrimPrefix(f.workers[0].URL, "http://"))
	}
	// A server's API URL, given in full, is still asked whether it is a balancer.
	r = ctl(t, map[string]string{"BBBCTL_URL": f.balancer.APIURL(), "BBBCTL_SECRET": balancerSecret, "BBBCTL_CONFIG": cfg}, "status")
	requireOK(t, r)
	if !strings.Contains(r.stdout, strings.TrimPrefix(f.workers[0].URL, "http://")) {
		t.Errorf("r.stdout = %q; want it to contain %q", r.stdout, strings.TrimPrefix(f.workers[0].URL, "http://"))
	}

	r = ctl(t, map[string]string{"BBBCTL_CONFIG": filepath.Join(dir, "none.yaml")}, "status")
	if r.code != cli.ExitUsage {
		t.Errorf("r.code = %v; want %v", r.code, cli.ExitUsage)
	}
	if !strings.Contains(r.stderr, "BBBCTL_URL") {
		t.Errorf("r.stderr = %q; want it to contain %q", r.stderr, "BBBCTL_URL")
	}

	r = ctl(t, map[string]string{"BBBCTL_URL": f.balancer.URL, "BBBCTL_SECRET": "wrong-balancer-secret-000", "BBBCTL_CONFIG": cfg}, "status")
	if r.code != cli.ExitAuth {
		t.Errorf("r.code = %v; want %v (%s)", r.code, cli.ExitAuth, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, "wrong-balancer-secret-000") {
		t.Errorf("r.stdout+r.stderr = %q; want it not to contain %q", r.stdout+r.stderr, "wrong-balancer-secret-000")
	}
}

// Help names the three first commands.
func TestHelp(t *testing.T) {
	t.Parallel()
	r := ctl(t, nil, "-h")
	requireOK(t, r)
	for _, want := range []string{"bbbctl status", "bbbctl servers drain -wait", "bbbctl doctor", "1007/1020", "servers", "recordings"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("r.stdout = %q; want it to contain %q", r.stdout, want)
		}
	}
	r = ctl(t, nil, "servers", "-h")
	requireOK(t, r)
	if !strings.Contains(r.stdout, "drain") {
		t.Errorf("r.stdout = %q; want it to contain %q", r.stdout, "drain")
	}
	if !strings.Contains(r.stdout, "sync") {
		t.Errorf("r.stdout = %q; want it to contain %q", r.stdout, "sync")
	}
	r = ctl(t, nil, "servers", "drain", "-h")
	requireOK(t, r)
	if !strings.Contains(r.stdout, "-wait") {
		t.Errorf("r.stdout = %q; want it to contain %q", r.stdout, "-wait")
	}
	r = ctl(t, nil, "servers", "bogus")
	if r.code != cli.ExitUsage {
		t.Errorf("r.code = %v; want %v", r.code, cli.ExitUsage)
	}
}

// TestServersDrainOnBalancer: with -deadline the balancer drains (bbbkit's
// drainServer): -wait follows it until the balancer ended the meeting at
// the deadline and removed the server.
func TestServersDrainOnBalancer(t *testing.T) {
	t.Parallel()
	f := newFleetWith(t, 2, []scalelitetest.Option{scalelitetest.WithPollInterval(50 * time.Millisecond)}) // the drain looks at the server this often
	f.busy(t, 0, "lecture", 2)
	r := ctl(t, f.env(), "servers", "drain", "-wait", "-interval", "50ms", "-deadline", "300ms", "-end-meetings",
		"-message", "This server is being retired.", f.ids[0])
	requireOK(t, r)
	for _, want := range []string{"the balancer removes it", "the meetings left are ended", "empty and removed"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if _, ok := f.state(t, f.ids[0]); ok {
		t.Errorf("server %s still on the balancer; want it removed", f.ids[0])
	}
	if n := len(f.workers[0].Meetings()); n != 0 {
		t.Errorf("%d meetings left on the drained worker; want 0 (ended at the deadline)", n)
	}

	for name, args := range map[string][]string{
		"end without deadline": {"-end-meetings"},
		"message without end":  {"-deadline", "1m", "-message", "bye"},
		"negative deadline":    {"-deadline", "-1s"},
	} {
		r := ctl(t, f.env(), append(append([]string{"servers", "drain"}, args...), f.ids[1])...)
		if r.code != cli.ExitUsage {
			t.Errorf("%s: exit %d, want %d (usage)\n%s", name, r.code, cli.ExitUsage, r.stderr)
		}
	}
	if s, ok := f.state(t, f.ids[1]); !ok || s.State != scalelite.StateEnabled {
		t.Errorf("refused drains changed %s: %+v, %v", f.ids[1], s, ok)
	}
}

// TestServersDrainDeadlineOnScalelite: Scalelite has no drainServer, so a
// drain with -deadline fails saying so and leaves the server as it was.
func TestServersDrainDeadlineOnScalelite(t *testing.T) {
	t.Parallel()
	f := newFleet(t, 1)
	target, err := url.Parse(f.balancer.URL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	fakeScalelite := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/drainServer") { // as Scalelite answers an action it lacks
			w.Header().Set("Content-Type", "application/xml")
			_, _ = io.WriteString(w, "<response><returncode>FAILED</returncode><messageKey>unsupportedRequest</messageKey>"+
				"<message>This request is not supported.</message></response>")
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	defer fakeScalelite.Close()
	env := f.env()
	env["BBBCTL_URL"] = fakeScalelite.URL
	r := ctl(t, env, "servers", "drain", "-deadline", "1m", f.ids[0])
	if r.code != cli.ExitFailure || !strings.Contains(r.stderr, "no drainServer") {
		t.Fatalf("exit %d, want %d saying the balancer has no drainServer\n%s%s", r.code, cli.ExitFailure, r.stdout, r.stderr)
	}
	if s, ok := f.state(t, f.ids[0]); !ok || s.State != scalelite.StateEnabled {
		t.Errorf("server after the refused drain: %+v, %v; want it enabled as before", s, ok)
	}
}
