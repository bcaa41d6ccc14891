package gapfill_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/webhooks"
	"github.com/bbbkit/bbbkit/webhooks/gapfill"
	"github.com/bbbkit/bbbkit/webhooks/pool"
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
	require.NoError(t, err)
	var down atomic.Bool
	mux := http.NewServeMux()
	recv := httptest.NewServer(mux)
	defer recv.Close()
	cb := recv.URL + "/events"
	h, err := webhooks.NewHandler(srv.Secret, cb, filler.Deliver)
	require.NoError(t, err)
	mux.HandleFunc("/events", func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		h.ServeHTTP(w, r)
	})
	hooks, err := webhooks.NewClient(srv.BBBClient())
	require.NoError(t, err)
	_, err = hooks.EnsureOnce(ctx, webhooks.CreateParams{CallbackURL: cb})
	require.NoError(t, err)
	client := srv.BBBClient()
	create := func(id string) {
		_, err := client.CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "Room " + id, MeetingID: id})
		require.NoError(t, err)
	}

	// Receiver up: room-1 created, Alice joins; both arrive for real.
	create("room-1")
	_, err = srv.Join("room-1", bbbtest.User{FullName: "Alice", UserID: "alice", Role: "MODERATOR"})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return application.count() == 2 }, 5*time.Second, 5*time.Millisecond)
	// bbb-webhooks 3.x delivers events independently: any order.
	require.ElementsMatch(t, []seen{{webhooks.EventMeetingCreated, "room-1", "", false}, {webhooks.EventUserJoined, "room-1", "alice", false}}, application.take())
	require.NoError(t, filler.Poll(ctx))
	require.Empty(t, application.take(), "nothing is missing")

	// Receiver down: room-2 starts, Bob joins; the poll finds them.
	down.Store(true)
	create("room-2")
	_, err = srv.Join("room-2", bbbtest.User{FullName: "Bob", UserID: "bob"})
	require.NoError(t, err)
	require.NoError(t, filler.Poll(ctx))
	require.Equal(t, []seen{{webhooks.EventMeetingCreated, "room-2", "", true}, {webhooks.EventUserJoined, "room-2", "bob", true}}, application.take())

	// Both meetings end while the receiver is down; bbb-webhooks gives up.
	require.NoError(t, srv.EndMeeting("room-1"))
	require.NoError(t, srv.EndMeeting("room-2"))
	require.Eventually(t, func() bool { return len(srv.Hooks()) == 0 }, 5*time.Second, 5*time.Millisecond, "hook dropped after failed retries")
	require.NoError(t, filler.Poll(ctx))
	require.Equal(t, []seen{
		{webhooks.EventUserLeft, "room-1", "alice", true}, {webhooks.EventMeetingEnded, "room-1", "", true},
		{webhooks.EventUserLeft, "room-2", "bob", true}, {webhooks.EventMeetingEnded, "room-2", "", true},
	}, application.take())

	// Back up: real events pass, a poll adds nothing, and a late real
	// copy of a state already synthesized is dropped.
	down.Store(false)
	_, err = hooks.EnsureOnce(ctx, webhooks.CreateParams{CallbackURL: cb})
	require.NoError(t, err)
	create("room-3")
	require.Eventually(t, func() bool { return application.count() == 1 }, 5*time.Second, 5*time.Millisecond)
	require.NoError(t, filler.Poll(ctx))
	require.Equal(t, []seen{{webhooks.EventMeetingCreated, "room-3", "", false}}, application.take())
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
	require.NoError(t, err)
	parse := func(js string) *webhooks.Delivery {
		evs, err := webhooks.ParseEvents([]byte("[" + js + "]"))
		require.NoError(t, err)
		return &webhooks.Delivery{Events: evs}
	}
	joined := parse(`{"data":{"type":"event","id":"user-joined","attributes":{"meeting":{"internal-meeting-id":"int-9","external-meeting-id":"room-9"},"user":{"internal-user-id":"w_1","external-user-id":"u1","name":"Ann","role":"VIEWER"}},"event":{"ts":1764150000000}}}`)
	created := parse(`{"data":{"type":"event","id":"meeting-created","attributes":{"meeting":{"internal-meeting-id":"int-9","external-meeting-id":"room-9","name":"Room"}},"event":{"ts":1764150000000}}}`)
	for _, d := range []*webhooks.Delivery{joined, joined, created, created} {
		require.NoError(t, filler.Deliver(ctx, d))
	}
	require.Equal(t, []seen{{webhooks.EventUserJoined, "room-9", "u1", false}, {webhooks.EventMeetingCreated, "room-9", "", false}}, application.take())

	// room-5 runs; only a user event of it arrived.
	_, err = srv.BBBClient().CreateMeeting(ctx, &bbb.CreateMeetingParams{Name: "Room 5", MeetingID: "room-5"})
	require.NoError(t, err)
	ju, err := srv.Join("room-5", bbbtest.User{FullName: "Cy", UserID: "cy"})
	require.NoError(t, err)
	m, ok := srv.Meeting("room-5")
	require.True(t, ok)
	require.NoError(t, filler.Deliver(ctx, parse(`{"data":{"type":"event","id":"user-joined","attributes":{"meeting":{"internal-meeting-id":"`+m.InternalMeetingID+`","external-meeting-id":"room-5"},"user":{"internal-user-id":"`+ju.InternalUserID+`","external-user-id":"cy","name":"Cy","role":"VIEWER"}},"event":{"ts":1764150000000}}}`)))
	application.take()
	time.Sleep(2 * time.Millisecond)
	require.NoError(t, filler.Poll(ctx))
	got := application.take()
	require.Contains(t, got, seen{webhooks.EventMeetingCreated, "room-5", "", true})
	require.Contains(t, got, seen{webhooks.EventMeetingEnded, "room-9", "", true}, "room-9 is not on the server")
	require.NotContains(t, got, seen{webhooks.EventUserJoined, "room-5", "cy", true})
}
