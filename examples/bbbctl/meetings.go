package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/examples/internal/cli"
)

// meetingRow is one meeting of meetings list.
type meetingRow struct {
	Server    string    `json:"server"`
	Host      string    `json:"host"`
	MeetingID string    `json:"meeting_id"`
	Name      string    `json:"name"`
	Users     int       `json:"users"`
	Videos    int       `json:"videos"`
	Recording bool      `json:"recording"`
	Created   time.Time `json:"created"`
}

// poolCmd is a command over every server of the target (or one, -server).
type poolCmd struct {
	target targetFlags
	out    outputFlag
	server string
}

func (c *poolCmd) register(fs *flag.FlagSet) {
	c.target.register(fs)
	c.out.register(fs, false)
	fs.StringVar(&c.server, "server", "", "only this server (ID, URL or host name)")
}

// nodes connects and returns the servers to work on.
func (c *poolCmd) nodes(ctx context.Context, env *cli.Env) (*target, []node, error) {
	if err := c.out.check(false); err != nil {
		return nil, nil, err
	}
	t, err := c.target.connect(ctx, env)
	if err != nil {
		return nil, nil, err
	}
	nodes, err := t.servers(ctx)
	if err != nil {
		return nil, nil, err
	}
	if c.server != "" {
		n, err := find(nodes, c.server)
		if err != nil {
			return nil, nil, err
		}
		nodes = []node{n}
	}
	return t, nodes, nil
}

// reportUnreachable prints the servers that failed and returns the error
// for a partial result.
func reportUnreachable(env *cli.Env, nodes []node, errs []error) error {
	failed := 0
	for i, err := range errs {
		if err != nil {
			failed++
			fmt.Fprintf(env.Stderr, "%s: %s: %v\n", env.Name, hostOf(nodes[i].URL), err)
		}
	}
	if failed > 0 {
		return cli.Exit(cli.ExitPartial, fmt.Errorf("%d of %d servers did not answer", failed, len(nodes)))
	}
	return nil
}

func meetingCommands() []*cli.Command {
	list := &poolCmd{}
	find := &poolCmd{}
	end := &poolCmd{}
	return []*cli.Command{
		{Name: "list", Short: "meetings of every server", Flags: list.register, Run: list.listMeetings},
		{Name: "find", UsageLine: "bbbctl meetings find [flags] MEETING-ID", Short: "which server holds a meeting", Flags: find.register, Args: true, Run: find.findMeeting},
		{Name: "end", UsageLine: "bbbctl meetings end [flags] MEETING-ID", Short: "end a meeting on the server that holds it", Flags: end.register, Args: true, Run: end.endMeeting},
	}
}

func (c *poolCmd) listMeetings(ctx context.Context, env *cli.Env, _ []string) error {
	t, nodes, err := c.nodes(ctx, env)
	if err != nil {
		return err
	}
	all, errs := eachServer(ctx, t, nodes, func(ctx context.Context, cl *bbb.Client, _ node) ([]bbb.Meeting, error) {
		return cl.GetMeetings(ctx)
	})
	rows := []meetingRow{}
	for i, ms := range all {
		for _, m := range ms {
			rows = append(rows, meetingRow{Server: nodes[i].ID, Host: hostOf(nodes[i].URL), MeetingID: m.MeetingID, Name: m.MeetingName,
				Users: m.ParticipantCount, Videos: m.VideoCount, Recording: m.Recording, Created: m.CreateTime})
		}
	}
	if err := writeMeetings(env, rows, c.out.format); err != nil {
		return err
	}
	return reportUnreachable(env, nodes, errs)
}

func writeMeetings(env *cli.Env, rows []meetingRow, format string) error {
	if format == outJSON {
		return writeJSON(env.Stdout, rows)
	}
	tab := newTable(env.Stdout, "HOST", "MEETING-ID", "NAME", "USERS", "VIDEOS", "RECORDING", "CREATED")
	for _, r := range rows {
		created := ""
		if !r.Created.IsZero() {
			created = r.Created.UTC().Format(time.DateTime)
		}
		tab.row(r.Host, r.MeetingID, r.Name, strconv.Itoa(r.Users), strconv.Itoa(r.Videos), strconv.FormatBool(r.Recording), created)
	}
	return tab.flush()
}

// holders returns the servers on which the meeting runs.
func (c *poolCmd) holders(ctx context.Context, env *cli.Env, args []string) (*target, []node, error) {
	if len(args) != 1 {
		return nil, nil, cli.Usagef("give one meeting ID")
	}
	t, nodes, err := c.nodes(ctx, env)
	if err != nil {
		return nil, nil, err
	}
	found, errs := eachServer(ctx, t, nodes, func(ctx context.Context, cl *bbb.Client, _ node) (bool, error) {
		_, err := cl.GetMeetingInfo(ctx, args[0])
		if errors.Is(err, bbb.ErrNotFound) {
			return false, nil
		}
		return err == nil, err
	})
	var holders []node
	for i, ok := range found {
		if ok {
			holders = append(holders, nodes[i])
		}
	}
	if len(holders) == 0 {
		if err := reportUnreachable(env, nodes, errs); err != nil {
			return nil, nil, err
		}
		return nil, nil, fmt.Errorf("no server holds meeting %q", args[0])
	}
	return t, holders, nil
}

func (c *poolCmd) findMeeting(ctx context.Context, env *cli.Env, args []string) error {
	_, holders, err := c.holders(ctx, env, args)
	if err != nil {
		return err
	}
	type hit struct {
		Server string `json:"server"`
		Host   string `json:"host"`
		URL    string `json:"url"`
	}
	hits := make([]hit, 0, len(holders))
	for _, n := range holders {
		hits = append(hits, hit{n.ID, hostOf(n.URL), n.URL})
	}
	if c.out.format == outJSON {
		return writeJSON(env.Stdout, hits)
	}
	tab := newTable(env.Stdout, "SERVER", "HOST", "URL")
	for _, h := range hits {
		tab.row(h.Server, h.Host, h.URL)
	}
	return tab.flush()
}

func (c *poolCmd) endMeeting(ctx context.Context, env *cli.Env, args []string) error {
	t, holders, err := c.holders(ctx, env, args)
	if err != nil {
		return err
	}
	for _, n := range holders {
		cl, err := t.client(n)
		if err != nil {
			return err
		}
		if err := cl.EndMeeting(ctx, args[0]); err != nil {
			return fmt.Errorf("%s: %w", hostOf(n.URL), err)
		}
		fmt.Fprintf(env.Stdout, "meeting %s ended on %s\n", args[0], hostOf(n.URL))
	}
	return nil
}
