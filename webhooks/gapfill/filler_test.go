package gapfill_test

import (
	"context"
	"fmt"
	"github.com/google/go-cmp/cmp/cmpopts"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/internal/testwait"
	"github.com/bbbkit/bbbkit/webhooks"
	"github.com/bbbkit/bbbkit/webhooks/gapfill"
	"github.com/bbbkit/bbbkit/webhooks/pool"
	"github.com/google/go-cmp/cmp"
)

// seen is one event as the application got it.
type seen struct {
	Type    webhooks.EventType
	Meeting string
	User    string
	Synth   bool
}

type app struct {
	mu  sync.Mutex
	got []seen
}

func (a *app) deliver(_ context.Context, d *webhooks.Delivery) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	for i := range d.Events {
		ev := &d.Events[i]
		s := seen{Type: ev.Type, Meeting: ev.MeetingID, Synth: gapfill.Synthesized(ev)}
		if ev.Attributes != nil && ev.Attributes.User != nil {
			s.User = ev.Attributes.User.ExternalID
		}
		a.got = append(a.got, s)
	}
	return nil
}

func (a *app) take() []seen {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := a.got
	a.got = nil
	return out
}

func (a *app) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.got)
}

// TestFillerSeesMeetingEndWhileReceiverDown: a meeting that starts and
// ends while the receiver is down (bbb-webhooks gives up and drops its
// events) still reaches the application, created, joined, left and ended,
// marked synthesized; and what the receiver did get is not repeated.
func TestFillerSeesMeetingEndWhileReceiverDown(t *testing.T) {
	ctx := context.Background()
	srv := bbbtest.NewServer(bbbtest.WithWebhookRetry(5*time.Millisecond, 5*time.Millisecond))
	defer srv.Close()
	application := &app{}
	filler, err := gapfill.New(pool.Static{{ID: "bbb1", URL: srv.APIURL(), Secret: srv.Secret}}, application.deliver)
	if err != nil {
		t.Fatalf("gapfill.New(...): %v", err)
	}
	var down atomic.Bool
	mux := http.NewServeMux()
	recv := httptest.NewServer(mux)
	defer recv.Close()
	cb := recv.URL + "/events"
	h, err := webhooks.NewHandler(srv.Secret, cb, filler.Deliver)
	if err != nil {
		t.Fatalf("webhooks.NewHandler(srv.Secret, cb, filler.Deliver): %v", err)
	}
	mux.HandleFunc("/events", func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		h.ServeHTTP(w, r)
	})
	hooks, err := webhooks.NewClient(srv.BBBClient())
	if err != nil {
		t.Fatalf("webhooks.NewClient(srv.BBBClient()): %v", err)
	}
	_, err = hooks.EnsureOnce(ctx, webhooks.CreateParams{CallbackURL: cb})
	if err != nil {
		t.Fatalf("hooks.EnsureOnce(ctx, webhooks.CreateParams{CallbackURL: cb}): %v", err)
	}
	client := srv.BBBClient()
	create := func(id string) {
		_, err := client.CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "Room " + id, MeetingID: id})
		if err != nil {
			t.Fatalf("client.CreateMeeting(...): %v", err)
		}
	}

	// Receiver up: room-1 created, Alice joins; both arrive for real.
	create("room-1")
	_, err = srv.Join("room-1", bbbtest.User{FullName: "Alice", UserID: "alice", Role: "MODERATOR"})
	if err != nil {
		t.Fatalf("srv.Join(...): %v", err)
	}
	testwait.Eventually(t, func() bool { return application.count() == 2 }, 5*time.Second, 5*time.Millisecond, "application.count() == 2")
	// bbb-webhooks 3.x delivers events independently: any order.
	got := application.take()
	if diff := cmp.Diff([]seen{{webhooks.EventMeetingCreated, "room-1", "", false}, {webhooks.EventUserJoined, "room-1", "alice", false}}, got,
		cmpopts.SortSlices(func(a, b seen) bool { return fmt.Sprint(a) < fmt.Sprint(b) }), cmpopts.EquateEmpty()); diff != "" {
		t.Fatalf("application.take() mismatch (-want +got, in any order):\n%s", diff)
	}
	if err := filler.Poll(ctx); err != nil {
		t.Fatalf("filler.Poll(ctx): %v", err)
	}
	if got := application.take(); len(got) != 0 {
		t.Fatalf("application.take() = %v; want empty (nothing is missing)", got)
	}

	// Receiver down: room-2 starts, Bob joins; the poll finds them.
	down.Store(true)
	create("room-2")
	_, err = srv.Join("room-2", bbbtest.User{FullName: "Bob", UserID: "bob"})
	if err != nil {
		t.Fatalf("srv.Join(\"room-2\", bbbtest.User{FullName: \"Bob\", UserID: \"bob\"}): %v", err)
	}
	if err := filler.Poll(ctx); err != nil {
		t.Fatalf("filler.Poll(ctx): %v", err)
	}
	if diff := cmp.Diff([]seen{{webhooks.EventMeetingCreated, "room-2", "", true}, {webhooks.EventUserJoined, "room-2", "bob", true}}, application.take()); diff != "" {
		t.Fatalf("application.take() mismatch (-want +got):\n%s", diff)
	}

	// Both meetings end while the receiver is down; bbb-webhooks gives up.
	if err := srv.EndMeeting("room-1"); err != nil {
		t.Fatalf("srv.EndMeeting(\"room-1\"): %v", err)
	}
	if err := srv.EndMeeting("room-2"); err != nil {
		t.Fatalf("srv.EndMeeting(\"room-2\"): %v", err)
	}
	testwait.Eventually(t, func() bool { return len(srv.Hooks()) == 0 }, 5*time.Second, 5*time.Millisecond, "condition (hook dropped after failed retries)")
	if err := filler.Poll(ctx); err != nil {
		t.Fatalf("filler.Poll(ctx): %v", err)
	}
	if diff := cmp.Diff([]seen{
		{webhooks.EventUserLeft, "room-1", "alice", true}, {webhooks.EventMeetingEnded, "room-1", "", true},
		{webhooks.EventUserLeft, "room-2", "bob", true}, {webhooks.EventMeetingEnded, "room-2", "", true},
	}, application.take()); diff != "" {
		t.Fatalf("application.take() mismatch (-want +got):\n%s", diff)
	}

	// Back up: real events pass, a poll adds nothing, and a late real
	// copy of a state already synthesized is dropped.
	down.Store(false)
	_, err = hooks.EnsureOnce(ctx, webhooks.CreateParams{CallbackURL: cb})
	if err != nil {
		t.Fatalf("hooks.EnsureOnce(ctx, webhooks.CreateParams{CallbackURL: cb}): %v", err)
	}
	create("room-3")
	testwait.Eventually(t, func() bool { return application.count() == 1 }, 5*time.Second, 5*time.Millisecond, "application.count() == 1")
	if err := filler.Poll(ctx); err != nil {
		t.Fatalf("filler.Poll(ctx): %v", err)
	}
	if diff := cmp.Diff([]seen{{webhooks.EventMeetingCreated, "room-3", "", false}}, application.take()); diff != "" {
		t.Fatalf("application.take() mismatch (-want +got):\n%s", diff)
	}
}

// TestFillerOutOfOrderAndRepeats: a user-joined before its
// meeting-created passes, the late real meeting-created too, and repeats of
// either are dropped; a meeting-created that never comes is synthesized by
// the next poll.
func TestFillerOutOfOrderAndRepeats(t *testing.T) {
	ctx := context.Background()
	srv := bbbtest.NewServer()
	defer srv.Close()
	application := &app{}
	filler, err := gapfill.New(pool.Static{{ID: "bbb1", URL: srv.APIURL(), Secret: srv.Secret}}, application.deliver)
	if err != nil {
		t.Fatalf("gapfill.New(...): %v", err)
	}
	parse := func(js string) *webhooks.Delivery {
		evs, err := webhooks.ParseEvents([]byte("[" + js + "]"))
		if err != nil {
			t.Fatalf("webhooks.ParseEvents([]byte(\"[\" + js + \"]\")): %v", err)
		}
		return &webhooks.Delivery{Events: evs}
	}
	joined := parse(`{"data":{"type":"event","id":"user-joined","attributes":{"meeting":{"internal-meeting-id":"int-9","external-meeting-id":"room-9"},"user":{"internal-user-id":"w_1","external-user-id":"u1","name":"Ann","role":"VIEWER"}},"event":{"ts":1764150000000}}}`)
	created := parse(`{"data":{"type":"event","id":"meeting-created","attributes":{"meeting":{"internal-meeting-id":"int-9","external-meeting-id":"room-9","name":"Room"}},"event":{"ts":1764150000000}}}`)
	for _, d := range []*webhooks.Delivery{joined, joined, created, created} {
		if err := filler.Deliver(ctx, d); err != nil {
			t.Fatalf("filler.Deliver(ctx, d): %v", err)
		}
	}
	if diff := cmp.Diff([]seen{{webhooks.EventUserJoined, "room-9", "u1", false}, {webhooks.EventMeetingCreated, "room-9", "", false}}, application.take()); diff != "" {
		t.Fatalf("application.take() mismatch (-want +got):\n%s", diff)
	}

	// room-5 runs; only a user event of it arrived.
	_, err = srv.BBBClient().CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "Room 5", MeetingID: "room-5"})
	if err != nil {
		t.Fatalf("srv.BBBClient(...).CreateMeeting(...): %v", err)
	}
	ju, err := srv.Join("room-5", bbbtest.User{FullName: "Cy", UserID: "cy"})
	if err != nil {
		t.Fatalf("srv.Join(\"room-5\", bbbtest.User{FullName: \"Cy\", UserID: \"cy\"}): %v", err)
	}
	m, ok := srv.Meeting("room-5")
	if !ok {
		t.Fatalf("srv.Meeting(\"room-5\"): not found; want the meeting")
	}
	if err := filler.Deliver(ctx, parse(`{"data":{"type":"event","id":"user-joined","attributes":{"meeting":{"internal-meeting-id":"`+m.InternalMeetingID+`","external-meeting-id":"room-5"},"user":{"internal-user-id":"`+ju.InternalUserID+`","external-user-id":"cy","name":"Cy","role":"VIEWER"}},"event":{"ts":1764150000000}}}`)); err != nil {
		t.Fatalf("filler.Deliver(...): %v", err)
	}
	application.take()
	time.Sleep(2 * time.Millisecond)
	if err := filler.Poll(ctx); err != nil {
		t.Fatalf("filler.Poll(ctx): %v", err)
	}
	got := application.take()
	if !slices.Contains(got, seen{webhooks.EventMeetingCreated, "room-5", "", true}) {
		t.Fatalf("got = %v; want it to contain %v", got, seen{webhooks.EventMeetingCreated, "room-5", "", true})
	}
	if !slices.Contains(got, seen{webhooks.EventMeetingEnded, "room-9", "", true}) {
		t.Fatalf("got = %v; want it to contain %v (room-9 is not on the server)", got, seen{webhooks.EventMeetingEnded, "room-9", "", true})
	}
	if slices.Contains(got, seen{webhooks.EventUserJoined, "room-5", "cy", true}) {
		t.Fatalf("got = %v; want it not to contain %v", got, seen{webhooks.EventUserJoined, "room-5", "cy", true})
	}
}
