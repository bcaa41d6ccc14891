package durable

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bbbkit/bbbkit/webhooks"
)

// leaseScript renews the lease of a partition, or takes it when it is free
// and ARGV[3] is "1": 1 renewed, 2 newly taken (pending events of the
// previous holder must be claimed), 0 not held.
var leaseScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not v and ARGV[3] == '1' then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 2
end
return 0
`)

// releaseScript drops the lease if this consumer holds it.
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

// consumer is the state of one Consume call.
type consumer struct {
	q      *Queue
	fn     webhooks.DeliveryFunc
	held   map[int]bool // partitions this consumer holds
	groups bool         // the consumer groups exist
	// validUntil is when the lease of each held partition runs out, as
	// far as this process knows; no event is handed over after it.
	validUntil map[int]time.Time
	// draining marks partitions taken over whose previous holder still
	// has pending events: no new event is read until they are claimed,
	// which keeps the order.
	draining map[int]bool
	// taken holds entries fn took whose acknowledgement failed (Redis
	// went away): when they are offered again they are acknowledged
	// without calling fn a second time.
	taken map[string]bool
}

// Consume hands the stored events to fn, one Delivery per event, until ctx
// ends, and returns ctx's error. An event is acknowledged (and deleted from
// its stream) only after fn returned nil; when fn fails, the same event is
// offered again after the poll interval, and the later events of its
// partition wait, so that a meeting's events reach fn in the order they
// were stored. A replica holds a partition through a lease in Redis; when a
// replica dies, another takes its partitions once the lease ran out and
// re-claims (XAUTOCLAIM) the events the dead one had read but not
// acknowledged. Delivery to fn is at least once: a process that dies after
// fn returned but before the acknowledgement reached Redis has the event
// offered again. Redis errors are logged and retried, never returned.
func (q *Queue) Consume(ctx context.Context, fn webhooks.DeliveryFunc) error {
	if fn == nil {
		return errors.New("durable: nil DeliveryFunc")
	}
	c := &consumer{q: q, fn: fn, held: map[int]bool{}, taken: map[string]bool{}, validUntil: map[int]time.Time{}, draining: map[int]bool{}}
	defer c.release()
	for ctx.Err() == nil {
		if err := c.step(ctx); err != nil && ctx.Err() == nil {
			if strings.Contains(err.Error(), "NOGROUP") {
				c.groups = false // Redis lost its data: create the group again
			}
			q.cfg.log.Error("webhook queue", "consumer", q.cfg.consumer, "err", err)
			c.sleep(ctx)
		}
	}
	return ctx.Err()
}

func (c *consumer) sleep(ctx context.Context) {
	t := time.NewTimer(c.q.cfg.poll)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// release gives up the leases and leaves the live consumers, so that
// another replica takes over at once after a clean shutdown.
func (c *consumer) release() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	for p := range c.held {
		c.releaseOne(ctx, p)
	}
	_ = c.q.rdb.ZRem(ctx, c.q.cfg.prefix+"consumers", c.q.cfg.consumer).Err()
}

// step renews the leases, hands pending events to fn, then reads new ones.
func (c *consumer) step(ctx context.Context) error {
	if err := c.ensureGroups(ctx); err != nil {
		return err
	}
	if err := c.renew(ctx); err != nil {
		return err
	}
	if len(c.held) == 0 {
		c.sleep(ctx)
		return nil
	}
	var clean []int
	for p := range c.held {
		if c.draining[p] {
			if err := c.drain(ctx, p); err != nil {
				return err
			}
		}
		n, err := c.pending(ctx, p)
		if err != nil {
			return err
		}
		if n == 0 && !c.draining[p] {
			clean = append(clean, p)
		}
	}
	if len(clean) == 0 { // every partition waits for a failed event's retry
		c.sleep(ctx)
		return nil
	}
	return c.readNew(ctx, clean)
}

// ensureGroups creates the streams and the consumer group once.
func (c *consumer) ensureGroups(ctx context.Context) error {
	if c.groups {
		return nil
	}
	for p := range c.q.cfg.partitions {
		err := c.q.rdb.XGroupCreateMkStream(ctx, c.q.stream(p), c.q.cfg.group, "0").Err()
		if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
			return fmt.Errorf("create consumer group: %w", err)
		}
	}
	c.groups = true
	return nil
}

// renew renews the held partitions and takes free ones up to this
// consumer's share: the partitions divided by the live consumers (those
// that renewed within a lease), rounded up. Above its share (a replica
// joined) it gives partitions back. A partition newly taken has the
// pending events of its previous holder claimed.
func (c *consumer) renew(ctx context.Context) error {
	share, err := c.share(ctx)
	if err != nil {
		return err
	}
	ms := c.q.cfg.lease.Milliseconds()
	for p := range c.q.cfg.partitions {
		asked := time.Now()
		if c.held[p] && len(c.held) > share {
			c.releaseOne(ctx, p)
			continue
		}
		mayTake := "0"
		if len(c.held) < share {
			mayTake = "1"
		}
		r, err := leaseScript.Run(ctx, c.q.rdb, []string{c.q.lease(p)}, c.q.cfg.consumer, ms, mayTake).Int()
		if err != nil {
			return fmt.Errorf("lease: %w", err)
		}
		switch r {
		case 0:
			delete(c.held, p)
		case 2:
			c.draining[p] = true
			fallthrough
		default:
			c.held[p] = true
			c.validUntil[p] = asked.Add(c.q.cfg.lease)
		}
	}
	return nil
}

// share records this consumer as live and returns how many partitions it
// may hold.
func (c *consumer) share(ctx context.Context) (int, error) {
	key := c.q.cfg.prefix + "consumers"
	now := time.Now().UnixMilli()
	pipe := c.q.rdb.TxPipeline()
	pipe.ZAdd(ctx, key, redis.Z{Score: float64(now), Member: c.q.cfg.consumer})
	pipe.ZRemRangeByScore(ctx, key, "-inf", strconv.FormatInt(now-c.q.cfg.lease.Milliseconds(), 10))
	card := pipe.ZCard(ctx, key)
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, fmt.Errorf("register consumer: %w", err)
	}
	n := max(int(card.Val()), 1)
	return (c.q.cfg.partitions + n - 1) / n, nil
}

// releaseOne gives partition p back.
func (c *consumer) releaseOne(ctx context.Context, p int) {
	delete(c.held, p)
	delete(c.draining, p)
	_ = releaseScript.Run(ctx, c.q.rdb, []string{c.q.lease(p)}, c.q.cfg.consumer).Err()
}

// drain claims (XAUTOCLAIM) the pending events of other consumers in a
// partition just taken over, once they have been idle for a lease: their
// reader is gone, or has given up the lease (it hands over nothing after
// its lease ran out). The partition stays draining while other consumers
// still have pending events in it.
func (c *consumer) drain(ctx context.Context, p int) error {
	start := "0-0"
	for {
		_, next, err := c.q.rdb.XAutoClaimJustID(ctx, &redis.XAutoClaimArgs{
			Stream: c.q.stream(p), Group: c.q.cfg.group, Consumer: c.q.cfg.consumer,
			MinIdle: c.q.cfg.lease, Start: start, Count: 100,
		}).Result()
		if err != nil {
			return fmt.Errorf("claim pending events: %w", err)
		}
		if next == "0-0" || next == "" {
			break
		}
		start = next
	}
	sum, err := c.q.rdb.XPending(ctx, c.q.stream(p), c.q.cfg.group).Result()
	if err != nil {
		return fmt.Errorf("pending summary: %w", err)
	}
	for name, n := range sum.Consumers {
		if name != c.q.cfg.consumer && n > 0 {
			return nil // not idle long enough yet
		}
	}
	delete(c.draining, p)
	return nil
}

// pending hands this consumer's pending events of partition p to fn in
// order, and returns how many are still pending (fn failed on one).
func (c *consumer) pending(ctx context.Context, p int) (int, error) {
	res, err := c.q.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
		Group: c.q.cfg.group, Consumer: c.q.cfg.consumer,
		Streams: []string{c.q.stream(p), "0"}, Count: c.q.cfg.batch,
	}).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return 0, fmt.Errorf("read pending: %w", err)
	}
	left := 0
	for _, s := range res {
		left += c.handle(ctx, p, s.Messages)
	}
	return left, nil
}

// readNew blocks for new events on partitions parts and hands them to
// fn.
func (c *consumer) readNew(ctx context.Context, parts []int) error {
	streams := make([]string, 0, 2*len(parts))
	for _, p := range parts {
		streams = append(streams, c.q.stream(p))
	}
	for range parts {
		streams = append(streams, ">")
	}
	res, err := c.q.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
		Group: c.q.cfg.group, Consumer: c.q.cfg.consumer,
		Streams: streams, Count: c.q.cfg.batch, Block: c.q.cfg.poll,
	}).Result()
	if errors.Is(err, redis.Nil) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read new: %w", err)
	}
	for _, s := range res {
		p, _ := strconv.Atoi(s.Stream[strings.LastIndexByte(s.Stream, ':')+1:])
		c.handle(ctx, p, s.Messages)
	}
	return nil
}

// handle passes messages to fn in order, acknowledging each that fn took,
// and stops at the first failure; it returns how many were not taken.
func (c *consumer) handle(ctx context.Context, p int, msgs []redis.XMessage) int {
	for i, m := range msgs {
		if time.Now().After(c.validUntil[p].Add(-c.q.cfg.lease / 4)) {
			return len(msgs) - i // renew the lease first
		}
		key := c.q.stream(p) + " " + m.ID
		d, err := decodeMessage(m)
		if c.taken[key] {
			err = errTaken
		}
		if err == nil {
			err = c.fn(context.WithValue(ctx, entryKey{}, strconv.Itoa(p)+"/"+m.ID), d)
			if err != nil {
				c.q.cfg.log.Warn("delivery function failed, will retry", "consumer", c.q.cfg.consumer, "entry", m.ID, "err", err)
				return len(msgs) - i
			}
		} else if err != errTaken {
			// Stored by Deliver after the Handler verified and decoded
			// it: unreadable only if something else wrote the stream.
			c.q.cfg.log.Error("dropping unreadable entry", "entry", m.ID, "err", err)
		}
		pipe := c.q.rdb.TxPipeline()
		pipe.XAck(ctx, c.q.stream(p), c.q.cfg.group, m.ID)
		pipe.XDel(ctx, c.q.stream(p), m.ID)
		if _, err := pipe.Exec(ctx); err != nil {
			// Still pending and offered again: remembered as taken, so
			// that this process only acknowledges it then.
			c.taken[key] = true
			c.q.cfg.log.Error("acknowledge", "entry", m.ID, "err", err)
			return len(msgs) - i
		}
		delete(c.taken, key)
	}
	return 0
}

type entryKey struct{}

// EntryID returns, in the context Consume passes to the DeliveryFunc, the
// identity of the stored event ("<partition>/<stream entry ID>"): the same
// each time the event is offered, unique among the events stored. An
// application that must not apply an event twice (after a replica died
// between the application's success and the acknowledgement) keys its
// effect by it.
func EntryID(ctx context.Context) (string, bool) {
	id, ok := ctx.Value(entryKey{}).(string)
	return id, ok
}

// errTaken marks an entry fn already took.
var errTaken = errors.New("already taken")

// decodeMessage rebuilds the one-event Delivery of a stream entry.
func decodeMessage(m redis.XMessage) (*webhooks.Delivery, error) {
	js, _ := m.Values["event"].(string)
	domain, _ := m.Values["domain"].(string)
	tsText, _ := m.Values["ts"].(string)
	evs, err := webhooks.ParseEvents([]byte("[" + js + "]"))
	if err != nil {
		return nil, err
	}
	if len(evs) != 1 {
		return nil, fmt.Errorf("entry holds %d events", len(evs))
	}
	d := &webhooks.Delivery{Domain: domain, Events: evs}
	if ms, err := strconv.ParseInt(tsText, 10, 64); err == nil && ms > 0 {
		d.Timestamp = time.UnixMilli(ms).UTC()
	}
	return d, nil
}
