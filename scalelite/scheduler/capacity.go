package scheduler

import (
	"context"
	"slices"
	"strings"
)

// SiteCapacity sums up the servers of one site (or of all sites, in
// CapacityReport.Total). Loads and capacities are in the unit of
// Server.Load.
type SiteCapacity struct {
	// Site is the site's name; "" for servers without a site, and in the
	// total.
	Site string `json:"site"`
	// Servers counts every server, whatever its state.
	Servers int `json:"servers"`
	// Online counts the servers the poller considers online.
	Online int `json:"online"`
	// Available counts the servers in service: enabled and online (full
	// or not). Capacity and Free are theirs.
	Available int `json:"available"`
	// Accepting counts the available servers that are not full.
	Accepting int `json:"accepting"`
	// Unlimited counts the available servers without a capacity; while
	// it is not 0 the site's free capacity has no bound.
	Unlimited int `json:"unlimited"`
	// Load sums the load of the online servers (cordoned ones included).
	Load float64 `json:"load"`
	// Capacity sums the capacity of the available servers that have one.
	Capacity float64 `json:"capacity"`
	// Free sums the capacity left on the available servers that have a
	// capacity (Server.Free).
	Free float64 `json:"free"`
	// Meetings and Users sum what the last polls of the online servers
	// found.
	Meetings int `json:"meetings"`
	Users    int `json:"users"`
}

func (c *SiteCapacity) add(s Server) {
	c.Servers++
	if !s.Online {
		return
	}
	c.Online++
	c.Meetings += s.Meetings
	c.Users += s.Users
	if s.State != StateDisabled {
		c.Load += s.Load
	}
	if !s.Available() {
		return
	}
	c.Available++
	if !s.Full() {
		c.Accepting++
	}
	if s.Capacity <= 0 {
		c.Unlimited++
		return
	}
	c.Capacity += s.Capacity
	c.Free += s.Free()
}

// CapacityReport is the capacity of a cluster per site and in total.
type CapacityReport struct {
	// Sites has one entry per site that has a server, sorted by name
	// (servers without a site under "").
	Sites []SiteCapacity `json:"sites"`
	// Total sums every server.
	Total SiteCapacity `json:"total"`
}

// Site returns the entry of one site, or a zero entry naming it when no
// server is there.
func (r CapacityReport) Site(name string) SiteCapacity {
	for _, c := range r.Sites {
		if c.Site == name {
			return c
		}
	}
	return SiteCapacity{Site: name}
}

// CapacityOf computes the capacity report of a set of servers.
func CapacityOf(servers []Server) CapacityReport {
	bySite := make(map[string]*SiteCapacity)
	var r CapacityReport
	for _, s := range servers {
		c := bySite[s.Site]
		if c == nil {
			c = &SiteCapacity{Site: s.Site}
			bySite[s.Site] = c
		}
		c.add(s)
		r.Total.add(s)
	}
	r.Sites = make([]SiteCapacity, 0, len(bySite))
	for _, c := range bySite {
		r.Sites = append(r.Sites, *c)
	}
	slices.SortFunc(r.Sites, func(a, b SiteCapacity) int { return strings.Compare(a.Site, b.Site) })
	return r
}

// Capacity reports the cluster's capacity per site and in total, from one
// read of the store.
func (s *Scheduler) Capacity(ctx context.Context) (CapacityReport, error) {
	servers, err := s.cfg.store.Servers(ctx)
	if err != nil {
		return CapacityReport{}, err
	}
	return CapacityOf(servers), nil
}
