package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/examples/internal/cli"
	"github.com/bbbkit/bbbkit/scalelite"
)

func serverCommands() []*cli.Command {
	add := &addCmd{}
	drain := &drainCmd{}
	sync := &syncCmd{}
	return []*cli.Command{
		{Name: "add", UsageLine: "bbbctl servers add [flags] URL", Short: "add a server (secret from $BBBCTL_SERVER_SECRET or -server-secret-file)", Flags: add.register, Args: true, Run: add.run},
		stateCommand("enable", "let a server take new meetings", func(ctx context.Context, a *scalelite.Client, id string) error {
			_, err := a.EnableServer(ctx, id)
			return err
		}),
		stateCommand("cordon", "take no new meetings on a server; running ones continue", func(ctx context.Context, a *scalelite.Client, id string) error {
			_, err := a.CordonServer(ctx, id)
			return err
		}),
		stateCommand("disable", "take a server out of the pool at once", func(ctx context.Context, a *scalelite.Client, id string) error {
			_, err := a.DisableServer(ctx, id)
			return err
		}),
		{Name: "drain", UsageLine: "bbbctl servers drain [-wait] [-deadline 2h [-end-meetings -message TEXT]] SERVER", Short: "cordon a server; with -wait, remove it once its last meeting ended; with -deadline, let the balancer drain it", Flags: drain.register, Args: true, Run: drain.run},
		stateCommand("panic", "disable a server and end all its meetings", func(ctx context.Context, a *scalelite.Client, id string) error {
			return a.PanicServer(ctx, id, nil)
		}),
		stateCommand("rm", "remove a server from the balancer", func(ctx context.Context, a *scalelite.Client, id string) error {
			return a.DeleteServer(ctx, id)
		}),
		{Name: "sync", UsageLine: "bbbctl servers sync -f pool.yaml [-dry-run]", Short: "make the balancer's servers what a pool file says; print the plan first", Flags: sync.register, Run: sync.run},
	}
}

// oneServer connects, needs a balancer and finds the server args[0] names.
func oneServer(ctx context.Context, env *cli.Env, tf *targetFlags, what string, args []string) (*target, node, error) {
	if len(args) != 1 {
		return nil, node{}, cli.Usagef("%s takes one server: its ID, URL or host name", what)
	}
	t, err := tf.connect(ctx, env)
	if err != nil {
		return nil, node{}, err
	}
	if _, err := t.balancer(what); err != nil {
		return nil, node{}, err
	}
	nodes, err := t.servers(ctx)
	if err != nil {
		return nil, node{}, err
	}
	n, err := find(nodes, args[0])
	if err != nil {
		return nil, node{}, cli.Exit(cli.ExitFailure, err)
	}
	return t, n, nil
}

// stateCommand is a command that does one admin call on one server.
func stateCommand(name, short string, call func(ctx context.Context, a *scalelite.Client, id string) error) *cli.Command {
	tf := &targetFlags{}
	past := map[string]string{"enable": "enabled", "cordon": "cordoned", "disable": "disabled", "panic": "disabled, its meetings ended", "rm": "removed"}[name]
	return &cli.Command{
		Name: name, UsageLine: "bbbctl servers " + name + " [flags] SERVER", Short: short, Flags: tf.register, Args: true,
		Run: func(ctx context.Context, env *cli.Env, args []string) error {
			t, n, err := oneServer(ctx, env, tf, "servers "+name, args)
			if err != nil {
				return err
			}
			if err := call(ctx, t.admin, n.ID); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "server %s (%s) %s\n", n.ID, hostOf(n.URL), past)
			return nil
		},
	}
}

type addCmd struct {
	target     targetFlags
	secretFile string
	tag        string
	multiplier float64
	enable     bool
}

func (c *addCmd) register(fs *flag.FlagSet) {
	c.target.register(fs)
	fs.StringVar(&c.secretFile, "server-secret-file", "", "file holding the new server's shared secret (default $BBBCTL_SERVER_SECRET)")
	fs.StringVar(&c.tag, "tag", "", "the server's tag")
	fs.Float64Var(&c.multiplier, "load-multiplier", 0, "load multiplier (0: the balancer's default, 1)")
	fs.BoolVar(&c.enable, "enable", false, "enable the server at once (new servers start disabled)")
}

func (c *addCmd) run(ctx context.Context, env *cli.Env, args []string) error {
	if len(args) != 1 {
		return cli.Usagef("servers add takes the server's URL")
	}
	secret, err := env.SecretFrom("", c.secretFile, "BBBCTL_SERVER_SECRET")
	if err != nil {
		return cli.Usagef("-server-secret-file: %v", err)
	}
	if secret == "" {
		return cli.Usagef("the new server's secret is required: $BBBCTL_SERVER_SECRET or -server-secret-file")
	}
	t, err := c.target.connect(ctx, env)
	if err != nil {
		return err
	}
	admin, err := t.balancer("servers add")
	if err != nil {
		return err
	}
	api, err := bbb.NormalizeAPIURL(args[0])
	if err != nil {
		return cli.Usagef("%v", err)
	}
	s, err := admin.AddServer(ctx, &scalelite.AddServerParams{URL: api, Secret: secret, Tag: c.tag, LoadMultiplier: c.multiplier})
	if err != nil {
		return err
	}
	state := "disabled"
	if c.enable {
		if _, err := admin.EnableServer(ctx, s.ID); err != nil {
			return fmt.Errorf("added as %s but not enabled: %w", s.ID, err)
		}
		state = "enabled"
	}
	fmt.Fprintf(env.Stdout, "server %s (%s) added, %s\n", s.ID, hostOf(api), state)
	return nil
}

type drainCmd struct {
	target      targetFlags
	wait        bool
	timeout     time.Duration
	interval    time.Duration
	deadline    time.Duration
	endMeetings bool
	message     string
}

func (c *drainCmd) register(fs *flag.FlagSet) {
	c.target.register(fs)
	fs.BoolVar(&c.wait, "wait", false, "wait until the server has no meeting and is removed")
	fs.DurationVar(&c.timeout, "timeout", time.Hour, "with -wait: give up waiting after this long (the server stays cordoned)")
	fs.DurationVar(&c.interval, "interval", 10*time.Second, "with -wait: time between two looks at the server")
	fs.DurationVar(&c.deadline, "deadline", 0, "let the balancer drain (bbbkit's drainServer, it goes on after bbbctl exits): at this deadline it stops, or with -end-meetings ends the meetings left")
	fs.BoolVar(&c.endMeetings, "end-meetings", false, "with -deadline: end the meetings left at the deadline, after posting -message to their chat")
	fs.StringVar(&c.message, "message", "", "with -end-meetings: the chat message posted before a meeting is ended")
}

// run cordons the server (no new meetings, running ones go on) and with
// -wait polls the server itself until it is empty, then removes it: a drain
// from outside, which works with Scalelite too. With -deadline the
// balancer drains (bbbkit's drainServer) and -wait only follows it.
func (c *drainCmd) run(ctx context.Context, env *cli.Env, args []string) error {
	if c.timeout <= 0 || c.interval <= 0 || c.deadline < 0 {
		return cli.Usagef("-timeout and -interval must be positive, -deadline not negative")
	}
	if c.endMeetings && c.deadline == 0 {
		return cli.Usagef("-end-meetings needs a -deadline")
	}
	if c.message != "" && !c.endMeetings {
		return cli.Usagef("-message goes with -end-meetings")
	}
	t, n, err := oneServer(ctx, env, &c.target, "servers drain", args)
	if err != nil {
		return err
	}
	if c.deadline > 0 {
		return c.drainOnBalancer(ctx, env, t, n)
	}
	if _, err := t.admin.CordonServer(ctx, n.ID); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "server %s (%s) cordoned: no new meetings\n", n.ID, hostOf(n.URL))
	if !c.wait {
		fmt.Fprintln(env.Stdout, "run with -wait to remove it once its last meeting ended")
		return nil
	}
	return c.follow(ctx, env, t, n, c.timeout, func() (bool, error) {
		if err := t.admin.DeleteServer(ctx, n.ID); err != nil {
			return false, fmt.Errorf("empty but not removed: %w", err)
		}
		return true, nil
	})
}

// drainOnBalancer starts the balancer's own drain and with -wait follows
// it until the balancer removed the server.
func (c *drainCmd) drainOnBalancer(ctx context.Context, env *cli.Env, t *target, n node) error {
	_, err := t.admin.DrainServer(ctx, n.ID, &scalelite.DrainServerParams{Deadline: c.deadline, EndMeetings: c.endMeetings, Message: c.message})
	if errors.Is(err, scalelite.ErrUnsupportedRequest) {
		return errors.New("this balancer has no drainServer (Scalelite itself): nothing changed; drain from outside without -deadline, with -wait")
	}
	if err != nil {
		return err
	}
	atDeadline := "the drain stops and the server stays cordoned"
	if c.endMeetings {
		atDeadline = "the meetings left are ended"
	}
	fmt.Fprintf(env.Stdout, "server %s (%s) cordoned; the balancer removes it once its last meeting ended; in %s %s\n",
		n.ID, hostOf(n.URL), c.deadline, atDeadline)
	if !c.wait {
		return nil
	}
	// The balancer ends the meetings, or gives up, at the deadline and
	// removes the server at its next polls: no need to wait much longer.
	limit := min(c.timeout, c.deadline+max(2*c.interval, 2*time.Minute))
	return c.follow(ctx, env, t, n, limit, func() (bool, error) {
		_, err := t.admin.GetServerInfo(ctx, n.ID)
		switch {
		case errors.Is(err, scalelite.ErrNotFound):
			return true, nil
		case err != nil:
			return false, err
		}
		return false, nil // empty, not yet removed by the balancer
	})
}

// follow prints the server's meetings every -interval until it is empty
// and whenEmpty says it is gone, or limit passes.
func (c *drainCmd) follow(ctx context.Context, env *cli.Env, t *target, n node, limit time.Duration, whenEmpty func() (bool, error)) error {
	client, err := t.client(n)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(limit)
	last := ""
	for {
		meetings, users, err := load(ctx, client, t.timeout)
		switch {
		case err != nil:
			fmt.Fprintf(env.Stdout, "%s: %v\n", hostOf(n.URL), err)
		case meetings == 0:
			gone, err := whenEmpty()
			if err != nil {
				return err
			}
			if gone {
				fmt.Fprintf(env.Stdout, "server %s (%s) empty and removed\n", n.ID, hostOf(n.URL))
				return nil
			}
		default:
			if line := fmt.Sprintf("%s: %d meetings, %d users left", hostOf(n.URL), meetings, users); line != last {
				fmt.Fprintln(env.Stdout, line)
				last = line
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("server %s still has meetings after %s; it stays cordoned", n.ID, limit.Round(time.Millisecond))
		}
		select {
		case <-ctx.Done():
			return cli.Exit(cli.ExitInterrupted, errors.New("interrupted; the server stays cordoned"))
		case <-time.After(c.interval):
		}
	}
}

// load counts a server's meetings and users.
func load(ctx context.Context, c *bbb.Client, timeout time.Duration) (meetings, users int, err error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ms, err := c.GetMeetings(ctx)
	if err != nil {
		return 0, 0, err
	}
	for _, m := range ms {
		users += m.ParticipantCount
	}
	return len(ms), users, nil
}
