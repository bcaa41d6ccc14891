package main

import (
	"context"

	"github.com/bbbkit/bbbkit/scalelite/mirror"
)

func cmdPrune(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "prune")
	dir := fs.String("dir", "/var/bigbluebutton/published", "published tree to prune")
	olderThan := fs.String("older-than", "", "remove recordings that started longer ago, e.g. 90d or 36h")
	keep := fs.Int("keep", -1, "keep only the N most recent recordings")
	dryRun := fs.Bool("dry-run", false, "only list what would be removed")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	var opts []mirror.PruneOption
	if *olderThan != "" {
		d, err := parseAge(*olderThan)
		if err != nil || d <= 0 {
			return usageErr(e, "prune: invalid -older-than %q", *olderThan)
		}
		opts = append(opts, mirror.WithOlderThan(d))
	}
	if *keep >= 0 {
		opts = append(opts, mirror.WithKeep(*keep))
	}
	if len(opts) == 0 {
		return usageErr(e, "prune: give -older-than or -keep")
	}
	res, err := mirror.Prune(ctx, *dir, append(opts, mirror.WithDryRun(*dryRun))...)
	if res != nil {
		verb := "removed"
		if res.DryRun {
			verb = "would remove"
		}
		for _, r := range res.Recordings {
			e.log.Info(verb, "record_id", r.RecordID, "formats", r.Formats, "start", r.StartTime, "bytes", r.Bytes)
		}
		for _, r := range res.Skipped {
			e.log.Warn("not removed", "record_id", r.RecordID, "formats", r.Formats, "start", r.StartTime, "reason", r.Err)
		}
		e.log.Info("prune finished", "dry_run", res.DryRun, "pruned", len(res.Recordings), "not_removed", len(res.Skipped), "kept", res.Kept)
	}
	if err != nil {
		e.log.Error("prune", "err", err)
	}
	return exitFor(ctx, err)
}
