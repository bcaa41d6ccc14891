package metrics

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
)

// fixedTime is the start of every fake clock in these tests.
var fixedTime = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// testClock is a settable clock for the collector.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock { return &testClock{now: fixedTime} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// newFake starts a deterministic fake BBB server and a client for it.
func newFake(t testing.TB, opts ...bbbtest.Option) (*bbbtest.Server, *bbb.Client) {
	t.Helper()
	opts = append([]bbbtest.Option{
		bbbtest.WithSeed(7),
		bbbtest.WithClock(bbbtest.NewFakeClock(fixedTime).Now),
		bbbtest.WithSecret("fixture-secret-do-not-log-0123456789"),
	}, opts...)
	srv := bbbtest.NewServer(opts...)
	t.Cleanup(srv.Close)
	c, err := bbb.New(srv.APIURL(), srv.Secret, bbb.WithHTTPClient(srv.Client()), bbb.WithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// populate gives a fake server a known state: three meetings and a breakout
// room with attendees of several client types, origins in metadata, and
// recordings in every state. It returns the expected aggregates.
func populate(t testing.TB, srv *bbbtest.Server, c *bbb.Client) {
	t.Helper()
	ctx := context.Background()
	create := func(p *bbb.CreateMeetingParams) *bbb.CreateMeetingResponse {
		t.Helper()
		r, err := c.CreateMeeting(ctx, p)
		if err != nil {
			t.Fatalf("create %s: %v", p.MeetingID, err)
		}
		return r
	}
	join := func(meetingID string, users ...bbbtest.User) {
		t.Helper()
		for _, u := range users {
			if _, err := srv.Join(meetingID, u); err != nil {
				t.Fatalf("join %s: %v", meetingID, err)
			}
		}
	}
	physics := create(&bbb.CreateMeetingParams{
		Name: "Physics 101", MeetingID: "physics-101", Record: bbb.Bool(true),
		Meta: map[string]string{"bbb-origin": "Greenlight", "bbb-origin-server-name": "GL.example.org"},
	})
	join("physics-101",
		bbbtest.User{FullName: "Ada", Role: "MODERATOR", Voice: true, Video: true},
		bbbtest.User{FullName: "Bob", ListenOnly: true},
		bbbtest.User{FullName: "Cy", Voice: true},
		bbbtest.User{FullName: "Phone 1", ClientType: "DIAL-IN", Voice: true},
		bbbtest.User{FullName: "Dee", Video: true, Voice: true},
	)
	create(&bbb.CreateMeetingParams{
		Name: "Physics 101 (Room 1)", MeetingID: "physics-101-room-1",
		IsBreakout: bbb.Bool(true), ParentMeetingID: physics.InternalMeetingID, Sequence: 1,
	})
	join("physics-101-room-1",
		bbbtest.User{FullName: "Eve", Voice: true},
		bbbtest.User{FullName: "Fay", ListenOnly: true},
	)
	create(&bbb.CreateMeetingParams{
		Name: "Staff meeting", MeetingID: "staff",
		Meta: map[string]string{"bbb-origin": "Moodle", "bbb-origin-server-name": "lms.example.org"},
	})
	join("staff",
		bbbtest.User{FullName: "Gus", Role: "MODERATOR", Video: true, Voice: true},
		bbbtest.User{FullName: "Bot", ClientType: "Mobile-App"},
		bbbtest.User{FullName: "Phone 2", ClientType: "DIAL-IN", Voice: true},
	)
	create(&bbb.CreateMeetingParams{Name: "Nobody yet", MeetingID: "empty"})

	recs := map[string]int{
		bbbtest.StateProcessing: 2, bbbtest.StateProcessed: 1, bbbtest.StatePublished: 3,
		bbbtest.StateUnpublished: 2, bbbtest.StateDeleted: 1,
	}
	start := fixedTime.Add(-48 * time.Hour)
	for _, st := range []string{bbbtest.StateProcessing, bbbtest.StateProcessed, bbbtest.StatePublished, bbbtest.StateUnpublished, bbbtest.StateDeleted} {
		for i := range recs[st] {
			start = start.Add(time.Hour)
			if _, err := srv.AddRecording(bbbtest.RecordingSpec{
				MeetingID: "old-" + st, State: st, Start: start, End: start.Add(30 * time.Minute), Participants: i + 1,
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// exposition renders what a registry holding cs serves on /metrics in the
// classic text format.
func exposition(t testing.TB, cs ...prometheus.Collector) string {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			t.Fatal(err)
		}
	}
	h := promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.HTTPErrorOnError})
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/metrics", nil)
	req.Header.Set("Accept", "text/plain; version=0.0.4")
	h.ServeHTTP(rec, req)
	body, _ := io.ReadAll(rec.Body)
	if rec.Code != 200 {
		t.Fatalf("/metrics answered %d: %s", rec.Code, body)
	}
	return string(body)
}

// grepLines keeps the sample lines of s that start with one of prefixes.
func grepLines(s string, prefixes ...string) string {
	var b strings.Builder
	for line := range strings.Lines(s) {
		if strings.HasPrefix(line, "#") {
			continue
		}
		for _, p := range prefixes {
			if strings.HasPrefix(line, p) {
				b.WriteString(line)
				break
			}
		}
	}
	return b.String()
}
