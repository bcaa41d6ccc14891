package scheduler

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// SiteOrderMeta is the create parameter (Scalelite-style metadata) that sets
// the site order of one request: "meta_bbbkit-site-order=b,a" asks for site
// b first, then a, then any other site.
const SiteOrderMeta = "meta_bbbkit-site-order"

// ParseSiteOrder parses a comma-separated site order such as "b,a". Spaces
// around names and empty entries are dropped, and so are repeats of a site
// already listed. A name that is not a valid site is a *ValidationError.
func ParseSiteOrder(s string) ([]string, error) {
	var order []string
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if err := validSite(part); err != nil {
			return nil, err
		}
		if !slices.Contains(order, part) {
			order = append(order, part)
		}
	}
	return order, nil
}

// validSite checks a server's site or an entry of a site order; "" is valid
// (no site) for a server.
func validSite(site string) error {
	switch {
	case len(site) > MaxIDLength:
		return &ValidationError{Field: "site", Reason: fmt.Sprintf("longer than %d bytes", MaxIDLength)}
	case strings.ContainsFunc(site, func(r rune) bool { return r <= ' ' || r == 0x7f || r == ',' }):
		return &ValidationError{Field: "site", Reason: `contains ",", spaces or control characters`}
	}
	return nil
}

func validCapacity(c float64) error {
	if !(c >= 0) || math.IsInf(c, 0) {
		return &ValidationError{Field: "capacity", Reason: "must be a finite number >= 0"}
	}
	return nil
}

func validSiteOrder(field string, order []string) error {
	for _, site := range order {
		if site == "" {
			return &ValidationError{Field: field, Reason: "site names must not be empty"}
		}
		if err := validSite(site); err != nil {
			return &ValidationError{Field: field, Reason: err.(*ValidationError).Reason}
		}
	}
	return nil
}

// PickOption changes one Pick.
type PickOption func(*pickConfig)

type pickConfig struct {
	sites    []string
	sitesSet bool
}

// PreferSites sets the site order of one Pick, replacing the Scheduler's
// WithSiteOrder: the first listed site with an accepting server wins, then
// the next, then any other site. With no sites (or only empty ones) the
// Scheduler's order applies. Use it for a tenant's order, or for a
// request's SiteOrderMeta parsed by ParseSiteOrder (which wins over the
// tenant's).
func PreferSites(sites ...string) PickOption {
	return func(p *pickConfig) {
		for _, s := range sites {
			if s != "" && !slices.Contains(p.sites, s) {
				p.sites = append(p.sites, s)
			}
		}
		p.sitesSet = len(p.sites) > 0
	}
}

// WithSiteOrder sets the site order of every Pick that does not give its
// own (PreferSites): a new meeting goes to the first listed site with an
// accepting server (enabled, online, not full), then the next, then any
// other site. Names must be valid sites; the default is no order.
func WithSiteOrder(sites ...string) Option {
	return func(c *config) {
		if err := validSiteOrder("WithSiteOrder", sites); err != nil {
			c.errs = append(c.errs, err)
			return
		}
		c.sites = nil
		for _, s := range sites {
			if !slices.Contains(c.sites, s) {
				c.sites = append(c.sites, s)
			}
		}
	}
}
