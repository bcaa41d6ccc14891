package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/examples/internal/cli"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// busy creates a meeting on worker i with users joined and returns its ID.
func (f *fleet) busy(t *testing.T, i int, id string, users int) {
	t.Helper()
	_, err := f.workers[i].BBBClient().CreateMeeting(context.Background(), &bbb.CreateMeetingParams{Name: id, MeetingID: id})
	if err != nil {
		t.Fatalf("f.workers[i].BBBClient(...).CreateMeeting(...): %v", err)
	}
	for u := range users {
		_, err := f.workers[i].Join(id, bbbtest.User{FullName: "user", Role: bbb.RoleViewer, Video: u == 0})
		if err != nil {
			t.Fatalf("f.workers[i].Join(...): %v", err)
		}
	}
}

func TestStatusTableAndJSON(t *testing.T) {
	t.Parallel()
	f := newFleet(t, 3)
	f.busy(t, 0, "math", 3)
	f.busy(t, 0, "art", 1)
	f.busy(t, 1, "physics", 2)
	f.workers[2].SetLatency(30 * time.Second) // hangs: must not stall the table

	start := time.Now()
	r := ctl(t, f.env(), "status", "-request-timeout", "700ms")
	requireOK(t, r)
	if got := time.Since(start); got >= 5*time.Second {
		t.Errorf("time.Since(start) = %v; want < %v (an offline server stalled status)", got, 5*time.Second)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	// header, 3 servers, total
	if len(lines) != 5 {
		t.Fatalf("len(lines) = %d; want %d: %v (%s)", len(lines), 5, lines, r.stdout)
	}
	if !regexp.MustCompile(`^HOST\s+SITE\s+TAG\s+STATE\s+ONLINE\s+MEETINGS\s+USERS\s+LARGEST\s+VIDEOS\s+LOAD\s+CAPACITY$`).MatchString(lines[0]) {
		t.Errorf("lines[0] = %q; want it to match `^HOST\\s+SITE\\s+TAG\\s+STATE\\s+ONLINE\\s+MEETINGS\\s+USERS\\s+LARGEST\\s+VIDEOS\\s+LOAD\\s+CAPACITY$`", lines[0])
	}
	row := map[string]string{}
	for _, l := range lines[1:4] {
		row[strings.Fields(l)[0]] = l
	}
	host := func(i int) string { return strings.TrimPrefix(f.workers[i].URL, "http://") }
	if got := row[host(0)]; !regexp.MustCompile(`enabled\s+online\s+2\s+4\s+3\s+2\s`).MatchString(got) {
		t.Errorf("row[host(0)] = %q; want it to match `enabled\\s+online\\s+2\\s+4\\s+3\\s+2\\s`", got)
	}
	if got := row[host(1)]; !regexp.MustCompile(`enabled\s+online\s+1\s+2\s+2\s+1\s`).MatchString(got) {
		t.Errorf("row[host(1)] = %q; want it to match `enabled\\s+online\\s+1\\s+2\\s+2\\s+1\\s`", got)
	}
	if got := row[host(2)]; !regexp.MustCompile(`enabled\s+offline\s+-\s+-\s+-\s+-\s`).MatchString(got) {
		t.Errorf("row[host(2)] = %q; want it to match `enabled\\s+offline\\s+-\\s+-\\s+-\\s+-\\s`", got)
	}
	if !regexp.MustCompile(`^TOTAL\s+-\s+-\s+-\s+2/3\s+3\s+6\s+3\s+3\s`).MatchString(lines[4]) {
		t.Errorf("lines[4] = %q; want it to match `^TOTAL\\s+-\\s+-\\s+-\\s+2/3\\s+3\\s+6\\s+3\\s+3\\s`", lines[4])
	}

	r = ctl(t, f.env(), "status", "-o", "json", "-request-timeout", "700ms")
	requireOK(t, r)
	var rep statusReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("json.Unmarshal([]byte(r.stdout), &rep): %v", err)
	}
	if len(rep.Servers) != 3 {
		t.Fatalf("len(rep.Servers) = %d; want %d: %v", len(rep.Servers), 3, rep.Servers)
	}
	if rep.Total.Meetings != 3 {
		t.Errorf("rep.Total.Meetings = %v; want %v", rep.Total.Meetings, 3)
	}
	if rep.Total.Users != 6 {
		t.Errorf("rep.Total.Users = %v; want %v", rep.Total.Users, 6)
	}
	for _, s := range rep.Servers {
		if s.Host == host(2) {
			if s.Online {
				t.Errorf("s.Online = true; want false")
			}
			if len(s.Error) == 0 {
				t.Errorf("s.Error is empty; want it not empty")
			}
		}
	}

	r = ctl(t, f.env(), "status", "-o", "wide", "-request-timeout", "700ms")
	requireOK(t, r)
	if !strings.Contains(r.stdout, "MULTIPLIER") {
		t.Errorf("r.stdout = %q; want it to contain %q", r.stdout, "MULTIPLIER")
	}
	if !strings.Contains(r.stdout, f.ids[0]) {
		t.Errorf("r.stdout = %q; want it to contain %q", r.stdout, f.ids[0])
	}
}

// A single server (not a balancer) is detected and shown alone.
func TestStatusSingleServer(t *testing.T) {
	t.Parallel()
	w := bbbtest.NewServer(bbbtest.WithSecret("single-server-secret-xyz"))
	defer w.Close()
	_, err := w.BBBClient().CreateMeeting(context.Background(), &bbb.CreateMeetingParams{Name: "mm", MeetingID: "mm"})
	if err != nil {
		t.Fatalf("w.BBBClient(...).CreateMeeting(...): %v", err)
	}
	r := ctl(t, map[string]string{"BBBCTL_URL": w.URL, "BBBCTL_SECRET": w.Secret, "BBBCTL_CONFIG": "/nonexistent"}, "status")
	requireOK(t, r)
	if !regexp.MustCompile(`online\s+1\s+0\s+0\s+0`).MatchString(r.stdout) {
		t.Errorf("r.stdout = %q; want it to match `online\\s+1\\s+0\\s+0\\s+0`", r.stdout)
	}
	if strings.Contains(r.stdout, w.Secret) {
		t.Errorf("r.stdout = %q; want it not to contain %q", r.stdout, w.Secret)
	}
}

// The table's layout is pinned by golden files.
func TestStatusGolden(t *testing.T) {
	t.Parallel()
	load := 12.5
	rep := &statusReport{
		Servers: []serverStatus{
			{ID: "bbb1", Host: "bbb1.example.com", Site: "fra", Tag: "gpu", State: "enabled", Online: true, Meetings: 4, Users: 120, Largest: 80, Videos: 30, Load: &load, LoadMultiplier: 1, Capacity: 200, Version: "3.0.4"},
			{ID: "bbb2", Host: "bbb2.example.com", Site: "ams", State: "cordoned", Online: true, Meetings: 1, Users: 5, Largest: 5, Videos: 0, LoadMultiplier: 2},
			{ID: "bbb3", Host: "bbb3.example.com", State: "enabled", Online: false, Error: "context deadline exceeded"},
		},
		Total: serverStatus{Host: "TOTAL", Meetings: 5, Users: 125, Largest: 80, Videos: 30, Capacity: 200},
	}
	for _, format := range []string{outTable, outWide} {
		var out bytes.Buffer
		if err := writeStatus(&out, rep, format); err != nil {
			t.Fatalf("writeStatus(&out, rep, format): %v", err)
		}
		golden := filepath.Join("testdata", "status-"+format+".golden")
		if *update {
			if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
				t.Fatalf("os.WriteFile(golden, out.Bytes(), 0o644): %v", err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("os.ReadFile(golden): %v", err)
		}
		if got := out.String(); got != string(want) {
			t.Errorf("out.String() = %v; want %v (%s)", got, string(want), format)
		}
	}
}

// Site and capacity are read from getServers when the balancer sends them.
func TestStatusSiteAndCapacity(t *testing.T) {
	t.Parallel()
	f := newFleet(t, 2)
	f.setSites(t, "fra") // worker 0: site fra, capacity 100; worker 1: neither
	host := func(i int) string { return strings.TrimPrefix(f.workers[i].URL, "http://") }

	r := ctl(t, f.env(), "status", "-o", "json")
	requireOK(t, r)
	var rep statusReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("json.Unmarshal([]byte(r.stdout), &rep): %v", err)
	}
	if len(rep.Servers) != 2 {
		t.Fatalf("len(rep.Servers) = %d; want %d: %v", len(rep.Servers), 2, rep.Servers)
	}
	for _, s := range rep.Servers {
		wantSite, wantCapacity := "", 0.0
		if s.Host == host(0) {
			wantSite, wantCapacity = "fra", 100
		}
		if s.Site != wantSite || s.Capacity != wantCapacity {
			t.Errorf("server %s: Site, Capacity = %q, %v; want %q, %v", s.Host, s.Site, s.Capacity, wantSite, wantCapacity)
		}
	}
	if rep.Total.Capacity != 100 {
		t.Errorf("rep.Total.Capacity = %v; want %v", rep.Total.Capacity, 100)
	}

	r = ctl(t, f.env(), "status")
	requireOK(t, r)
	if want := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(host(0)) + `\s+fra\s+-\s+enabled\s+online\s.*\s100$`); !want.MatchString(r.stdout) {
		t.Errorf("r.stdout = %q; want a row matching %s", r.stdout, want)
	}
	if want := regexp.MustCompile(`(?m)^TOTAL\s.*\s100$`); !want.MatchString(r.stdout) {
		t.Errorf("r.stdout = %q; want a row matching %s", r.stdout, want)
	}
}

// With -kind auto, the list that told the balancer apart is the one
// status shows: one getServers per run.
func TestStatusListsTheServersOnce(t *testing.T) {
	t.Parallel()
	f := newFleet(t, 2)
	var calls atomic.Int32
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/getServers") {
			calls.Add(1)
		}
		f.balancer.ServeHTTP(w, r)
	}))
	defer front.Close()
	env := f.env()
	env["BBBCTL_URL"] = front.URL
	r := ctl(t, env, "status")
	requireOK(t, r)
	if got := calls.Load(); got != 1 {
		t.Errorf("getServers calls = %d; want 1", got)
	}
}

// doctor's table is pinned by a golden file: causes on their own line.
func TestDoctorTableGolden(t *testing.T) {
	t.Parallel()
	checks := []check{
		{Server: "bbb1.example.com", Check: "api", Status: statusOK, Value: "HTTP 200 OK"},
		{Server: "bbb1.example.com", Check: "tls", Status: statusWarn, Value: "certificate valid 9 more days", Cause: "the certificate expires soon: check certbot's renewal timer"},
		{Server: "bbb1.example.com", Check: "turn over tcp/tls", Status: statusFail, Value: "none reachable", Cause: causeNoTCP},
	}
	var out bytes.Buffer
	if err := writeChecks(&out, checks); err != nil {
		t.Fatalf("writeChecks(&out, checks): %v", err)
	}
	golden := filepath.Join("testdata", "doctor-table.golden")
	if *update {
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatalf("os.WriteFile(golden, out.Bytes(), 0o644): %v", err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("os.ReadFile(golden): %v", err)
	}
	if got := out.String(); got != string(want) {
		t.Errorf("out.String() = %v; want %v", got, string(want))
	}
}

// -watch redraws until interrupted, then exits 0.
func TestStatusWatch(t *testing.T) {
	t.Parallel()
	f := newFleet(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	env := f.env()
	ctx = cli.WithGetenv(ctx, func(k string) string { return env[k] })
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"status", "-watch", "-interval", "100ms"}, nil, &stdout, &stderr)
	if code != cli.ExitOK {
		t.Errorf("code = %v; want %v (%s)", code, cli.ExitOK, stderr.String())
	}
	if got := strings.Count(stdout.String(), "\x1b[H\x1b[2J"); got < 3 {
		t.Errorf("strings.Count(stdout.String(), \"\\x1b[H\\x1b[2J\") = %v; want >= %v", got, 3)
	}
	if got := strings.Count(stdout.String(), "TOTAL"); got < 3 {
		t.Errorf("strings.Count(stdout.String(), \"TOTAL\") = %v; want >= %v", got, 3)
	}
}
