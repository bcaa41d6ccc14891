package pool_test

import (
	"context"
	"errors"
	"github.com/google/go-cmp/cmp/cmpopts"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/bbb/bbbtest"
	"github.com/bbbkit/bbbkit/internal/testwait"
	"github.com/bbbkit/bbbkit/webhooks"
	"github.com/bbbkit/bbbkit/webhooks/pool"
	"github.com/google/go-cmp/cmp"
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
	if err != nil {
		t.Fatalf("pool.New(...): %v", err)
	}

	if err := rec.Sync(ctx); err != nil {
		t.Fatalf("rec.Sync(ctx): %v", err)
	}
	if diff := cmp.Diff([]string{"http://127.0.0.1:1/hooks/a"}, hookURLs(a)); diff != "" {
		t.Fatalf("hookURLs(a) mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"http://127.0.0.1:1/hooks/b"}, hookURLs(b)); diff != "" {
		t.Fatalf("hookURLs(b) mismatch (-want +got):\n%s", diff)
	}
	if got := hookURLs(c); len(got) != 0 {
		t.Fatalf("hookURLs(c) = %v; want empty", got)
	}

	// c joins the pool; b loses its hook; a goes down.
	list.set(member("a", a), member("b", b), member("c", c))
	wc, err := webhooks.NewClient(b.BBBClient())
	if err != nil {
		t.Fatalf("webhooks.NewClient(b.BBBClient()): %v", err)
	}
	if err := wc.Destroy(ctx, b.Hooks()[0].HookID); err != nil {
		t.Fatalf("wc.Destroy(ctx, b.Hooks()[0].HookID): %v", err)
	}
	if got := hookURLs(b); len(got) != 0 {
		t.Fatalf("hookURLs(b) = %v; want empty", got)
	}
	a.SetDown(true)

	err = rec.Sync(ctx)
	if err == nil {
		t.Fatalf("rec.Sync(ctx) = nil; want an error")
	}
	if err == nil || !strings.Contains(err.Error(), "server a") {
		t.Fatalf("err = %v; want an error containing %q", err, "server a")
	}
	if got := err.Error(); strings.Contains(got, "secret-a") {
		t.Fatalf("err.Error() = %q; want it not to contain %q", got, "secret-a")
	}
	if diff := cmp.Diff([]string{"http://127.0.0.1:1/hooks/b"}, hookURLs(b)); diff != "" {
		t.Fatalf("hookURLs(b) mismatch (-want +got) (dropped hook re-created):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"http://127.0.0.1:1/hooks/c"}, hookURLs(c)); diff != "" {
		t.Fatalf("hookURLs(c) mismatch (-want +got) (new server got the hook):\n%s", diff)
	}
	st := rec.Status()
	if len(st) != 3 {
		t.Fatalf("len(st) = %d; want %d: %v", len(st), 3, st)
	}
	if st[0].ID != "a" {
		t.Fatalf("st[0].ID = %q; want %q", st[0].ID, "a")
	}
	if st[0].Registered() {
		t.Fatalf("st[0].Registered() = true; want false")
	}
	if st[0].Failures != 1 {
		t.Fatalf("st[0].Failures = %v; want %v", st[0].Failures, 1)
	}
	if st[1].Created != 2 {
		t.Fatalf("st[1].Created = %v; want %v (b's hook was created twice)", st[1].Created, 2)
	}
	if !(st[2].Registered()) {
		t.Fatalf("st[2].Registered() = false; want true")
	}

	// a comes back with its hook intact: no second hook is made.
	a.SetDown(false)
	if err := rec.Sync(ctx); err != nil {
		t.Fatalf("rec.Sync(ctx): %v", err)
	}
	st = rec.Status()
	if !(st[0].Registered()) {
		t.Fatalf("st[0].Registered() = false; want true")
	}
	if st[0].Failures != 0 {
		t.Fatalf("st[0].Failures = %v; want %v", st[0].Failures, 0)
	}
	if st[0].Created != 1 {
		t.Fatalf("st[0].Created = %v; want %v", st[0].Created, 1)
	}
	if got := a.Hooks(); len(got) != 1 {
		t.Fatalf("len(a.Hooks()) = %d; want %d: %v", len(got), 1, got)
	}

	// c leaves the pool: forgotten, its hook left alone.
	list.set(member("a", a), member("b", b))
	if err := rec.Sync(ctx); err != nil {
		t.Fatalf("rec.Sync(ctx): %v", err)
	}
	if got := rec.Status(); len(got) != 2 {
		t.Fatalf("len(rec.Status()) = %d; want %d: %v", len(got), 2, got)
	}
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
	if diff := cmp.Diff([]string{"a", "b", "c"}, added, cmpopts.SortSlices(func(a, b string) bool { return a < b }), cmpopts.EquateEmpty()); diff != "" {
		t.Fatalf("added servers mismatch (-want +got, in any order):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"c"}, removed); diff != "" {
		t.Fatalf("removed mismatch (-want +got):\n%s", diff)
	}
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
	if err != nil {
		t.Fatalf("pool.New(...): %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rec.Run(ctx) }()
	testwait.Eventually(t, func() bool { return len(a.Hooks()) == 1 }, 5*time.Second, 10*time.Millisecond, "len(a.Hooks()) == 1")

	added := time.Now()
	list.set(member("a", a), member("b", b))
	testwait.Eventually(t, func() bool { return len(b.Hooks()) == 1 }, 5*time.Second, 5*time.Millisecond, "len(b.Hooks()) == 1")
	if got := time.Since(added); got >= interval+150*time.Millisecond {
		t.Fatalf("time.Since(added) = %v; want < %v (new server hooked within one interval)", got, interval+150*time.Millisecond)
	}

	list.mu.Lock()
	list.err = errors.New("balancer unreachable")
	list.mu.Unlock()
	time.Sleep(2 * interval)
	if got := rec.Status(); len(got) != 2 {
		t.Fatalf("len(rec.Status()) = %d; want %d: %v (a failing Lister forgets no server)", len(got), 2, got)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("<-done = %v; want context.Canceled", err)
	}
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
	if err != nil {
		t.Fatalf("pool.New(...): %v", err)
	}
	mux.Handle("/hooks/", pool.NewReceiver(rec, func(ctx context.Context, d *webhooks.Delivery) error {
		id, ok := pool.ServerID(ctx)
		if !ok {
			t.Errorf("pool.ServerID(ctx): no server ID; want one") // not Fatal: this runs on the HTTP server's goroutine
			return errors.New("no server ID")
		}
		mu.Lock()
		defer mu.Unlock()
		for _, ev := range d.Events {
			got[id] = append(got[id], ev.Type)
		}
		return nil
	}))
	if err := rec.Sync(context.Background()); err != nil {
		t.Fatalf("rec.Sync(context.Background()): %v", err)
	}
	for _, s := range []*bbbtest.Server{a, b} {
		_, err := s.BBBClient().CreateMeeting(context.Background(), &bbb.CreateMeetingParams{Name: "Room m", MeetingID: "room-m"})
		if err != nil {
			t.Fatalf("s.BBBClient(...).CreateMeeting(...): %v", err)
		}
	}
	testwait.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got["a"]) == 1 && len(got["b"]) == 1
	}, 5*time.Second, 10*time.Millisecond, "both servers delivered one event")
	if got["a"][0] != webhooks.EventMeetingCreated {
		t.Fatalf("got[\"a\"][0] = %v; want %v", got["a"][0], webhooks.EventMeetingCreated)
	}

	resp, err := http.Post(recv.URL+"/hooks/zzz", "application/x-www-form-urlencoded", strings.NewReader("event=[]"))
	if err != nil {
		t.Fatalf("http.Post(...): %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("resp.StatusCode = %v; want %v", resp.StatusCode, http.StatusNotFound)
	}
}

func TestNewRejectsBadArguments(t *testing.T) {
	_, err := pool.New(nil, webhooks.CreateParams{CallbackURL: "http://x/"})
	if err == nil {
		t.Fatalf("pool.New(nil, webhooks.CreateParams{CallbackURL: \"http://x/\"}) = nil; want an error")
	}
	_, err = pool.New(pool.Static{}, webhooks.CreateParams{})
	if err == nil || !strings.Contains(err.Error(), "CallbackURL") {
		t.Fatalf("pool.New(pool.Static{}, webhooks.CreateParams{}) = %v; want an error containing %q", err, "CallbackURL")
	}
	_, err = pool.New(pool.Static{}, webhooks.CreateParams{CallbackURL: "http://x/"}, pool.WithInterval(0))
	if err == nil || !strings.Contains(err.Error(), "WithInterval") {
		t.Fatalf("pool.New(...) = %v; want an error containing %q", err, "WithInterval")
	}
	rec, err := pool.New(pool.Static{{ID: "a", URL: "http://127.0.0.1:1/bigbluebutton/api/", Secret: "s"}, {ID: "a", URL: "http://127.0.0.1:2/", Secret: "s"}},
		webhooks.CreateParams{CallbackURL: "http://x/"})
	if err != nil {
		t.Fatalf("pool.New(...): %v", err)
	}
	if err := rec.Sync(context.Background()); err == nil || !strings.Contains(err.Error(), "listed twice") {
		t.Fatalf("rec.Sync(context.Background()) = %v; want an error containing %q", err, "listed twice")
	}
}
