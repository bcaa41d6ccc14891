package metrics

import (
	"context"
	"errors"
	"net/url"
	"runtime/debug"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bbbkit/bbbkit/bbb"
)

// Target is one BigBlueButton server for a Collector.
type Target struct {
	// Name is the value of the server label. It defaults to the host of
	// the client's API URL; names must be unique.
	Name string
	// Client talks to the server, with any checksum algorithm.
	Client *bbb.Client
}

// Collector is a prometheus.Collector that scrapes BigBlueButton servers
// through bbb.Client and exposes the metrics of bigbluebutton-exporter. It
// is safe for concurrent use. Call Close when done with it, to stop
// background refreshes of recording counts.
type Collector struct {
	cfg     *config
	d       *descs
	targets []*target
	latency *prometheus.HistogramVec

	ctx        context.Context // canceled by Close; parent of refreshes
	cancel     context.CancelFunc
	refreshSem chan struct{} // bounds concurrent background refreshes
	mu         sync.Mutex    // guards closed and wg.Add
	closed     bool
	wg         sync.WaitGroup
}

// target is a Target and what the collector remembers about it.
type target struct {
	name   string
	client *bbb.Client

	mu              sync.Mutex
	lastMeetings    map[string]struct{}
	lastBreakouts   map[string]struct{}
	uniqueMeetings  float64
	uniqueBreakouts float64
	status          ServerStatus
	rec             recordingsState
}

// NewCollector returns a Collector for the given servers. With one target
// and no WithServerLabel, metrics carry exactly the labels of
// bigbluebutton-exporter; with several, each per-server metric gets a
// "server" label (see the package documentation). It does no I/O.
func NewCollector(targets []Target, opts ...Option) (*Collector, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		if o == nil {
			return nil, &ConfigError{Option: "NewCollector", Msg: "nil option"}
		}
		if err := o(cfg); err != nil {
			return nil, err
		}
	}
	if len(targets) == 0 {
		return nil, &ConfigError{Option: "NewCollector", Msg: "no targets"}
	}
	c := &Collector{cfg: cfg}
	seen := map[string]bool{}
	for i, t := range targets {
		if t.Client == nil {
			return nil, &ConfigError{Option: "NewCollector", Msg: "target " + t.Name + " has a nil client"}
		}
		name := t.Name
		if name == "" {
			u, err := url.Parse(t.Client.APIURL())
			if err != nil {
				return nil, &ConfigError{Option: "NewCollector", Msg: "target has an unparsable API URL"}
			}
			name = u.Host
		}
		if !utf8.ValidString(name) {
			return nil, &ConfigError{Option: "NewCollector", Msg: "target name is not valid UTF-8"}
		}
		if seen[name] {
			return nil, &ConfigError{Option: "NewCollector", Msg: "duplicate target name " + name + " (set Target.Name)"}
		}
		seen[name] = true
		c.targets = append(c.targets, &target{
			name: name, client: targets[i].Client,
			status: ServerStatus{Name: name},
		})
	}
	srv := ""
	if len(targets) > 1 || cfg.forceServerLabel {
		srv = cfg.serverLabel
	}
	c.d = newDescs(srv)
	c.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "bbb_api_latency",
		Help:    "BigBlueButton API call latency",
		Buckets: cfg.latencyBuckets,
	}, c.d.latencyLabels)
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.refreshSem = make(chan struct{}, cfg.maxConcurrency)
	return c, nil
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	c.d.describe(ch)
	c.latency.Describe(ch)
}

// scrapeResult is the outcome of one getMeetings call.
type scrapeResult struct {
	stats    *meetingStats
	err      error
	duration time.Duration
}

// Collect implements prometheus.Collector. It asks every server for its
// meetings concurrently (at most WithMaxConcurrency at a time), waits at
// most WithScrapeTimeout, and reports a server that failed or did not
// answer in time with bbb_api_up 0 without failing the others. Recording
// counts come from a cache refreshed in the background.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.scrapeTimeout)
	defer cancel()
	results := make([]scrapeResult, len(c.targets))
	if len(c.targets) == 1 {
		results[0] = c.scrape(ctx, c.targets[0])
	} else {
		sem := make(chan struct{}, c.cfg.maxConcurrency)
		var wg sync.WaitGroup
		for i, t := range c.targets {
			wg.Go(func() {
				select {
				case sem <- struct{}{}:
					defer func() { <-sem }()
					results[i] = c.scrape(ctx, t)
				case <-ctx.Done():
					results[i] = scrapeResult{err: ctx.Err()}
					c.recordFailure(t, ctx.Err(), 0)
				}
			})
		}
		wg.Wait()
	}
	for i, t := range c.targets {
		c.emit(ch, t, &results[i])
	}
	c.latency.Collect(ch)
	ch <- prometheus.MustNewConstMetric(c.d.exporter, prometheus.GaugeValue, 1, c.cfg.version)
}

// scrape asks one server for its meetings and updates what the collector
// remembers about it.
func (c *Collector) scrape(ctx context.Context, t *target) scrapeResult {
	c.maybeRefreshRecordings(t)
	start := c.cfg.now()
	ms, err := t.client.GetMeetings(ctx)
	d := c.cfg.now().Sub(start)
	c.observeLatency(t, "getMeetings", "", d, err)
	if err != nil {
		c.cfg.log.Warn("bbb server scrape failed", "server", t.name, "err", err)
		c.recordFailure(t, err, d)
		return scrapeResult{err: err, duration: d}
	}
	s := summarize(ms, c.cfg)
	t.mu.Lock()
	t.uniqueMeetings += countNew(t.lastMeetings, s.meetingIDs)
	t.uniqueBreakouts += countNew(t.lastBreakouts, s.breakoutIDs)
	t.lastMeetings = idSet(s.meetingIDs)
	t.lastBreakouts = idSet(s.breakoutIDs)
	t.status.Up, t.status.Err, t.status.LastScrape = true, "", start
	t.mu.Unlock()
	return scrapeResult{stats: s, duration: d}
}

func (c *Collector) recordFailure(t *target, err error, d time.Duration) {
	t.mu.Lock()
	t.status.Up, t.status.Err, t.status.LastScrape = false, err.Error(), c.cfg.now().Add(-d)
	t.mu.Unlock()
}

// countNew counts the IDs of cur that were not in the previous scrape, as
// bigbluebutton-exporter does for its unique counters.
func countNew(prev map[string]struct{}, cur []string) float64 {
	n := 0
	for _, id := range cur {
		if _, ok := prev[id]; !ok {
			n++
		}
	}
	return float64(n)
}

func idSet(ids []string) map[string]struct{} {
	m := make(map[string]struct{}, len(ids))
	for _, id := range ids {
		m[id] = struct{}{}
	}
	return m
}

// observeLatency records a call in bbb_api_latency unless it was cut short
// by the scrape deadline or by Close (its duration would then say nothing
// about the server).
func (c *Collector) observeLatency(t *target, endpoint, params string, d time.Duration, err error) {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return
	}
	lv := []string{endpoint, params}
	if c.d.withServer {
		lv = []string{t.name, endpoint, params}
	}
	c.latency.WithLabelValues(lv...).Observe(d.Seconds())
}

// emit sends the metrics of one server.
func (c *Collector) emit(ch chan<- prometheus.Metric, t *target, r *scrapeResult) {
	d := c.d
	var srv []string
	if d.withServer {
		srv = []string{t.name}
	}
	gauge := func(desc *prometheus.Desc, v float64, extra ...string) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, v, append(srv[:len(srv):len(srv)], extra...)...)
	}
	up := 0.0
	if r.err == nil {
		up = 1
	}
	gauge(d.apiUp, up)
	gauge(d.scrapeDuration, r.duration.Seconds())
	t.mu.Lock()
	um, ub := t.uniqueMeetings, t.uniqueBreakouts
	rec := t.rec
	t.mu.Unlock()
	ch <- prometheus.MustNewConstMetric(d.uniqueMeetings, prometheus.CounterValue, um, srv...)
	ch <- prometheus.MustNewConstMetric(d.uniqueBreakouts, prometheus.CounterValue, ub, srv...)
	if r.err != nil {
		return
	}
	if rec.have {
		for i := range recordingStates {
			gauge(d.recordings[i], float64(rec.counts[i]))
		}
		gauge(d.recordingsRefreshed, float64(rec.refreshedAt.UnixMilli())/1e3)
		if rec.version != "" {
			gauge(d.version, 1, rec.version)
		}
	}
	s := r.stats
	gauge(d.meetings, float64(s.meetings))
	gauge(d.participants, float64(s.participants))
	gauge(d.participantsMax, float64(s.participantsMax))
	gauge(d.listeners, float64(s.listeners))
	gauge(d.voice, float64(s.voice))
	gauge(d.video, float64(s.video))
	for typ, n := range s.clients {
		gauge(d.clients, float64(n), typ)
	}
	for k, n := range s.origins {
		gauge(d.origins, float64(n), k.server, k.name)
	}
	for room := range s.rooms {
		h := &s.rooms[room]
		buckets, count := h.cumulative(c.cfg.roomBuckets[room])
		ch <- prometheus.MustNewConstHistogram(d.rooms[room], count, h.sum, buckets, srv...)
		gauge(d.roomGCount[room], float64(count))
		gauge(d.roomGSum[room], h.sum)
	}
}

// ServerStatus is what the last scrape of one server found, for health
// endpoints.
type ServerStatus struct {
	Name       string    // the target's name
	Up         bool      // the last getMeetings call succeeded
	LastScrape time.Time // when the last scrape started; zero before the first
	Err        string    // the last error, empty when Up; never holds a secret
}

// Status returns the state of every server as of the last scrape, in the
// order of the targets.
func (c *Collector) Status() []ServerStatus {
	out := make([]ServerStatus, len(c.targets))
	for i, t := range c.targets {
		t.mu.Lock()
		out[i] = t.status
		t.mu.Unlock()
	}
	return out
}

// Close stops background refreshes of recording counts and waits for
// running ones to return. Collect keeps working after Close but no longer
// refreshes recording counts. Close is idempotent.
func (c *Collector) Close() error {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.cancel()
	c.wg.Wait()
	return nil
}

// moduleVersion is the version of the bbbkit module in the running
// binary, "(devel)" when unknown.
func moduleVersion() string {
	const mod = "github.com/bbbkit/bbbkit"
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(devel)"
	}
	if bi.Main.Path == mod && bi.Main.Version != "" {
		return bi.Main.Version
	}
	for _, d := range bi.Deps {
		if d.Path == mod {
			return d.Version
		}
	}
	return "(devel)"
}
