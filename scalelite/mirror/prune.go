package mirror

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// PruneOption configures Prune.
type PruneOption func(*pruneConfig)

type pruneConfig struct {
	olderThan time.Duration
	keep      int
	dryRun    bool
	now       func() time.Time
}

// WithOlderThan prunes recordings that started more than d ago.
func WithOlderThan(d time.Duration) PruneOption { return func(c *pruneConfig) { c.olderThan = d } }

// WithKeep prunes all but the n most recent recordings.
func WithKeep(n int) PruneOption { return func(c *pruneConfig) { c.keep = n } }

// WithDryRun only reports what would be removed.
func WithDryRun(on bool) PruneOption { return func(c *pruneConfig) { c.dryRun = on } }

// WithPruneClock sets the clock (tests).
func WithPruneClock(now func() time.Time) PruneOption { return func(c *pruneConfig) { c.now = now } }

// PrunedRecording is a recording Prune removed (or would remove).
type PrunedRecording struct {
	RecordID  string
	Formats   []string
	StartTime time.Time
	Bytes     int64
}

// PruneResult lists what Prune removed, or would remove in a dry run.
type PruneResult struct {
	DryRun     bool
	Kept       int
	Recordings []PrunedRecording
}

// Prune removes recordings from the published tree at dir that started
// more than WithOlderThan ago, or that are beyond the WithKeep most recent
// ones (either criterion suffices). The start time comes from metadata.xml
// (<start_time>), else from the record ID's millisecond suffix, else from
// the directory's modification time. The plan is computed completely before
// anything is removed; with WithDryRun nothing is. Each format directory is
// renamed out of the tree before it is deleted, so it disappears at once.
func Prune(ctx context.Context, dir string, opts ...PruneOption) (*PruneResult, error) {
	cfg := pruneConfig{keep: -1, now: time.Now}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.olderThan <= 0 && cfg.keep < 0 {
		return nil, errors.New("mirror: prune: give an age (WithOlderThan) or a count (WithKeep)")
	}
	t, err := scanTree(ctx, dir, 4)
	if err != nil {
		return nil, fmt.Errorf("mirror: prune: %w", err)
	}
	type cand struct {
		rec   *Recording
		start time.Time
	}
	cands := make([]cand, 0, len(t.m.Recordings))
	for i := range t.m.Recordings {
		r := &t.m.Recordings[i]
		cands = append(cands, cand{r, recordingStart(dir, r)})
	}
	sort.SliceStable(cands, func(i, j int) bool {
		if !cands[i].start.Equal(cands[j].start) {
			return cands[i].start.After(cands[j].start)
		}
		return cands[i].rec.ID > cands[j].rec.ID
	})
	cutoff := time.Time{}
	if cfg.olderThan > 0 {
		cutoff = cfg.now().Add(-cfg.olderThan)
	}
	res := &PruneResult{DryRun: cfg.dryRun}
	for i, c := range cands {
		old := !cutoff.IsZero() && c.start.Before(cutoff)
		beyond := cfg.keep >= 0 && i >= cfg.keep
		if !old && !beyond {
			res.Kept++
			continue
		}
		pr := PrunedRecording{RecordID: c.rec.ID, StartTime: c.start, Bytes: c.rec.Size()}
		for _, f := range c.rec.Formats {
			pr.Formats = append(pr.Formats, f.Name)
		}
		res.Recordings = append(res.Recordings, pr)
	}
	if cfg.dryRun {
		return res, nil
	}
	trashRoot := filepath.Join(dir, StagingDirName)
	if len(res.Recordings) > 0 {
		if err := os.MkdirAll(trashRoot, 0o755); err != nil {
			return res, fmt.Errorf("mirror: prune: %w", err)
		}
	}
	for _, pr := range res.Recordings {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		for _, f := range pr.Formats {
			trash := filepath.Join(trashRoot, ".trash-"+f+"-"+pr.RecordID)
			os.RemoveAll(trash)
			if err := os.Rename(filepath.Join(dir, f, pr.RecordID), trash); err != nil {
				return res, fmt.Errorf("mirror: prune: %w", err)
			}
			if err := os.RemoveAll(trash); err != nil {
				return res, fmt.Errorf("mirror: prune: %w", err)
			}
		}
	}
	return res, nil
}

// recordingStart finds when a recording started.
func recordingStart(dir string, r *Recording) time.Time {
	for _, f := range r.Formats {
		b, err := os.ReadFile(filepath.Join(dir, f.Name, r.ID, "metadata.xml"))
		if err != nil {
			continue
		}
		if m, err := ParseMetadata(b); err == nil && !m.StartTime.IsZero() {
			return m.StartTime
		}
	}
	if t := recordTime(r.ID); !t.IsZero() {
		return t
	}
	var newest time.Time
	for _, f := range r.Formats {
		if fi, err := os.Stat(filepath.Join(dir, f.Name, r.ID)); err == nil && fi.ModTime().After(newest) {
			newest = fi.ModTime()
		}
	}
	return newest
}
