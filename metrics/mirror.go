package metrics

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bbbkit/bbbkit/scalelite/mirror"
)

// MirrorMetrics exposes recording mirror syncs (scalelite/mirror.Sync).
// Install Observe with mirror.WithProgress (or call it from your own
// progress callback):
//
//	bbbkit_mirror_bytes_total                     counter: bytes transferred
//	bbbkit_mirror_recordings_total{result}        counter: copied, unchanged, failed, deleted
//	bbbkit_mirror_sync_bytes_planned              gauge: bytes the current (or last) sync transfers
//	bbbkit_mirror_sync_bytes_done                 gauge: bytes of it transferred so far
//	bbbkit_mirror_sync_recordings_planned         gauge: recordings the current (or last) sync brings in
//
// The totals are those of a mirror.Counters, so they match what the mirror
// package reports itself.
type MirrorMetrics struct {
	counters mirror.Counters

	mu                            sync.Mutex
	planBytes, doneBytes          float64
	planRecordings                float64
	bytes, recordings, recPlanned *prometheus.Desc
	planned, done                 *prometheus.Desc
}

// NewMirrorMetrics returns MirrorMetrics with zero totals.
func NewMirrorMetrics() *MirrorMetrics {
	return &MirrorMetrics{
		bytes:      prometheus.NewDesc("bbbkit_mirror_bytes_total", "Recording bytes transferred by the mirror", nil, nil),
		recordings: prometheus.NewDesc("bbbkit_mirror_recordings_total", "Recordings handled by the mirror, by result", []string{"result"}, nil),
		planned:    prometheus.NewDesc("bbbkit_mirror_sync_bytes_planned", "Bytes the current or last sync transfers", nil, nil),
		done:       prometheus.NewDesc("bbbkit_mirror_sync_bytes_done", "Bytes of the current or last sync transferred so far", nil, nil),
		recPlanned: prometheus.NewDesc("bbbkit_mirror_sync_recordings_planned", "Recordings the current or last sync brings in", nil, nil),
	}
}

// Observe records one progress event of a sync.
func (m *MirrorMetrics) Observe(e mirror.Event) {
	m.counters.Observe(e)
	switch e.Kind {
	case mirror.EventPlan:
		m.mu.Lock()
		m.planBytes, m.doneBytes, m.planRecordings = float64(e.Total), 0, float64(e.Recordings)
		m.mu.Unlock()
	case mirror.EventBytes:
		m.mu.Lock()
		m.doneBytes = float64(e.SyncDone)
		m.mu.Unlock()
	}
}

// Describe implements prometheus.Collector.
func (m *MirrorMetrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{m.bytes, m.recordings, m.planned, m.done, m.recPlanned} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (m *MirrorMetrics) Collect(ch chan<- prometheus.Metric) {
	v := m.counters.Values()
	ch <- prometheus.MustNewConstMetric(m.bytes, prometheus.CounterValue, float64(v.Bytes))
	for result, n := range map[string]int64{"copied": v.Copied, "unchanged": v.Unchanged, "failed": v.Failed, "deleted": v.Deleted} {
		ch <- prometheus.MustNewConstMetric(m.recordings, prometheus.CounterValue, float64(n), result)
	}
	m.mu.Lock()
	pb, db, pr := m.planBytes, m.doneBytes, m.planRecordings
	m.mu.Unlock()
	ch <- prometheus.MustNewConstMetric(m.planned, prometheus.GaugeValue, pb)
	ch <- prometheus.MustNewConstMetric(m.done, prometheus.GaugeValue, db)
	ch <- prometheus.MustNewConstMetric(m.recPlanned, prometheus.GaugeValue, pr)
}
