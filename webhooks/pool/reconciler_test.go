package pool_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/webhooks"
	"github.com/bbbkit/bbbkit/webhooks/pool"
)

// mutableList is a Lister whose servers a test changes.
type mutableList struct {
	mu      sync.Mutex
	servers []pool.Server
	err     error
}

func (l *mutableList) Servers(context.Context) ([]pool.Server, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]pool.Server(nil), l.servers...), l.err
}

func (l *mutableList) set(s ...pool.Server) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.servers = s
}

func member(id string, s *bbbtest.Server) pool.Server {
	return pool.Server{ID: id, URL: s.APIURL(), Secret: s.Secret}
}

func hookURLs(s *bbbtest.Server) []string {
	var out []string
	for _, h := range s.Hooks() {
		out = append(out, h.CallbackURL)
	}
	return out
}

var fastBBB = pool.WithBBBOptions(bbb.WithTimeout(2*time.Second), bbb.WithRetry(bbb.RetryPolicy{MaxAttempts: 1}))

// TestReconcilerPool covers the three servers of the issue: one added
// later, one whose hook is destroyed behind the Reconciler's back, one that
// goes down and comes back; and a removed server is forgotten.
func TestReconcilerPool(t *testing.T) {
	ctx := context.Background()
	a, b, c := bbbtest.NewServer(bbbtest.WithSecret("secret-a-123456")),
		bbbtest.NewServer(bbbtest.WithSecret("secret-b-123456")), bbbtest.NewServer(bbbtest.WithSecret("secret-c-123456"))
	defer a.Close()
	defer b.Close()
	defer c.Close()
	list := &mutableList{}
	list.set(member("a", a), member("b", b))
	var mu sync.Mutex
	var events []pool.Event
	rec, err := pool.New(list, webhooks.CreateParams{},
		pool.WithCallbackURL(pool.CallbackURLPath("http://127.0.0.1:1/hooks")), fastBBB,
		pool.WithObserver(func(ev pool.Event) { mu.Lock(); events = append(events, ev); mu.Unlock() }))
	require.NoError(t, err)

	require.NoError(t, rec.Sync(ctx))
	require.Equal(t, []string{"http://127.0.0.1:1/hooks/a"}, hookURLs(a))
	require.Equal(t, []string{"http://127.0.0.1:1/hooks/b"}, hookURLs(b))
	require.Empty(t, hookURLs(c))

	// c joins the pool; b loses its hook; a goes down.
	list.set(member("a", a), member("b", b), member("c", c))
	wc, err := webhooks.NewClient(b.BBBClient())
	require.NoError(t, err)
	require.NoError(t, wc.Destroy(ctx, b.Hooks()[0].HookID))
	require.Empty(t, hookURLs(b))
	a.SetDown(true)

	err = rec.Sync(ctx)
	require.Error(t, err)
	require.ErrorContains(t, err, "server a")
	require.NotContains(t, err.Error(), "secret-a")
	require.Equal(t, []string{"http://127.0.0.1:1/hooks/b"}, hookURLs(b), "dropped hook re-created")
	require.Equal(t, []string{"http://127.0.0.1:1/hooks/c"}, hookURLs(c), "new server got the hook")
	st := rec.Status()
	require.Len(t, st, 3)
	require.Equal(t, "a", st[0].ID)
	require.False(t, st[0].Registered())
	require.Equal(t, 1, st[0].Failures)
	require.Equal(t, 2, st[1].Created, "b's hook was created twice")
	require.True(t, st[2].Registered())

	// a comes back with its hook intact: no second hook is made.
	a.SetDown(false)
	require.NoError(t, rec.Sync(ctx))
	st = rec.Status()
	require.True(t, st[0].Registered())
	require.Equal(t, 0, st[0].Failures)
	require.Equal(t, 1, st[0].Created)
	require.Len(t, a.Hooks(), 1)

	// c leaves the pool: forgotten, its hook left alone.
	list.set(member("a", a), member("b", b))
	require.NoError(t, rec.Sync(ctx))
	require.Len(t, rec.Status(), 2)
	mu.Lock()
	defer mu.Unlock()
	var added, removed []string
	for _, ev := range events {
		if ev.Added {
			added = append(added, ev.ServerID)
		}
		if ev.Removed {
			removed = append(removed, ev.ServerID)
		}
	}
	require.ElementsMatch(t, []string{"a", "b", "c"}, added)
	require.Equal(t, []string{"c"}, removed)
}

// TestReconcilerRunInterval: a server added while Run runs gets the hook
// within one interval, and a Lister error keeps the known servers.
func TestReconcilerRunInterval(t *testing.T) {
	a, b := bbbtest.NewServer(), bbbtest.NewServer()
	defer a.Close()
	defer b.Close()
	list := &mutableList{}
	list.set(member("a", a))
	const interval = 200 * time.Millisecond
	rec, err := pool.New(list, webhooks.CreateParams{CallbackURL: "http://127.0.0.1:1/cb"}, pool.WithInterval(interval), fastBBB)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rec.Run(ctx) }()
	require.Eventually(t, func() bool { return len(a.Hooks()) == 1 }, 5*time.Second, 10*time.Millisecond)

	added := time.Now()
	list.set(member("a", a), member("b", b))
	require.Eventually(t, func() bool { return len(b.Hooks()) == 1 }, 5*time.Second, 5*time.Millisecond)
	require.Less(t, time.Since(added), interval+150*time.Millisecond, "new server hooked within one interval")

	list.mu.Lock()
	list.err = errors.New("balancer unreachable")
	list.mu.Unlock()
	time.Sleep(2 * interval)
	require.Len(t, rec.Status(), 2, "a failing Lister forgets no server")
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
}

// TestReceiverRoutesByServer: deliveries from two servers with different
// secrets are verified with each server's own secret and tagged with its
// ID; an unknown server is answered 404.
func TestReceiverRoutesByServer(t *testing.T) {
	var mu sync.Mutex
	got := map[string][]webhooks.EventType{}
	var rec *pool.Reconciler
	mux := http.NewServeMux()
	recv := httptest.NewServer(mux)
	defer recv.Close()
	a := bbbtest.NewServer(bbbtest.WithSecret("secret-a-123456"))
	b := bbbtest.NewServer(bbbtest.WithSecret("secret-b-123456"))
	defer a.Close()
	defer b.Close()
	rec, err := pool.New(pool.Static{member("a", a), member("b", b)}, webhooks.CreateParams{},
		pool.WithCallbackURL(pool.CallbackURLPath(recv.URL+"/hooks/")), fastBBB)
	require.NoError(t, err)
	mux.Handle("/hooks/", pool.NewReceiver(rec, func(ctx context.Context, d *webhooks.Delivery) error {
		id, ok := pool.ServerID(ctx)
		require.True(t, ok)
		mu.Lock()
		defer mu.Unlock()
		for _, ev := range d.Events {
			got[id] = append(got[id], ev.Type)
		}
		return nil
	}))
	require.NoError(t, rec.Sync(context.Background()))
	for _, s := range []*bbbtest.Server{a, b} {
		_, err := s.BBBClient().CreateMeeting(context.Background(), &bbb.CreateMeetingParams{Name: "Room m", MeetingID: "room-m"})
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got["a"]) == 1 && len(got["b"]) == 1
	}, 5*time.Second, 10*time.Millisecond)
	require.Equal(t, webhooks.EventMeetingCreated, got["a"][0])

	resp, err := http.Post(recv.URL+"/hooks/zzz", "application/x-www-form-urlencoded", strings.NewReader("event=[]"))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestNewRejectsBadArguments(t *testing.T) {
	_, err := pool.New(nil, webhooks.CreateParams{CallbackURL: "http://x/"})
	require.Error(t, err)
	_, err = pool.New(pool.Static{}, webhooks.CreateParams{})
	require.ErrorContains(t, err, "CallbackURL")
	_, err = pool.New(pool.Static{}, webhooks.CreateParams{CallbackURL: "http://x/"}, pool.WithInterval(0))
	require.ErrorContains(t, err, "WithInterval")
	rec, err := pool.New(pool.Static{{ID: "a", URL: "http://127.0.0.1:1/bigbluebutton/api/", Secret: "s"}, {ID: "a", URL: "http://127.0.0.1:2/", Secret: "s"}},
		webhooks.CreateParams{CallbackURL: "http://x/"})
	require.NoError(t, err)
	require.ErrorContains(t, rec.Sync(context.Background()), "listed twice")
}
