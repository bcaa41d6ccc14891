package metrics

import (
	"context"
	"net/url"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bbbkit/bbbkit/scalelite/scheduler"
)

// ServerLister is what SchedulerMetrics reads at scrape time for its
// per-server gauges; *scheduler.Scheduler implements it.
type ServerLister interface {
	Servers(ctx context.Context) ([]scheduler.Server, error)
}

// SchedulerMetrics exposes a scalelite/scheduler.Scheduler. Counters come
// from its events (install Observe with scheduler.WithObserver); gauges are
// read from the scheduler's store at scrape time (see Watch), so they are
// right even when several processes share a Redis store:
//
//	bbbkit_scheduler_placements_total{result}         counter: placed, reused, failed
//	bbbkit_scheduler_releases_total                   counter
//	bbbkit_scheduler_polls_total{server,result}       counter: success, failure
//	bbbkit_scheduler_poll_duration_seconds{server}    histogram
//	bbbkit_scheduler_server_transitions_total{server,to}  counter: online, offline, enabled, cordoned, disabled
//	bbbkit_scheduler_meetings_cleared_total{server}   counter: meeting mappings dropped
//	bbbkit_scheduler_server_info{server,host,tag}     gauge 1
//	bbbkit_scheduler_server_state{server,state}       gauge 1 for the current state, 0 for the others
//	bbbkit_scheduler_server_online{server}            gauge 1/0
//	bbbkit_scheduler_server_load{server}              gauge (multiplier applied)
//	bbbkit_scheduler_server_load_multiplier{server}   gauge
//	bbbkit_scheduler_server_meetings{server}          gauge, from the last poll
//	bbbkit_scheduler_server_users{server}             gauge, from the last poll
//	bbbkit_scheduler_servers_up                       gauge 1 when the store answered at scrape time
//
// server is the scheduler's server ID; host is the host of its URL (never
// the secret).
type SchedulerMetrics struct {
	placements  *prometheus.CounterVec
	releases    prometheus.Counter
	polls       *prometheus.CounterVec
	pollLatency *prometheus.HistogramVec
	transitions *prometheus.CounterVec
	cleared     *prometheus.CounterVec

	info, state, online, load, multiplier, meetings, users, storeUp *prometheus.Desc

	mu      sync.Mutex
	lister  ServerLister
	timeout time.Duration
}

// NewSchedulerMetrics returns SchedulerMetrics with no server source yet;
// call Watch once the scheduler exists.
func NewSchedulerMetrics() *SchedulerMetrics {
	srv := []string{"server"}
	g := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, labels, nil)
	}
	return &SchedulerMetrics{
		placements: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bbbkit_scheduler_placements_total", Help: "Pick calls by result: placed on a server, reused an existing placement, failed",
		}, []string{"result"}),
		releases: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "bbbkit_scheduler_releases_total", Help: "Meeting mappings released",
		}),
		polls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bbbkit_scheduler_polls_total", Help: "Polls of BigBlueButton servers by result",
		}, []string{"server", "result"}),
		pollLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "bbbkit_scheduler_poll_duration_seconds", Help: "Duration of polls of BigBlueButton servers",
			Buckets: DefaultRequestDurationBuckets,
		}, srv),
		transitions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bbbkit_scheduler_server_transitions_total", Help: "Servers going online or offline, or changing administrative state",
		}, []string{"server", "to"}),
		cleared: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bbbkit_scheduler_meetings_cleared_total", Help: "Meeting mappings dropped because their server went away or no longer had them",
		}, srv),
		info:       g("bbbkit_scheduler_server_info", "Servers known to the scheduler", "server", "host", "tag"),
		state:      g("bbbkit_scheduler_server_state", "Administrative state of a server (1 for the current one)", "server", "state"),
		online:     g("bbbkit_scheduler_server_online", "1 when the poller considers the server online", "server"),
		load:       g("bbbkit_scheduler_server_load", "Load of a server as the scheduler ranks it, multiplier applied", "server"),
		multiplier: g("bbbkit_scheduler_server_load_multiplier", "Load multiplier of a server", "server"),
		meetings:   g("bbbkit_scheduler_server_meetings", "Meetings on a server at its last successful poll", "server"),
		users:      g("bbbkit_scheduler_server_users", "Users on a server at its last successful poll", "server"),
		storeUp:    g("bbbkit_scheduler_servers_up", "1 when the scheduler's store listed the servers at scrape time"),
		timeout:    5 * time.Second,
	}
}

// Watch sets the source of the per-server gauges, normally the
// *scheduler.Scheduler whose observer is Observe. Until it is called only
// the event counters are exposed.
func (m *SchedulerMetrics) Watch(l ServerLister) {
	m.mu.Lock()
	m.lister = l
	m.mu.Unlock()
}

// Observe records one scheduler event; pass it to scheduler.WithObserver.
func (m *SchedulerMetrics) Observe(e scheduler.Event) {
	switch e.Kind {
	case scheduler.EventPlaced:
		m.placements.WithLabelValues("placed").Inc()
	case scheduler.EventReused:
		m.placements.WithLabelValues("reused").Inc()
	case scheduler.EventPickFailed:
		m.placements.WithLabelValues("failed").Inc()
	case scheduler.EventReleased:
		m.releases.Inc()
	case scheduler.EventPolled:
		m.polls.WithLabelValues(e.ServerID, "success").Inc()
		m.pollLatency.WithLabelValues(e.ServerID).Observe(e.Duration.Seconds())
	case scheduler.EventPollFailed:
		m.polls.WithLabelValues(e.ServerID, "failure").Inc()
		m.pollLatency.WithLabelValues(e.ServerID).Observe(e.Duration.Seconds())
	case scheduler.EventOnline:
		m.transitions.WithLabelValues(e.ServerID, "online").Inc()
	case scheduler.EventOffline:
		m.transitions.WithLabelValues(e.ServerID, "offline").Inc()
	case scheduler.EventStateChanged:
		if e.State.Valid() {
			m.transitions.WithLabelValues(e.ServerID, e.State.String()).Inc()
		}
	case scheduler.EventMeetingsCleared, scheduler.EventServerDeleted:
		if n := len(e.MeetingIDs); n > 0 {
			m.cleared.WithLabelValues(e.ServerID).Add(float64(n))
		}
	}
	if e.Kind == scheduler.EventServerDeleted {
		m.forget(e.ServerID)
	}
}

// forget drops the per-server series of a deleted server, so that a
// server's ID does not linger in the exposition.
func (m *SchedulerMetrics) forget(id string) {
	l := prometheus.Labels{"server": id}
	m.polls.DeletePartialMatch(l)
	m.pollLatency.DeletePartialMatch(l)
	m.transitions.DeletePartialMatch(l)
	m.cleared.DeletePartialMatch(l)
}

// Describe implements prometheus.Collector.
func (m *SchedulerMetrics) Describe(ch chan<- *prometheus.Desc) {
	m.placements.Describe(ch)
	m.releases.Describe(ch)
	m.polls.Describe(ch)
	m.pollLatency.Describe(ch)
	m.transitions.Describe(ch)
	m.cleared.Describe(ch)
	for _, d := range []*prometheus.Desc{m.info, m.state, m.online, m.load, m.multiplier, m.meetings, m.users, m.storeUp} {
		ch <- d
	}
}

var schedulerStates = []scheduler.State{scheduler.StateEnabled, scheduler.StateCordoned, scheduler.StateDisabled}

// Collect implements prometheus.Collector. It lists the servers with a
// five-second deadline; when the store fails, bbbkit_scheduler_servers_up
// is 0 and the per-server gauges are left out.
func (m *SchedulerMetrics) Collect(ch chan<- prometheus.Metric) {
	m.placements.Collect(ch)
	m.releases.Collect(ch)
	m.polls.Collect(ch)
	m.pollLatency.Collect(ch)
	m.transitions.Collect(ch)
	m.cleared.Collect(ch)
	m.mu.Lock()
	l := m.lister
	m.mu.Unlock()
	if l == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), m.timeout)
	defer cancel()
	servers, err := l.Servers(ctx)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(m.storeUp, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(m.storeUp, prometheus.GaugeValue, 1)
	gauge := func(d *prometheus.Desc, v float64, lv ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, lv...)
	}
	for _, s := range servers {
		host := ""
		if u, err := url.Parse(s.URL); err == nil {
			host = u.Host
		}
		gauge(m.info, 1, s.ID, host, s.Tag)
		for _, st := range schedulerStates {
			v := 0.0
			if s.State == st {
				v = 1
			}
			gauge(m.state, v, s.ID, st.String())
		}
		gauge(m.online, boolFloat(s.Online), s.ID)
		gauge(m.load, s.Load, s.ID)
		gauge(m.multiplier, s.LoadMultiplier, s.ID)
		gauge(m.meetings, float64(s.Meetings), s.ID)
		gauge(m.users, float64(s.Users), s.ID)
	}
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
