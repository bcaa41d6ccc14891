package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/examples/internal/cli"
	"github.com/bbbkit/bbbkit/examples/internal/cli/clitest"
	"github.com/bbbkit/bbbkit/internal/redistest"
	"github.com/bbbkit/bbbkit/internal/syncbuf"
	"github.com/bbbkit/bbbkit/scalelite"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const secret = "balancer-test-secret"

func noEnv(string) string { return "" }

func TestFlagErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"no secret", []string{"-listen", "127.0.0.1:0"}, nil, "a secret is required"},
		{"unknown flag", []string{"-secret", "x", "-bogus"}, nil, "flag provided but not defined"},
		{"bad interval", []string{"-secret", "x", "-poll-interval", "0s"}, nil, "durations must be positive"},
		{"bad algorithm", []string{"-secret", "x", "-checksum-algorithms", "md5"}, nil, "-checksum-algorithms"},
		{"bad level", []string{"-secret", "x", "-log-level", "loud"}, nil, "-log-level"},
		{"extra args", []string{"-secret", "x", "more"}, nil, "unexpected arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stderr bytes.Buffer
			code := run(cli.WithGetenv(context.Background(), noEnv), tt.args, nil, io.Discard, &stderr)
			if code != 2 {
				t.Errorf("run(%q) = %d; want 2", tt.args, code)
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("run(%q) stderr = %q; want it to contain %q", tt.args, stderr.String(), tt.want)
			}
		})
	}
}

func TestListenFailureExitsOne(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	code := run(cli.WithGetenv(context.Background(), noEnv), []string{"-secret", secret, "-listen", "256.0.0.1:1"}, nil, io.Discard, &stderr)
	if code != 1 {
		t.Errorf("run(-listen 256.0.0.1:1) = %d; want 1", code)
	}
	if strings.Contains(stderr.String(), secret) {
		t.Errorf("run(-listen 256.0.0.1:1) stderr = %q; want no secret in it", stderr.String())
	}
}

// balancer runs the program until the test ends and returns its address.
func balancer(t *testing.T, args ...string) (addr string, logs *syncBuffer) {
	t.Helper()
	addr, logs, _ = startBalancer(t, args...)
	return addr, logs
}

// startBalancer is balancer with a stop function that shuts the balancer
// down (cleanly, exit 0) before the test ends; calling it again is a no-op.
func startBalancer(t *testing.T, args ...string) (addr string, logs *syncBuffer, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan int, 1)
	logs = &syncBuffer{}
	env := func(k string) string {
		if k == "BALANCER_SECRET" {
			return secret
		}
		return ""
	}
	ctx = cli.WithReady(cli.WithGetenv(ctx, env), func(a string) { ready <- a })
	go func() { done <- run(ctx, append([]string{"-listen", "127.0.0.1:0"}, args...), nil, io.Discard, logs) }()
	select {
	case addr = <-ready:
	case code := <-done:
		cancel()
		t.Fatalf("balancer exited with %d: %s", code, logs.String())
	case <-time.After(20 * time.Second):
		cancel()
		t.Fatal("balancer did not start")
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case code := <-done:
				if code != 0 {
					t.Errorf("balancer exited with %d; want 0 (clean shutdown)", code)
				}
			case <-time.After(20 * time.Second):
				t.Error("balancer did not stop")
			}
			if strings.Contains(logs.String(), secret) {
				t.Errorf("balancer log contains the secret:\n%s", logs.String())
			}
		})
	}
	t.Cleanup(stop)
	return addr, logs, stop
}

// TestBalancerEndToEnd drives the program like an operator and a frontend:
// workers added and enabled through the admin API, a burst of creates, joins,
// a worker stopped. Placement is checked on the workers themselves.
// addWorkers starts n fake BBB servers, closed when the test ends, adds
// them through admin and enables them; it returns the fakes and the servers
// as EnableServer answered.
func addWorkers(ctx context.Context, t *testing.T, admin *scalelite.Client, n int) ([]*bbbtest.Server, []*scalelite.Server) {
	t.Helper()
	workers := make([]*bbbtest.Server, n)
	enabled := make([]*scalelite.Server, n)
	for i := range workers {
		workers[i] = bbbtest.NewServer()
		t.Cleanup(workers[i].Close)
		srv, err := admin.AddServer(ctx, &scalelite.AddServerParams{URL: workers[i].APIURL(), Secret: workers[i].Secret})
		if err != nil {
			t.Fatalf("AddServer(%s): %v", workers[i].APIURL(), err)
		}
		enabled[i], err = admin.EnableServer(ctx, srv.ID)
		if err != nil {
			t.Fatalf("EnableServer(%q): %v", srv.ID, err)
		}
	}
	return workers, enabled
}

func TestBalancerEndToEnd(t *testing.T) {
	t.Parallel()
	addr, _ := balancer(t, "-poll-interval", "50ms", "-poll-timeout", "5s")
	base := "http://" + addr
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	ctx := context.Background()

	resp, err := hc.Get(base + "/health")
	if err != nil {
		t.Fatalf("GET /health: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "success\n" {
		t.Errorf("GET /health = %q; want %q", body, "success\n")
	}

	admin, err := scalelite.New(base, secret, bbb.WithHTTPClient(hc))
	if err != nil {
		t.Fatalf("scalelite.New(%q): %v", base, err)
	}
	workers, enabled := addWorkers(ctx, t, admin, 3)
	ids := make([]string, len(enabled))
	for i, srv := range enabled {
		if !srv.Online {
			t.Fatalf("EnableServer(%q).Online = false; want true", srv.ID)
		}
		ids[i] = srv.ID
	}

	front, err := bbb.New(base+"/bigbluebutton/api/", secret, bbb.WithHTTPClient(hc))
	if err != nil {
		t.Fatalf("bbb.New(%q): %v", base+"/bigbluebutton/api/", err)
	}
	var wg sync.WaitGroup
	for i := range 60 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("b-%02d", i)
			if _, err := front.CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "burst room", MeetingID: id}); err != nil {
				t.Errorf("CreateMeeting(%q): %v", id, err)
			}
		}()
	}
	wg.Wait()
	for i, w := range workers {
		if n := len(w.Meetings()); math.Abs(float64(n)-20) > 1 {
			t.Errorf("worker %d holds %d meetings; want 20±1", i, n)
		}
	}

	// A join lands on the worker that holds the meeting.
	joinURL, err := front.JoinURL(&bbb.JoinParams{FullName: "Ada", MeetingID: "b-07", Role: bbb.RoleModerator})
	if err != nil {
		t.Fatalf("JoinURL(): %v", err)
	}
	resp, err = hc.Get(joinURL)
	if err != nil {
		t.Fatalf("GET %s: %v", joinURL, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("GET join: status %d; want %d", resp.StatusCode, http.StatusFound)
	}
	loc := resp.Header.Get("Location")
	holder := -1
	for i, w := range workers {
		if _, ok := w.Meeting("b-07"); ok {
			holder = i
		}
	}
	if holder < 0 {
		t.Fatalf("no worker holds %q", "b-07")
	}
	if !strings.HasPrefix(loc, workers[holder].URL) {
		t.Errorf("Location = %q; want prefix %q (the worker that holds the meeting)", loc, workers[holder].URL)
	}

	// Stop a worker: the poller takes it offline within a few intervals.
	workers[2].SetDown(true)
	deadline := time.Now().Add(20 * time.Second)
	for {
		srv, err := admin.GetServerInfo(ctx, ids[2])
		if err != nil {
			t.Fatalf("GetServerInfo(%q): %v", ids[2], err)
		}
		if !srv.Online {
			break
		}
		if !time.Now().Before(deadline) {
			t.Fatalf("worker never went offline")
		}
		time.Sleep(20 * time.Millisecond)
	}
	before := len(workers[2].Meetings())
	for i := range 20 {
		id := fmt.Sprintf("after-%02d", i)
		if _, err := front.CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "after room", MeetingID: id}); err != nil {
			t.Fatalf("CreateMeeting(%q): %v", id, err)
		}
		if _, onDead := workers[2].Meeting(id); onDead {
			t.Errorf("%q landed on the dead worker; want nothing there", id)
		}
	}
	if n := len(workers[2].Meetings()); n != before {
		t.Errorf("dead worker holds %d meetings; want %d", n, before)
	}
	ms, err := front.GetMeetings(ctx)
	if err != nil {
		t.Fatalf("GetMeetings(): %v", err)
	}
	if want := 60 - before + 20; len(ms) != want {
		t.Errorf("GetMeetings() returned %d meetings; want %d (getMeetings answers without the dead worker)", len(ms), want)
	}
}

// TestTwoBalancersShareRedis runs two balancer processes on one Redis (one
// of them polling) and sends a burst of 200 creates through both to five
// workers: the placement is even because pick-and-reserve is one atomic step
// in Redis.
func TestTwoBalancersShareRedis(t *testing.T) {
	t.Parallel()
	raddr := redistest.Addr(t)
	prefix := redistest.Prefix(t)
	a, _ := balancer(t, "-redis", raddr, "-redis-prefix", prefix, "-poll-interval", "1h")
	b, _ := balancer(t, "-redis", raddr, "-redis-prefix", prefix, "-poller=false")
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	ctx := context.Background()

	admin, err := scalelite.New("http://"+a, secret, bbb.WithHTTPClient(hc))
	if err != nil {
		t.Fatalf("scalelite.New(%q): %v", "http://"+a, err)
	}
	workers, _ := addWorkers(ctx, t, admin, 5)
	// The other process sees the servers at once.
	adminB, err := scalelite.New("http://"+b, secret, bbb.WithHTTPClient(hc))
	if err != nil {
		t.Fatalf("scalelite.New(%q): %v", "http://"+b, err)
	}
	list, err := adminB.GetServers(ctx)
	if err != nil {
		t.Fatalf("GetServers() through the second balancer: %v", err)
	}
	if len(list) != 5 {
		t.Fatalf("GetServers() through the second balancer returned %d servers; want 5", len(list))
	}

	fronts := make([]*bbb.Client, 2)
	for i, addr := range []string{a, b} {
		fronts[i], err = bbb.New("http://"+addr+"/bigbluebutton/api/", secret, bbb.WithHTTPClient(hc))
		if err != nil {
			t.Fatalf("bbb.New(%q): %v", "http://"+addr+"/bigbluebutton/api/", err)
		}
	}
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("r-%03d", i)
			if _, err := fronts[i%2].CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "shared room", MeetingID: id}); err != nil {
				t.Errorf("balancer %d CreateMeeting(%q): %v", i%2, id, err)
			}
		}()
	}
	wg.Wait()
	for i, w := range workers {
		if n := len(w.Meetings()); math.Abs(float64(n)-40) > 1 {
			t.Errorf("worker %d holds %d meetings; want 40±1", i, n)
		}
	}
	// A meeting created through one process is found through the other.
	running, err := fronts[1].IsMeetingRunning(ctx, "r-000")
	if err != nil {
		t.Fatalf("IsMeetingRunning(%q) through the second balancer: %v", "r-000", err)
	}
	if running {
		t.Errorf("IsMeetingRunning(%q) = true; want false", "r-000")
	}
	info, err := fronts[1].GetMeetingInfo(ctx, "r-000")
	if err != nil {
		t.Fatalf("GetMeetingInfo(%q) through the second balancer: %v", "r-000", err)
	}
	if info.MeetingID != "r-000" {
		t.Errorf("GetMeetingInfo(%q).MeetingID = %q; want %q", "r-000", info.MeetingID, "r-000")
	}
}

type syncBuffer = syncbuf.Buffer

// A client that sends an admin body one byte a second is cut off at the
// read timeout instead of holding the connection.
func TestSlowAdminBodyIsCutOff(t *testing.T) {
	t.Parallel()
	addr, _ := balancer(t, "-read-timeout", "500ms")
	open, err := clitest.SlowBody(addr, "/scalelite/api/addServer?checksum=x", 3*time.Second)
	if err != nil {
		t.Fatalf("clitest.SlowBody(): %v", err)
	}
	if open < 400*time.Millisecond {
		t.Errorf("connection open for %v; want at least 400ms (cut off by the read timeout, not at once)", open)
	}
}
