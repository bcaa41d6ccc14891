package main

import (
	"context"
	"flag"

	"github.com/bbbkit/bbbkit/examples/internal/cli"
	"github.com/bbbkit/bbbkit/scalelite/mirror"
)

type pruneCmd struct {
	dir, olderThan string
	keep           int
	dryRun         bool
}

func (c *pruneCmd) register(fs *flag.FlagSet) {
	fs.StringVar(&c.dir, "dir", "/var/bigbluebutton/published", "published tree to prune")
	fs.StringVar(&c.olderThan, "older-than", "", "remove recordings that started longer ago, e.g. 90d or 36h")
	fs.IntVar(&c.keep, "keep", -1, "keep only the N most recent recordings")
	fs.BoolVar(&c.dryRun, "dry-run", false, "only list what would be removed")
}

func (c *pruneCmd) run(ctx context.Context, env *cli.Env, _ []string) error {
	var opts []mirror.PruneOption
	if c.olderThan != "" {
		d, err := parseAge(c.olderThan)
		if err != nil || d <= 0 {
			return cli.Usagef("invalid -older-than %q", c.olderThan)
		}
		opts = append(opts, mirror.WithOlderThan(d))
	}
	if c.keep >= 0 {
		opts = append(opts, mirror.WithKeep(c.keep))
	}
	if len(opts) == 0 {
		return cli.Usagef("give -older-than or -keep")
	}
	log := logger(env)
	res, err := mirror.Prune(ctx, c.dir, append(opts, mirror.WithDryRun(c.dryRun))...)
	if res != nil {
		verb := "removed"
		if res.DryRun {
			verb = "would remove"
		}
		for _, r := range res.Recordings {
			log.Info(verb, "record_id", r.RecordID, "formats", r.Formats, "start", r.StartTime, "bytes", r.Bytes)
		}
		for _, r := range res.Skipped {
			log.Warn("not removed", "record_id", r.RecordID, "formats", r.Formats, "start", r.StartTime, "reason", r.Err)
		}
		log.Info("prune finished", "dry_run", res.DryRun, "pruned", len(res.Recordings), "not_removed", len(res.Skipped), "kept", res.Kept)
	}
	if err != nil {
		log.Error("prune", "err", err)
	}
	return logged(ctx, err)
}
