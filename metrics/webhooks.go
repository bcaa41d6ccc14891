package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/bbbkit/bbbkit/webhooks"
)

// WebhookMetrics counts what a webhooks.Handler did with callbacks (install
// Observe with webhooks.WithObserver) and what webhooks.Client.Ensure found
// (install ObserveEnsure with webhooks.WithEnsureObserver):
//
//	bbbkit_webhook_deliveries_accepted_total{auth}       counter, duplicates included
//	bbbkit_webhook_deliveries_duplicate_total            counter
//	bbbkit_webhook_deliveries_rejected_total{reason}     counter, every webhooks.Reasons value present
//	bbbkit_webhook_events_total                          counter: events handed to the DeliveryFunc
//	bbbkit_webhook_delivery_duration_seconds{accepted}   histogram
//	bbbkit_webhook_ensure_checks_total{result}           counter: present, created, replaced, error
//	bbbkit_webhook_ensure_failures                       gauge: consecutive failed checks
//
// To tell several handlers apart, register each WebhookMetrics through
// prometheus.WrapRegistererWith with a label of your choice.
type WebhookMetrics struct {
	accepted, rejected, ensure *prometheus.CounterVec
	duplicates, events         prometheus.Counter
	duration                   *prometheus.HistogramVec
	ensureFailures             prometheus.Gauge
}

// NewWebhookMetrics returns WebhookMetrics with every rejection reason
// pre-created at 0.
func NewWebhookMetrics() *WebhookMetrics {
	m := &WebhookMetrics{
		accepted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bbbkit_webhook_deliveries_accepted_total", Help: "Webhook deliveries accepted, duplicates included, by authentication method",
		}, []string{"auth"}),
		duplicates: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "bbbkit_webhook_deliveries_duplicate_total", Help: "Accepted webhook deliveries absorbed as duplicates of earlier ones",
		}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bbbkit_webhook_deliveries_rejected_total", Help: "Webhook deliveries refused, by reason",
		}, []string{"reason"}),
		events: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "bbbkit_webhook_events_total", Help: "Events of accepted, non-duplicate webhook deliveries",
		}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "bbbkit_webhook_delivery_duration_seconds", Help: "Time spent answering webhook deliveries",
			Buckets: DefaultRequestDurationBuckets,
		}, []string{"accepted"}),
		ensure: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bbbkit_webhook_ensure_checks_total", Help: "Checks of a webhook registration by result",
		}, []string{"result"}),
		ensureFailures: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "bbbkit_webhook_ensure_failures", Help: "Consecutive failed checks of a webhook registration",
		}),
	}
	for _, r := range webhooks.Reasons() {
		m.rejected.WithLabelValues(string(r))
	}
	return m
}

// Observe records one answered request; pass it to webhooks.WithObserver.
func (m *WebhookMetrics) Observe(o webhooks.Outcome) {
	if o.Accepted {
		auth := "none"
		if o.Auth != 0 {
			auth = o.Auth.String()
		}
		m.accepted.WithLabelValues(auth).Inc()
		if o.Duplicate {
			m.duplicates.Inc()
		} else {
			m.events.Add(float64(o.Events))
		}
		m.duration.WithLabelValues("true").Observe(o.Duration.Seconds())
		return
	}
	reason := string(o.Reason)
	if reason == "" {
		reason = "unknown"
	}
	m.rejected.WithLabelValues(reason).Inc()
	m.duration.WithLabelValues("false").Observe(o.Duration.Seconds())
}

// ObserveEnsure records one check of webhooks.Client.Ensure; pass it to
// webhooks.WithEnsureObserver.
func (m *WebhookMetrics) ObserveEnsure(e webhooks.EnsureEvent) {
	switch {
	case e.Err != nil || e.Result == nil:
		m.ensure.WithLabelValues("error").Inc()
	case e.Result.Replaced:
		m.ensure.WithLabelValues("replaced").Inc()
	case e.Result.Created:
		m.ensure.WithLabelValues("created").Inc()
	default:
		m.ensure.WithLabelValues("present").Inc()
	}
	m.ensureFailures.Set(float64(e.Failures))
}

// Describe implements prometheus.Collector.
func (m *WebhookMetrics) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range m.collectors() {
		c.Describe(ch)
	}
}

// Collect implements prometheus.Collector.
func (m *WebhookMetrics) Collect(ch chan<- prometheus.Metric) {
	for _, c := range m.collectors() {
		c.Collect(ch)
	}
}

func (m *WebhookMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.accepted, m.duplicates, m.rejected, m.events, m.duration, m.ensure, m.ensureFailures}
}
