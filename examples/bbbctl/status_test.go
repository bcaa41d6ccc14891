package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/examples/internal/cli"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// busy creates a meeting on worker i with users joined and returns its ID.
func (f *fleet) busy(t *testing.T, i int, id string, users int) {
	t.Helper()
	_, err := f.workers[i].BBBClient().CreateMeeting(context.Background(), &bbb.CreateMeetingParams{Name: id, MeetingID: id})
	require.NoError(t, err)
	for u := range users {
		_, err := f.workers[i].Join(id, bbbtest.User{FullName: "user", Role: bbb.RoleViewer, Video: u == 0})
		require.NoError(t, err)
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
	assert.Less(t, time.Since(start), 5*time.Second, "an offline server stalled status")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	require.Len(t, lines, 5, r.stdout) // header, 3 servers, total
	assert.Regexp(t, `^HOST\s+SITE\s+TAG\s+STATE\s+ONLINE\s+MEETINGS\s+USERS\s+LARGEST\s+VIDEOS\s+LOAD\s+CAPACITY$`, lines[0])
	row := map[string]string{}
	for _, l := range lines[1:4] {
		row[strings.Fields(l)[0]] = l
	}
	host := func(i int) string { return strings.TrimPrefix(f.workers[i].URL, "http://") }
	assert.Regexp(t, `enabled\s+online\s+2\s+4\s+3\s+2\s`, row[host(0)])
	assert.Regexp(t, `enabled\s+online\s+1\s+2\s+2\s+1\s`, row[host(1)])
	assert.Regexp(t, `enabled\s+offline\s+-\s+-\s+-\s+-\s`, row[host(2)])
	assert.Regexp(t, `^TOTAL\s+-\s+-\s+-\s+2/3\s+3\s+6\s+3\s+3\s`, lines[4])

	r = ctl(t, f.env(), "status", "-o", "json", "-request-timeout", "700ms")
	requireOK(t, r)
	var rep statusReport
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep))
	require.Len(t, rep.Servers, 3)
	assert.Equal(t, 3, rep.Total.Meetings)
	assert.Equal(t, 6, rep.Total.Users)
	for _, s := range rep.Servers {
		if s.Host == host(2) {
			assert.False(t, s.Online)
			assert.NotEmpty(t, s.Error)
		}
	}

	r = ctl(t, f.env(), "status", "-o", "wide", "-request-timeout", "700ms")
	requireOK(t, r)
	assert.Contains(t, r.stdout, "MULTIPLIER")
	assert.Contains(t, r.stdout, f.ids[0])
}

// A single server (not a balancer) is detected and shown alone.
func TestStatusSingleServer(t *testing.T) {
	t.Parallel()
	w := bbbtest.NewServer(bbbtest.WithSecret("single-server-secret-xyz"))
	defer w.Close()
	_, err := w.BBBClient().CreateMeeting(context.Background(), &bbb.CreateMeetingParams{Name: "mm", MeetingID: "mm"})
	require.NoError(t, err)
	r := ctl(t, map[string]string{"BBBCTL_URL": w.URL, "BBBCTL_SECRET": w.Secret, "BBBCTL_CONFIG": "/nonexistent"}, "status")
	requireOK(t, r)
	assert.Regexp(t, `online\s+1\s+0\s+0\s+0`, r.stdout)
	assert.NotContains(t, r.stdout, w.Secret)
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
		require.NoError(t, writeStatus(&out, rep, format))
		golden := filepath.Join("testdata", "status-"+format+".golden")
		if *update {
			require.NoError(t, os.WriteFile(golden, out.Bytes(), 0o644))
		}
		want, err := os.ReadFile(golden)
		require.NoError(t, err)
		assert.Equal(t, string(want), out.String(), format)
	}
}

// Site and capacity are read from getServers when the balancer sends them.
func TestSiteFieldsDecoded(t *testing.T) {
	t.Parallel()
	var extra siteFields
	require.NoError(t, json.Unmarshal([]byte(`{"id":"a","site":"fra","capacity":250}`), &extra))
	assert.Equal(t, siteFields{Site: "fra", Capacity: 250}, extra)
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
	require.NoError(t, writeChecks(&out, checks))
	golden := filepath.Join("testdata", "doctor-table.golden")
	if *update {
		require.NoError(t, os.WriteFile(golden, out.Bytes(), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Equal(t, string(want), out.String())
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
	assert.Equal(t, cli.ExitOK, code, stderr.String())
	assert.GreaterOrEqual(t, strings.Count(stdout.String(), "\x1b[H\x1b[2J"), 3)
	assert.GreaterOrEqual(t, strings.Count(stdout.String(), "TOTAL"), 3)
}
