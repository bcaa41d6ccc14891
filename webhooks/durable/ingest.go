package durable

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"net/http"
	"strconv"
	"sync/atomic"

	"github.com/redis/go-redis/v9"

	"github.com/bbbkit/bbbkit/webhooks"
)

// ingestScript stores the events of one delivery: for each event (KEYS
// seen, stream in pairs; ARGV event JSON, domain, timestamp in triples after
// the window) it appends the event to its stream unless its identity was
// seen within the window. Running as one script, a retry arriving at two
// replicas at once is stored once.
var ingestScript = redis.NewScript(`
local added = 0
for i = 1, #KEYS, 2 do
  local a = 2 + (i - 1) / 2 * 3
  if redis.call('SET', KEYS[i], '1', 'NX', 'PX', ARGV[1]) then
    redis.call('XADD', KEYS[i + 1], '*', 'event', ARGV[a], 'domain', ARGV[a + 1], 'ts', ARGV[a + 2])
    added = added + 1
  end
end
return added
`)

// Identity returns the identity of an event for de-duplication: a hash of
// the sending server's domain and the event's JSON as received.
// bbb-webhooks sends a retry with the same JSON, and two distinct events
// differ at least in their millisecond timestamp.
func Identity(domain string, ev *webhooks.Event) string {
	h := sha256.New()
	h.Write([]byte(domain))
	h.Write([]byte{0})
	h.Write(ev.JSON)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// partition returns the stream of an event: by meeting, so that a
// meeting's events stay in one stream, in order.
func (q *Queue) partition(ev *webhooks.Event) int {
	id := ev.MeetingID
	if id == "" {
		id = ev.InternalMeetingID
	}
	h := fnv.New32a()
	h.Write([]byte(id))
	return int(h.Sum32() % uint32(q.cfg.partitions))
}

// Deliver is a webhooks.DeliveryFunc: it appends the events of d to Redis
// and returns nil once Redis has them, so the sender gets its 200 only
// then. Events seen within the de-duplication window are skipped. When
// Redis fails it returns an error matching ErrUnavailable, and the Handler
// answers 500 (503 behind Wrap), so bbb-webhooks retries.
func (q *Queue) Deliver(ctx context.Context, d *webhooks.Delivery) error {
	if len(d.Events) == 0 {
		return nil
	}
	keys := make([]string, 0, 2*len(d.Events))
	args := make([]any, 0, 1+3*len(d.Events))
	args = append(args, q.cfg.window.Milliseconds())
	ts := strconv.FormatInt(d.Timestamp.UnixMilli(), 10)
	for i := range d.Events {
		ev := &d.Events[i]
		keys = append(keys, q.seen(Identity(d.Domain, ev)), q.stream(q.partition(ev)))
		args = append(args, string(ev.JSON), d.Domain, ts)
	}
	if err := ingestScript.Run(ctx, q.rdb, keys, args...).Err(); err != nil {
		markUnavailable(ctx)
		return fmt.Errorf("%w: store delivery: %w", ErrUnavailable, err)
	}
	return nil
}

type unavailableKey struct{}

func markUnavailable(ctx context.Context) {
	if flag, ok := ctx.Value(unavailableKey{}).(*atomic.Bool); ok {
		flag.Store(true)
	}
}

// Wrap returns h (a webhooks.Handler whose DeliveryFunc is Deliver) with
// one change: when Deliver failed because Redis was unreachable, the answer
// is 503 Service Unavailable with Retry-After instead of 500, telling the
// sender and any proxy that the receiver is fine but cannot store now.
// bbb-webhooks retries either.
func (q *Queue) Wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		flag := new(atomic.Bool)
		h.ServeHTTP(&statusRewriter{ResponseWriter: w, unavailable: flag},
			r.WithContext(context.WithValue(r.Context(), unavailableKey{}, flag)))
	})
}

// statusRewriter turns a 500 into 503 when Deliver marked Redis
// unavailable.
type statusRewriter struct {
	http.ResponseWriter
	unavailable *atomic.Bool
}

func (s *statusRewriter) WriteHeader(code int) {
	if code == http.StatusInternalServerError && s.unavailable.Load() {
		s.Header().Set("Retry-After", "1")
		code = http.StatusServiceUnavailable
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRewriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
