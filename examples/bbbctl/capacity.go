package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/bbbkit/bbbkit/examples/internal/cli"
	"github.com/bbbkit/bbbkit/scalelite"
)

// capacityReport is capacity's JSON: the balancer's capacity and, when it
// has an autoscaling policy, the plan it would make now.
type capacityReport struct {
	Capacity *scalelite.Capacity  `json:"capacity"`
	Plan     *scalelite.ScalePlan `json:"plan,omitempty"`
}

type capacityCmd struct {
	target targetFlags
	out    outputFlag
}

func (c *capacityCmd) register(fs *flag.FlagSet) {
	c.target.register(fs)
	c.out.register(fs, false)
}

func (c *capacityCmd) run(ctx context.Context, env *cli.Env, _ []string) error {
	if err := c.out.check(false); err != nil {
		return err
	}
	t, err := c.target.connect(ctx, env)
	if err != nil {
		return err
	}
	admin, err := t.balancer("capacity")
	if err != nil {
		return err
	}
	rep := capacityReport{}
	if rep.Capacity, err = admin.GetCapacity(ctx); err != nil {
		if errors.Is(err, scalelite.ErrUnsupportedRequest) {
			return errors.New("the balancer does not report capacity: getCapacity is a bbbkit extension (examples/balancer), Scalelite has none")
		}
		return err
	}
	switch rep.Plan, err = admin.GetScalePlan(ctx); {
	case errors.Is(err, scalelite.ErrNotFound), errors.Is(err, scalelite.ErrUnsupportedRequest):
		rep.Plan = nil // no autoscaling policy: capacity only
	case err != nil:
		return err
	}
	if c.out.format == outJSON {
		return writeJSON(env.Stdout, rep)
	}
	return writeCapacity(env.Stdout, rep)
}

// writeCapacity writes one row per site and the total, then the plan.
func writeCapacity(w io.Writer, rep capacityReport) error {
	tab := newTable(w, "SITE", "SERVERS", "ONLINE", "ACCEPTING", "MEETINGS", "USERS", "LOAD", "CAPACITY", "FREE")
	for _, s := range rep.Capacity.Sites {
		tab.row(capacityCells(s, s.Site)...)
	}
	tab.row(capacityCells(rep.Capacity.Total, "TOTAL")...)
	if err := tab.flush(); err != nil {
		return err
	}
	if rep.Plan == nil {
		_, err := fmt.Fprintln(w, "\nno autoscaling policy (examples/balancer -scale-policy)")
		return err
	}
	var b strings.Builder
	b.WriteString("\nautoscaling plan:\n")
	if len(rep.Plan.Actions) == 0 && len(rep.Plan.Held) == 0 {
		b.WriteString("  nothing to do\n")
	}
	for _, a := range rep.Plan.Actions {
		fmt.Fprintf(&b, "  %s\n", actionText(a))
	}
	for _, a := range rep.Plan.Held {
		fmt.Fprintf(&b, "  %s (held by the cooldown until %s)\n", actionText(a), a.Until.Format(time.RFC3339))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func capacityCells(s scalelite.SiteCapacity, name string) []string {
	capacity, free := formatFloat(s.Capacity), formatFloat(s.Free)
	if s.Unlimited > 0 {
		capacity, free = "unlimited", "unlimited"
	}
	if name == "" {
		name = "(none)"
	}
	return []string{name, strconv.Itoa(s.Servers), strconv.Itoa(s.Online), strconv.Itoa(s.Accepting),
		strconv.Itoa(s.Meetings), strconv.Itoa(s.Users), formatFloat(s.Load), capacity, free}
}

// actionText is one action of a plan, for people.
func actionText(a scalelite.ScaleAction) string {
	site := a.Site
	if site == "" {
		site = "(none)"
	}
	if a.ScaleOut > 0 {
		return fmt.Sprintf("site %s: add %d server(s) of capacity %s: %s", site, a.ScaleOut, formatFloat(a.ServerCapacity), a.Reason)
	}
	return fmt.Sprintf("site %s: drain %s: %s", site, strings.Join(a.Drain, ", "), a.Reason)
}
