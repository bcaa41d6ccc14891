package oidc

import (
	"context"
	"errors"
	"sync"
	"time"
)

// ReplayCache remembers login states that a callback has consumed, so a
// replayed callback (same state, same cookie) is refused even though the
// cookie itself is stateless. Deployments with several portal processes
// behind a load balancer share one implementation (e.g. Redis SET NX with an
// expiry).
type ReplayCache interface {
	// Use records key as used until expires. It reports false when key was
	// already recorded and has not expired.
	Use(ctx context.Context, key string, expires time.Time) (first bool, err error)
}

// ErrReplayCacheFull is returned by the in-memory ReplayCache when it holds
// its maximum number of unexpired keys; the callback then fails closed.
var ErrReplayCacheFull = errors.New("oidc: replay cache full")

// MemoryReplayCache is the default ReplayCache: a map guarded by a mutex,
// pruned of expired keys as it fills. It is safe for concurrent use.
type MemoryReplayCache struct {
	mu   sync.Mutex
	max  int
	now  func() time.Time
	keys map[string]time.Time
}

// NewMemoryReplayCache returns a cache holding at most max unexpired keys
// (100000 when max <= 0). now is the clock (time.Now when nil).
func NewMemoryReplayCache(max int, now func() time.Time) *MemoryReplayCache {
	if max <= 0 {
		max = 100000
	}
	if now == nil {
		now = time.Now
	}
	return &MemoryReplayCache{max: max, now: now, keys: make(map[string]time.Time)}
}

// Use implements ReplayCache.
func (c *MemoryReplayCache) Use(_ context.Context, key string, expires time.Time) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if exp, ok := c.keys[key]; ok && now.Before(exp) {
		return false, nil
	}
	if len(c.keys) >= c.max {
		for k, exp := range c.keys {
			if !now.Before(exp) {
				delete(c.keys, k)
			}
		}
		if len(c.keys) >= c.max {
			return false, ErrReplayCacheFull
		}
	}
	c.keys[key] = expires
	return true, nil
}

// Len returns the number of keys held, expired or not.
func (c *MemoryReplayCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.keys)
}
