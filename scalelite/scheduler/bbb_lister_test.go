package scheduler_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/bbbkit/bbbkit/scalelite/scheduler"
	"github.com/bbbkit/bbbkit/scalelite/scheduler/storetest"
)

// fakeBBB answers getMeetings from a testdata file after checking the
// checksum against its current secret.
type fakeBBB struct {
	mu     sync.Mutex
	secret string
	status int
	body   string
}

func (f *fakeBBB) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	secret, status, body := f.secret, f.status, f.body
	f.mu.Unlock()
	if r.URL.Path != "/bigbluebutton/api/getMeetings" {
		http.NotFound(w, r)
		return
	}
	if status != 0 {
		w.WriteHeader(status)
		return
	}
	if err := checksum.Verify("getMeetings", r.URL.RawQuery, secret); err != nil {
		body = readFile(nil, "testdata/checksum_error.xml")
	}
	w.Header().Set("Content-Type", "text/xml")
	_, _ = w.Write([]byte(body))
}

func (f *fakeBBB) set(secret string, status int) {
	f.mu.Lock()
	f.secret, f.status = secret, status
	f.mu.Unlock()
}

func readFile(t *testing.T, name string) string {
	b, err := os.ReadFile(name)
	if err != nil {
		if t != nil {
			t.Fatal(err)
		}
		return ""
	}
	return string(b)
}

func TestBBBLister(t *testing.T) {
	t.Parallel()
	const secret1, secret2 = "first-bbb-secret-aaaa", "second-bbb-secret-bbbb"
	fake := &fakeBBB{secret: secret1, body: readFile(t, "testdata/get_meetings.xml")}
	ts := httptest.NewServer(fake)
	defer ts.Close()
	defer ts.Client().CloseIdleConnections()

	ctx := context.Background()
	rec := &storetest.Recorder{}
	clock := storetest.NewClock(time.UnixMilli(1767225600000)) // 10 minutes after physics-101 was created
	lister := scheduler.NewBBBLister()
	s, err := scheduler.New(scheduler.WithMeetingLister(lister), scheduler.WithObserver(rec.Observe),
		scheduler.WithClock(clock.Now), scheduler.WithHealthThresholds(1, 1))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := s.AddServer(ctx, scheduler.ServerConfig{ID: "bbb1", URL: ts.URL + "/bigbluebutton/api/", Secret: secret1})
	if err != nil {
		t.Fatal(err)
	}

	ms, err := lister.ListMeetings(ctx, srv)
	if err != nil {
		t.Fatal(err)
	}
	want := []scheduler.Meeting{
		{ID: "physics-101", CreateTime: time.UnixMilli(1767225000000), ParticipantCount: 12, ModeratorCount: 2, VideoCount: 4},
		{ID: "physics-101-room-1", CreateTime: time.UnixMilli(1767225300000), ParticipantCount: 4, IsBreakout: true},
		{ID: "staff", CreateTime: time.UnixMilli(1767220000000), ParticipantCount: 30, ModeratorCount: 3, VideoCount: 1},
	}
	if len(ms) != len(want) {
		t.Fatalf("got %d meetings, want %d", len(ms), len(want))
	}
	for i := range want {
		if !ms[i].CreateTime.Equal(want[i].CreateTime) {
			t.Errorf("meeting %d create time %v, want %v", i, ms[i].CreateTime, want[i].CreateTime)
		}
		ms[i].CreateTime = want[i].CreateTime
		if ms[i] != want[i] {
			t.Errorf("meeting %d = %+v, want %+v", i, ms[i], want[i])
		}
	}

	// Through the poller: physics-101 is young (12 users count as 15),
	// staff is old (30), the breakout room does not count.
	if err := s.PollServer(ctx, "bbb1"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Server(ctx, "bbb1"); !got.Online || got.Load != 45 || got.Users != 46 || got.Meetings != 3 {
		t.Fatalf("after poll: %v users %d meetings %d; want online, load 45, 46 users, 3 meetings", got, got.Users, got.Meetings)
	}

	// The server rotates its secret: polls fail without leaking anything...
	fake.set(secret2, 0)
	if err := s.PollServer(ctx, "bbb1"); err != nil {
		t.Fatal(err)
	}
	fails := rec.Events(scheduler.EventPollFailed)
	if len(fails) != 1 {
		t.Fatalf("poll_failed events = %+v", fails)
	}
	for _, sec := range []string{secret1, secret2} {
		if strings.Contains(fails[0].Err.Error(), sec) {
			t.Fatalf("poll error shows a secret: %v", fails[0].Err)
		}
	}
	if got, _ := s.Server(ctx, "bbb1"); got.Online {
		t.Fatal("server with a wrong secret still online")
	}
	// ...until the scheduler learns the new one, which the lister picks up.
	if _, err := s.UpdateServer(ctx, "bbb1", scheduler.ServerUpdate{Secret: ptr(secret2)}); err != nil {
		t.Fatal(err)
	}
	if err := s.PollServer(ctx, "bbb1"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Server(ctx, "bbb1"); !got.Online {
		t.Fatal("server not back online with the new secret")
	}

	// A proxy error page is a failure too.
	fake.set(secret2, http.StatusBadGateway)
	got, _ := s.Server(ctx, "bbb1")
	if _, err := lister.ListMeetings(ctx, got); err == nil || strings.Contains(err.Error(), secret2) {
		t.Fatalf("502: %v", err)
	}
	lister.Forget("bbb1")
	if _, err := lister.ListMeetings(ctx, scheduler.Server{ID: "bad", URL: "::not a url", Secret: "x"}); err == nil {
		t.Fatal("bad URL accepted")
	}
}

func TestMeetingFromBBB(t *testing.T) {
	t.Parallel()
	created := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	in := bbb.Meeting{MeetingID: "m", MeetingName: "n", CreateTime: created, IsBreakout: true, ParticipantCount: 9,
		ModeratorCount: 2, VideoCount: 3, ListenerCount: 4, ModeratorPW: "mp"}
	want := scheduler.Meeting{ID: "m", CreateTime: created, IsBreakout: true, ParticipantCount: 9, ModeratorCount: 2, VideoCount: 3}
	if got := scheduler.MeetingFromBBB(&in); got != want {
		t.Fatalf("MeetingFromBBB = %+v, want %+v", got, want)
	}
}

func ptr[T any](v T) *T { return &v }

// TestKilledServerOverHTTP runs three fake BBB servers, stops one of them
// mid-run and checks that the poller takes it offline after the threshold
// and that its meetings move on the next Pick.
func TestKilledServerOverHTTP(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const secret = "http-secret-123"
	empty := "<response><returncode>SUCCESS</returncode><meetings/><messageKey>noMeetings</messageKey></response>"
	s, err := scheduler.New(scheduler.WithPendingGrace(time.Hour), scheduler.WithPollTimeout(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	servers := map[string]*httptest.Server{}
	for _, id := range []string{"a", "b", "c"} {
		ts := httptest.NewServer(&fakeBBB{secret: secret, body: empty})
		servers[id] = ts
		t.Cleanup(ts.Close)
		if _, err := s.AddServer(ctx, scheduler.ServerConfig{ID: id, URL: ts.URL + "/bigbluebutton/api/", Secret: secret}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetState(ctx, id, scheduler.StateEnabled); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	placed := map[string]string{}
	for i := range 9 {
		m := "m" + string(rune('0'+i))
		p, err := s.Pick(ctx, m, "")
		if err != nil {
			t.Fatal(err)
		}
		placed[m] = p.Server.ID
	}
	servers["a"].Close()
	for i := range scheduler.DefaultUnhealthyThreshold {
		if srv, _ := s.Server(ctx, "a"); !srv.Online {
			t.Fatalf("a offline after %d failed polls, want %d", i, scheduler.DefaultUnhealthyThreshold)
		}
		if err := s.Poll(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if srv, _ := s.Server(ctx, "a"); srv.Online {
		t.Fatal("stopped server still online")
	}
	if ids, _ := s.MeetingIDs(ctx, "a"); len(ids) != 0 {
		t.Fatalf("stopped server still holds %v", ids)
	}
	for m, was := range placed {
		p, err := s.Pick(ctx, m, "")
		if err != nil {
			t.Fatal(err)
		}
		if p.Server.ID == "a" || p.Existing != (was != "a") {
			t.Fatalf("%s (was on %s) -> %s existing %v", m, was, p.Server.ID, p.Existing)
		}
	}
}
