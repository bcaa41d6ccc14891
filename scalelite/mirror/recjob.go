package mirror

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sync"
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
	mu    sync.Mutex        // guards sums, made, done and st while files stage concurrently
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
	var todo []stageTask
	for _, fp := range j.plan.formats {
		tasks, closer, err := j.prepareFormat(ctx, fp)
		if closer != nil {
			defer closer.Close()
		}
		if err != nil {
			return err
		}
		todo = append(todo, tasks...)
	}
	if err := j.stageAll(ctx, todo); err != nil {
		return err
	}
	for _, fp := range j.plan.formats {
		if err := j.checkMetadata(fp); err != nil {
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

// stageTask is one file of a recording still to stage.
type stageTask struct {
	fp    fmtPlan
	file  *File
	fdir  string
	files FormatFiles // the source's opened format directory, or nil
}

// filesAtOnce is how many files of one recording a remote source fetches
// at once (over the one connection pool of its HTTP client): a recording's
// large files then do not wait for each other. A local source copies them
// one after another; the disk gains nothing from more.
const filesAtOnce = 4

// stageAll stages the tasks; those of a remote source concurrently. The
// first failure stops the others and is returned.
func (j *recJob) stageAll(ctx context.Context, todo []stageTask) error {
	workers := 1
	if _, local := j.s.src.(FormatOpener); !local {
		workers = filesAtOnce
	}
	if workers == 1 || len(todo) < 2 {
		for _, t := range todo {
			if err := j.stageFile(ctx, t.files, t.fp, t.file, t.fdir); err != nil {
				return err
			}
		}
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var once sync.Once
	var first error
	parallel(ctx, workers, len(todo), func(i int) {
		t := todo[i]
		if err := j.stageFile(ctx, t.files, t.fp, t.file, t.fdir); err != nil {
			once.Do(func() { first = err; cancel() })
		}
	})
	if first != nil {
		return first
	}
	return ctx.Err()
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

// prepareFormat readies the staging directory of one format, stages its
// small files from a bundle when the source sends one, and returns the
// files left to stage. closer, when not nil, is the source's opened format
// directory, to be closed when the recording is done.
func (j *recJob) prepareFormat(ctx context.Context, fp fmtPlan) ([]stageTask, io.Closer, error) {
	name := fp.format.Name
	fdir := filepath.Join(j.stage, name)
	// A source that can open the format directory once does so for all
	// its files; when that fails, each file is opened on its own (and
	// reports its own error).
	var files FormatFiles
	if fo, ok := j.s.src.(FormatOpener); ok {
		if ff, err := fo.OpenFormat(ctx, j.id, name); err == nil {
			files = ff
		}
	}
	// Remove staged files that are not part of this version.
	if err := pruneStaged(fdir, fp.format); err != nil {
		return nil, files, err
	}
	bundled := j.fetchBundled(ctx, fp, fdir)
	var tasks []stageTask
	for k := range fp.format.Files {
		f := &fp.format.Files[k]
		if !bundled[f.Path] {
			tasks = append(tasks, stageTask{fp: fp, file: f, fdir: fdir, files: files})
		}
	}
	return tasks, files, nil
}

// checkMetadata checks the staged metadata.xml of a format.
func (j *recJob) checkMetadata(fp fmtPlan) error {
	name := fp.format.Name
	md, err := os.ReadFile(filepath.Join(j.stage, name, "metadata.xml"))
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
	sd := filepath.Dir(staged)
	j.mu.Lock()
	made := j.made[sd]
	j.mu.Unlock()
	if !made {
		if err := os.MkdirAll(sd, 0o755); err != nil {
			return err
		}
		j.mu.Lock()
		j.made[sd] = true
		j.mu.Unlock()
	}
	key := fp.format.Name + "/" + f.Path
	if fp.reuse[f.Path] {
		live := filepath.Join(j.s.dst, fp.format.Name, j.id, filepath.FromSlash(f.Path))
		os.Remove(staged)
		if err := os.Link(live, staged); err == nil {
			j.mu.Lock()
			j.st.reused++
			j.mu.Unlock()
			return nil
		}
		// Fall through: transfer it.
	}
	old, had := j.prev[key]
	fj := &fileJob{
		id: j.id, format: fp.format.Name, file: f, staged: staged, files: files,
		resume: had && old.Size == f.Size && old.ModTime.Equal(f.ModTime) && old.SHA256 == f.SHA256,
		progress: func(d int64) {
			j.mu.Lock()
			j.done += d
			done := j.done
			j.mu.Unlock()
			j.s.emit(Event{Kind: EventBytes, RecordID: j.id, Format: fp.format.Name, Path: f.Path, Bytes: d, Done: done, Total: j.plan.bytes})
		},
	}
	n, sum, err := j.s.transfer(ctx, fj)
	j.mu.Lock()
	defer j.mu.Unlock()
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
