package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bbbkit/bbbkit/scalelite/scheduler"
)

var _ scheduler.ScaleHistoryStore = (*Store)(nil)

var (
	getScaleHistoryScript = redis.NewScript(`return redis.call('HMGET', KEYS[1], 'out', 'in')`)
	// recordScaleScript keeps the later of the stored and the given time of
	// each field (0 leaves a field alone).
	recordScaleScript = redis.NewScript(`
local fields = {'out', 'in'}
for i = 1, 2 do
  local t = tonumber(ARGV[i])
  if t > 0 and t > (tonumber(redis.call('HGET', KEYS[1], fields[i])) or 0) then
    redis.call('HSET', KEYS[1], fields[i], t)
  end
end
return 1`)
)

// scaleKey is "scale:<site>", a hash of the site's ScaleHistory in unix
// milliseconds (fields out and in).
func (s *Store) scaleKey(site string) string { return s.prefix + "scale:" + site }

// ScaleHistory implements scheduler.ScaleHistoryStore.
func (s *Store) ScaleHistory(ctx context.Context, site string) (scheduler.ScaleHistory, error) {
	v, err := getScaleHistoryScript.Run(ctx, s.rdb, []string{s.scaleKey(site)}).Slice()
	if err != nil {
		return scheduler.ScaleHistory{}, fmt.Errorf("redisstore: scaleHistory: %w", err)
	}
	var ms [2]int64
	for i := range ms {
		if i >= len(v) || v[i] == nil {
			continue
		}
		str, ok := v[i].(string)
		if !ok {
			return scheduler.ScaleHistory{}, fmt.Errorf("redisstore: scaleHistory: field %d is a %T", i, v[i])
		}
		n, err := strconv.ParseInt(str, 10, 64)
		if err != nil {
			return scheduler.ScaleHistory{}, fmt.Errorf("redisstore: scaleHistory: field %d: %w", i, err)
		}
		ms[i] = n
	}
	return scheduler.ScaleHistory{Out: fromMillis(ms[0]), In: fromMillis(ms[1])}, nil
}

// RecordScale implements scheduler.ScaleHistoryStore.
func (s *Store) RecordScale(ctx context.Context, site string, h scheduler.ScaleHistory) error {
	if err := recordScaleScript.Run(ctx, s.rdb, []string{s.scaleKey(site)}, unixMS(h.Out), unixMS(h.In)).Err(); err != nil {
		return fmt.Errorf("redisstore: recordScale: %w", err)
	}
	return nil
}

func fromMillis(ms int64) time.Time {
	if ms <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}
