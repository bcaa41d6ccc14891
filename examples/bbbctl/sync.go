package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/examples/internal/cli"
	"github.com/bbbkit/bbbkit/scalelite"
	"go.yaml.in/yaml/v3"
)

// poolFile is what servers sync reads:
//
//	servers:
//	  - url: https://bbb1.example.com/bigbluebutton/api
//	    secret-env: BBB1_SECRET     # or secret-file, or secret
//	    tag: gpu                    # optional
//	    load-multiplier: 2          # optional, default 1
//	    state: enabled              # enabled (default), cordoned or disabled
type poolFile struct {
	Servers []poolServer `yaml:"servers"`
}

type poolServer struct {
	URL            string       `yaml:"url"`
	Secret         secretSource `yaml:",inline"`
	Tag            string       `yaml:"tag"`
	LoadMultiplier float64      `yaml:"load-multiplier"`
	State          string       `yaml:"state"`
}

// want is one server of the pool file, resolved.
type want struct {
	url, secret, tag string
	multiplier       float64
	state            scalelite.State
}

// step is one change of the plan.
type step struct {
	text  string // what the plan prints; never a secret
	apply func(ctx context.Context, a *scalelite.Client) error
}

type syncCmd struct {
	target targetFlags
	file   string
	dryRun bool
	prune  bool
}

func (c *syncCmd) register(fs *flag.FlagSet) {
	c.target.register(fs)
	fs.StringVar(&c.file, "f", "", "pool file (YAML) listing the servers")
	fs.BoolVar(&c.dryRun, "dry-run", false, "print the plan, change nothing")
	fs.BoolVar(&c.prune, "prune", false, "remove servers the file does not list (default: cordon them)")
}

func (c *syncCmd) run(ctx context.Context, env *cli.Env, _ []string) error {
	if c.file == "" {
		return cli.Usagef("-f pool.yaml is required")
	}
	wants, err := readPool(c.file, env.Getenv)
	if err != nil {
		return err
	}
	t, err := c.target.connect(ctx, env)
	if err != nil {
		return err
	}
	admin, err := t.balancer("servers sync")
	if err != nil {
		return err
	}
	nodes, err := t.servers(ctx)
	if err != nil {
		return err
	}
	steps := plan(wants, nodes, c.prune)
	printPlan(env.Stdout, steps)
	if c.dryRun || len(steps) == 0 {
		return nil
	}
	done := 0
	for _, s := range steps {
		if err := s.apply(ctx, admin); err != nil {
			fmt.Fprintf(env.Stderr, "%s: %s: %v\n", env.Name, s.text, err)
			continue
		}
		done++
	}
	fmt.Fprintf(env.Stdout, "%d of %d changes applied\n", done, len(steps))
	if done < len(steps) {
		return cli.Exit(cli.ExitPartial, nil)
	}
	return nil
}

func readPool(path string, getenv func(string) string) ([]want, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, cli.Usagef("-f: %v", err)
	}
	var pf poolFile
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&pf); err != nil && err != io.EOF {
		return nil, cli.Usagef("pool file %s: %v", path, err)
	}
	seen := map[string]bool{}
	var wants []want
	for i, s := range pf.Servers {
		api, err := bbb.NormalizeAPIURL(s.URL)
		if err != nil {
			return nil, cli.Usagef("pool file %s, server %d: %v", path, i+1, err)
		}
		if seen[api] {
			return nil, cli.Usagef("pool file %s lists %s twice", path, api)
		}
		seen[api] = true
		secret, err := s.Secret.resolve(getenv, filepath.Dir(path))
		if err != nil {
			return nil, cli.Usagef("pool file %s, server %s: %v", path, api, err)
		}
		state := scalelite.StateEnabled
		if s.State != "" {
			var ok bool
			if state, ok = scalelite.ParseStateAction(s.State); !ok {
				return nil, cli.Usagef("pool file %s, server %s: state %q is not enabled, cordoned or disabled", path, api, s.State)
			}
		}
		m := s.LoadMultiplier
		if m == 0 {
			m = 1
		}
		wants = append(wants, want{url: api, secret: secret, tag: s.Tag, multiplier: m, state: state})
	}
	return wants, nil
}

// plan diffs the pool file against the balancer's servers: add what is
// missing, update what differs, cordon (or with prune remove) what the
// file does not list.
func plan(wants []want, nodes []node, prune bool) []step {
	byURL := map[string]node{}
	for _, n := range nodes {
		if api, err := bbb.NormalizeAPIURL(n.URL); err == nil {
			byURL[api] = n
		}
	}
	var steps []step
	listed := map[string]bool{}
	for _, w := range wants {
		n, ok := byURL[w.url]
		if !ok {
			steps = append(steps, addStep(w))
			continue
		}
		listed[n.ID] = true
		if s, ok := updateStep(w, n); ok {
			steps = append(steps, s)
		}
	}
	for _, n := range nodes {
		if listed[n.ID] {
			continue
		}
		id := n.ID
		switch {
		case prune:
			steps = append(steps, step{text: fmt.Sprintf("- remove %s (%s): not in the pool file", id, hostOf(n.URL)),
				apply: func(ctx context.Context, a *scalelite.Client) error { return a.DeleteServer(ctx, id) }})
		case n.State != string(scalelite.StateCordoned) && n.State != string(scalelite.StateDisabled):
			steps = append(steps, step{text: fmt.Sprintf("~ cordon %s (%s): not in the pool file", id, hostOf(n.URL)),
				apply: func(ctx context.Context, a *scalelite.Client) error { _, err := a.CordonServer(ctx, id); return err }})
		}
	}
	return steps
}

func addStep(w want) step {
	text := fmt.Sprintf("+ add %s (%s", w.url, w.state)
	if w.tag != "" {
		text += ", tag " + w.tag
	}
	if w.multiplier != 1 {
		text += ", load multiplier " + formatFloat(w.multiplier)
	}
	return step{text: text + ")", apply: func(ctx context.Context, a *scalelite.Client) error {
		s, err := a.AddServer(ctx, &scalelite.AddServerParams{URL: w.url, Secret: w.secret, Tag: w.tag, LoadMultiplier: w.multiplier})
		if err != nil {
			return err
		}
		if w.state != scalelite.StateDisabled {
			_, err = a.UpdateServer(ctx, s.ID, &scalelite.UpdateServerParams{State: w.state})
		}
		return err
	}}
}

// updateStep is the change that makes n what w says, if any.
func updateStep(w want, n node) (step, bool) {
	var p scalelite.UpdateServerParams
	var what []string
	if string(w.state) != n.State {
		p.State = w.state
		what = append(what, fmt.Sprintf("state %s -> %s", orDash(n.State), w.state))
	}
	if w.tag != n.Tag {
		p.Tag = &w.tag
		what = append(what, fmt.Sprintf("tag %s -> %s", orDash(n.Tag), orDash(w.tag)))
	}
	if n.LoadMultiplier != 0 && w.multiplier != n.LoadMultiplier {
		p.LoadMultiplier = w.multiplier
		what = append(what, fmt.Sprintf("load multiplier %s -> %s", formatFloat(n.LoadMultiplier), formatFloat(w.multiplier)))
	}
	if n.Secret != "" && w.secret != n.Secret {
		p.Secret = w.secret
		what = append(what, "secret changed")
	}
	if len(what) == 0 {
		return step{}, false
	}
	id := n.ID
	return step{text: fmt.Sprintf("~ update %s (%s): %s", id, hostOf(n.URL), strings.Join(what, ", ")),
		apply: func(ctx context.Context, a *scalelite.Client) error {
			_, err := a.UpdateServer(ctx, id, &p)
			return err
		}}, true
}

func printPlan(w io.Writer, steps []step) {
	if len(steps) == 0 {
		fmt.Fprintln(w, "the balancer's servers match the pool file")
		return
	}
	fmt.Fprintf(w, "plan: %d changes\n", len(steps))
	for _, s := range steps {
		fmt.Fprintln(w, "  "+s.text)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
