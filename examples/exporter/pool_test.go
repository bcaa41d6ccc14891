package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/examples/internal/cli"
	"github.com/bbbkit/bbbkit/scalelite"
	"github.com/bbbkit/bbbkit/scalelite/scalelitetest"
)

const poolSecret = "pool-admin-secret-0123456789abcdef"

// switchable serves h, or answers 503 while down, like a balancer behind a
// proxy during a restart.
type switchable struct {
	h    http.Handler
	down atomic.Bool
}

func (s *switchable) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.down.Load() {
		http.Error(w, "balancer restarting", http.StatusServiceUnavailable)
		return
	}
	s.h.ServeHTTP(w, r)
}

// addWorker adds a fake BBB server with one meeting of users attendees to
// the pool and returns its Scalelite ID and label.
func addWorker(t *testing.T, admin *scalelite.Client, users int) (*bbbtest.Server, string) {
	t.Helper()
	w := bbbtest.NewServer()
	t.Cleanup(w.Close)
	if users > 0 {
		if _, err := w.BBBClient().CreateMeeting(context.Background(), &bbb.CreateMeetingParams{Name: "Room", MeetingID: "room"}); err != nil {
			t.Fatal(err)
		}
		for range users {
			if _, err := w.Join("room", bbbtest.User{FullName: "u"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	s, err := admin.AddServer(context.Background(), &scalelite.AddServerParams{URL: w.APIURL(), Secret: w.Secret})
	if err != nil {
		t.Fatal(err)
	}
	return w, s.ID
}

func TestExporterFollowsTheScalelitePool(t *testing.T) {
	balancer := scalelitetest.NewServer(scalelitetest.WithSecret(poolSecret))
	defer balancer.Close()
	front := &switchable{h: balancer}
	hs := httptest.NewServer(front)
	defer hs.Close()
	admin := balancer.AdminClient()
	w1, _ := addWorker(t, admin, 2)
	host := func(w *bbbtest.Server) string { return strings.TrimPrefix(w.URL, "http://") }

	env := map[string]string{"SCALELITE_SECRET": poolSecret}
	base, logs := startExporter(t, func(k string) string { return env[k] },
		"-scalelite", hs.URL, "-no-recordings", "-scrape-timeout", "4s")
	text := get(t, base+"/metrics")
	for _, want := range []string{
		`bbb_api_up{server="` + host(w1) + `"} 1`, `bbb_meetings_participants{server="` + host(w1) + `"} 2`,
		"bbbkit_exporter_scalelite_up 1", "bbbkit_exporter_scalelite_servers 1", "bbb_exporter{",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("first scrape lacks %q", want)
		}
	}

	// A server added after start shows at the next scrape.
	w2, id2 := addWorker(t, admin, 3)
	text = get(t, base+"/metrics")
	if want := `bbb_meetings_participants{server="` + host(w2) + `"} 3`; !strings.Contains(text, want) {
		t.Errorf("after adding a server, the exposition lacks %q:\n%s", want, text)
	}
	if strings.Count(text, "\nbbb_exporter{") != 1 {
		t.Errorf("bbb_exporter is not exposed exactly once:\n%s", text)
	}
	if strings.Contains(logs.String(), "collected before") {
		t.Errorf("the registry refused a duplicate series:\n%s", logs.String())
	}

	// A removed server disappears, its client metrics too.
	if err := admin.DeleteServer(context.Background(), id2); err != nil {
		t.Fatal(err)
	}
	text = get(t, base+"/metrics")
	if strings.Contains(text, `server="`+host(w2)+`"`) {
		t.Errorf("a removed server is still exposed:\n%s", text)
	}
	if !strings.Contains(text, `bbb_api_up{server="`+host(w1)+`"} 1`) {
		t.Errorf("the remaining server is gone")
	}

	// Balancer down: the last known list is scraped, the error logged,
	// health says so.
	front.down.Store(true)
	text = get(t, base+"/metrics")
	for _, want := range []string{`bbb_api_up{server="` + host(w1) + `"} 1`, "bbbkit_exporter_scalelite_up 0", "bbbkit_exporter_scalelite_servers 1"} {
		if !strings.Contains(text, want) {
			t.Errorf("with the balancer down, the exposition lacks %q", want)
		}
	}
	var h healthStatus
	if err := json.Unmarshal([]byte(get(t, base+"/health")), &h); err != nil {
		t.Fatal(err)
	}
	if h.Scalelite == nil || h.Scalelite.Up || h.Scalelite.Error == "" || len(h.Servers) != 1 {
		t.Errorf("health with the balancer down: %+v", h)
	}
	if !strings.Contains(logs.String(), "reading the server list from Scalelite failed") {
		t.Errorf("the failure was not logged:\n%s", logs.String())
	}

	// Back up: the list is read again.
	front.down.Store(false)
	if text = get(t, base+"/metrics"); !strings.Contains(text, "bbbkit_exporter_scalelite_up 1") {
		t.Errorf("balancer back: not read again")
	}
	for _, secret := range []string{poolSecret, w1.Secret, w2.Secret, "checksum="} {
		if strings.Contains(text+logs.String(), secret) {
			t.Errorf("%q leaked into the exposition or the log", secret)
		}
	}
}

func TestScaleliteInvocations(t *testing.T) {
	balancer := scalelitetest.NewServer(scalelitetest.WithSecret(poolSecret))
	defer balancer.Close()
	tests := []struct {
		name string
		env  string
		args []string
		code int
	}{
		{"no secret", "", []string{"-scalelite", balancer.URL}, cli.ExitUsage},
		{"with -server", poolSecret, []string{"-scalelite", balancer.URL, "-server", "https://h/bigbluebutton/,s"}, cli.ExitUsage},
		{"bad URL", poolSecret, []string{"-scalelite", "ftp://h"}, cli.ExitUsage},
		{"refused secret", "wrong-secret-never-printed", []string{"-scalelite", balancer.URL}, cli.ExitAuth},
		{"no concurrency", poolSecret, []string{"-scalelite", balancer.URL, "-max-concurrency", "0"}, cli.ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			ctx := cli.WithGetenv(context.Background(), func(k string) string {
				if k == "SCALELITE_SECRET" {
					return tt.env
				}
				return ""
			})
			code := run(ctx, append([]string{"-listen", "127.0.0.1:0"}, tt.args...), nil, &stderr, &stderr)
			if code != tt.code {
				t.Errorf("exit %d, want %d:\n%s", code, tt.code, stderr.String())
			}
			if tt.env != "" && strings.Contains(stderr.String(), tt.env) {
				t.Errorf("the secret was printed:\n%s", stderr.String())
			}
		})
	}
}

// A balancer down at start: the exporter serves, with an empty pool, and
// picks the servers up once the balancer answers.
func TestScaleliteDownAtStart(t *testing.T) {
	balancer := scalelitetest.NewServer(scalelitetest.WithSecret(poolSecret))
	defer balancer.Close()
	front := &switchable{h: balancer}
	front.down.Store(true)
	hs := httptest.NewServer(front)
	defer hs.Close()
	w, _ := addWorker(t, balancer.AdminClient(), 1)
	base, _ := startExporter(t, func(string) string { return poolSecret }, "-scalelite", hs.URL, "-no-recordings")
	if text := get(t, base+"/metrics"); !strings.Contains(text, "bbbkit_exporter_scalelite_servers 0") {
		t.Errorf("down at start: want an empty pool")
	}
	front.down.Store(false)
	want := `bbb_meetings_participants{server="` + strings.TrimPrefix(w.URL, "http://") + `"} 1`
	if text := get(t, base+"/metrics"); !strings.Contains(text, want) {
		t.Errorf("balancer back: exposition lacks %q", want)
	}
}

func TestPoolLabels(t *testing.T) {
	t.Parallel()
	servers := []scalelite.Server{
		{ID: "a", URL: "https://bbb1.example.org/bigbluebutton/api"},
		{ID: "b", URL: "https://bbb2.example.org/bigbluebutton/api"},
		{ID: "c", URL: "https://bbb2.example.org/other/bigbluebutton/api"},
		{ID: "d", URL: "not a url with a host"},
	}
	got := poolLabels(servers)
	want := []string{"bbb1.example.org", "b", "c", "d"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("labels %v, want %v", got, want)
	}
}

// A server whose secret changes in the pool is asked with the new secret
// from the next scrape on.
func TestPoolFollowsSecretChange(t *testing.T) {
	balancer := scalelitetest.NewServer(scalelitetest.WithSecret(poolSecret))
	defer balancer.Close()
	admin := balancer.AdminClient()
	w, id := addWorker(t, admin, 0)
	base, logs := startExporter(t, func(string) string { return poolSecret }, "-scalelite", balancer.URL, "-no-recordings")
	up := `bbb_api_up{server="` + strings.TrimPrefix(w.URL, "http://") + `"} `
	if text := get(t, base+"/metrics"); !strings.Contains(text, up+"1") {
		t.Fatalf("want %q1", up)
	}
	const rotated = "rotated-secret-the-server-does-not-know"
	if _, err := admin.UpdateServer(context.Background(), id, &scalelite.UpdateServerParams{Secret: rotated}); err != nil {
		t.Fatal(err)
	}
	if text := get(t, base+"/metrics"); !strings.Contains(text, up+"0") {
		t.Errorf("after the secret changed in the pool, want %q0", up)
	}
	if strings.Contains(logs.String(), rotated) {
		t.Errorf("the new secret was logged")
	}
}

// inFlight counts the requests a proxy in front of the workers holds at
// once, and the most it ever held.
type inFlight struct {
	now, most atomic.Int64
}

func (f *inFlight) proxy(t *testing.T, w *bbbtest.Server) string {
	t.Helper()
	target, err := url.Parse(w.URL)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	hs := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		n := f.now.Add(1)
		defer f.now.Add(-1)
		for m := f.most.Load(); n > m && !f.most.CompareAndSwap(m, n); m = f.most.Load() {
		}
		rp.ServeHTTP(rw, r)
	}))
	t.Cleanup(hs.Close)
	return hs.URL + "/bigbluebutton/api/"
}

// TestPoolMaxConcurrency: with -scalelite and -max-concurrency 2 a scrape
// of six slow servers asks at most two at a time, and does ask two.
func TestPoolMaxConcurrency(t *testing.T) {
	balancer := scalelitetest.NewServer(scalelitetest.WithSecret(poolSecret))
	defer balancer.Close()
	admin := balancer.AdminClient()
	var f inFlight
	for range 6 {
		w := bbbtest.NewServer()
		t.Cleanup(w.Close)
		w.SetLatency(100 * time.Millisecond)
		if _, err := admin.AddServer(context.Background(), &scalelite.AddServerParams{URL: f.proxy(t, w), Secret: w.Secret}); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{"SCALELITE_SECRET": poolSecret}
	base, _ := startExporter(t, func(k string) string { return env[k] },
		"-scalelite", balancer.URL, "-no-recordings", "-scrape-timeout", "10s", "-max-concurrency", "2")
	text := get(t, base+"/metrics")
	if n := strings.Count(text, "\nbbb_api_up{"); n != 6 {
		t.Fatalf("%d servers scraped, want 6:\n%s", n, text)
	}
	if most := f.most.Load(); most != 2 {
		t.Fatalf("at most %d requests at once, want 2 (the cap, reached)", most)
	}
}
