package durable_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/bbbkit/bbbkit/bbb/checksum"
	"github.com/bbbkit/bbbkit/internal/redistest"
	"github.com/bbbkit/bbbkit/webhooks"
	"github.com/bbbkit/bbbkit/webhooks/durable"
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
	require.NoError(t, err)
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
	return func() { cancel(); require.ErrorIs(t, <-done, context.Canceled) }
}

func newQueue(t *testing.T, rdb redis.UniversalClient, opts ...durable.Option) *durable.Queue {
	t.Helper()
	q, err := durable.New(rdb, append([]durable.Option{durable.WithPrefix(redistest.Prefix(t)),
		durable.WithLease(400 * time.Millisecond), durable.WithPollInterval(50 * time.Millisecond)}, opts...)...)
	require.NoError(t, err)
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
	require.NoError(t, q1.Deliver(ctx, d))
	require.NoError(t, q2.Deliver(ctx, d)) // the retry reached the other replica
	require.NoError(t, q2.Deliver(ctx, delivery(t, eventJSON("m1", 3))))

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
	require.Eventually(t, func() bool { return len(app.snapshot()["m1"]) == 3 }, 5*time.Second, 10*time.Millisecond)
	stop1()
	stop2()
	require.Equal(t, []string{"1", "2", "3"}, app.snapshot()["m1"])
	require.Equal(t, 3, failures)
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
	require.NoError(t, dead.Deliver(context.Background(), delivery(t, eventJSON("m9", 1), eventJSON("m9", 2))))
	<-got
	cancel()
	<-done
	// The lease is released on a clean stop; take it back to simulate a
	// process killed while holding it.
	pending, err := rdb.XPending(context.Background(), keyOf(t, rdb, "stream:0"), durable.DefaultGroup).Result()
	require.NoError(t, err)
	require.EqualValues(t, 2, pending.Count, "nothing was acknowledged")
	require.NoError(t, rdb.Set(context.Background(), keyOf(t, rdb, "lease:0"), "dead", 300*time.Millisecond).Err())

	app := &recorder{}
	live := newQueue(t, rdb, prefix, durable.WithPartitions(1), durable.WithConsumer("live"))
	start := time.Now()
	stop := consume(t, live, app.deliver)
	require.Eventually(t, func() bool { return len(app.snapshot()["m9"]) == 2 }, 5*time.Second, 10*time.Millisecond)
	require.GreaterOrEqual(t, time.Since(start), 250*time.Millisecond, "claimed only after the lease ran out")
	stop()
	require.Equal(t, []string{"1", "2"}, app.snapshot()["m9"])
	n, err := rdb.XLen(context.Background(), keyOf(t, rdb, "stream:0")).Result()
	require.NoError(t, err)
	require.Zero(t, n, "acknowledged entries are deleted")
}

// keyOf finds the full key with the given suffix (the test prefix is
// random).
func keyOf(t *testing.T, rdb *redis.Client, suffix string) string {
	t.Helper()
	keys, err := rdb.Keys(context.Background(), "*:"+suffix).Result()
	require.NoError(t, err)
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
	require.NoError(t, err)
	err = q.Deliver(context.Background(), delivery(t, eventJSON("m", 1)))
	require.ErrorIs(t, err, durable.ErrUnavailable)

	const secret, cb = "0123456789abcdef0123", "http://127.0.0.1/cb"
	h, err := webhooks.NewHandler(secret, cb, q.Deliver, webhooks.WithoutMaxAge())
	require.NoError(t, err)
	srv := httptest.NewServer(q.Wrap(h))
	defer srv.Close()
	body := "domain=d&timestamp=1764150000000&event=" + url.QueryEscape("["+eventJSON("m", 1)+"]")
	req, err := http.NewRequest(http.MethodPost, srv.URL+"?checksum="+webhooks.Sign(checksum.SHA1, cb, []byte(body), secret), strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	require.Equal(t, "1", resp.Header.Get("Retry-After"))
}

func TestNewRejectsBadOptions(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer rdb.Close()
	_, err := durable.New(nil)
	require.Error(t, err)
	_, err = durable.New(rdb, durable.WithPartitions(0))
	require.ErrorContains(t, err, "WithPartitions")
	_, err = durable.New(rdb, durable.WithLease(time.Second), durable.WithPollInterval(time.Second))
	require.ErrorContains(t, err, "half the lease")
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
	require.NoError(t, q.Deliver(context.Background(), delivery(t, eventJSON("m1", 1), eventJSON("m1", 2))))
	app := &recorder{}
	stop := consume(t, q, app.deliver)
	require.Eventually(t, func() bool { return len(app.snapshot()["m1"]) == 2 }, 5*time.Second, 10*time.Millisecond)
	require.Eventually(t, func() bool {
		n, err := rdb.XLen(context.Background(), keyOf(t, rdb, "stream:0")).Result()
		return err == nil && n == 0
	}, 5*time.Second, 10*time.Millisecond, "acknowledged and deleted in the end")
	time.Sleep(150 * time.Millisecond)
	stop()
	require.True(t, hook.failed.Load())
	require.Equal(t, []string{"1", "2"}, app.snapshot()["m1"])
}

// TestEntryIDStableAcrossRetries: the application sees the same EntryID
// each time one event is offered.
func TestEntryIDStableAcrossRetries(t *testing.T) {
	rdb := newRedis(t)
	q := newQueue(t, rdb)
	require.NoError(t, q.Deliver(context.Background(), delivery(t, eventJSON("m1", 1))))
	var mu sync.Mutex
	var ids []string
	stop := consume(t, q, func(ctx context.Context, _ *webhooks.Delivery) error {
		id, ok := durable.EntryID(ctx)
		require.True(t, ok)
		mu.Lock()
		defer mu.Unlock()
		ids = append(ids, id)
		if len(ids) == 1 {
			return errors.New("not yet")
		}
		return nil
	})
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(ids) == 2 }, 5*time.Second, 10*time.Millisecond)
	stop()
	require.Equal(t, ids[0], ids[1])
	require.Regexp(t, `^\d+/\d+-\d+$`, ids[0])
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
		require.NoError(t, q1.Deliver(context.Background(), delivery(t, eventJSON(fmt.Sprintf("m%d", i), 1))))
	}
	total := func() (int, int) { return len(a1.snapshot()), len(a2.snapshot()) }
	require.Eventually(t, func() bool { n1, n2 := total(); return n1+n2 == meetings }, 5*time.Second, 10*time.Millisecond)
	stop1()
	stop2()
	n1, n2 := total()
	require.NotZero(t, n1, "replica 1 got none")
	require.NotZero(t, n2, "replica 2 got none")
}

// TestGroupRecreatedAfterDataLoss: when Redis loses the streams (a restart
// without persistence), Consume creates the group again and goes on.
func TestGroupRecreatedAfterDataLoss(t *testing.T) {
	rdb := newRedis(t)
	q := newQueue(t, rdb, durable.WithPartitions(1))
	app := &recorder{}
	stop := consume(t, q, app.deliver)
	defer stop()
	require.NoError(t, q.Deliver(context.Background(), delivery(t, eventJSON("m1", 1))))
	require.Eventually(t, func() bool { return len(app.snapshot()["m1"]) == 1 }, 5*time.Second, 10*time.Millisecond)
	require.NoError(t, rdb.Del(context.Background(), keyOf(t, rdb, "stream:0")).Err())
	require.NoError(t, q.Deliver(context.Background(), delivery(t, eventJSON("m1", 2))))
	require.Eventually(t, func() bool { return len(app.snapshot()["m1"]) == 2 }, 5*time.Second, 10*time.Millisecond)
}
