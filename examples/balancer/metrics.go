package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/bbbkit/bbbkit/examples/internal/cli"
	"github.com/bbbkit/bbbkit/metrics"
	"github.com/bbbkit/bbbkit/scalelite/scheduler"
	"github.com/bbbkit/bbbkit/scalelite/scheduler/autoscale"
)

// metricsServer is the -metrics-listen endpoint: GET /metrics with the
// scheduler's metrics (placements, polls, servers), the capacity per site
// and, with a policy, the autoscaling plan, read from the shared store at
// scrape time so that every replica reports the same gauges.
type metricsServer struct {
	sched *metrics.SchedulerMetrics
	ln    net.Listener
	reg   *prometheus.Registry
}

// newMetricsServer listens on o.metricsListen; nil when the flag is not
// set. Its Observe goes into the scheduler (scheduler.WithObserver).
func newMetricsServer(o *options) (*metricsServer, error) {
	if o.metricsListen == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", o.metricsListen)
	if err != nil {
		return nil, fmt.Errorf("-metrics-listen: %w", err)
	}
	m := &metricsServer{sched: metrics.NewSchedulerMetrics(), ln: ln, reg: prometheus.NewRegistry()}
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), m.sched)
	return m, nil
}

// watch registers the gauges read from the scheduler and the autoscaler
// (nil without a policy). The three collectors share one listing of the
// servers per scrape.
func (m *metricsServer) watch(sched *scheduler.Scheduler, scaler *autoscale.Autoscaler) error {
	servers := &scrapeLister{lister: sched, maxAge: time.Second}
	m.sched.Watch(servers)
	capacity, err := metrics.NewCapacityMetrics(servers)
	if err != nil {
		return err
	}
	m.reg.MustRegister(capacity)
	if scaler != nil {
		plan, err := metrics.NewScalePlanMetrics(servers, scaler)
		if err != nil {
			return err
		}
		m.reg.MustRegister(plan)
	}
	return nil
}

// scrapeLister lists the servers once for the collectors of a scrape, which
// the registry runs at the same time: a call within maxAge of the last
// listing gets its result instead of reading the store again.
type scrapeLister struct {
	lister metrics.ServerLister
	maxAge time.Duration

	mu      sync.Mutex // held while listing, so that concurrent calls wait for one listing
	at      time.Time
	servers []scheduler.Server
	err     error
}

// Servers implements metrics.ServerLister.
func (s *scrapeLister) Servers(ctx context.Context) ([]scheduler.Server, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.at.IsZero() || time.Since(s.at) >= s.maxAge {
		s.servers, s.err = s.lister.Servers(ctx)
		s.at = time.Now()
	}
	return slices.Clone(s.servers), s.err
}

// serve serves /metrics until ctx ends, with the limits of the main server.
func (m *metricsServer) serve(ctx context.Context, cfg cli.ServerConfig, log *slog.Logger) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		ErrorHandling: promhttp.ContinueOnError,
	}))
	log.Info("metrics listening", slog.String("addr", m.ln.Addr().String()))
	// The main server reports readiness; this one must not.
	if err := cli.Serve(cli.WithReady(ctx, nil), m.ln, mux, cfg, log); err != nil {
		log.Error("metrics server failed", slog.String("error", err.Error()))
	}
}

// close releases the listener when serve never ran.
func (m *metricsServer) close() { _ = m.ln.Close() }
