package metrics

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/scalelite/mirror"
	"github.com/bbbkit/bbbkit/scalelite/scheduler"
	"github.com/bbbkit/bbbkit/webhooks"
)

func TestSchedulerMetrics(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := NewSchedulerMetrics()
	lister := scheduler.MeetingListerFunc(func(_ context.Context, s scheduler.Server) ([]scheduler.Meeting, error) {
		if s.ID == "bbb2" {
			return nil, errors.New("connection refused")
		}
		return []scheduler.Meeting{{ID: "old", CreateTime: time.Now().Add(-time.Hour), ParticipantCount: 7}}, nil
	})
	s, err := scheduler.New(scheduler.WithMeetingLister(lister), scheduler.WithObserver(m.Observe), scheduler.WithHealthThresholds(1, 1))
	if err != nil {
		t.Fatal(err)
	}
	m.Watch(s)
	for _, id := range []string{"bbb1", "bbb2", "bbb3"} {
		if _, err := s.AddServer(ctx, scheduler.ServerConfig{ID: id, URL: "https://" + id + ".example.org/bigbluebutton/api/", Secret: "secret-" + id, Tag: "t"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"bbb1", "bbb2"} {
		if _, err := s.SetState(ctx, id, scheduler.StateEnabled); err != nil {
			t.Fatal(err)
		}
	}
	_ = s.Poll(ctx) // bbb2 fails
	if _, err := s.Pick(ctx, "math", "t"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Pick(ctx, "math", "t"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Pick(ctx, "gpu-only", "gpu!"); err == nil {
		t.Fatal("pick with an unknown required tag succeeded")
	}
	if err := s.Release(ctx, "math"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteServer(ctx, "bbb3"); err != nil {
		t.Fatal(err)
	}
	text := exposition(t, m)
	got := grepLines(text, "bbbkit_scheduler_placements_total", "bbbkit_scheduler_releases_total",
		"bbbkit_scheduler_polls_total", "bbbkit_scheduler_server_state", "bbbkit_scheduler_server_online",
		"bbbkit_scheduler_server_meetings", "bbbkit_scheduler_server_info", "bbbkit_scheduler_servers_up")
	want := `bbbkit_scheduler_placements_total{result="failed"} 1
bbbkit_scheduler_placements_total{result="placed"} 1
bbbkit_scheduler_placements_total{result="reused"} 1
bbbkit_scheduler_polls_total{result="failure",server="bbb2"} 1
bbbkit_scheduler_polls_total{result="success",server="bbb1"} 1
bbbkit_scheduler_releases_total 1
bbbkit_scheduler_server_info{host="bbb1.example.org",server="bbb1",tag="t"} 1
bbbkit_scheduler_server_info{host="bbb2.example.org",server="bbb2",tag="t"} 1
bbbkit_scheduler_server_meetings{server="bbb1"} 1
bbbkit_scheduler_server_meetings{server="bbb2"} 0
bbbkit_scheduler_server_online{server="bbb1"} 1
bbbkit_scheduler_server_online{server="bbb2"} 0
bbbkit_scheduler_server_state{server="bbb1",state="cordoned"} 0
bbbkit_scheduler_server_state{server="bbb1",state="disabled"} 0
bbbkit_scheduler_server_state{server="bbb1",state="enabled"} 1
bbbkit_scheduler_server_state{server="bbb2",state="cordoned"} 0
bbbkit_scheduler_server_state{server="bbb2",state="disabled"} 0
bbbkit_scheduler_server_state{server="bbb2",state="enabled"} 1
bbbkit_scheduler_servers_up 1
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if !strings.Contains(text, `bbbkit_scheduler_server_transitions_total{server="bbb1",to="online"} 1`) {
		t.Error("the online transition of bbb1 is missing")
	}
	if strings.Contains(text, "secret-bbb") {
		t.Error("a server secret is exposed")
	}
}

type failingLister struct{}

func (failingLister) Servers(context.Context) ([]scheduler.Server, error) {
	return nil, errors.New("redis: connection refused")
}

func TestSchedulerMetricsStoreDown(t *testing.T) {
	t.Parallel()
	m := NewSchedulerMetrics()
	if n := testutil.CollectAndCount(m, "bbbkit_scheduler_servers_up"); n != 0 {
		t.Errorf("servers_up exposed before Watch: %d series", n)
	}
	m.Watch(failingLister{})
	if err := testutil.CollectAndCompare(m, strings.NewReader(`
# HELP bbbkit_scheduler_servers_up 1 when the scheduler's store listed the servers at scrape time
# TYPE bbbkit_scheduler_servers_up gauge
bbbkit_scheduler_servers_up 0
`), "bbbkit_scheduler_servers_up", "bbbkit_scheduler_server_online"); err != nil {
		t.Error(err)
	}
}

func TestWebhookMetricsWithFakeDeliveries(t *testing.T) {
	t.Parallel()
	const secret = "webhook-secret-0123456789abcdef"
	wm := NewWebhookMetrics()
	hs := httptest.NewUnstartedServer(nil)
	callback := "http://" + hs.Listener.Addr().String() + "/bbb/events"
	delivered := make(chan struct{}, 16)
	h, err := webhooks.NewHandler(secret, callback, func(context.Context, *webhooks.Delivery) error {
		delivered <- struct{}{}
		return nil
	}, webhooks.WithObserver(wm.Observe))
	if err != nil {
		t.Fatal(err)
	}
	hs.Config.Handler = h
	hs.Start()
	defer hs.Close()
	fake := bbbtest.NewServer(bbbtest.WithSecret(secret), bbbtest.WithPermanentHook(callback, false),
		bbbtest.WithWebhookRetry(10*time.Millisecond))
	defer fake.Close()
	client, err := bbb.New(fake.APIURL(), fake.Secret)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.CreateMeeting(context.Background(), &bbb.CreateMeetingParams{Name: "Hooked", MeetingID: "hooked"}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-delivered:
	case <-time.After(5 * time.Second):
		t.Fatal("no webhook delivered within 5s")
	}
	// Two refused requests: wrong method, forged checksum.
	for _, r := range []*http.Request{
		httptest.NewRequest(http.MethodGet, callback, nil),
		func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, callback+"?checksum=0000000000000000000000000000000000000000", strings.NewReader("event=%5B%5D"))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}(),
	} {
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	waitFor(t, func() bool {
		return strings.Contains(exposition(t, wm), `bbbkit_webhook_deliveries_accepted_total{auth="checksum"} 1`)
	})
	got := grepLines(exposition(t, wm), "bbbkit_webhook_deliveries_rejected_total", "bbbkit_webhook_events_total")
	for _, want := range []string{
		`bbbkit_webhook_deliveries_rejected_total{reason="method_not_allowed"} 1`,
		`bbbkit_webhook_deliveries_rejected_total{reason="unauthenticated"} 1`,
		`bbbkit_webhook_deliveries_rejected_total{reason="too_large"} 0`,
		`bbbkit_webhook_events_total 1`,
	} {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
}

func TestWebhookEnsureMetrics(t *testing.T) {
	t.Parallel()
	wm := NewWebhookMetrics()
	for _, e := range []webhooks.EnsureEvent{
		{Result: &webhooks.EnsureResult{Created: true}},
		{Result: &webhooks.EnsureResult{}},
		{Result: &webhooks.EnsureResult{Replaced: true}},
		{Err: errors.New("down"), Failures: 1},
		{Err: errors.New("down"), Failures: 2},
	} {
		wm.ObserveEnsure(e)
	}
	want := `bbbkit_webhook_ensure_checks_total{result="created"} 1
bbbkit_webhook_ensure_checks_total{result="error"} 2
bbbkit_webhook_ensure_checks_total{result="present"} 1
bbbkit_webhook_ensure_checks_total{result="replaced"} 1
bbbkit_webhook_ensure_failures 2
`
	if got := grepLines(exposition(t, wm), "bbbkit_webhook_ensure_"); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestMirrorMetrics(t *testing.T) {
	t.Parallel()
	mm := NewMirrorMetrics()
	for _, e := range []mirror.Event{
		{Kind: mirror.EventPlan, Total: 3000, Recordings: 2},
		{Kind: mirror.EventStart, RecordID: "r1", Total: 1000},
		{Kind: mirror.EventBytes, RecordID: "r1", Bytes: 1000, Done: 1000, Total: 1000, SyncDone: 1000, SyncTotal: 3000},
		{Kind: mirror.EventDone, RecordID: "r1"},
		{Kind: mirror.EventStart, RecordID: "r2", Total: 2000},
		{Kind: mirror.EventBytes, RecordID: "r2", Bytes: 500, Done: 500, Total: 2000, SyncDone: 1500, SyncTotal: 3000},
		{Kind: mirror.EventFailed, RecordID: "r2", Err: errors.New("checksum mismatch")},
		{Kind: mirror.EventUnchanged, RecordID: "r3"},
		{Kind: mirror.EventDeleted, RecordID: "r4"},
	} {
		mm.Observe(e)
	}
	want := `bbbkit_mirror_bytes_total 1500
bbbkit_mirror_recordings_total{result="copied"} 1
bbbkit_mirror_recordings_total{result="deleted"} 1
bbbkit_mirror_recordings_total{result="failed"} 1
bbbkit_mirror_recordings_total{result="unchanged"} 1
bbbkit_mirror_sync_bytes_done 1500
bbbkit_mirror_sync_bytes_planned 3000
bbbkit_mirror_sync_recordings_planned 2
`
	if got := grepLines(exposition(t, mm), "bbbkit_mirror_"); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
