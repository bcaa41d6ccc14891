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

type pruneConfig struct {
	olderThan time.Duration
	keep      int
	dryRun    bool
	now       func() time.Time
}

// PrunedRecording is a recording Prune removed (or would remove).
type PrunedRecording struct {
	RecordID  string
	Formats   []string
	StartTime time.Time
	Bytes     int64
}

// SkippedRecording is a recording that Prune's criteria select but that it
// did not remove (or would not, in a dry run), and why: for example a
// recording holding a symbolic link or a special file, a format directory
// that is a symbolic link, or a rename that failed.
type SkippedRecording struct {
	RecordID  string
	Formats   []string
	StartTime time.Time
	Err       error
}

// PruneResult lists what Prune removed, or would remove in a dry run, and
// what it selected but left in place.
type PruneResult struct {
	DryRun     bool
	Kept       int
	Recordings []PrunedRecording
	Skipped    []SkippedRecording
}

// Prune removes recordings from the published tree at dir that started
// more than WithOlderThan ago, or that are beyond the WithKeep most recent
// ones (either criterion suffices). The start time comes from metadata.xml
// (<start_time>), else from the record ID's millisecond suffix, else from
// the directory's modification time. The plan is computed completely before
// anything is removed; with WithDryRun nothing is. Each format directory is
// renamed out of the tree before it is deleted, so it disappears at once.
//
// A selected recording that cannot be removed safely (it holds a symbolic
// link or a special file, or a format directory is a symbolic link) or
// whose removal fails is listed in PruneResult.Skipped with the reason, the
// others are still removed, and the error matches ErrIncomplete.
func Prune(ctx context.Context, dir string, opts ...PruneOption) (*PruneResult, error) {
	cfg := pruneConfig{keep: -1, now: time.Now}
	for _, o := range opts {
		if o == nil {
			return nil, errNilOption
		}
		if err := o.applyPrune(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.olderThan <= 0 && cfg.keep < 0 {
		return nil, errors.New("mirror: prune: give an age (WithOlderThan) or a count (WithKeep)")
	}
	t, err := scanTree(ctx, dir, 4, allowHardLinks)
	if err != nil {
		return nil, fmt.Errorf("mirror: prune: %w", err)
	}
	res := planPrune(dir, t, &cfg)
	if !cfg.dryRun {
		if err := removePruned(ctx, dir, res); err != nil {
			return res, err
		}
	}
	if len(res.Skipped) > 0 {
		return res, fmt.Errorf("mirror: prune: %d selected recordings not removed, first %s: %v: %w",
			len(res.Skipped), res.Skipped[0].RecordID, res.Skipped[0].Err, ErrIncomplete)
	}
	return res, nil
}

// pruneCandidate is a recording of the tree; err says why it cannot be
// removed safely.
type pruneCandidate struct {
	rec   *Recording
	start time.Time
	err   error
}

// planPrune applies the criteria to every recording of the tree, the ones
// the scan refused included, so that those are reported, not forgotten.
func planPrune(dir string, t *tree, cfg *pruneConfig) *PruneResult {
	cands := make([]pruneCandidate, 0, len(t.m.Recordings)+len(t.bad))
	for i := range t.m.Recordings {
		r := &t.m.Recordings[i]
		cands = append(cands, pruneCandidate{rec: r, start: recordingStart(dir, r)})
	}
	for id, err := range t.bad {
		// Nothing inside a refused recording is read: it may hold links to
		// anywhere (a metadata.xml linked to /dev/zero). The record ID's
		// time, else the zero time, places it.
		r := &Recording{ID: id, Formats: formatsOf(dir, id)}
		cands = append(cands, pruneCandidate{rec: r, start: recordTime(id), err: err})
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
		var formats []string
		for _, f := range c.rec.Formats {
			formats = append(formats, f.Name)
		}
		if c.err != nil {
			res.Skipped = append(res.Skipped, SkippedRecording{RecordID: c.rec.ID, Formats: formats, StartTime: c.start, Err: c.err})
			continue
		}
		res.Recordings = append(res.Recordings, PrunedRecording{RecordID: c.rec.ID, Formats: formats, StartTime: c.start, Bytes: c.rec.Size()})
	}
	return res
}

// formatsOf lists the formats that have an entry for id (of any type).
func formatsOf(dir, id string) []Format {
	entries, _ := readDirNames(dir)
	var out []Format
	for _, e := range entries {
		if !e.IsDir() || !ValidFormat(e.Name()) {
			continue
		}
		if _, err := os.Lstat(filepath.Join(dir, e.Name(), id)); err == nil {
			out = append(out, Format{Name: e.Name()})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// removePruned removes the planned recordings. One that fails moves from
// Recordings to Skipped and the others are still removed.
func removePruned(ctx context.Context, dir string, res *PruneResult) error {
	trashRoot := filepath.Join(dir, StagingDirName)
	if len(res.Recordings) > 0 {
		if err := os.MkdirAll(trashRoot, 0o755); err != nil {
			return fmt.Errorf("mirror: prune: %w", err)
		}
	}
	removed := res.Recordings[:0]
	for _, pr := range res.Recordings {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := removeRecording(dir, trashRoot, pr); err != nil {
			res.Skipped = append(res.Skipped, SkippedRecording{RecordID: pr.RecordID, Formats: pr.Formats, StartTime: pr.StartTime, Err: err})
			continue
		}
		removed = append(removed, pr)
	}
	res.Recordings = removed
	return nil
}

func removeRecording(dir, trashRoot string, pr PrunedRecording) error {
	for _, f := range pr.Formats {
		if err := removeFormat(dir, trashRoot, f, pr.RecordID); err != nil {
			return err
		}
	}
	return nil
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
