package metrics

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bbbkit/bbbkit/scalelite/scheduler"
)

// CapacityMetrics exposes the capacity of a scalelite/scheduler cluster per
// site and in total, computed with scheduler.CapacityOf from the servers
// read at scrape time (so it is right whichever process made the changes):
//
//	bbbkit_scheduler_site_servers{site}            gauge: servers, any state
//	bbbkit_scheduler_site_servers_online{site}     gauge
//	bbbkit_scheduler_site_servers_available{site}  gauge: enabled and online
//	bbbkit_scheduler_site_servers_accepting{site}  gauge: available and not full
//	bbbkit_scheduler_site_servers_unlimited{site}  gauge: available without a capacity
//	bbbkit_scheduler_site_load{site}               gauge
//	bbbkit_scheduler_site_capacity{site}           gauge
//	bbbkit_scheduler_site_free{site}               gauge
//	bbbkit_scheduler_site_meetings{site}           gauge
//	bbbkit_scheduler_site_users{site}              gauge
//	bbbkit_scheduler_cluster_*                     the same, summed over all sites, without labels
//	bbbkit_scheduler_capacity_up                   gauge: 1 when the servers could be read
//
// site is "" for servers without a site. See scheduler.SiteCapacity for
// what each number counts.
type CapacityMetrics struct {
	lister  ServerLister
	timeout time.Duration
	up      *prometheus.Desc
	site    []capacityGauge
	cluster []capacityGauge

	mu sync.Mutex // serializes scrapes, so that a slow store is not read twice at once
}

type capacityGauge struct {
	desc  *prometheus.Desc
	value func(scheduler.SiteCapacity) float64
}

// capacityFields are the numbers of a SiteCapacity, by metric name suffix.
var capacityFields = []struct {
	name, help string
	value      func(scheduler.SiteCapacity) float64
}{
	{"servers", "Servers, whatever their state", func(c scheduler.SiteCapacity) float64 { return float64(c.Servers) }},
	{"servers_online", "Servers the poller considers online", func(c scheduler.SiteCapacity) float64 { return float64(c.Online) }},
	{"servers_available", "Servers in service (enabled and online)", func(c scheduler.SiteCapacity) float64 { return float64(c.Available) }},
	{"servers_accepting", "Servers taking new meetings (available and not full)", func(c scheduler.SiteCapacity) float64 { return float64(c.Accepting) }},
	{"servers_unlimited", "Available servers without a capacity", func(c scheduler.SiteCapacity) float64 { return float64(c.Unlimited) }},
	{"load", "Load of the online servers, multiplier applied", func(c scheduler.SiteCapacity) float64 { return c.Load }},
	{"capacity", "Capacity of the available servers that have one", func(c scheduler.SiteCapacity) float64 { return c.Capacity }},
	{"free", "Capacity left on the available servers that have a capacity", func(c scheduler.SiteCapacity) float64 { return c.Free }},
	{"meetings", "Meetings on the online servers at their last poll", func(c scheduler.SiteCapacity) float64 { return float64(c.Meetings) }},
	{"users", "Users on the online servers at their last poll", func(c scheduler.SiteCapacity) float64 { return float64(c.Users) }},
}

// NewCapacityMetrics returns CapacityMetrics reading servers from l
// (normally the *scheduler.Scheduler) with a five-second deadline per
// scrape. A nil l is a *ConfigError.
func NewCapacityMetrics(l ServerLister) (*CapacityMetrics, error) {
	if l == nil {
		return nil, &ConfigError{Option: "NewCapacityMetrics", Msg: "server lister must not be nil"}
	}
	m := &CapacityMetrics{
		lister:  l,
		timeout: 5 * time.Second,
		up:      prometheus.NewDesc("bbbkit_scheduler_capacity_up", "1 when the scheduler's servers could be read at scrape time", nil, nil),
	}
	for _, f := range capacityFields {
		m.site = append(m.site, capacityGauge{
			desc:  prometheus.NewDesc("bbbkit_scheduler_site_"+f.name, f.help+", per site", []string{"site"}, nil),
			value: f.value,
		})
		m.cluster = append(m.cluster, capacityGauge{
			desc:  prometheus.NewDesc("bbbkit_scheduler_cluster_"+f.name, f.help+", all sites", nil, nil),
			value: f.value,
		})
	}
	return m, nil
}

// Describe implements prometheus.Collector.
func (m *CapacityMetrics) Describe(ch chan<- *prometheus.Desc) {
	ch <- m.up
	for i := range m.site {
		ch <- m.site[i].desc
		ch <- m.cluster[i].desc
	}
}

// Collect implements prometheus.Collector. When the servers cannot be read,
// bbbkit_scheduler_capacity_up is 0 and the other gauges are left out.
func (m *CapacityMetrics) Collect(ch chan<- prometheus.Metric) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), m.timeout)
	defer cancel()
	servers, err := m.lister.Servers(ctx)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(m.up, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(m.up, prometheus.GaugeValue, 1)
	r := scheduler.CapacityOf(servers)
	for _, g := range m.cluster {
		ch <- prometheus.MustNewConstMetric(g.desc, prometheus.GaugeValue, g.value(r.Total))
	}
	for _, c := range r.Sites {
		for _, g := range m.site {
			ch <- prometheus.MustNewConstMetric(g.desc, prometheus.GaugeValue, g.value(c), c.Site)
		}
	}
}
