package metrics

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/internal/testwait"
)

func TestSingleServerMetrics(t *testing.T) {
	t.Parallel()
	srv, client := newFake(t)
	populate(t, srv, client)
	col, err := NewCollector([]Target{{Client: client}}, WithClock(newTestClock().Now))
	if err != nil {
		t.Fatal(err)
	}
	defer col.Close()
	if err := col.RefreshRecordings(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := `
# HELP bbb_meetings Number of BigBlueButton meetings
# TYPE bbb_meetings gauge
bbb_meetings 4
# HELP bbb_meetings_participant_clients Total number of participants in all BigBlueButton meetings by client
# TYPE bbb_meetings_participant_clients gauge
bbb_meetings_participant_clients{type="dial-in"} 2
bbb_meetings_participant_clients{type="flash"} 0
bbb_meetings_participant_clients{type="html5"} 7
bbb_meetings_participant_clients{type="mobile-app"} 1
# HELP bbb_recordings_processing Total number of BigBlueButton recordings processing
# TYPE bbb_recordings_processing gauge
bbb_recordings_processing 2
# HELP bbb_recordings_deleted Total number of BigBlueButton recordings deleted
# TYPE bbb_recordings_deleted gauge
bbb_recordings_deleted 1
# HELP bbb_unique_breakout_rooms_total Unique breakout rooms counter
# TYPE bbb_unique_breakout_rooms_total counter
bbb_unique_breakout_rooms_total 1
`
	if err := testutil.CollectAndCompare(col, strings.NewReader(want),
		"bbb_meetings", "bbb_meetings_participant_clients", "bbb_recordings_processing",
		"bbb_recordings_deleted", "bbb_unique_breakout_rooms_total"); err != nil {
		t.Error(err)
	}
	// Every bigbluebutton-exporter metric name is present with its type.
	text := exposition(t, col)
	for name, typ := range map[string]string{
		"bbb_meetings": "gauge", "bbb_meetings_participants": "gauge", "bbb_meetings_participants_max": "gauge",
		"bbb_meetings_listeners": "gauge", "bbb_meetings_voice_participants": "gauge",
		"bbb_meetings_video_participants": "gauge", "bbb_meetings_participant_clients": "gauge",
		"bbb_meetings_participants_origin": "gauge", "bbb_recordings_processing": "gauge",
		"bbb_recordings_published": "gauge", "bbb_recordings_unpublished": "gauge", "bbb_recordings_deleted": "gauge",
		"bbb_api_up": "gauge", "bbb_api_latency": "histogram",
		"bbb_room_participants": "histogram", "bbb_room_listeners": "histogram",
		"bbb_room_voice_participants": "histogram", "bbb_room_video_participants": "histogram",
		"bbb_room_participants_gcount": "gauge", "bbb_room_participants_gsum": "gauge",
		"bbb_unique_meetings_total": "counter", "bbb_unique_breakout_rooms_total": "counter",
		"bbb_exporter": "gauge",
	} {
		if !strings.Contains(text, "# TYPE "+name+" "+typ+"\n") {
			t.Errorf("exposition lacks %s of type %s", name, typ)
		}
	}
}

func TestSeveralServersOneDownOneSlow(t *testing.T) {
	t.Parallel()
	okSrv, okClient := newFake(t)
	populate(t, okSrv, okClient)
	downSrv, downClient := newFake(t)
	downSrv.SetDown(true)
	slowSrv, slowClient := newFake(t)
	slowSrv.SetLatency(time.Minute) // far beyond the scrape deadline
	failSrv, failClient := newFake(t)
	failSrv.InjectFault(bbbtest.Fault{Call: "getMeetings", Status: http.StatusBadGateway, Count: 100})

	col, err := NewCollector([]Target{
		{Name: "ok", Client: okClient}, {Name: "down", Client: downClient},
		{Name: "slow", Client: slowClient}, {Name: "proxy", Client: failClient},
	}, WithScrapeTimeout(2*time.Second), WithoutRecordings())
	if err != nil {
		t.Fatal(err)
	}
	defer col.Close()

	start := time.Now()
	text := exposition(t, col)
	if elapsed := time.Since(start); elapsed > 20*time.Second {
		t.Fatalf("scrape took %v despite a 2s deadline", elapsed)
	}
	got := grepLines(text, "bbb_api_up", "bbb_meetings{", "bbb_meetings_participants_origin{")
	want := `bbb_api_up{server="down"} 0
bbb_api_up{server="ok"} 1
bbb_api_up{server="proxy"} 0
bbb_api_up{server="slow"} 0
bbb_meetings{server="ok"} 4
bbb_meetings_participants_origin{bbb_server="ok",name="",server=""} 2
bbb_meetings_participants_origin{bbb_server="ok",name="greenlight",server="gl.example.org"} 5
bbb_meetings_participants_origin{bbb_server="ok",name="moodle",server="lms.example.org"} 3
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	// The slow call was cut by the deadline and is not a latency sample;
	// the failed ones are.
	if strings.Contains(text, `bbb_api_latency_count{endpoint="getMeetings",parameters="",server="slow"}`) {
		t.Error("a call cut by the deadline was observed in bbb_api_latency")
	}
	if !strings.Contains(text, `bbb_api_latency_count{endpoint="getMeetings",parameters="",server="proxy"} 1`) {
		t.Error("the failed call of proxy is missing from bbb_api_latency")
	}
	st := col.Status()
	if !st[0].Up || st[1].Up || st[2].Up || st[3].Up {
		t.Errorf("status = %+v", st)
	}
	if !strings.Contains(st[3].Err, "502") {
		t.Errorf("proxy error = %q, want the HTTP status", st[3].Err)
	}
}

func TestServerLabelNames(t *testing.T) {
	t.Parallel()
	srv, client := newFake(t)
	populate(t, srv, client)
	tests := []struct {
		name string
		opts []Option
		want string
	}{
		{"single server, exporter labels", nil,
			`bbb_meetings_participants_origin{name="moodle",server="lms.example.org"} 3` + "\n"},
		{"forced server label", []Option{WithServerLabel("server")},
			`bbb_meetings_participants_origin{bbb_server="one",name="moodle",server="lms.example.org"} 3` + "\n"},
		{"custom label name", []Option{WithServerLabel("bbb_node")},
			`bbb_meetings_participants_origin{bbb_node="one",name="moodle",server="lms.example.org"} 3` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			col, err := NewCollector([]Target{{Name: "one", Client: client}}, append(tt.opts, WithoutRecordings())...)
			if err != nil {
				t.Fatal(err)
			}
			defer col.Close()
			got := grepLines(exposition(t, col), "bbb_meetings_participants_origin{")
			if !strings.Contains(got, tt.want) {
				t.Errorf("got\n%s\nwant a line\n%s", got, tt.want)
			}
		})
	}
}

func TestUniqueCounters(t *testing.T) {
	t.Parallel()
	srv, client := newFake(t)
	populate(t, srv, client)
	srv.SetDown(false)
	col, err := NewCollector([]Target{{Client: client}}, WithoutRecordings())
	if err != nil {
		t.Fatal(err)
	}
	defer col.Close()
	counters := func() (float64, float64) {
		t.Helper()
		lines := grepLines(exposition(t, col), "bbb_unique_")
		var b, m float64
		for l := range strings.Lines(lines) {
			var v float64
			f := strings.Fields(l)
			if _, err := fmt.Sscan(f[1], &v); err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(l, "bbb_unique_breakout") {
				b = v
			} else {
				m = v
			}
		}
		return m, b
	}
	if m, b := counters(); m != 3 || b != 1 {
		t.Fatalf("first scrape: meetings %v breakouts %v, want 3 1", m, b)
	}
	// Same meetings again: nothing new.
	if m, b := counters(); m != 3 || b != 1 {
		t.Fatalf("second scrape: meetings %v breakouts %v, want 3 1", m, b)
	}
	// A failed scrape does not make the next one count everything again.
	srv.SetDown(true)
	counters()
	srv.SetDown(false)
	if m, b := counters(); m != 3 || b != 1 {
		t.Fatalf("after an outage: meetings %v breakouts %v, want 3 1", m, b)
	}
	// A new meeting counts once.
	if _, err := client.CreateMeeting(context.Background(), &bbb.CreateMeetingParams{Name: "New", MeetingID: "new"}); err != nil {
		t.Fatal(err)
	}
	if err := srv.EndMeeting("staff"); err != nil {
		t.Fatal(err)
	}
	if m, b := counters(); m != 4 || b != 1 {
		t.Fatalf("after a new meeting: meetings %v breakouts %v, want 4 1", m, b)
	}
}

// gatedHandler serves a fake BBB but holds getRecordings until release is
// closed, to prove that scrapes do not wait for recording counts.
type gatedHandler struct {
	next    http.Handler
	release chan struct{}
	entered chan struct{}
}

func (g *gatedHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasSuffix(r.URL.Path, "/getRecordings") {
		select {
		case g.entered <- struct{}{}:
		default:
		}
		select {
		case <-g.release:
		case <-r.Context().Done():
			return
		}
	}
	g.next.ServeHTTP(w, r)
}

func TestRecordingsRefreshDoesNotBlockScrapes(t *testing.T) {
	t.Parallel()
	fake, err := bbbtest.New(bbbtest.WithSecret("gated-secret-0123456789"), bbbtest.WithClock(bbbtest.NewFakeClock(fixedTime).Now))
	if err != nil {
		t.Fatal(err)
	}
	gate := &gatedHandler{next: fake, release: make(chan struct{}), entered: make(chan struct{}, 1)}
	hs := httptest.NewServer(gate)
	defer hs.Close()
	defer fake.Close()
	client, err := bbb.New(hs.URL+"/bigbluebutton/", fake.Secret)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := fake.AddRecording(bbbtest.RecordingSpec{MeetingID: "m", Start: fixedTime.Add(time.Duration(i) * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	clk := newTestClock()
	col, err := NewCollector([]Target{{Client: client}}, WithClock(clk.Now), WithRecordingsInterval(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	defer col.Close()

	// The first scrape starts a refresh, which hangs on getRecordings; the
	// scrape itself completes without recording counts.
	text := exposition(t, col)
	select {
	case <-gate.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the scrape started no refresh of recording counts")
	}
	if strings.Contains(text, "bbb_recordings_published") {
		t.Fatal("recording counts exposed before any refresh finished")
	}
	if !strings.Contains(text, "bbb_api_up 1") {
		t.Fatal("scrape did not succeed while the refresh hung")
	}
	// A second scrape does not start a second refresh.
	exposition(t, col)
	close(gate.release)
	waitFor(t, func() bool {
		return strings.Contains(exposition(t, col), "bbb_recordings_published 3\n")
	})
	calls := fake.Calls("getRecordings")
	if calls != 4 {
		t.Errorf("getRecordings calls = %d, want 4 (one per state)", calls)
	}
	// Within the interval the counts are reused...
	clk.Advance(30 * time.Second)
	exposition(t, col)
	if got := fake.Calls("getRecordings"); got != calls {
		t.Errorf("refresh within the interval: %d calls, want %d", got, calls)
	}
	// ...and once stale a scrape refreshes them in the background.
	if _, err := fake.AddRecording(bbbtest.RecordingSpec{MeetingID: "m", Start: fixedTime.Add(9 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(31 * time.Second)
	exposition(t, col)
	waitFor(t, func() bool {
		return strings.Contains(exposition(t, col), "bbb_recordings_published 4\n")
	})
}

func TestRecordingsOfServerWithoutPaging(t *testing.T) {
	t.Parallel()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		switch {
		case strings.HasSuffix(r.URL.Path, "/getMeetings"):
			http.ServeFile(w, r, "testdata/getmeetings_bbb25.xml")
		case strings.HasSuffix(r.URL.Path, "/getRecordings") && r.URL.Query().Get("state") == "published":
			http.ServeFile(w, r, "testdata/getrecordings_unpaged.xml")
		case strings.HasSuffix(r.URL.Path, "/getRecordings"):
			http.ServeFile(w, r, "testdata/getrecordings_none.xml")
		default:
			http.NotFound(w, r)
		}
	}))
	defer hs.Close()
	client, err := bbb.New(hs.URL+"/bigbluebutton/", "old-server-secret")
	if err != nil {
		t.Fatal(err)
	}
	col, err := NewCollector([]Target{{Client: client}})
	if err != nil {
		t.Fatal(err)
	}
	defer col.Close()
	// The API root answers 404 here: counts still refresh, bbb_version is
	// left out.
	if err := col.RefreshRecordings(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := grepLines(exposition(t, col), "bbb_recordings_", "bbb_version", "bbb_meetings ", "bbb_meetings_participant_clients", "bbb_unique_breakout")
	want := `bbb_meetings 2
bbb_meetings_participant_clients{type="dial-in"} 1
bbb_meetings_participant_clients{type="flash"} 1
bbb_meetings_participant_clients{type="html5"} 1
bbb_recordings_deleted 0
bbb_recordings_processing 0
bbb_recordings_published 3
bbb_recordings_unpublished 0
bbb_unique_breakout_rooms_total 1
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestNoSecretInErrorsOrLogs(t *testing.T) {
	t.Parallel()
	srv, _ := newFake(t)
	const wrong = "wrong-secret-that-must-not-leak-42"
	client, err := bbb.New(srv.APIURL(), wrong, bbb.WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	col, err := NewCollector([]Target{{Name: "x", Client: client}},
		WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	if err != nil {
		t.Fatal(err)
	}
	defer col.Close()
	text := exposition(t, col)
	rerr := col.RefreshRecordings(context.Background())
	if rerr == nil || !errors.Is(rerr, bbb.ErrChecksum) {
		t.Fatalf("RefreshRecordings = %v, want a checksum error", rerr)
	}
	if !strings.Contains(text, "bbb_api_up 0") {
		t.Error("a server refusing the checksum is not reported down")
	}
	col.Close() // waits for the background refresh, the other writer of logs
	st := col.Status()[0]
	if !strings.Contains(st.Err, "checksumError") {
		t.Errorf("status error = %q, want the server's key", st.Err)
	}
	for what, s := range map[string]string{"status": st.Err, "logs": logs.String(), "refresh error": rerr.Error(), "exposition": text} {
		for _, secret := range []string{wrong, srv.Secret} {
			if strings.Contains(s, secret) {
				t.Errorf("%s contain a secret: %s", what, s)
			}
		}
		if checksumValue.MatchString(s) {
			t.Errorf("%s contain a checksum value: %s", what, s)
		}
	}
	if logs.Len() == 0 {
		t.Error("a failing server left no log record")
	}
}

// checksumValue matches a checksum parameter with a real hex value.
var checksumValue = regexp.MustCompile(`checksum=[0-9a-fA-F]{40,}`)

func TestCollectAfterClose(t *testing.T) {
	t.Parallel()
	srv, client := newFake(t)
	populate(t, srv, client)
	col, err := NewCollector([]Target{{Client: client}})
	if err != nil {
		t.Fatal(err)
	}
	if err := col.Close(); err != nil {
		t.Fatal(err)
	}
	if err := col.Close(); err != nil {
		t.Fatal(err)
	}
	text := exposition(t, col)
	if !strings.Contains(text, "bbb_meetings 4\n") {
		t.Error("Collect after Close lost the meeting metrics")
	}
	if n := srv.Calls("getRecordings"); n != 0 {
		t.Errorf("a refresh started after Close: %d getRecordings calls", n)
	}
}

func TestNewCollectorRejectsBadConfig(t *testing.T) {
	t.Parallel()
	_, client := newFake(t)
	other, err := bbb.New("http://127.0.0.1:1/bigbluebutton/", "s")
	if err != nil {
		t.Fatal(err)
	}
	twin, err := bbb.New("http://127.0.0.1:1/bigbluebutton/", "s")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		targets []Target
		opts    []Option
		option  string
	}{
		{"no targets", nil, nil, "NewCollector"},
		{"nil client", []Target{{Name: "a"}}, nil, "NewCollector"},
		{"duplicate names", []Target{{Name: "a", Client: client}, {Name: "a", Client: other}}, nil, "NewCollector"},
		{"invalid UTF-8 name", []Target{{Name: "a\xff", Client: client}}, nil, "NewCollector"},
		{"duplicate default names", []Target{{Client: other}, {Client: twin}}, nil, "NewCollector"},
		{"zero scrape timeout", []Target{{Client: client}}, []Option{WithScrapeTimeout(0)}, "WithScrapeTimeout"},
		{"zero concurrency", []Target{{Client: client}}, []Option{WithMaxConcurrency(0)}, "WithMaxConcurrency"},
		{"empty latency buckets", []Target{{Client: client}}, []Option{WithAPILatencyBuckets()}, "WithAPILatencyBuckets"},
		{"negative interval", []Target{{Client: client}}, []Option{WithRecordingsInterval(-time.Second)}, "WithRecordingsInterval"},
		{"zero recordings timeout", []Target{{Client: client}}, []Option{WithRecordingsTimeout(0)}, "WithRecordingsTimeout"},
		{"unsorted buckets", []Target{{Client: client}}, []Option{WithRoomBuckets(RoomParticipants, 5, 1)}, "WithRoomBuckets"},
		{"negative bucket", []Target{{Client: client}}, []Option{WithRoomBuckets(RoomListeners, -1, 1)}, "WithRoomBuckets"},
		{"no bucket", []Target{{Client: client}}, []Option{WithRoomBuckets(RoomListeners)}, "WithRoomBuckets"},
		{"unknown room", []Target{{Client: client}}, []Option{WithRoomBuckets(Room(9), 1)}, "WithRoomBuckets"},
		{"NaN latency bucket", []Target{{Client: client}}, []Option{WithAPILatencyBuckets(nan())}, "WithAPILatencyBuckets"},
		{"reserved label", []Target{{Client: client}}, []Option{WithServerLabel("le")}, "WithServerLabel"},
		{"invalid label", []Target{{Client: client}}, []Option{WithServerLabel("9x")}, "WithServerLabel"},
		{"double underscore label", []Target{{Client: client}}, []Option{WithServerLabel("__x")}, "WithServerLabel"},
		{"zero label values", []Target{{Client: client}}, []Option{WithMaxLabelValues(0)}, "WithMaxLabelValues"},
		{"empty version", []Target{{Client: client}}, []Option{WithVersion("")}, "WithVersion"},
		{"nil clock", []Target{{Client: client}}, []Option{WithClock(nil)}, "WithClock"},
		{"nil logger", []Target{{Client: client}}, []Option{WithLogger(nil)}, "WithLogger"},
		{"nil option", []Target{{Client: client}}, []Option{nil}, "NewCollector"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := NewCollector(tt.targets, tt.opts...)
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Option != tt.option {
				if c != nil {
					c.Close()
				}
				t.Fatalf("err = %v, want a ConfigError from %s", err, tt.option)
			}
			if !strings.HasPrefix(err.Error(), "metrics: "+tt.option+": ") {
				t.Errorf("error text %q does not name the option", err)
			}
		})
	}
}

func TestCustomRoomBuckets(t *testing.T) {
	t.Parallel()
	srv, client := newFake(t)
	populate(t, srv, client)
	col, err := NewCollector([]Target{{Client: client}}, WithoutRecordings(),
		WithRoomBuckets(RoomParticipants, 2, 4, math.Inf(+1)))
	if err != nil {
		t.Fatal(err)
	}
	defer col.Close()
	got := grepLines(exposition(t, col), "bbb_room_participants")
	want := `bbb_room_participants_bucket{le="2"} 2
bbb_room_participants_bucket{le="4"} 3
bbb_room_participants_bucket{le="+Inf"} 4
bbb_room_participants_sum 10
bbb_room_participants_count 4
bbb_room_participants_gcount 4
bbb_room_participants_gsum 10
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// waitFor polls cond until it holds or five seconds pass.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	testwait.Eventually(t, cond, 5*time.Second, 10*time.Millisecond, "condition")
}

func nan() float64 { return math.NaN() }

func TestCloseCancelsAHangingRefresh(t *testing.T) {
	t.Parallel()
	fake, err := bbbtest.New(bbbtest.WithSecret("hanging-secret-0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	gate := &gatedHandler{next: fake, release: make(chan struct{}), entered: make(chan struct{}, 1)}
	hs := httptest.NewServer(gate)
	defer hs.Close()
	defer close(gate.release)
	client, err := bbb.New(hs.URL+"/bigbluebutton/", fake.Secret, bbb.WithTimeout(0))
	if err != nil {
		t.Fatal(err)
	}
	col, err := NewCollector([]Target{{Client: client}}, WithRecordingsTimeout(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	exposition(t, col)
	select {
	case <-gate.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the scrape started no refresh of recording counts")
	}
	done := make(chan struct{})
	go func() {
		col.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return while a refresh hung")
	}
}
