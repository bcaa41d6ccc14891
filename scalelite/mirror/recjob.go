package mirror

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
)

type runStats struct {
	files, reused int
	bytes         int64
}

// stagedState is written next to a staged recording so that a later run
// knows which source version the partial files belong to.
type stagedState struct {
	Formats []Format `json:"formats"`
}

const stateFile = ".state.json"

// recJob stages, verifies and installs one recording. Its steps run in
// order: begin, stageFormat for each format, then installAll.
type recJob struct {
	s     *syncer
	plan  *recPlan
	id    string
	stage string            // <staging>/<id>
	prev  map[string]File   // "format/path" -> what an interrupted run staged
	sums  map[string]string // "format/path" -> digest computed while copying
	made  map[string]bool   // staging directories already created
	done  int64             // bytes transferred so far
	st    runStats
}

// run brings one planned recording into the destination.
func (s *syncer) run(ctx context.Context, p *recPlan) (runStats, error) {
	j := &recJob{s: s, plan: p, id: p.rec.ID, stage: filepath.Join(s.cfg.staging, p.rec.ID),
		sums: map[string]string{}, made: map[string]bool{}}
	err := j.runSteps(ctx)
	return j.st, err
}

func (j *recJob) runSteps(ctx context.Context) error {
	if err := j.begin(); err != nil {
		return err
	}
	j.s.emit(Event{Kind: EventStart, RecordID: j.id, Total: j.plan.bytes})
	for _, fp := range j.plan.formats {
		if err := j.stageFormat(ctx, fp); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// Every format is staged and verified: put them all into place, or
	// none.
	if err := j.s.installAll(j.id, j.stage, j.plan.formats); err != nil {
		return err
	}
	j.rememberDigests()
	return os.RemoveAll(j.stage)
}

// begin reads what an interrupted run staged and records the version this
// run stages.
func (j *recJob) begin() error {
	j.prev = map[string]File{}
	if b, err := os.ReadFile(filepath.Join(j.stage, stateFile)); err == nil {
		var old stagedState
		if json.Unmarshal(b, &old) == nil {
			for _, f := range old.Formats {
				for _, x := range f.Files {
					j.prev[f.Name+"/"+x.Path] = x
				}
			}
		}
	}
	if err := os.MkdirAll(j.stage, 0o755); err != nil {
		return err
	}
	var cur stagedState
	for _, fp := range j.plan.formats {
		cur.Formats = append(cur.Formats, *fp.format)
	}
	return writeJSONAtomic(filepath.Join(j.stage, stateFile), &cur)
}

// stageFormat brings every file of one format into the staging directory
// and checks its metadata.xml.
func (j *recJob) stageFormat(ctx context.Context, fp fmtPlan) error {
	name := fp.format.Name
	fdir := filepath.Join(j.stage, name)
	// A source that can open the format directory once does so for all
	// its files; when that fails, each file is opened on its own (and
	// reports its own error).
	var files FormatFiles
	if fo, ok := j.s.src.(FormatOpener); ok {
		if ff, err := fo.OpenFormat(ctx, j.id, name); err == nil {
			files = ff
			defer ff.Close()
		}
	}
	// Remove staged files that are not part of this version.
	if err := pruneStaged(fdir, fp.format); err != nil {
		return err
	}
	bundled := j.fetchBundled(ctx, fp, fdir)
	for k := range fp.format.Files {
		f := &fp.format.Files[k]
		if bundled[f.Path] {
			continue
		}
		if err := j.stageFile(ctx, files, fp, f, fdir); err != nil {
			return err
		}
	}
	md, err := os.ReadFile(filepath.Join(fdir, "metadata.xml"))
	if err != nil {
		return &MetadataError{RecordID: j.id, Format: name, Reason: "missing", Err: err}
	}
	_, err = ValidateMetadata(md, name, j.id)
	return err
}

// fetchBundled stages the small files of a format from one bundle when the
// source can send one (Bundler); it returns the paths it staged.
func (j *recJob) fetchBundled(ctx context.Context, fp fmtPlan, fdir string) map[string]bool {
	b, ok := j.s.src.(Bundler)
	if !ok {
		return nil
	}
	want := map[string]*File{}
	for k := range fp.format.Files {
		f := &fp.format.Files[k]
		if fp.reuse[f.Path] || f.Size > bundleMax {
			continue
		}
		if old, had := j.prev[fp.format.Name+"/"+f.Path]; had && old == *f {
			continue // staged by an earlier run: resume it alone
		}
		want[f.Path] = f
	}
	if len(want) < 2 {
		return nil
	}
	bundled := j.s.fetchBundle(ctx, b, j.id, fp.format, fdir, want, func(d int64) {
		j.done += d
		j.s.emit(Event{Kind: EventBytes, RecordID: j.id, Format: fp.format.Name, Bytes: d, Done: j.done, Total: j.plan.bytes})
	})
	j.st.files += len(bundled)
	for path := range bundled {
		j.st.bytes += want[path].Size
	}
	return bundled
}

// stageFile brings one file into the staging directory: a hard link to
// the destination's copy when the plan reuses it, else a transfer that
// resumes what an earlier run staged of the same version.
func (j *recJob) stageFile(ctx context.Context, files FormatFiles, fp fmtPlan, f *File, fdir string) error {
	staged := filepath.Join(fdir, filepath.FromSlash(f.Path))
	if sd := filepath.Dir(staged); !j.made[sd] {
		if err := os.MkdirAll(sd, 0o755); err != nil {
			return err
		}
		j.made[sd] = true
	}
	key := fp.format.Name + "/" + f.Path
	if fp.reuse[f.Path] {
		live := filepath.Join(j.s.dst, fp.format.Name, j.id, filepath.FromSlash(f.Path))
		os.Remove(staged)
		if err := os.Link(live, staged); err == nil {
			j.st.reused++
			return nil
		}
		// Fall through: transfer it.
	}
	old, had := j.prev[key]
	fj := &fileJob{
		id: j.id, format: fp.format.Name, file: f, staged: staged, files: files,
		resume: had && old.Size == f.Size && old.ModTime.Equal(f.ModTime) && old.SHA256 == f.SHA256,
		progress: func(d int64) {
			j.done += d
			j.s.emit(Event{Kind: EventBytes, RecordID: j.id, Format: fp.format.Name, Path: f.Path, Bytes: d, Done: j.done, Total: j.plan.bytes})
		},
	}
	n, sum, err := j.s.transfer(ctx, fj)
	j.st.bytes += n
	if err != nil {
		return err
	}
	if sum != "" && f.SHA256 == "" {
		j.sums[key] = sum
	}
	j.st.files++
	return nil
}

// rememberDigests puts the verified digests of the installed files into
// the destination's hash cache, so a later WithVerify does not read them
// again.
func (j *recJob) rememberDigests() {
	for _, fp := range j.plan.formats {
		for _, f := range fp.format.Files {
			sum := f.SHA256
			if sum == "" {
				sum = j.sums[fp.format.Name+"/"+f.Path]
			}
			if sum != "" {
				j.s.cfg.cache.Put(filepath.Join(j.s.dst, fp.format.Name, j.id, filepath.FromSlash(f.Path)), f.Size, f.ModTime, sum)
			}
		}
	}
}
