package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/bbbkit/bbbkit/bbb"
)

// DefaultRequestDurationBuckets are the buckets of
// bbbkit_client_request_duration_seconds.
var DefaultRequestDurationBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// ClientMetrics counts the requests of every bbbkit client (bbb.Client,
// webhooks.Client through its bbb.Client, scalelite.Client,
// greenlight.Client) and observes their latency, per server, call and
// outcome:
//
//	bbbkit_client_requests_total{server,call,outcome}              counter
//	bbbkit_client_request_duration_seconds{server,call,outcome}    histogram
//	bbbkit_client_retries_total{server,call}                       counter
//
// Every attempt counts (a retried call counts once per attempt). outcome is
// bbb.RequestInfo.Outcome of the attempt, decided after its answer was
// decoded: success, failed (the API refused the call), http_error,
// transport_error, decode_error or error. call is the operation: the API
// call name ("root" for the API root), the Scalelite admin action, or
// Greenlight's "METHOD path". Register it with a prometheus.Registerer and
// install Observer on each client with its WithObserver option
// (bbb.WithObserver, taken by the bbb, scalelite, greenlight and webhooks clients); the
// server label tells the clients apart.
type ClientMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	retries  *prometheus.CounterVec
}

// NewClientMetrics returns ClientMetrics with the given latency buckets in
// seconds (DefaultRequestDurationBuckets when none are given).
func NewClientMetrics(buckets ...float64) (*ClientMetrics, error) {
	if len(buckets) == 0 {
		buckets = DefaultRequestDurationBuckets
	}
	b, err := checkBuckets("NewClientMetrics", buckets)
	if err != nil {
		return nil, err
	}
	labels := []string{"server", "call", "outcome"}
	return &ClientMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bbbkit_client_requests_total",
			Help: "BigBlueButton API requests sent by bbbkit clients, per attempt",
		}, labels),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "bbbkit_client_request_duration_seconds",
			Help:    "Duration of BigBlueButton API requests sent by bbbkit clients, per attempt",
			Buckets: b,
		}, labels),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bbbkit_client_retries_total",
			Help: "Attempts of BigBlueButton API requests beyond the first",
		}, []string{"server", "call"}),
	}, nil
}

// Observer returns the function to pass to the WithObserver option of any
// bbbkit client; server becomes the server label.
func (m *ClientMetrics) Observer(server string) func(bbb.RequestInfo) {
	return func(ri bbb.RequestInfo) { m.Observe(server, ri) }
}

// Observe records one attempt of a request to server.
func (m *ClientMetrics) Observe(server string, ri bbb.RequestInfo) {
	call := ri.Call
	if call == "" {
		call = "root"
	}
	out := ri.Outcome()
	m.requests.WithLabelValues(server, call, out).Inc()
	m.duration.WithLabelValues(server, call, out).Observe(ri.Duration.Seconds())
	if ri.Attempt > 1 {
		m.retries.WithLabelValues(server, call).Inc()
	}
}

// Describe implements prometheus.Collector.
func (m *ClientMetrics) Describe(ch chan<- *prometheus.Desc) {
	m.requests.Describe(ch)
	m.duration.Describe(ch)
	m.retries.Describe(ch)
}

// Collect implements prometheus.Collector.
func (m *ClientMetrics) Collect(ch chan<- prometheus.Metric) {
	m.requests.Collect(ch)
	m.duration.Collect(ch)
	m.retries.Collect(ch)
}
