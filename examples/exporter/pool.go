package main

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bbbkit/bbbkit/metrics"
	"github.com/bbbkit/bbbkit/scalelite"
)

// serverCollector is what /metrics and /health read: a metrics.Collector
// over a fixed list of servers, or a poolCollector that follows a
// Scalelite pool.
type serverCollector interface {
	prometheus.Collector
	Status() []metrics.ServerStatus
	RefreshRecordings(ctx context.Context) error
	Close() error
}

// poolMember is one server of the pool with a collector of its own, so
// that its unique-meeting counters, latency histogram and cached recording
// counts survive changes to the rest of the pool.
type poolMember struct {
	id, label, url, secret string // a change of any of them makes a new member
	col                    *metrics.Collector
	cm                     *metrics.ClientMetrics
}

// memberFactory makes the collector of one server of the pool.
type memberFactory func(label, apiURL, secret string) (*metrics.Collector, *metrics.ClientMetrics, error)

// poolStatus is what the last read of the server list found.
type poolStatus struct {
	Up       bool      // the last read succeeded
	LastRead time.Time // when the last read started; zero before the first
	Err      string    // the last error, empty when Up; never holds a secret
	Servers  int       // servers in the last known list: the members
}

// poolCollector exposes the metrics of every server of a Scalelite pool.
// Each scrape first reads the server list from the admin API (at most
// listTimeout), so servers added to the pool appear at the next scrape and
// removed ones disappear; when the list cannot be read, the last known
// list is scraped and the error is logged.
type poolCollector struct {
	admin       *scalelite.Client
	newMember   memberFactory
	listTimeout time.Duration
	log         *slog.Logger
	// maxConcurrency bounds the members scraped at once (>= 1,
	// -max-concurrency).
	maxConcurrency int

	listMu  sync.Mutex // one read of the list at a time
	mu      sync.Mutex // guards members and status
	members []*poolMember
	status  poolStatus // Servers unset: PoolStatus derives it from members

	upDesc, serversDesc *prometheus.Desc
}

func newPoolCollector(admin *scalelite.Client, newMember memberFactory, listTimeout time.Duration, maxConcurrency int, log *slog.Logger) *poolCollector {
	return &poolCollector{
		admin: admin, newMember: newMember, listTimeout: listTimeout, maxConcurrency: maxConcurrency, log: log,
		upDesc: prometheus.NewDesc("bbbkit_exporter_scalelite_up",
			"1 when the last read of the server list from the Scalelite admin API succeeded", nil, nil),
		serversDesc: prometheus.NewDesc("bbbkit_exporter_scalelite_servers",
			"Servers in the last server list read from the Scalelite admin API", nil, nil),
	}
}

// refresh reads the server list and replaces the members by it. On error
// the members stay as they were.
func (p *poolCollector) refresh(ctx context.Context) error {
	p.listMu.Lock()
	defer p.listMu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, p.listTimeout)
	defer cancel()
	start := time.Now()
	servers, err := p.admin.GetServers(ctx)
	if err != nil {
		p.mu.Lock()
		p.status.Up, p.status.Err, p.status.LastRead = false, err.Error(), start
		n := len(p.members)
		p.mu.Unlock()
		p.log.Warn("reading the server list from Scalelite failed; scraping the last known list", "servers", n, "err", err)
		return err
	}
	p.mu.Lock()
	old := p.members
	p.mu.Unlock()
	members, gone := p.merge(old, servers)
	p.mu.Lock()
	p.members = members
	p.status = poolStatus{Up: true, LastRead: start}
	p.mu.Unlock()
	for _, m := range gone {
		_ = m.col.Close()
	}
	return nil
}

// merge returns the members for servers, reusing the old member of a
// server whose ID, label, URL and secret did not change, and the old
// members no longer used.
func (p *poolCollector) merge(old []*poolMember, servers []scalelite.Server) (members, gone []*poolMember) {
	byID := make(map[string]*poolMember, len(old))
	for _, m := range old {
		byID[m.id] = m
	}
	labels := poolLabels(servers)
	for i, s := range servers {
		if m := byID[s.ID]; m != nil && m.label == labels[i] && m.url == s.URL && m.secret == s.Secret {
			members = append(members, m)
			delete(byID, s.ID)
			continue
		}
		col, cm, err := p.newMember(labels[i], s.URL, s.Secret)
		if err != nil {
			p.log.Warn("cannot watch a server of the pool", "server", labels[i], "err", err)
			continue
		}
		p.log.Info("watching a server of the pool", "server", labels[i], "id", s.ID)
		members = append(members, &poolMember{id: s.ID, label: labels[i], url: s.URL, secret: s.Secret, col: col, cm: cm})
	}
	for _, m := range byID {
		p.log.Info("no longer watching a server that left the pool", "server", m.label, "id", m.id)
		gone = append(gone, m)
	}
	return members, gone
}

// poolLabels names each server by the host of its URL, or by its Scalelite
// ID when several servers share a host or the URL has none.
func poolLabels(servers []scalelite.Server) []string {
	hosts := make([]string, len(servers))
	count := map[string]int{}
	for i, s := range servers {
		if u, err := url.Parse(s.URL); err == nil {
			hosts[i] = u.Host
		}
		count[hosts[i]]++
	}
	labels := make([]string, len(servers))
	for i, s := range servers {
		labels[i] = hosts[i]
		if hosts[i] == "" || count[hosts[i]] > 1 {
			labels[i] = s.ID
		}
	}
	return labels
}

// snapshot returns the current members.
func (p *poolCollector) snapshot() []*poolMember {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.members)
}

// exporterDesc starts the String of bbb_exporter's descriptor: the one
// series every member emits alike (the same version label; every other
// series carries the member's server label).
const exporterDesc = `Desc{fqName: "bbb_exporter",`

// Describe sends nothing: the metrics depend on the pool, so the registry
// treats the collector as unchecked.
func (p *poolCollector) Describe(chan<- *prometheus.Desc) {}

// Collect reads the server list, then scrapes the members concurrently,
// at most maxConcurrency at a time.
// bbb_exporter, which every member emits alike, is sent once.
func (p *poolCollector) Collect(ch chan<- prometheus.Metric) {
	_ = p.refresh(context.Background()) // logged; the last known list is scraped
	p.mu.Lock()
	members := slices.Clone(p.members)
	st := p.status
	p.mu.Unlock()
	up := 0.0
	if st.Up {
		up = 1
	}
	ch <- prometheus.MustNewConstMetric(p.upDesc, prometheus.GaugeValue, up)
	ch <- prometheus.MustNewConstMetric(p.serversDesc, prometheus.GaugeValue, float64(len(members)))

	each := make(chan prometheus.Metric)
	var wg sync.WaitGroup
	slots := make(chan struct{}, p.maxConcurrency)
	for _, m := range members {
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			m.col.Collect(each)
			m.cm.Collect(each)
		})
	}
	go func() {
		wg.Wait()
		close(each)
	}()
	isExporter := map[*prometheus.Desc]bool{} // each member has its own descriptors
	sentExporter := false
	for metric := range each {
		d := metric.Desc()
		ex, known := isExporter[d]
		if !known {
			ex = strings.HasPrefix(d.String(), exporterDesc)
			isExporter[d] = ex
		}
		if ex {
			if sentExporter {
				continue
			}
			sentExporter = true
		}
		ch <- metric
	}
}

// Status returns the state of every member as of its last scrape, in the
// order of the pool.
func (p *poolCollector) Status() []metrics.ServerStatus {
	var out []metrics.ServerStatus
	for _, m := range p.snapshot() {
		out = append(out, m.col.Status()...)
	}
	return out
}

// PoolStatus returns what the last read of the server list found.
func (p *poolCollector) PoolStatus() poolStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := p.status
	st.Servers = len(p.members)
	return st
}

// RefreshRecordings refreshes the recording counts of every member now.
func (p *poolCollector) RefreshRecordings(ctx context.Context) error {
	members := p.snapshot()
	errs := make([]error, len(members))
	var wg sync.WaitGroup
	for i, m := range members {
		wg.Go(func() { errs[i] = m.col.RefreshRecordings(ctx) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Close closes the collector of every member.
func (p *poolCollector) Close() error {
	for _, m := range p.snapshot() {
		_ = m.col.Close()
	}
	return nil
}
