package webhooks

import (
	"context"
	"hash/maphash"
	"sync"
	"time"
)

// dedupKey identifies a delivery body: two independent 64-bit hashes, so
// that an accidental collision (which would drop an event) is negligible.
type dedupKey [2]uint64

// dedupEntry is the state of one body: in flight until done is closed, then
// accepted until expires.
type dedupEntry struct {
	done     chan struct{}
	accepted bool
	expires  time.Time
}

// dedup remembers the bodies of accepted deliveries for a window. Retries of
// one delivery by bbb-webhooks carry the same body (the timestamp field stays
// the same), so a repeat inside the window is answered as delivered without
// calling the user's function again. A repeat that arrives while the first
// copy is still being handled waits for it.
type dedup struct {
	window time.Duration
	max    int
	seeds  [2]maphash.Seed

	mu      sync.Mutex
	entries map[dedupKey]*dedupEntry
	order   []dedupOrder // accepted entries, oldest first
	head    int
}

type dedupOrder struct {
	key     dedupKey
	expires time.Time
}

func newDedup(window time.Duration, maxEntries int) *dedup {
	return &dedup{
		window:  window,
		max:     maxEntries,
		seeds:   [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()},
		entries: make(map[dedupKey]*dedupEntry),
	}
}

func (d *dedup) key(body []byte) dedupKey {
	return dedupKey{maphash.Bytes(d.seeds[0], body), maphash.Bytes(d.seeds[1], body)}
}

// begin reports whether the caller should handle the body (true) or answer
// it as a duplicate (false). A caller that gets true must call finish. It
// returns ctx's error if it gave up waiting for an in-flight copy.
func (d *dedup) begin(ctx context.Context, k dedupKey, now time.Time) (bool, error) {
	for {
		d.mu.Lock()
		d.pruneLocked(now)
		e := d.entries[k]
		if e == nil || (e.accepted && !now.Before(e.expires)) {
			d.entries[k] = &dedupEntry{done: make(chan struct{})}
			d.mu.Unlock()
			return true, nil
		}
		if e.accepted {
			d.mu.Unlock()
			return false, nil
		}
		done := e.done
		d.mu.Unlock()
		select {
		case <-done:
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
}

// finish records the outcome of a body begin let through. Only accepted
// bodies are remembered; a failed one may be retried.
func (d *dedup) finish(k dedupKey, accepted bool, now time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	e := d.entries[k]
	if e == nil || e.accepted {
		return
	}
	if accepted {
		e.accepted = true
		e.expires = now.Add(d.window)
		d.order = append(d.order, dedupOrder{key: k, expires: e.expires})
	} else {
		delete(d.entries, k)
	}
	close(e.done)
	d.pruneLocked(now)
}

// pruneLocked drops expired entries and, above the size bound, the oldest.
func (d *dedup) pruneLocked(now time.Time) {
	for d.head < len(d.order) {
		o := d.order[d.head]
		if now.Before(o.expires) && len(d.entries) <= d.max {
			break
		}
		if e := d.entries[o.key]; e != nil && e.accepted && e.expires.Equal(o.expires) {
			delete(d.entries, o.key)
		}
		d.order[d.head] = dedupOrder{}
		d.head++
	}
	if d.head > 64 && d.head*2 > len(d.order) {
		n := copy(d.order, d.order[d.head:])
		clear(d.order[n:])
		d.order = d.order[:n]
		d.head = 0
	}
}
