package scheduler

import (
	"context"
	"time"
)

// ScaleHistory is when a site was last scaled out and last drained (scaled
// in); a zero time means never.
type ScaleHistory struct {
	Out time.Time
	In  time.Time
}

// ScaleHistoryStore is implemented by stores that remember a ScaleHistory
// per site, so that an autoscaler's cooldowns hold across balancer replicas
// and restarts (MemoryStore within a process, redisstore across processes).
// The autoscale package uses it through autoscale.WithHistory.
type ScaleHistoryStore interface {
	// ScaleHistory returns a site's history; a site never scaled has the
	// zero ScaleHistory and no error.
	ScaleHistory(ctx context.Context, site string) (ScaleHistory, error)
	// RecordScale merges h into a site's history: each non-zero time
	// replaces the stored one when it is later, so that records arriving
	// out of order never move a cooldown back.
	RecordScale(ctx context.Context, site string, h ScaleHistory) error
}

var _ ScaleHistoryStore = (*MemoryStore)(nil)

// ScaleHistory implements ScaleHistoryStore.
func (m *MemoryStore) ScaleHistory(ctx context.Context, site string) (ScaleHistory, error) {
	if err := ctx.Err(); err != nil {
		return ScaleHistory{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.scales[site], nil
}

// RecordScale implements ScaleHistoryStore.
func (m *MemoryStore) RecordScale(ctx context.Context, site string, h ScaleHistory) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.scales == nil {
		m.scales = make(map[string]ScaleHistory)
	}
	cur := m.scales[site]
	if h.Out.After(cur.Out) {
		cur.Out = h.Out
	}
	if h.In.After(cur.In) {
		cur.In = h.In
	}
	m.scales[site] = cur
	return nil
}
