package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/examples/internal/cli"
	"github.com/bbbkit/bbbkit/webhooks"
)

// hookRow is one hook of hooks list.
type hookRow struct {
	Host        string `json:"host"`
	ID          string `json:"id"`
	CallbackURL string `json:"callback_url"`
	MeetingID   string `json:"meeting_id,omitempty"`
	Permanent   bool   `json:"permanent"`
	Raw         bool   `json:"raw"`
}

func hookCommands() []*cli.Command {
	list := &poolCmd{}
	ensure := &poolCmd{}
	return []*cli.Command{
		{Name: "list", Short: "the webhooks registered on every server", Flags: list.register, Run: list.listHooks},
		{Name: "ensure", UsageLine: "bbbctl hooks ensure [flags] CALLBACK-URL", Short: "register a hook on every server that lacks it", Flags: ensure.register, Args: true, Run: ensure.ensureHook},
	}
}

func (c *poolCmd) listHooks(ctx context.Context, env *cli.Env, _ []string) error {
	t, nodes, err := c.nodes(ctx, env)
	if err != nil {
		return err
	}
	all, errs := eachServer(ctx, t, nodes, func(ctx context.Context, cl *bbb.Client, _ node) ([]webhooks.Hook, error) {
		wc, err := webhooks.NewClient(cl)
		if err != nil {
			return nil, err
		}
		return wc.List(ctx, "")
	})
	rows := []hookRow{}
	for i, hooks := range all {
		for _, h := range hooks {
			rows = append(rows, hookRow{Host: hostOf(nodes[i].URL), ID: h.ID, CallbackURL: h.CallbackURL, MeetingID: h.MeetingID, Permanent: h.Permanent, Raw: h.Raw})
		}
	}
	if c.out.format == outJSON {
		if err := writeJSON(env.Stdout, rows); err != nil {
			return err
		}
	} else {
		tab := newTable(env.Stdout, "HOST", "ID", "CALLBACK-URL", "MEETING-ID", "PERMANENT", "RAW")
		for _, r := range rows {
			tab.row(r.Host, r.ID, r.CallbackURL, r.MeetingID, strconv.FormatBool(r.Permanent), strconv.FormatBool(r.Raw))
		}
		if err := tab.flush(); err != nil {
			return err
		}
	}
	return reportUnreachable(env, nodes, errs)
}

func (c *poolCmd) ensureHook(ctx context.Context, env *cli.Env, args []string) error {
	if len(args) != 1 {
		return cli.Usagef("give the callback URL")
	}
	t, nodes, err := c.nodes(ctx, env)
	if err != nil {
		return err
	}
	results, errs := eachServer(ctx, t, nodes, func(ctx context.Context, cl *bbb.Client, _ node) (*webhooks.EnsureResult, error) {
		wc, err := webhooks.NewClient(cl)
		if err != nil {
			return nil, err
		}
		return wc.EnsureOnce(ctx, webhooks.CreateParams{CallbackURL: args[0]})
	})
	for i, r := range results {
		if r == nil {
			continue
		}
		what := "already registered"
		switch {
		case r.Replaced:
			what = "replaced"
		case r.Created:
			what = "registered"
		}
		fmt.Fprintf(env.Stdout, "%s: hook %s %s\n", hostOf(nodes[i].URL), r.Hook.ID, what)
	}
	return reportUnreachable(env, nodes, errs)
}
