package durable_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/bbbkit/bbbkit/internal/redistest"
	"github.com/bbbkit/bbbkit/internal/testwait"
	"github.com/bbbkit/bbbkit/webhooks"
	"github.com/bbbkit/bbbkit/webhooks/durable"
	"github.com/google/go-cmp/cmp"
)

func newRedis(t *testing.T) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: redistest.Addr(t)})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// eventJSON is a user-joined event of meeting whose user name is the
// event's number.
func eventJSON(meeting string, n int) string {
	return fmt.Sprintf(`{"data":{"type":"event","id":"user-joined","attributes":{"meeting":{"internal-meeting-id":"int-%[1]s","external-meeting-id":"%[1]s"},"user":{"internal-user-id":"w_%[2]d","external-user-id":"u%[2]d","name":"%[2]d","role":"VIEWER"}},"event":{"ts":%[3]d}}}`,
		meeting, n, 1764150000000+int64(n))
}

func delivery(t *testing.T, events ...string) *webhooks.Delivery {
	t.Helper()
	body := "domain=bbb.example.org&timestamp=1764150000000&event=" + url.QueryEscape("["+strings.Join(events, ",")+"]")
	d, err := webhooks.ParseDelivery([]byte(body))
	if err != nil {
		t.Fatalf("webhooks.ParseDelivery([]byte(body)): %v", err)
	}
	return d
}

// recorder is an application that records the numbers it got per meeting.
type recorder struct {
	mu   sync.Mutex
	got  map[string][]string
	fail func(meeting, name string) bool
}

func (r *recorder) deliver(_ context.Context, d *webhooks.Delivery) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, ev := range d.Events {
		if r.fail != nil && r.fail(ev.MeetingID, ev.Attributes.User.Name) {
			return errors.New("application busy")
		}
		if r.got == nil {
			r.got = map[string][]string{}
		}
		r.got[ev.MeetingID] = append(r.got[ev.MeetingID], ev.Attributes.User.Name)
	}
	return nil
}

func (r *recorder) snapshot() map[string][]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string][]string{}
	for k, v := range r.got {
		out[k] = append([]string(nil), v...)
	}
	return out
}

func consume(t *testing.T, q *durable.Queue, fn webhooks.DeliveryFunc) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- q.Consume(ctx, fn) }()
	return func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("q.Consume(...) = %v; want context.Canceled", err)
		}
	}
}

func newQueue(t *testing.T, rdb redis.UniversalClient, opts ...durable.Option) *durable.Queue {
	t.Helper()
	q, err := durable.New(rdb, append([]durable.Option{durable.WithPrefix(redistest.Prefix(t)),
		durable.WithLease(400 * time.Millisecond), durable.WithPollInterval(50 * time.Millisecond)}, opts...)...)
	if err != nil {
		t.Fatalf("durable.New(...): %v", err)
	}
	return q
}

// TestDuplicatesAcrossReplicas: the same event delivered to two replicas
// is stored once; a failing application gets the event again, and later
// events of its meeting wait for it.
func TestDuplicatesAcrossReplicasAndRetry(t *testing.T) {
	rdb := newRedis(t)
	prefix := durable.WithPrefix(redistest.Prefix(t))
	q1, q2 := newQueue(t, rdb, prefix), newQueue(t, rdb, prefix)
	ctx := context.Background()
	d := delivery(t, eventJSON("m1", 1), eventJSON("m1", 2))
	if err := q1.Deliver(ctx, d); err != nil {
		t.Fatalf("q1.Deliver(ctx, d): %v", err)
	}
	// the retry reached the other replica
	if err := q2.Deliver(ctx, d); err != nil {
		t.Fatalf("q2.Deliver(ctx, d): %v", err)
	}
	if err := q2.Deliver(ctx, delivery(t, eventJSON("m1", 3))); err != nil {
		t.Fatalf("q2.Deliver(ctx, delivery(t, eventJSON(\"m1\", 3))): %v", err)
	}

	failures := 0
	app := &recorder{fail: func(_, name string) bool {
		if name == "2" && failures < 3 {
			failures++
			return true
		}
		return false
	}}
	stop1 := consume(t, q1, app.deliver)
	stop2 := consume(t, q2, app.deliver)
	testwait.Eventually(t, func() bool { return len(app.snapshot()["m1"]) == 3 }, 5*time.Second, 10*time.Millisecond, "len(app.snapshot()[\"m1\"]) == 3")
	stop1()
	stop2()
	if diff := cmp.Diff([]string{"1", "2", "3"}, app.snapshot()["m1"]); diff != "" {
		t.Fatalf("app.snapshot()[\"m1\"] mismatch (-want +got):\n%s", diff)
	}
	if failures != 3 {
		t.Fatalf("failures = %v; want %v", failures, 3)
	}
}

// TestDeadConsumerReclaimed: events a consumer read but never
// acknowledged are handed to another once the dead one's lease ran out.
func TestDeadConsumerReclaimed(t *testing.T) {
	rdb := newRedis(t)
	prefix := durable.WithPrefix(redistest.Prefix(t))
	dead := newQueue(t, rdb, prefix, durable.WithPartitions(1), durable.WithConsumer("dead"))
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan struct{})
	// The dead consumer reads an event and "dies" inside the application:
	// its Consume is cancelled before it could acknowledge.
	var once sync.Once
	done := make(chan error, 1)
	go func() {
		done <- dead.Consume(ctx, func(context.Context, *webhooks.Delivery) error {
			once.Do(func() { close(got) })
			<-ctx.Done()
			return ctx.Err()
		})
	}()
	if err := dead.Deliver(context.Background(), delivery(t, eventJSON("m9", 1), eventJSON("m9", 2))); err != nil {
		t.Fatalf("dead.Deliver(...): %v", err)
	}
	<-got
	cancel()
	<-done
	// The lease is released on a clean stop; take it back to simulate a
	// process killed while holding it.
	pending, err := rdb.XPending(context.Background(), keyOf(t, rdb, "stream:0"), durable.DefaultGroup).Result()
	if err != nil {
		t.Fatalf("rdb.XPending(...): %v", err)
	}
	if pending.Count != 2 {
		t.Fatalf("pending.Count = %v; want %v (nothing was acknowledged)", pending.Count, 2)
	}
	if err := rdb.Set(context.Background(), keyOf(t, rdb, "lease:0"), "dead", 300*time.Millisecond).Err(); err != nil {
		t.Fatalf("rdb.Set(...): %v", err)
	}

	app := &recorder{}
	live := newQueue(t, rdb, prefix, durable.WithPartitions(1), durable.WithConsumer("live"))
	start := time.Now()
	stop := consume(t, live, app.deliver)
	testwait.Eventually(t, func() bool { return len(app.snapshot()["m9"]) == 2 }, 5*time.Second, 10*time.Millisecond, "len(app.snapshot()[\"m9\"]) == 2")
	if got := time.Since(start); got < 250*time.Millisecond {
		t.Fatalf("time.Since(start) = %v; want >= %v (claimed only after the lease ran out)", got, 250*time.Millisecond)
	}
	stop()
	if diff := cmp.Diff([]string{"1", "2"}, app.snapshot()["m9"]); diff != "" {
		t.Fatalf("app.snapshot()[\"m9\"] mismatch (-want +got):\n%s", diff)
	}
	n, err := rdb.XLen(context.Background(), keyOf(t, rdb, "stream:0")).Result()
	if err != nil {
		t.Fatalf("rdb.XLen(context.Background(), keyOf(t, rdb, \"stream:0\")).Result(): %v", err)
	}
	if n != 0 {
		t.Fatalf("n = %v; want 0 (acknowledged entries are deleted)", n)
	}
}

// keyOf finds the full key with the given suffix (the test prefix is
// random).
func keyOf(t *testing.T, rdb *redis.Client, suffix string) string {
	t.Helper()
	keys, err := rdb.Keys(context.Background(), "*:"+suffix).Result()
	if err != nil {
		t.Fatalf("rdb.Keys(context.Background(), \"*:\"+suffix).Result(): %v", err)
	}
	for _, k := range keys {
		if strings.HasPrefix(k, "test:") {
			return k
		}
	}
	if strings.HasPrefix(suffix, "lease:") { // released: rebuild from the stream key
		s := keyOf(t, rdb, "stream:"+strings.TrimPrefix(suffix, "lease:"))
		return strings.TrimSuffix(s, "stream:"+strings.TrimPrefix(suffix, "lease:")) + suffix
	}
	t.Fatalf("no key *%s", suffix)
	return ""
}

// TestUnavailableRedisAnswers503: when Redis cannot be reached, Deliver
// fails with ErrUnavailable and Wrap turns the Handler's 500 into 503.
func TestUnavailableRedisAnswers503(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer rdb.Close()
	q, err := durable.New(rdb)
	if err != nil {
		t.Fatalf("durable.New(rdb): %v", err)
	}
	err = q.Deliver(context.Background(), delivery(t, eventJSON("m", 1)))
	if !errors.Is(err, durable.ErrUnavailable) {
		t.Fatalf("q.Deliver(context.Background(), delivery(t, eventJSON(\"m\", 1))) = %v; want durable.ErrUnavailable", err)
	}

	const secret, cb = "0123456789abcdef0123", "http://127.0.0.1/cb"
	h, err := webhooks.NewHandler(secret, cb, q.Deliver, webhooks.WithoutMaxAge())
	if err != nil {
		t.Fatalf("webhooks.NewHandler(secret, cb, q.Deliver, webhooks.WithoutMaxAge()): %v", err)
	}
	srv := httptest.NewServer(q.Wrap(h))
	defer srv.Close()
	body := "domain=d&timestamp=1764150000000&event=" + url.QueryEscape("["+eventJSON("m", 1)+"]")
	req, err := http.NewRequest(http.MethodPost, srv.URL+"?checksum="+webhooks.Sign(checksum.SHA1, cb, []byte(body), secret), strings.NewReader(body))
	if err != nil {
		t.Fatalf("http.NewRequest(...): %v", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("srv.Client().Do(req): %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("resp.StatusCode = %v; want %v", resp.StatusCode, http.StatusServiceUnavailable)
	}
	if got := resp.Header.Get("Retry-After"); got != "1" {
		t.Fatalf("resp.Header.Get(\"Retry-After\") = %q; want %q", got, "1")
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer rdb.Close()
	_, err := durable.New(nil)
	if err == nil {
		t.Fatalf("durable.New(nil) = nil; want an error")
	}
	_, err = durable.New(rdb, durable.WithPartitions(0))
	if err == nil || !strings.Contains(err.Error(), "WithPartitions") {
		t.Fatalf("durable.New(rdb, durable.WithPartitions(0)) = %v; want an error containing %q", err, "WithPartitions")
	}
	_, err = durable.New(rdb, durable.WithLease(time.Second), durable.WithPollInterval(time.Second))
	if err == nil || !strings.Contains(err.Error(), "half the lease") {
		t.Fatalf("durable.New(...) = %v; want an error containing %q", err, "half the lease")
	}
}

// failAckOnce fails the first pipeline that acknowledges an entry, as a
// Redis outage between the application's success and the XACK would.
type failAckOnce struct{ failed atomic.Bool }

func (h *failAckOnce) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *failAckOnce) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return next
}
func (h *failAckOnce) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, c := range cmds {
			if c.Name() == "xack" && h.failed.CompareAndSwap(false, true) {
				return errors.New("connection reset")
			}
		}
		return next(ctx, cmds)
	}
}

// TestFailedAckDoesNotRepeat: when the acknowledgement fails after the
// application took an event, the event is acknowledged later without
// being handed to the application again.
func TestFailedAckDoesNotRepeat(t *testing.T) {
	rdb := newRedis(t)
	hook := &failAckOnce{}
	rdb.AddHook(hook)
	q := newQueue(t, rdb, durable.WithPartitions(1))
	if err := q.Deliver(context.Background(), delivery(t, eventJSON("m1", 1), eventJSON("m1", 2))); err != nil {
		t.Fatalf("q.Deliver(...): %v", err)
	}
	app := &recorder{}
	stop := consume(t, q, app.deliver)
	testwait.Eventually(t, func() bool { return len(app.snapshot()["m1"]) == 2 }, 5*time.Second, 10*time.Millisecond, "len(app.snapshot()[\"m1\"]) == 2")
	testwait.Eventually(t, func() bool {
		n, err := rdb.XLen(context.Background(), keyOf(t, rdb, "stream:0")).Result()
		return err == nil && n == 0
	}, 5*time.Second, 10*time.Millisecond, "condition (acknowledged and deleted in the end)")
	time.Sleep(150 * time.Millisecond)
	stop()
	if !hook.failed.Load() {
		t.Fatalf("hook.failed.Load() = false; want true")
	}
	if diff := cmp.Diff([]string{"1", "2"}, app.snapshot()["m1"]); diff != "" {
		t.Fatalf("app.snapshot()[\"m1\"] mismatch (-want +got):\n%s", diff)
	}
}

// TestEntryIDStableAcrossRetries: the application sees the same EntryID
// each time one event is offered.
func TestEntryIDStableAcrossRetries(t *testing.T) {
	rdb := newRedis(t)
	q := newQueue(t, rdb)
	if err := q.Deliver(context.Background(), delivery(t, eventJSON("m1", 1))); err != nil {
		t.Fatalf("q.Deliver(context.Background(), delivery(t, eventJSON(\"m1\", 1))): %v", err)
	}
	var mu sync.Mutex
	var ids []string
	stop := consume(t, q, func(ctx context.Context, _ *webhooks.Delivery) error {
		id, ok := durable.EntryID(ctx)
		if !ok {
			t.Errorf("durable.EntryID(ctx): no entry ID; want one") // not Fatal: this runs on the consumer's goroutine
			id = "(none)"
		}
		mu.Lock()
		defer mu.Unlock()
		ids = append(ids, id)
		if len(ids) == 1 {
			return errors.New("not yet")
		}
		return nil
	})
	testwait.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(ids) == 2 }, 5*time.Second, 10*time.Millisecond, "len(ids) == 2")
	stop()
	if ids[1] != ids[0] {
		t.Fatalf("ids[1] = %v; want %v", ids[1], ids[0])
	}
	if !regexp.MustCompile(`^\d+/\d+-\d+$`).MatchString(ids[0]) {
		t.Fatalf("ids[0] = %q; want it to match `^\\d+/\\d+-\\d+$`", ids[0])
	}
}

// TestReplicasShareThePartitions: two replicas consume side by side, each
// holding its share of the partitions, and every event reaches exactly one.
func TestReplicasShareThePartitions(t *testing.T) {
	rdb := newRedis(t)
	prefix := durable.WithPrefix(redistest.Prefix(t))
	q1, q2 := newQueue(t, rdb, prefix), newQueue(t, rdb, prefix)
	a1, a2 := &recorder{}, &recorder{}
	stop1 := consume(t, q1, a1.deliver)
	time.Sleep(300 * time.Millisecond) // replica 1 alone takes every partition
	stop2 := consume(t, q2, a2.deliver)
	time.Sleep(500 * time.Millisecond) // replica 1 gives half of them back
	const meetings = 32
	for i := range meetings {
		if err := q1.Deliver(context.Background(), delivery(t, eventJSON(fmt.Sprintf("m%d", i), 1))); err != nil {
			t.Fatalf("q1.Deliver(...): %v", err)
		}
	}
	total := func() (int, int) { return len(a1.snapshot()), len(a2.snapshot()) }
	testwait.Eventually(t, func() bool { n1, n2 := total(); return n1+n2 == meetings }, 5*time.Second, 10*time.Millisecond, "n1+n2 == meetings")
	stop1()
	stop2()
	n1, n2 := total()
	if n1 == 0 {
		t.Fatalf("n1 = 0; want non-zero (replica 1 got none)")
	}
	if n2 == 0 {
		t.Fatalf("n2 = 0; want non-zero (replica 2 got none)")
	}
}

// TestGroupRecreatedAfterDataLoss: when Redis loses the streams (a restart
// without persistence), Consume creates the group again and goes on.
func TestGroupRecreatedAfterDataLoss(t *testing.T) {
	rdb := newRedis(t)
	q := newQueue(t, rdb, durable.WithPartitions(1))
	app := &recorder{}
	stop := consume(t, q, app.deliver)
	defer stop()
	if err := q.Deliver(context.Background(), delivery(t, eventJSON("m1", 1))); err != nil {
		t.Fatalf("q.Deliver(context.Background(), delivery(t, eventJSON(\"m1\", 1))): %v", err)
	}
	testwait.Eventually(t, func() bool { return len(app.snapshot()["m1"]) == 1 }, 5*time.Second, 10*time.Millisecond, "len(app.snapshot()[\"m1\"]) == 1")
	if err := rdb.Del(context.Background(), keyOf(t, rdb, "stream:0")).Err(); err != nil {
		t.Fatalf("rdb.Del(context.Background(), keyOf(t, rdb, \"stream:0\")).Err(): %v", err)
	}
	if err := q.Deliver(context.Background(), delivery(t, eventJSON("m1", 2))); err != nil {
		t.Fatalf("q.Deliver(context.Background(), delivery(t, eventJSON(\"m1\", 2))): %v", err)
	}
	testwait.Eventually(t, func() bool { return len(app.snapshot()["m1"]) == 2 }, 5*time.Second, 10*time.Millisecond, "len(app.snapshot()[\"m1\"]) == 2")
}
