package mirror

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// StagingDirName is the directory inside the destination where recordings
// are assembled before they are renamed into place. Its name is not a valid
// format name, so scans and Scalelite ignore it.
const StagingDirName = ".mirror-staging"

const copyBufferSize = 1 << 20

type syncConfig struct {
	concurrency int
	limiter     *rate.Limiter
	progress    func(Event)
	delete      bool
	verify      bool
	hashLocal   bool
	cache       *HashCache
	staging     string
	fsync       bool
	retries     int
	retryDelay  time.Duration
	scanWorkers int
	mover       *mover // nil: the real file system without injected faults
}

// Result summarises a Sync.
type Result struct {
	Recordings int   // recordings listed by the source
	Copied     int   // recordings brought in (new or changed)
	Unchanged  int   // recordings already up to date
	Failed     int   // recordings that failed (see the returned *SyncError)
	Deleted    int   // format directories deleted (WithDelete)
	Files      int   // files transferred
	Bytes      int64 // bytes transferred
	Reused     int   // files kept from the previous copy of a changed recording
}

// Sync mirrors the recordings of src into the published tree dst
// (<dst>/<format>/<recordID>/...). New and changed recordings are assembled
// in a staging directory, verified (sizes, the SHA-256 of every copied byte
// against the source's digest when the source has one, metadata.xml) and
// renamed into place, so a recording only appears when complete. A local
// source that changes while a file is copied fails that recording with
// ErrSourceChanged; the next sync brings the new version. Interrupted
// transfers resume from what was staged. Unchanged
// recordings (same files, sizes and modification times) cost only the
// manifest comparison.
//
// Sync holds an exclusive lock on <dst>/.mirror-sync.lock (LockFileName)
// while it runs: a second Sync into the same destination, from this or
// another process, fails at once with a *LockError (ErrLocked) naming the
// holder's process ID, host and start time.
//
// When some recordings fail, the others are still mirrored and the error is
// a *SyncError listing the failures. Cancelling ctx stops the sync; staged
// data is kept for the next run.
func Sync(ctx context.Context, src Source, dst string, opts ...Option) (*Result, error) {
	cfg := syncConfig{concurrency: 4, retries: 3, retryDelay: 200 * time.Millisecond, scanWorkers: 4}
	for _, o := range opts {
		if o == nil {
			return nil, errNilOption
		}
		if err := o.applySync(&cfg); err != nil {
			return nil, err
		}
	}
	if src == nil {
		return nil, errors.New("mirror: nil source")
	}
	if cfg.cache == nil {
		cfg.cache = NewHashCache()
	}
	if ds, ok := src.(*DirSource); ok {
		a, _ := filepath.Abs(ds.dir)
		b, _ := filepath.Abs(dst)
		if a == b {
			return nil, errors.New("mirror: source and destination are the same directory")
		}
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return nil, fmt.Errorf("mirror: destination: %w", err)
	}
	lock, err := lockDest(dst, time.Now())
	if err != nil {
		return nil, err
	}
	defer lock.release()
	if cfg.staging == "" {
		cfg.staging = filepath.Join(dst, StagingDirName)
	}
	if err := os.MkdirAll(cfg.staging, 0o755); err != nil {
		return nil, fmt.Errorf("mirror: staging: %w", err)
	}

	// Read both sides at once.
	var (
		srcM       *Manifest
		srcErr     error
		dstT       *tree
		dstErr     error
		scanWG     sync.WaitGroup
		scanCtx, c = context.WithCancel(ctx)
	)
	defer c()
	scanWG.Add(1)
	go func() {
		defer scanWG.Done()
		dstT, dstErr = scanTree(scanCtx, dst, cfg.scanWorkers, allowHardLinks)
	}()
	srcM, srcErr = src.Manifest(scanCtx)
	if srcErr != nil {
		c()
	}
	scanWG.Wait()
	if srcErr != nil {
		return nil, fmt.Errorf("mirror: source manifest: %w", srcErr)
	}
	if dstErr != nil {
		return nil, fmt.Errorf("mirror: scan destination: %w", dstErr)
	}

	s := &syncer{cfg: &cfg, src: src, dst: dst, dstT: dstT}
	res := &Result{Recordings: len(srcM.Recordings)}
	var failed []*RecordingError
	fail := func(id string, err error) {
		failed = append(failed, &RecordingError{RecordID: id, Err: err})
		s.emit(Event{Kind: EventFailed, RecordID: id, Err: err})
	}
	var broken map[string]error
	if b, ok := src.(BrokenRecordings); ok {
		broken = b.Broken()
		for id, err := range broken {
			fail(id, err)
		}
	}

	// Plan.
	var work []*recPlan
	var total int64
	for i := range srcM.Recordings {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		r := &srcM.Recordings[i]
		p, err := s.plan(ctx, r)
		if err != nil {
			fail(r.ID, err)
			continue
		}
		if p == nil {
			res.Unchanged++
			s.emit(Event{Kind: EventUnchanged, RecordID: r.ID})
			continue
		}
		work = append(work, p)
		total += p.bytes
	}
	s.syncTotal = total
	s.emit(Event{Kind: EventPlan, SyncTotal: total, Recordings: len(work)})

	// Transfer.
	var mu sync.Mutex
	parallel(ctx, cfg.concurrency, len(work), func(i int) {
		p := work[i]
		st, err := s.run(ctx, p)
		mu.Lock()
		res.Files += st.files
		res.Bytes += st.bytes
		res.Reused += st.reused
		if err != nil {
			if ctx.Err() == nil {
				fail(p.rec.ID, err)
			}
		} else {
			res.Copied++
		}
		mu.Unlock()
		if err == nil {
			s.emit(Event{Kind: EventDone, RecordID: p.rec.ID, Done: p.bytes, Total: p.bytes})
		}
	})
	if err := ctx.Err(); err != nil {
		return res, err
	}

	if cfg.delete && len(srcM.Recordings) == 0 && len(broken) == 0 && len(dstT.m.Recordings) > 0 {
		s.cleanStaging(srcM)
		res.Failed = len(failed)
		return res, ErrEmptySource
	}
	if cfg.delete {
		for _, r := range dstT.m.Recordings {
			if _, bad := broken[r.ID]; bad {
				continue
			}
			sr := srcM.Recording(r.ID)
			for _, f := range r.Formats {
				if sr != nil && sr.Format(f.Name) != nil {
					continue
				}
				if err := s.removeFormat(r.ID, f.Name); err != nil {
					fail(r.ID, err)
					continue
				}
				res.Deleted++
				s.emit(Event{Kind: EventDeleted, RecordID: r.ID, Format: f.Name})
			}
		}
	}
	s.cleanStaging(srcM)

	res.Failed = len(failed)
	if len(failed) > 0 {
		return res, &SyncError{Failed: failed}
	}
	return res, nil
}

type syncer struct {
	cfg  *syncConfig
	src  Source
	dst  string
	dstT *tree

	emitMu    sync.Mutex
	syncDone  int64
	syncTotal int64
}

func (s *syncer) emit(e Event) {
	if s.cfg.progress == nil {
		return
	}
	s.emitMu.Lock()
	defer s.emitMu.Unlock()
	if e.Kind == EventBytes {
		s.syncDone += e.Bytes
	}
	e.SyncDone, e.SyncTotal = s.syncDone, s.syncTotal
	s.cfg.progress(e)
}

// recPlan is the work for one recording.
type recPlan struct {
	rec     *Recording
	formats []fmtPlan
	bytes   int64 // bytes to transfer
}

type fmtPlan struct {
	format *Format
	reuse  map[string]bool // paths whose destination copy is kept
}

// plan compares a source recording with the destination. It returns nil
// when the recording is up to date.
func (s *syncer) plan(ctx context.Context, r *Recording) (*recPlan, error) {
	dr := s.dstT.m.Recording(r.ID)
	if _, bad := s.dstT.bad[r.ID]; bad {
		dr = nil // unreadable destination copy: rebuild it completely
	}
	p := &recPlan{rec: r}
	for i := range r.Formats {
		sf := &r.Formats[i]
		var df *Format
		if dr != nil {
			df = dr.Format(sf.Name)
		}
		fp := fmtPlan{format: sf, reuse: map[string]bool{}}
		same := df != nil && len(df.Files) == len(sf.Files)
		dfiles := map[string]*File{}
		if df != nil {
			for k := range df.Files {
				dfiles[df.Files[k].Path] = &df.Files[k]
			}
		}
		var need int64
		for k := range sf.Files {
			f := &sf.Files[k]
			d := dfiles[f.Path]
			ok, err := s.sameFile(ctx, r.ID, sf.Name, f, d)
			if err != nil {
				return nil, err
			}
			if ok {
				fp.reuse[f.Path] = true
				continue
			}
			same = false
			need += f.Size
		}
		if same {
			continue
		}
		p.formats = append(p.formats, fp)
		p.bytes += need
	}
	if len(p.formats) == 0 {
		return nil, nil
	}
	return p, nil
}

// sameFile decides whether the destination file d can stand for f.
func (s *syncer) sameFile(ctx context.Context, id, format string, f *File, d *File) (bool, error) {
	if d == nil || d.Size != f.Size {
		return false, nil
	}
	quick := d.ModTime.Equal(f.ModTime)
	if quick && !s.cfg.verify {
		return true, nil
	}
	want := f.SHA256
	if want == "" {
		if !s.cfg.verify {
			return false, nil
		}
		h, ok := s.src.(interface {
			fileHash(ctx context.Context, id, format string, f *File) (string, error)
		})
		if !ok {
			return false, nil
		}
		var err error
		if want, err = h.fileHash(ctx, id, format, f); err != nil {
			return false, err
		}
	}
	p := filepath.Join(s.dst, format, id, filepath.FromSlash(f.Path))
	got, err := hashFile(s.cfg.cache, p, d.Size, d.ModTime)
	if err != nil {
		return false, nil
	}
	if got != want {
		return false, nil
	}
	if !quick {
		// Same content, different time: fix the time so the next sync
		// takes the quick path.
		if err := os.Chtimes(p, f.ModTime, f.ModTime); err == nil {
			s.cfg.cache.Put(p, f.Size, f.ModTime, got)
		}
	}
	return true, nil
}

// fileHash lets Sync ask a DirSource for a file's hash (WithVerify).
func (s *DirSource) fileHash(_ context.Context, id, format string, f *File) (string, error) {
	p := filepath.Join(s.dir, format, id, filepath.FromSlash(f.Path))
	return hashFile(s.cache, p, f.Size, f.ModTime)
}

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

func (s *syncer) run(ctx context.Context, p *recPlan) (runStats, error) {
	var st runStats
	id := p.rec.ID
	stage := filepath.Join(s.cfg.staging, id)
	// What a previous, interrupted run was staging.
	prev := map[string]File{}
	if b, err := os.ReadFile(filepath.Join(stage, stateFile)); err == nil {
		var old stagedState
		if json.Unmarshal(b, &old) == nil {
			for _, f := range old.Formats {
				for _, x := range f.Files {
					prev[f.Name+"/"+x.Path] = x
				}
			}
		}
	}
	if err := os.MkdirAll(stage, 0o755); err != nil {
		return st, err
	}
	var cur stagedState
	for _, fp := range p.formats {
		cur.Formats = append(cur.Formats, *fp.format)
	}
	if err := writeJSONAtomic(filepath.Join(stage, stateFile), &cur); err != nil {
		return st, err
	}
	s.emit(Event{Kind: EventStart, RecordID: id, Total: p.bytes})
	var done int64
	var sums map[string]string // digests computed while copying (local source)
	var roots []*os.Root
	defer func() {
		for _, r := range roots {
			r.Close()
		}
	}()
	made := map[string]bool{} // staging directories already created
	for _, fp := range p.formats {
		fdir := filepath.Join(stage, fp.format.Name)
		// A local source's format directory is opened once for all its
		// files; when that fails, each file is opened on its own (and
		// reports its own error).
		var root *os.Root
		if ds, ok := s.src.(*DirSource); ok {
			if r, err := ds.openFormatRoot(id, fp.format.Name); err == nil {
				root = r
				roots = append(roots, r)
			}
		}
		// Remove staged files that are not part of this version.
		if err := pruneStaged(fdir, fp.format); err != nil {
			return st, err
		}
		// Small files come in one bundle when the source can send one.
		var bundled map[string]bool
		if b, ok := s.src.(Bundler); ok {
			want := map[string]*File{}
			for k := range fp.format.Files {
				f := &fp.format.Files[k]
				if fp.reuse[f.Path] || f.Size > bundleMax {
					continue
				}
				if old, had := prev[fp.format.Name+"/"+f.Path]; had && old == *f {
					continue // staged by an earlier run: resume it alone
				}
				want[f.Path] = f
			}
			if len(want) >= 2 {
				bundled = s.fetchBundle(ctx, b, id, fp.format, fdir, want, func(d int64) {
					done += d
					s.emit(Event{Kind: EventBytes, RecordID: id, Format: fp.format.Name, Bytes: d, Done: done, Total: p.bytes})
				})
				st.files += len(bundled)
				for path := range bundled {
					st.bytes += want[path].Size
				}
			}
		}
		for k := range fp.format.Files {
			f := &fp.format.Files[k]
			if bundled[f.Path] {
				continue
			}
			staged := filepath.Join(fdir, filepath.FromSlash(f.Path))
			if sd := filepath.Dir(staged); !made[sd] {
				if err := os.MkdirAll(sd, 0o755); err != nil {
					return st, err
				}
				made[sd] = true
			}
			if fp.reuse[f.Path] {
				live := filepath.Join(s.dst, fp.format.Name, id, filepath.FromSlash(f.Path))
				os.Remove(staged)
				if err := os.Link(live, staged); err == nil {
					st.reused++
					continue
				}
				// Fall through: transfer it.
			}
			old, had := prev[fp.format.Name+"/"+f.Path]
			resume := had && old.Size == f.Size && old.ModTime.Equal(f.ModTime) && old.SHA256 == f.SHA256
			n, sum, err := s.transfer(ctx, root, id, fp.format.Name, f, staged, resume, func(d int64) {
				done += d
				s.emit(Event{Kind: EventBytes, RecordID: id, Format: fp.format.Name, Path: f.Path, Bytes: d, Done: done, Total: p.bytes})
			})
			st.bytes += n
			if err != nil {
				return st, err
			}
			if sum != "" && f.SHA256 == "" {
				if sums == nil {
					sums = map[string]string{}
				}
				sums[fp.format.Name+"/"+f.Path] = sum
			}
			st.files++
		}
		md, err := os.ReadFile(filepath.Join(fdir, "metadata.xml"))
		if err != nil {
			return st, &MetadataError{RecordID: id, Format: fp.format.Name, Reason: "missing", Err: err}
		}
		if _, err := ValidateMetadata(md, fp.format.Name, id); err != nil {
			return st, err
		}
	}
	if err := ctx.Err(); err != nil {
		return st, err
	}
	// Every format is staged and verified: put them all into place, or
	// none.
	if err := s.installAll(id, stage, p.formats); err != nil {
		return st, err
	}
	for _, fp := range p.formats {
		// Verified digests describe the installed files: remember them so
		// a later WithVerify does not read the files again.
		for _, f := range fp.format.Files {
			sum := f.SHA256
			if sum == "" {
				sum = sums[fp.format.Name+"/"+f.Path]
			}
			if sum != "" {
				s.cfg.cache.Put(filepath.Join(s.dst, fp.format.Name, id, filepath.FromSlash(f.Path)), f.Size, f.ModTime, sum)
			}
		}
	}
	return st, os.RemoveAll(stage)
}

// installAll puts the staged format directories of a recording into
// <dst>/<format>/<id>, each exchanged atomically with its older copy where
// the kernel can (see swapTxn.install). When one fails, those already
// installed are put back, so the destination keeps the old recording
// whole.
func (s *syncer) installAll(id, stage string, formats []fmtPlan) error {
	tx := &swapTxn{m: s.cfg.mover}
	for _, fp := range formats {
		final := filepath.Join(s.dst, fp.format.Name, id)
		err := tx.mkdirAll(filepath.Dir(final))
		if err == nil {
			err = tx.install(filepath.Join(stage, fp.format.Name), final)
		}
		if err != nil {
			if uerr := tx.rollback(); uerr != nil {
				err = errors.Join(err, uerr)
			}
			return err
		}
	}
	tx.commit()
	return nil
}

// removeFormat deletes <dst>/<format>/<id>: renamed away first, so it
// disappears at once, then removed.
func (s *syncer) removeFormat(id, format string) error {
	final := filepath.Join(s.dst, format, id)
	trash := filepath.Join(s.cfg.staging, ".trash-"+format+"-"+id)
	os.RemoveAll(trash)
	if err := os.Rename(final, trash); err != nil {
		return err
	}
	return os.RemoveAll(trash)
}

// cleanStaging removes staged recordings the source no longer lists.
func (s *syncer) cleanStaging(m *Manifest) {
	entries, err := readDirNames(s.cfg.staging)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.IsDir() && ValidRecordID(e.Name()) && m.Recording(e.Name()) != nil {
			continue
		}
		os.RemoveAll(filepath.Join(s.cfg.staging, e.Name()))
	}
}

// pruneStaged removes files under a staged format directory that the
// format does not list.
func pruneStaged(dir string, f *Format) error {
	want := make(map[string]bool, len(f.Files))
	for _, x := range f.Files {
		want[x.Path] = true
	}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		if !want[filepath.ToSlash(rel)] {
			return os.Remove(p)
		}
		return nil
	})
	return err
}

func writeJSONAtomic(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
