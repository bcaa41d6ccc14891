package metrics

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bbbkit/bbbkit/scalelite/scheduler"
	"github.com/bbbkit/bbbkit/scalelite/scheduler/autoscale"
)

// PlanPreviewer makes an autoscaling plan without acting on it;
// *autoscale.Autoscaler implements it with its Preview method.
type PlanPreviewer interface {
	Preview(ctx context.Context, servers []scheduler.Server) (autoscale.Plan, error)
}

// ScalePlanMetrics exposes what an autoscaling policy wants done, made at
// scrape time from the servers with the previewer's Preview (which records
// nothing, so scraping never starts a cooldown), for alerts and for
// autoscalers that read Prometheus:
//
//	bbbkit_autoscale_scale_out_servers{site}       gauge: servers the plan adds now
//	bbbkit_autoscale_drain_servers{site}           gauge: servers the plan drains now
//	bbbkit_autoscale_held_servers{site,action}     gauge: servers a cooldown holds back; action is scale_out or drain
//	bbbkit_autoscale_plan_up                       gauge: 1 when the plan could be made
//
// Every site of the policy has a series, 0 when it has nothing to do.
type ScalePlanMetrics struct {
	lister  ServerLister
	planner PlanPreviewer
	timeout time.Duration

	out, drain, held, up *prometheus.Desc

	mu sync.Mutex // serializes scrapes
}

// NewScalePlanMetrics returns ScalePlanMetrics reading servers from l
// (normally the *scheduler.Scheduler) and planning with p (normally an
// *autoscale.Autoscaler), with a five-second deadline per scrape. A nil
// argument is a *ConfigError.
func NewScalePlanMetrics(l ServerLister, p PlanPreviewer) (*ScalePlanMetrics, error) {
	if l == nil || p == nil {
		return nil, &ConfigError{Option: "NewScalePlanMetrics", Msg: "server lister and plan previewer must not be nil"}
	}
	return &ScalePlanMetrics{
		lister: l, planner: p, timeout: 5 * time.Second,
		out:   prometheus.NewDesc("bbbkit_autoscale_scale_out_servers", "Servers the autoscaling plan adds now, per site", []string{"site"}, nil),
		drain: prometheus.NewDesc("bbbkit_autoscale_drain_servers", "Servers the autoscaling plan drains now, per site", []string{"site"}, nil),
		held: prometheus.NewDesc("bbbkit_autoscale_held_servers", "Servers the autoscaling plan would add or drain but a cooldown holds back, per site",
			[]string{"site", "action"}, nil),
		up: prometheus.NewDesc("bbbkit_autoscale_plan_up", "1 when the autoscaling plan could be made at scrape time", nil, nil),
	}, nil
}

// Describe implements prometheus.Collector.
func (m *ScalePlanMetrics) Describe(ch chan<- *prometheus.Desc) {
	ch <- m.out
	ch <- m.drain
	ch <- m.held
	ch <- m.up
}

// Collect implements prometheus.Collector. When the servers cannot be read
// or the plan cannot be made, bbbkit_autoscale_plan_up is 0 and the other
// gauges are left out.
func (m *ScalePlanMetrics) Collect(ch chan<- prometheus.Metric) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), m.timeout)
	defer cancel()
	servers, err := m.lister.Servers(ctx)
	var plan autoscale.Plan
	if err == nil {
		plan, err = m.planner.Preview(ctx, servers)
	}
	if err != nil {
		ch <- prometheus.MustNewConstMetric(m.up, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(m.up, prometheus.GaugeValue, 1)
	type counts struct{ out, drain, heldOut, heldDrain int }
	bySite := make(map[string]*counts, len(plan.Sites))
	for _, c := range plan.Sites {
		bySite[c.Site] = &counts{}
	}
	add := func(a autoscale.Action, held bool) {
		c := bySite[a.Site]
		if c == nil {
			c = &counts{}
			bySite[a.Site] = c
		}
		switch {
		case held && a.ScaleOut > 0:
			c.heldOut += a.ScaleOut
		case held:
			c.heldDrain += len(a.Drain)
		case a.ScaleOut > 0:
			c.out += a.ScaleOut
		default:
			c.drain += len(a.Drain)
		}
	}
	for _, a := range plan.Actions {
		add(a, false)
	}
	for _, a := range plan.Held {
		add(a, true)
	}
	for site, c := range bySite {
		ch <- prometheus.MustNewConstMetric(m.out, prometheus.GaugeValue, float64(c.out), site)
		ch <- prometheus.MustNewConstMetric(m.drain, prometheus.GaugeValue, float64(c.drain), site)
		ch <- prometheus.MustNewConstMetric(m.held, prometheus.GaugeValue, float64(c.heldOut), site, "scale_out")
		ch <- prometheus.MustNewConstMetric(m.held, prometheus.GaugeValue, float64(c.heldDrain), site, "drain")
	}
}
