package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/bbbkit/bbbkit/examples/internal/cli"
	"github.com/bbbkit/bbbkit/examples/internal/cli/clitest"
	"github.com/bbbkit/bbbkit/internal/syncbuf"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

type lockedBuffer = syncbuf.Buffer

// startExporter runs the program until the test ends and returns its
// address and log.
func startExporter(t *testing.T, getenv func(string) string, args ...string) (string, *lockedBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	logs := &lockedBuffer{}
	done := make(chan int, 1)
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	ctx = cli.WithReady(cli.WithGetenv(ctx, getenv), func(a string) { ready <- a })
	go func() { done <- run(ctx, append([]string{"-listen", "127.0.0.1:0"}, args...), nil, logs, logs) }()
	var addr string
	select {
	case addr = <-ready:
	case code := <-done:
		cancel()
		t.Fatalf("exporter exited with %d:\n%s", code, logs.String())
	}
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("exit code %d after shutdown:\n%s", code, logs.String())
		}
	})
	return "http://" + addr, logs
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	return string(body)
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// exporterMetrics are bigbluebutton-exporter's metric names with their
// exposition type and label names (le excluded), as its collector emits
// them for one server through the API.
var exporterMetrics = []struct {
	name, typ string
	sample    string // the sample name to look for
	labels    []string
}{
	{"bbb_meetings", "gauge", "bbb_meetings", nil},
	{"bbb_meetings_participants", "gauge", "bbb_meetings_participants", nil},
	{"bbb_meetings_participants_max", "gauge", "bbb_meetings_participants_max", nil},
	{"bbb_meetings_listeners", "gauge", "bbb_meetings_listeners", nil},
	{"bbb_meetings_voice_participants", "gauge", "bbb_meetings_voice_participants", nil},
	{"bbb_meetings_video_participants", "gauge", "bbb_meetings_video_participants", nil},
	{"bbb_meetings_participant_clients", "gauge", "bbb_meetings_participant_clients", []string{"type"}},
	{"bbb_meetings_participants_origin", "gauge", "bbb_meetings_participants_origin", []string{"name", "server"}},
	{"bbb_recordings_processing", "gauge", "bbb_recordings_processing", nil},
	{"bbb_recordings_published", "gauge", "bbb_recordings_published", nil},
	{"bbb_recordings_unpublished", "gauge", "bbb_recordings_unpublished", nil},
	{"bbb_recordings_deleted", "gauge", "bbb_recordings_deleted", nil},
	{"bbb_api_up", "gauge", "bbb_api_up", nil},
	{"bbb_api_latency", "histogram", "bbb_api_latency_bucket", []string{"endpoint", "parameters"}},
	{"bbb_room_participants", "histogram", "bbb_room_participants_bucket", nil},
	{"bbb_room_listeners", "histogram", "bbb_room_listeners_bucket", nil},
	{"bbb_room_voice_participants", "histogram", "bbb_room_voice_participants_bucket", nil},
	{"bbb_room_video_participants", "histogram", "bbb_room_video_participants_bucket", nil},
	{"bbb_room_participants_gcount", "gauge", "bbb_room_participants_gcount", nil},
	{"bbb_room_participants_gsum", "gauge", "bbb_room_participants_gsum", nil},
	{"bbb_room_listeners_gcount", "gauge", "bbb_room_listeners_gcount", nil},
	{"bbb_room_listeners_gsum", "gauge", "bbb_room_listeners_gsum", nil},
	{"bbb_room_voice_participants_gcount", "gauge", "bbb_room_voice_participants_gcount", nil},
	{"bbb_room_voice_participants_gsum", "gauge", "bbb_room_voice_participants_gsum", nil},
	{"bbb_room_video_participants_gcount", "gauge", "bbb_room_video_participants_gcount", nil},
	{"bbb_room_video_participants_gsum", "gauge", "bbb_room_video_participants_gsum", nil},
	{"bbb_unique_meetings_total", "counter", "bbb_unique_meetings_total", nil},
	{"bbb_unique_breakout_rooms_total", "counter", "bbb_unique_breakout_rooms_total", nil},
	{"bbb_exporter", "gauge", "bbb_exporter", []string{"version"}},
}

var sampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? `)

// labelNames returns the label names of every sample of name in text.
func labelNames(text, name string) [][]string {
	var out [][]string
	for line := range strings.Lines(text) {
		m := sampleLine.FindStringSubmatch(line)
		if m == nil || m[1] != name {
			continue
		}
		var names []string
		for pair := range strings.SplitSeq(m[2], ",") {
			if k, _, ok := strings.Cut(pair, "="); ok && k != "le" {
				names = append(names, k)
			}
		}
		slices.Sort(names)
		out = append(out, names)
	}
	return out
}

func TestDemoExposesEveryExporterMetric(t *testing.T) {
	base, _ := startExporter(t, nil, "-demo-interval", "0")
	var text string
	waitFor(t, func() bool {
		// Collectors run concurrently: the client metrics show a scrape's
		// getMeetings from the next scrape on.
		text = get(t, base+"/metrics")
		return strings.Contains(text, "bbb_recordings_published 3\n") &&
			strings.Contains(text, `bbbkit_client_requests_total{call="getMeetings",outcome="success",server="demo"}`)
	})
	for _, m := range exporterMetrics {
		if !strings.Contains(text, "# TYPE "+m.name+" "+m.typ+"\n") {
			t.Errorf("%s: no TYPE line of type %s", m.name, m.typ)
			continue
		}
		samples := labelNames(text, m.sample)
		if len(samples) == 0 {
			t.Errorf("%s: no sample %s", m.name, m.sample)
		}
		for _, got := range samples {
			if !slices.Equal(got, m.labels) {
				t.Errorf("%s: labels %v, want %v", m.sample, got, m.labels)
			}
		}
	}
	for _, want := range []string{
		"bbb_api_up 1\n", "bbb_meetings 4\n", `bbb_meetings_participant_clients{type="dial-in"} 1` + "\n",
		"bbb_unique_breakout_rooms_total 1\n", `bbbkit_client_requests_total{call="getMeetings",outcome="success",server="demo"}`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("exposition lacks %q", want)
		}
	}
	var h healthStatus
	if err := json.Unmarshal([]byte(get(t, base+"/health")), &h); err != nil {
		t.Fatal(err)
	}
	if h.Status != "ok" || len(h.Servers) != 1 || !h.Servers[0].Up || h.Servers[0].Name != "demo" {
		t.Errorf("health = %+v", h)
	}
}

func TestDemoChurnMovesGauges(t *testing.T) {
	base, _ := startExporter(t, nil, "-demo-interval", "10ms", "-no-recordings", "-process-metrics=false")
	first := get(t, base+"/metrics")
	waitFor(t, func() bool {
		return grepSample(get(t, base+"/metrics"), "bbb_meetings_participants") != grepSample(first, "bbb_meetings_participants")
	})
	if strings.Contains(first, "bbb_recordings_") || strings.Contains(first, "go_goroutines") {
		t.Error("-no-recordings or -process-metrics=false ignored")
	}
}

func grepSample(text, name string) string {
	for line := range strings.Lines(text) {
		if strings.HasPrefix(line, name+" ") {
			return line
		}
	}
	return ""
}

func TestServersFromFlagsAndFile(t *testing.T) {
	up := bbbtest.NewServer(bbbtest.WithSecret("up-secret-0123456789abcdef"))
	defer up.Close()
	down := bbbtest.NewServer(bbbtest.WithSecret("down-secret-0123456789abcdef"))
	defer down.Close()
	down.SetDown(true)
	sha512 := bbbtest.NewServer(bbbtest.WithSecret("sha512-secret-0123456789abcdef"), bbbtest.WithAcceptedChecksums(checksum.SHA512))
	defer sha512.Close()

	file := t.TempDir() + "/servers.txt"
	writeFile(t, file, "# watched servers\n\nstrict="+sha512.APIURL()+",env:STRICT_SECRET,sha512\n")
	env := map[string]string{"DOWN_SECRET": down.Secret, "STRICT_SECRET": sha512.Secret}
	base, logs := startExporter(t, func(k string) string { return env[k] },
		"-server", "up="+up.APIURL()+","+up.Secret,
		"-server", "down="+down.APIURL()+",env:DOWN_SECRET",
		"-servers-file", file, "-scrape-timeout", "5s", "-no-recordings")
	text := get(t, base+"/metrics")
	for _, want := range []string{
		`bbb_api_up{server="up"} 1`, `bbb_api_up{server="down"} 0`, `bbb_api_up{server="strict"} 1`,
		`bbb_meetings{server="up"} 0`,
	} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("exposition lacks %q", want)
		}
	}
	health := get(t, base+"/health")
	var h healthStatus
	if err := json.Unmarshal([]byte(health), &h); err != nil {
		t.Fatal(err)
	}
	if len(h.Servers) != 3 || h.Servers[1].Up || h.Servers[1].Error == "" {
		t.Errorf("health = %s", health)
	}
	for _, secret := range []string{up.Secret, down.Secret, sha512.Secret} {
		if strings.Contains(text+health+logs.String(), secret) {
			t.Errorf("a secret leaked into the exposition, /health or the log")
		}
	}
}

func TestInvalidInvocations(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-value-never-printed"
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"help", []string{"-h"}, 0},
		{"unknown flag", []string{"-nope"}, 2},
		{"extra argument", []string{"extra"}, 2},
		{"bad server", []string{"-server", "not a url," + secret}, 2},
		{"server without secret", []string{"-server", "https://bbb.example.org/bigbluebutton/"}, 2},
		{"unknown algorithm", []string{"-server", "https://bbb.example.org/bigbluebutton/," + secret + ",md5"}, 2},
		{"missing env secret", []string{"-server", "https://bbb.example.org/bigbluebutton/,env:NOPE"}, 2},
		{"duplicate names", []string{"-server", "a=https://x.example.org/bigbluebutton/," + secret, "-server", "a=https://y.example.org/bigbluebutton/," + secret}, 2},
		{"missing file", []string{"-servers-file", "/nonexistent/servers.txt"}, 2},
		{"bad buckets", []string{"-room-participants-buckets", "1,x"}, 2},
		{"unsorted buckets", []string{"-room-listeners-buckets", "5,1", "-server", "https://x.example.org/bigbluebutton/," + secret}, 2},
		{"bad default checksum", []string{"-checksum", "crc32"}, 2},
		{"zero interval", []string{"-recordings-interval", "0s"}, 2},
		{"missing CA file", []string{"-ca-file", "/nonexistent/ca.pem"}, 2},
		{"reserved server label", []string{"-server-label", "le"}, 2},
		{"unusable listen address", []string{"-listen", "256.0.0.1:1", "-server", "https://x.example.org/bigbluebutton/," + secret}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stderr bytes.Buffer
			code := run(cli.WithGetenv(context.Background(), func(string) string { return "" }), tt.args, nil, &stderr, &stderr)
			if code != tt.code {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, tt.code, stderr.String())
			}
			if strings.Contains(stderr.String(), secret) {
				t.Errorf("stderr contains the secret:\n%s", stderr.String())
			}
		})
	}
}

func TestTLSServerWithCAFile(t *testing.T) {
	fake, err := bbbtest.New(bbbtest.WithSecret("tls-secret-0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	hs := httptest.NewUnstartedServer(fake)
	hs.Config.ErrorLog = log.New(io.Discard, "", 0) // the untrusted case logs handshake errors
	hs.StartTLS()
	defer hs.Close()
	dir := t.TempDir()
	writeFile(t, dir+"/ca.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: hs.Certificate().Raw})))
	writeFile(t, dir+"/not.pem", "hello")
	spec := "tls=" + hs.URL + "/bigbluebutton/," + fake.Secret

	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"-ca-file", dir + "/not.pem", "-server", spec}, nil, &stderr, &stderr); code != 2 {
		t.Errorf("a CA file without certificates: exit %d, want 2", code)
	}
	tests := []struct {
		name string
		args []string
		up   string
	}{
		{"untrusted certificate", nil, "0"},
		{"trusted through -ca-file", []string{"-ca-file", dir + "/ca.pem"}, "1"},
		{"verification off", []string{"-insecure-skip-verify"}, "1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, _ := startExporter(t, nil, append(tt.args, "-server", spec, "-no-recordings", "-server-label", "node")...)
			if want := `bbb_api_up{node="tls"} ` + tt.up + "\n"; !strings.Contains(get(t, base+"/metrics"), want) {
				t.Errorf("exposition lacks %q", want)
			}
		})
	}
}

// A body sent one byte a second is cut off at -read-timeout.
func TestSlowBodyIsCutOff(t *testing.T) {
	base, _ := startExporter(t, nil, "-read-timeout", "500ms", "-demo-interval", "0", "-no-recordings")
	open, err := clitest.SlowBody(strings.TrimPrefix(base, "http://"), "/metrics", 3*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if open < 400*time.Millisecond { // the server starts its clock a little before ours
		t.Errorf("closed after %s, before the read timeout", open)
	}
}

func TestWriteTimeoutMustExceedScrapeTimeout(t *testing.T) {
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"-scrape-timeout", "30s", "-write-timeout", "20s"}, nil, &stderr, &stderr)
	if code != 2 || !strings.Contains(stderr.String(), "-write-timeout must be longer than -scrape-timeout") {
		t.Errorf("exit %d: %s", code, stderr.String())
	}
}
