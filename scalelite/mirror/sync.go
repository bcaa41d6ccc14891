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
	cfg, err := newSyncConfig(opts)
	if err != nil {
		return nil, err
	}
	if src == nil {
		return nil, errors.New("mirror: nil source")
	}
	if d, ok := src.(interface{ Dir() string }); ok && sameDir(d.Dir(), dst) {
		return nil, errors.New("mirror: source and destination are the same directory")
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
	s := &syncer{cfg: cfg, src: src, dst: dst, res: &Result{}}
	if err := s.read(ctx); err != nil {
		return nil, err
	}
	work, err := s.planAll(ctx)
	if err != nil {
		return nil, err
	}
	s.transferAll(ctx, work)
	if err := ctx.Err(); err != nil {
		return s.res, err
	}
	delErr := s.deleteGone()
	s.cleanStaging(s.srcM)
	s.res.Failed = len(s.failed)
	if delErr != nil {
		return s.res, delErr
	}
	if len(s.failed) > 0 {
		return s.res, &SyncError{Failed: s.failed}
	}
	return s.res, nil
}

func newSyncConfig(opts []Option) (*syncConfig, error) {
	cfg := &syncConfig{concurrency: 4, retries: 3, retryDelay: 200 * time.Millisecond, scanWorkers: 4}
	for _, o := range opts {
		if o == nil {
			return nil, errNilOption
		}
		if err := o.applySync(cfg); err != nil {
			return nil, err
		}
	}
	if cfg.cache == nil {
		cfg.cache = NewHashCache()
	}
	return cfg, nil
}

func sameDir(a, b string) bool {
	a, _ = filepath.Abs(a)
	b, _ = filepath.Abs(b)
	return a == b
}

// syncer is one run of Sync: its configuration, both sides, the plan and
// the running totals. Its stages run in order: read, planAll,
// transferAll, deleteGone.
type syncer struct {
	cfg *syncConfig
	src Source
	dst string

	srcM   *Manifest        // the source's manifest (read)
	dstT   *tree            // the destination as scanned (read)
	broken map[string]error // recordings the source could not list (read)

	mu     sync.Mutex // guards res and failed during transferAll
	res    *Result
	failed []*RecordingError

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

// fail records the failure of one recording (callers hold s.mu when
// recordings run concurrently).
func (s *syncer) fail(id string, err error) {
	s.failed = append(s.failed, &RecordingError{RecordID: id, Err: err})
	s.emit(Event{Kind: EventFailed, RecordID: id, Err: err})
}

// read fetches the source's manifest while it scans the destination, and
// records the recordings the source reports broken as failed.
func (s *syncer) read(ctx context.Context) error {
	scanCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		dstErr error
		wg     sync.WaitGroup
	)
	wg.Go(func() { s.dstT, dstErr = scanTree(scanCtx, s.dst, s.cfg.scanWorkers, allowHardLinks) })
	srcM, srcErr := s.src.Manifest(scanCtx)
	if srcErr != nil {
		cancel()
	}
	wg.Wait()
	if srcErr != nil {
		return fmt.Errorf("mirror: source manifest: %w", srcErr)
	}
	if dstErr != nil {
		return fmt.Errorf("mirror: scan destination: %w", dstErr)
	}
	s.srcM = srcM
	s.res.Recordings = len(srcM.Recordings)
	if b, ok := s.src.(BrokenRecordings); ok {
		s.broken = b.Broken()
		for id, err := range s.broken {
			s.fail(id, err)
		}
	}
	return nil
}

// planAll compares every source recording with the destination and
// returns the work to do; unchanged recordings are counted here.
func (s *syncer) planAll(ctx context.Context) ([]*recPlan, error) {
	var work []*recPlan
	var total int64
	for i := range s.srcM.Recordings {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		r := &s.srcM.Recordings[i]
		p, err := s.plan(ctx, r)
		if err != nil {
			s.fail(r.ID, err)
			continue
		}
		if p == nil {
			s.res.Unchanged++
			s.emit(Event{Kind: EventUnchanged, RecordID: r.ID})
			continue
		}
		work = append(work, p)
		total += p.bytes
	}
	s.syncTotal = total
	s.emit(Event{Kind: EventPlan, SyncTotal: total, Recordings: len(work)})
	return work, nil
}

// transferAll stages and installs the planned recordings, cfg.concurrency
// at a time.
func (s *syncer) transferAll(ctx context.Context, work []*recPlan) {
	parallel(ctx, s.cfg.concurrency, len(work), func(i int) {
		p := work[i]
		st, err := s.run(ctx, p)
		s.mu.Lock()
		s.res.Files += st.files
		s.res.Bytes += st.bytes
		s.res.Reused += st.reused
		switch {
		case err == nil:
			s.res.Copied++
		case ctx.Err() == nil:
			s.fail(p.rec.ID, err)
		}
		s.mu.Unlock()
		if err == nil {
			s.emit(Event{Kind: EventDone, RecordID: p.rec.ID, Done: p.bytes, Total: p.bytes})
		}
	})
}

// deleteGone removes (WithDelete) the destination's format directories
// that the source no longer lists, never those of recordings the source
// reported broken, and nothing when the source lists no recordings at all.
func (s *syncer) deleteGone() error {
	if !s.cfg.delete {
		return nil
	}
	if len(s.srcM.Recordings) == 0 && len(s.broken) == 0 && len(s.dstT.m.Recordings) > 0 {
		return ErrEmptySource
	}
	for _, r := range s.dstT.m.Recordings {
		if _, bad := s.broken[r.ID]; bad {
			continue
		}
		sr := s.srcM.Recording(r.ID)
		for _, f := range r.Formats {
			if sr != nil && sr.Format(f.Name) != nil {
				continue
			}
			if err := removeFormat(s.dst, s.cfg.staging, f.Name, r.ID); err != nil {
				s.fail(r.ID, err)
				continue
			}
			s.res.Deleted++
			s.emit(Event{Kind: EventDeleted, RecordID: r.ID, Format: f.Name})
		}
	}
	return nil
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
		d, ok := s.src.(Digester)
		if !ok {
			return false, nil
		}
		var err error
		if want, err = d.Digest(ctx, id, format, *f); err != nil {
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

// removeFormat deletes <tree>/<format>/<id>: renamed away first into
// staging, so it disappears at once, then removed. Sync and Prune both
// delete this way.
func removeFormat(tree, staging, format, id string) error {
	trash := filepath.Join(staging, ".trash-"+format+"-"+id)
	os.RemoveAll(trash)
	if err := os.Rename(filepath.Join(tree, format, id), trash); err != nil {
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
