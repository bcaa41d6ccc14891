package autoscale

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/bbbkit/bbbkit/scalelite/scheduler"
)

// Headroom is an amount of free capacity: the larger of Percent of a
// site's capacity and Absolute, e.g. {Percent: 20, Absolute: 200} keeps
// "20% or 200 users free", whichever is more.
type Headroom struct {
	// Percent of the site's capacity, 0 <= Percent < 100.
	Percent float64 `json:"percent,omitempty"`
	// Absolute, in the unit of scheduler.Server.Load, >= 0.
	Absolute float64 `json:"absolute,omitempty"`
}

// Of returns the headroom for a site of the given capacity.
func (h Headroom) Of(capacity float64) float64 {
	return max(h.Percent/100*capacity, h.Absolute)
}

func (h Headroom) validate(field string) error {
	if !(h.Percent >= 0 && h.Percent < 100) {
		return &scheduler.ValidationError{Field: field + ".Percent", Reason: "must be >= 0 and < 100"}
	}
	if !(h.Absolute >= 0) || math.IsInf(h.Absolute, 0) {
		return &scheduler.ValidationError{Field: field + ".Absolute", Reason: "must be a finite number >= 0"}
	}
	return nil
}

// SitePolicy is the policy of one site.
type SitePolicy struct {
	// Site names the site ("" for servers without a site).
	Site string
	// Headroom is the free capacity to keep.
	Headroom Headroom
	// MinServers is the least number of enabled servers (online or not).
	MinServers int
	// MaxServers bounds the servers that are not disabled (draining ones
	// included); 0 means no bound.
	MaxServers int
	// ServerCapacity is the capacity of one new server; required (> 0).
	ServerCapacity float64
}

// Policy is what an Autoscaler aims for.
type Policy struct {
	// Sites lists the sites to plan for; sites not listed are left alone.
	Sites []SitePolicy
	// ScaleInMargin is the free capacity a drain must leave beyond the
	// Headroom (hysteresis).
	ScaleInMargin Headroom
	// ScaleOutCooldown is the least time between two scale-outs at a site.
	ScaleOutCooldown time.Duration
	// ScaleInCooldown is the least time between a scale-out or drain and
	// the next drain at a site.
	ScaleInCooldown time.Duration
}

func (p Policy) validate() error {
	var errs []error
	seen := make(map[string]bool)
	for i, sp := range p.Sites {
		field := fmt.Sprintf("Policy.Sites[%d]", i)
		if seen[sp.Site] {
			errs = append(errs, &scheduler.ValidationError{Field: field + ".Site", Reason: fmt.Sprintf("%q listed twice", sp.Site)})
		}
		seen[sp.Site] = true
		if err := sp.Headroom.validate(field + ".Headroom"); err != nil {
			errs = append(errs, err)
		}
		if sp.MinServers < 0 || sp.MaxServers < 0 || (sp.MaxServers > 0 && sp.MaxServers < sp.MinServers) {
			errs = append(errs, &scheduler.ValidationError{Field: field, Reason: "need 0 <= MinServers <= MaxServers (or MaxServers 0)"})
		}
		if !(sp.ServerCapacity > 0) || math.IsInf(sp.ServerCapacity, 0) {
			errs = append(errs, &scheduler.ValidationError{Field: field + ".ServerCapacity", Reason: "must be a finite number > 0"})
		}
	}
	if err := p.ScaleInMargin.validate("Policy.ScaleInMargin"); err != nil {
		errs = append(errs, err)
	}
	if p.ScaleOutCooldown < 0 || p.ScaleInCooldown < 0 {
		errs = append(errs, &scheduler.ValidationError{Field: "Policy cooldowns", Reason: "must be >= 0"})
	}
	return errors.Join(errs...)
}

// Plan is what an Autoscaler wants done.
type Plan struct {
	// Time is when the plan was made.
	Time time.Time `json:"time"`
	// Actions lists what to do, at most one per site; empty when nothing
	// is to be done.
	Actions []Action `json:"actions"`
	// Held lists actions the policy wants but a cooldown holds back.
	Held []Action `json:"held,omitempty"`
	// Sites is the capacity of each site of the policy the plan was made
	// from.
	Sites []scheduler.SiteCapacity `json:"sites"`
}

// Action is one site's part of a Plan: a scale-out or a drain.
type Action struct {
	// Site names the site.
	Site string `json:"site"`
	// ScaleOut is the number of servers to add (of ServerCapacity each).
	ScaleOut int `json:"scaleOut,omitempty"`
	// ServerCapacity is the capacity of each new server.
	ServerCapacity float64 `json:"serverCapacity,omitempty"`
	// Drain lists the IDs of the servers to drain and remove.
	Drain []string `json:"drain,omitempty"`
	// Reason says why, for logs and people.
	Reason string `json:"reason"`
	// Until is, for a held action, when its cooldown ends.
	Until time.Time `json:"until,omitzero"`
}

// Option configures an Autoscaler.
type Option func(*Autoscaler) error

// WithClock sets the time source (default time.Now); tests pass a fake
// clock's Now method.
func WithClock(now func() time.Time) Option {
	return func(a *Autoscaler) error {
		if now == nil {
			return &scheduler.ValidationError{Field: "WithClock", Reason: "must not be nil"}
		}
		a.now = now
		return nil
	}
}

// WithHistory keeps when each site was last scaled out and drained in h,
// typically the scheduler's store (scheduler.MemoryStore or redisstore's
// Store), so that the cooldowns hold for every balancer replica sharing it
// and across restarts: a replica that takes over the poller lease right
// after a scale-out does not scale out again. Without it the Autoscaler
// keeps the history in memory.
func WithHistory(h scheduler.ScaleHistoryStore) Option {
	return func(a *Autoscaler) error {
		if h == nil {
			return &scheduler.ValidationError{Field: "WithHistory", Reason: "must not be nil"}
		}
		a.history = h
		return nil
	}
}

// Autoscaler makes plans for a Policy and remembers when it last scaled
// each site, for the cooldowns. It is safe for concurrent use.
type Autoscaler struct {
	policy  Policy
	now     func() time.Time
	history scheduler.ScaleHistoryStore

	// mu makes Plan's read of the history and its record one step within
	// the process.
	mu sync.Mutex
}

// New returns an Autoscaler for p. An invalid policy or option is a
// *scheduler.ValidationError naming the field.
func New(p Policy, opts ...Option) (*Autoscaler, error) {
	a := &Autoscaler{policy: p, now: time.Now, history: scheduler.NewMemoryStore()}
	a.policy.Sites = slices.Clone(p.Sites)
	errs := []error{p.validate()}
	for _, o := range opts {
		if o == nil {
			errs = append(errs, &scheduler.ValidationError{Field: "option", Reason: "must not be nil"})
			continue
		}
		errs = append(errs, o(a))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return a, nil
}

// Policy returns the policy the Autoscaler plans for.
func (a *Autoscaler) Policy() Policy {
	p := a.policy
	p.Sites = slices.Clone(p.Sites)
	return p
}

// Plan returns what to do now for the given servers (all of them, as
// scheduler.Scheduler's Servers returns them) and records the actions it
// returns as done, for the cooldowns: call it once per decision and carry
// the plan out. With several balancer replicas only one should call it (the
// poller lease holder, see scheduler.Scheduler's Polling). An error is the
// history's; no plan is made then.
func (a *Autoscaler) Plan(ctx context.Context, servers []scheduler.Server) (Plan, error) {
	return a.plan(ctx, servers, true)
}

// Preview returns the plan Plan would return now without recording
// anything: what a status page or an admin call shows. Actions a cooldown
// holds are in Held, with the end of their cooldown.
func (a *Autoscaler) Preview(ctx context.Context, servers []scheduler.Server) (Plan, error) {
	return a.plan(ctx, servers, false)
}

func (a *Autoscaler) plan(ctx context.Context, servers []scheduler.Server, record bool) (Plan, error) {
	if record {
		a.mu.Lock()
		defer a.mu.Unlock()
	}
	now := a.now()
	report := scheduler.CapacityOf(servers)
	plan := Plan{Time: now, Actions: []Action{}, Sites: []scheduler.SiteCapacity{}}
	for _, sp := range a.policy.Sites {
		hist, err := a.history.ScaleHistory(ctx, sp.Site)
		if err != nil {
			return Plan{}, fmt.Errorf("autoscale: scale history of site %q: %w", sp.Site, err)
		}
		c := report.Site(sp.Site)
		plan.Sites = append(plan.Sites, c)
		elsewhere := func(s scheduler.Server) bool { return s.Site != sp.Site }
		act, wanted := a.planSite(sp, c, slices.DeleteFunc(slices.Clone(servers), elsewhere), hist, now)
		switch {
		case !wanted:
		case !act.Until.IsZero():
			plan.Held = append(plan.Held, act)
		default:
			plan.Actions = append(plan.Actions, act)
		}
	}
	if !record {
		return plan, nil
	}
	for _, act := range plan.Actions {
		h := scheduler.ScaleHistory{In: now}
		if act.ScaleOut > 0 {
			h = scheduler.ScaleHistory{Out: now}
		}
		if err := a.history.RecordScale(ctx, act.Site, h); err != nil {
			return Plan{}, fmt.Errorf("autoscale: record the plan of site %q: %w", act.Site, err)
		}
	}
	return plan, nil
}

// planSite decides for one site; wanted is false when nothing is to be
// done, and a held action has Until set.
func (a *Autoscaler) planSite(sp SitePolicy, c scheduler.SiteCapacity, site []scheduler.Server, hist scheduler.ScaleHistory, now time.Time) (act Action, wanted bool) {
	act = Action{Site: sp.Site}
	if n, reason := scaleOutNeed(sp, c, site); n > 0 {
		act.ScaleOut, act.ServerCapacity, act.Reason = n, sp.ServerCapacity, reason
		if until := hist.Out.Add(a.policy.ScaleOutCooldown); !hist.Out.IsZero() && now.Before(until) {
			act.Until = until
		}
		return act, true
	}
	drain, reason := a.drainable(sp, c, site)
	if len(drain) == 0 {
		return act, false
	}
	act.Drain, act.Reason = drain, reason
	last := hist.In
	if hist.Out.After(last) {
		last = hist.Out
	}
	if until := last.Add(a.policy.ScaleInCooldown); !last.IsZero() && now.Before(until) {
		act.Until = until
	}
	return act, true
}

// scaleOutNeed returns how many servers to add and why (0 when none).
func scaleOutNeed(sp SitePolicy, c scheduler.SiteCapacity, site []scheduler.Server) (int, string) {
	enabled, live := 0, 0
	for _, s := range site {
		if s.State == scheduler.StateEnabled {
			enabled++
		}
		if s.State != scheduler.StateDisabled {
			live++
		}
	}
	n, reason := 0, ""
	switch target := sp.Headroom.Of(c.Capacity); {
	case enabled < sp.MinServers:
		n = sp.MinServers - enabled
		reason = fmt.Sprintf("%d enabled servers, minimum %d", enabled, sp.MinServers)
	case c.Unlimited == 0 && c.Free < target:
		// free + n*sc >= p*(cap + n*sc) and free + n*sc >= abs.
		p, sc := sp.Headroom.Percent/100, sp.ServerCapacity
		need := max((p*c.Capacity-c.Free)/(sc*(1-p)), (sp.Headroom.Absolute-c.Free)/sc)
		n = max(int(math.Ceil(need-1e-9)), 1)
		reason = fmt.Sprintf("free %s below target %s", fmtNum(c.Free), fmtNum(target))
	}
	if sp.MaxServers > 0 && live+n > sp.MaxServers {
		n = max(sp.MaxServers-live, 0)
	}
	return n, reason
}

// drainable returns the servers that can go while the site keeps its
// headroom plus the margin and its minimum, emptiest first.
func (a *Autoscaler) drainable(sp SitePolicy, c scheduler.SiteCapacity, site []scheduler.Server) ([]string, string) {
	if c.Unlimited > 0 {
		return nil, ""
	}
	enabled := 0
	var cands []scheduler.Server
	for _, s := range site {
		if s.State == scheduler.StateEnabled {
			enabled++
			if s.Available() && s.Capacity > 0 {
				cands = append(cands, s)
			}
		}
	}
	slices.SortFunc(cands, func(x, y scheduler.Server) int {
		return cmp.Or(cmp.Compare(x.Meetings, y.Meetings), cmp.Compare(x.Load, y.Load), cmp.Compare(x.ID, y.ID))
	})
	capacity, free := c.Capacity, c.Free
	var drain []string
	for _, s := range cands {
		if enabled-1 < sp.MinServers {
			break
		}
		// The server's capacity goes; its load moves to the others.
		capAfter, freeAfter := capacity-s.Capacity, free-s.Free()-s.Load
		if freeAfter < sp.Headroom.Of(capAfter)+a.policy.ScaleInMargin.Of(capAfter) {
			break
		}
		drain = append(drain, s.ID)
		capacity, free, enabled = capAfter, freeAfter, enabled-1
	}
	if len(drain) == 0 {
		return nil, ""
	}
	return drain, fmt.Sprintf("free %s of %s leaves the target %s and margin after the drain", fmtNum(c.Free),
		fmtNum(c.Capacity), fmtNum(sp.Headroom.Of(capacity)))
}

func fmtNum(f float64) string { return fmt.Sprintf("%g", math.Round(f*100)/100) }
