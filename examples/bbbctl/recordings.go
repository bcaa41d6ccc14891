package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/bbbkit/bbbkit/bbb"
	"github.com/bbbkit/bbbkit/examples/internal/cli"
)

// recordingRow is one recording of recordings list.
type recordingRow struct {
	Host      string    `json:"host"`
	RecordID  string    `json:"record_id"`
	MeetingID string    `json:"meeting_id"`
	Name      string    `json:"name"`
	State     string    `json:"state"`
	Published bool      `json:"published"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Size      int64     `json:"size"`
	server    node
}

func recordingCommands() []*cli.Command {
	list := &recordingsCmd{}
	pub := &recordingsCmd{}
	unpub := &recordingsCmd{}
	del := &recordingsCmd{}
	prune := &pruneCmd{}
	return []*cli.Command{
		{Name: "list", Short: "recordings of every server", Flags: list.register, Run: list.list},
		{Name: "publish", UsageLine: "bbbctl recordings publish [flags] RECORD-ID...", Short: "publish recordings on the servers that hold them", Flags: pub.register, Args: true,
			Run: func(ctx context.Context, env *cli.Env, args []string) error {
				return pub.change(ctx, env, args, "published")
			}},
		{Name: "unpublish", UsageLine: "bbbctl recordings unpublish [flags] RECORD-ID...", Short: "unpublish recordings", Flags: unpub.register, Args: true,
			Run: func(ctx context.Context, env *cli.Env, args []string) error {
				return unpub.change(ctx, env, args, "unpublished")
			}},
		{Name: "delete", UsageLine: "bbbctl recordings delete [flags] RECORD-ID...", Short: "delete recordings", Flags: del.register, Args: true,
			Run: func(ctx context.Context, env *cli.Env, args []string) error {
				return del.change(ctx, env, args, "deleted")
			}},
		{Name: "prune", UsageLine: "bbbctl recordings prune -older-than 90d [-dry-run]", Short: "delete recordings older than a given age", Flags: prune.register, Run: prune.run},
	}
}

type recordingsCmd struct {
	poolCmd
	meeting string
}

func (c *recordingsCmd) register(fs *flag.FlagSet) {
	c.poolCmd.register(fs)
	fs.StringVar(&c.meeting, "meeting", "", "only recordings of this meeting ID")
}

// collect connects and lists the recordings (any state) of every server
// at once; it returns the target too, for changing them.
func (c *recordingsCmd) collect(ctx context.Context, env *cli.Env, p *bbb.GetRecordingsParams) (*target, []recordingRow, []node, []error, error) {
	t, nodes, err := c.nodes(ctx, env)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if c.meeting != "" {
		p.MeetingIDs = []string{c.meeting}
	}
	p.States = []string{bbb.StateAny}
	all, errs := eachServer(ctx, t, nodes, func(ctx context.Context, cl *bbb.Client, _ node) ([]bbb.Recording, error) {
		var recs []bbb.Recording
		for r, err := range cl.Recordings(ctx, p) {
			if errors.Is(err, bbb.ErrNotFound) {
				break
			}
			if err != nil {
				return recs, err
			}
			recs = append(recs, r)
		}
		return recs, nil
	})
	var rows []recordingRow
	for i, recs := range all {
		for _, r := range recs {
			rows = append(rows, recordingRow{Host: hostOf(nodes[i].URL), RecordID: r.RecordID, MeetingID: r.MeetingID, Name: r.Name,
				State: r.State, Published: r.Published, Start: r.StartTime, End: r.EndTime, Size: r.Size, server: nodes[i]})
		}
	}
	return t, rows, nodes, errs, nil
}

func (c *recordingsCmd) list(ctx context.Context, env *cli.Env, _ []string) error {
	_, rows, nodes, errs, err := c.collect(ctx, env, &bbb.GetRecordingsParams{})
	if err != nil {
		return err
	}
	if err := writeRecordings(env, rows, c.out.format); err != nil {
		return err
	}
	return reportUnreachable(env, nodes, errs)
}

func writeRecordings(env *cli.Env, rows []recordingRow, format string) error {
	if format == outJSON {
		if rows == nil {
			rows = []recordingRow{}
		}
		return writeJSON(env.Stdout, rows)
	}
	tab := newTable(env.Stdout, "HOST", "RECORD-ID", "MEETING-ID", "NAME", "STATE", "START", "SIZE")
	for _, r := range rows {
		start := ""
		if !r.Start.IsZero() {
			start = r.Start.UTC().Format(time.DateTime)
		}
		tab.row(r.Host, r.RecordID, r.MeetingID, r.Name, r.State, start, strconv.FormatInt(r.Size, 10))
	}
	return tab.flush()
}

// change publishes, unpublishes or deletes the recordings on the servers
// that hold them.
func (c *recordingsCmd) change(ctx context.Context, env *cli.Env, ids []string, verb string) error {
	if len(ids) == 0 {
		return cli.Usagef("give at least one recording ID")
	}
	t, rows, nodes, errs, err := c.collect(ctx, env, &bbb.GetRecordingsParams{RecordIDs: ids})
	if err != nil {
		return err
	}
	if err := reportUnreachable(env, nodes, errs); err != nil && len(rows) == 0 {
		return err
	}
	return applyRecordings(ctx, env, t, rows, ids, verb)
}

// applyRecordings does verb to each row on its own server and reports the
// wanted IDs no server holds.
func applyRecordings(ctx context.Context, env *cli.Env, t *target, rows []recordingRow, ids []string, verb string) error {
	held := map[string]bool{}
	failed := 0
	for _, r := range rows {
		held[r.RecordID] = true
		cl, err := t.client(r.server)
		if err == nil {
			switch verb {
			case "published", "unpublished":
				_, err = cl.PublishRecordings(ctx, []string{r.RecordID}, verb == "published")
			default:
				_, err = cl.DeleteRecordings(ctx, []string{r.RecordID})
			}
		}
		if err != nil {
			failed++
			fmt.Fprintf(env.Stderr, "%s: %s on %s: %v\n", env.Name, r.RecordID, r.Host, err)
			continue
		}
		fmt.Fprintf(env.Stdout, "recording %s %s on %s\n", r.RecordID, verb, r.Host)
	}
	for _, id := range ids {
		if !held[id] {
			failed++
			fmt.Fprintf(env.Stderr, "%s: no server holds recording %s\n", env.Name, id)
		}
	}
	if failed > 0 {
		return cli.Exit(cli.ExitPartial, nil)
	}
	return nil
}

type pruneCmd struct {
	recordingsCmd
	olderThan string
	dryRun    bool
}

func (c *pruneCmd) register(fs *flag.FlagSet) {
	c.recordingsCmd.register(fs)
	fs.StringVar(&c.olderThan, "older-than", "", "age of the recordings to delete, such as 90d or 2160h (required)")
	fs.BoolVar(&c.dryRun, "dry-run", false, "list what would be deleted, delete nothing")
}

func (c *pruneCmd) run(ctx context.Context, env *cli.Env, _ []string) error {
	age, err := parseAge(c.olderThan)
	if err != nil {
		return err
	}
	t, rows, nodes, errs, err := c.collect(ctx, env, &bbb.GetRecordingsParams{})
	if err != nil {
		return err
	}
	cutoff := time.Now().Add(-age)
	var old []recordingRow
	var ids []string
	for _, r := range rows {
		when := r.End
		if when.IsZero() {
			when = r.Start
		}
		if r.State != "deleted" && !when.IsZero() && when.Before(cutoff) {
			old = append(old, r)
			ids = append(ids, r.RecordID)
		}
	}
	if c.dryRun {
		fmt.Fprintf(env.Stdout, "would delete %d recordings older than %s:\n", len(old), c.olderThan)
		if err := writeRecordings(env, old, c.out.format); err != nil {
			return err
		}
		return reportUnreachable(env, nodes, errs)
	}
	if err := applyRecordings(ctx, env, t, old, ids, "deleted"); err != nil {
		return err
	}
	return reportUnreachable(env, nodes, errs)
}

// parseAge reads "90d" (days) or any time.ParseDuration value.
func parseAge(s string) (time.Duration, error) {
	if s == "" {
		return 0, cli.Usagef("-older-than is required, such as 90d")
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 {
			return 0, cli.Usagef("-older-than %q: want a positive number of days such as 90d", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, cli.Usagef("-older-than %q: want a positive duration such as 90d or 2160h", s)
	}
	return d, nil
}
