package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/bbbkit/bbbkit/webhooks/pool"
)

// WebhookPoolMetrics counts the checks of a pool.Reconciler (install
// Observe with pool.WithObserver):
//
//	bbbkit_webhook_pool_checks_total{server,result}      counter: present, created, replaced, error
//	bbbkit_webhook_pool_registered{server}               gauge: 1 when the last check found or made the hook
//	bbbkit_webhook_pool_check_duration_seconds           histogram
//	bbbkit_webhook_pool_list_errors_total                counter: failed calls of the Lister
//
// A server that leaves the pool loses its series.
type WebhookPoolMetrics struct {
	checks     *prometheus.CounterVec
	registered *prometheus.GaugeVec
	duration   prometheus.Histogram
	listErrors prometheus.Counter
}

// NewWebhookPoolMetrics returns empty WebhookPoolMetrics.
func NewWebhookPoolMetrics() *WebhookPoolMetrics {
	return &WebhookPoolMetrics{
		checks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bbbkit_webhook_pool_checks_total", Help: "Checks of the webhook registration on each pool server, by result",
		}, []string{"server", "result"}),
		registered: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "bbbkit_webhook_pool_registered", Help: "Whether the last check found or made the hook on the server (1) or failed (0)",
		}, []string{"server"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "bbbkit_webhook_pool_check_duration_seconds", Help: "Time one check of one server took",
			Buckets: DefaultRequestDurationBuckets,
		}),
		listErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "bbbkit_webhook_pool_list_errors_total", Help: "Failed listings of the pool's servers",
		}),
	}
}

// Observe records one event of a pool.Reconciler; pass it to
// pool.WithObserver.
func (m *WebhookPoolMetrics) Observe(e pool.Event) {
	switch {
	case e.Removed:
		m.registered.DeleteLabelValues(e.ServerID)
		m.checks.DeletePartialMatch(prometheus.Labels{"server": e.ServerID})
		return
	case e.ServerID == "":
		m.listErrors.Inc()
		return
	}
	m.duration.Observe(e.Duration.Seconds())
	result := "present"
	switch {
	case e.Err != nil || e.Result == nil:
		result = "error"
	case e.Result.Replaced:
		result = "replaced"
	case e.Result.Created:
		result = "created"
	}
	m.checks.WithLabelValues(e.ServerID, result).Inc()
	ok := 0.0
	if result != "error" {
		ok = 1
	}
	m.registered.WithLabelValues(e.ServerID).Set(ok)
}

// Describe implements prometheus.Collector.
func (m *WebhookPoolMetrics) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range m.collectors() {
		c.Describe(ch)
	}
}

// Collect implements prometheus.Collector.
func (m *WebhookPoolMetrics) Collect(ch chan<- prometheus.Metric) {
	for _, c := range m.collectors() {
		c.Collect(ch)
	}
}

func (m *WebhookPoolMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.checks, m.registered, m.duration, m.listErrors}
}
