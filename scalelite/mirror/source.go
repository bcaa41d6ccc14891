package mirror

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// Source is where Sync reads recordings from: a published tree on disk
// (DirSource) or a remote export endpoint (HTTPSource).
type Source interface {
	// Manifest lists the source's recordings. Files may lack SHA256 when
	// the source does not hash eagerly (DirSource by default).
	Manifest(ctx context.Context) (*Manifest, error)
	// Open returns the content of one file starting at offset. want is the
	// manifest entry the caller expects; a source that can tell the file
	// changed since (size, modification time or hash) returns an error
	// matching ErrSourceChanged, either from Open or from Read.
	Open(ctx context.Context, recordID, format string, want File, offset int64) (io.ReadCloser, error)
}

// BrokenRecordings is implemented by sources that can report recordings
// they had to leave out of the manifest (for example because they contain a
// symbolic link). Sync reports them as failures.
type BrokenRecordings interface {
	Broken() map[string]error
}

// Digester is implemented by sources that know, or can compute, the SHA-256
// of their files without sending them (DirSource). Sync uses it for files
// whose manifest entry has no digest: a copy whose digest is known is
// hashed while it is written and compared with it, and WithVerify compares
// destination files with Digest.
type Digester interface {
	// KnownDigest returns the file's SHA-256 (lower-case hex) when the
	// source knows it without reading the file, for example from a cache
	// keyed by size and modification time; "" otherwise.
	KnownDigest(recordID, format string, f File) string
	// Digest returns the file's SHA-256, reading the file if need be.
	Digest(ctx context.Context, recordID, format string, f File) (string, error)
}

// FormatOpener is implemented by sources that open a format directory once
// and then each of its files cheaply (DirSource opens it as an os.Root).
// Sync opens every format it copies this way when the source offers it,
// and falls back to Source.Open when OpenFormat fails.
type FormatOpener interface {
	OpenFormat(ctx context.Context, recordID, format string) (FormatFiles, error)
}

// FormatFiles opens the files of one format directory (see FormatOpener).
// Open has the contract of Source.Open; Close releases the directory.
type FormatFiles interface {
	Open(ctx context.Context, want File, offset int64) (io.ReadCloser, error)
	Close() error
}

// DirSource reads a BBB published tree on local disk:
// <dir>/<format>/<recordID>/....
type DirSource struct {
	dir     string
	hashes  bool
	cache   *HashCache
	workers int
	links   hardLinks

	mu     sync.Mutex
	broken map[string]error
}

// NewDirSource returns a source reading the published tree at dir, which
// must be an existing directory.
func NewDirSource(dir string, opts ...DirOption) (*DirSource, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("mirror: source: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("mirror: source %s: not a directory", dir)
	}
	s := &DirSource{dir: dir, workers: 4}
	for _, o := range opts {
		if o == nil {
			return nil, errNilOption
		}
		if err := o.applyDir(s); err != nil {
			return nil, err
		}
	}
	if s.cache == nil {
		s.cache = NewHashCache()
	}
	return s, nil
}

// Dir returns the tree's root directory.
func (s *DirSource) Dir() string { return s.dir }

// Broken returns the recordings the last Manifest call left out and why.
func (s *DirSource) Broken() map[string]error {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]error, len(s.broken))
	for k, v := range s.broken {
		out[k] = v
	}
	return out
}

// Manifest scans the tree. With WithHashes it also hashes every file, using
// the hash cache so that unchanged files are not read again.
func (s *DirSource) Manifest(ctx context.Context) (*Manifest, error) {
	t, err := scanTree(ctx, s.dir, s.workers, s.links)
	if err != nil {
		return nil, fmt.Errorf("mirror: scan %s: %w", s.dir, err)
	}
	if s.hashes {
		if err := s.fillHashes(ctx, t); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	s.broken = t.bad
	s.mu.Unlock()
	return t.m, nil
}

func (s *DirSource) fillHashes(ctx context.Context, t *tree) error {
	type job struct{ r, f, x int }
	var jobs []job
	for i := range t.m.Recordings {
		for j := range t.m.Recordings[i].Formats {
			for k := range t.m.Recordings[i].Formats[j].Files {
				jobs = append(jobs, job{i, j, k})
			}
		}
	}
	errs := make([]error, len(t.m.Recordings))
	var mu sync.Mutex
	parallel(ctx, s.workers, len(jobs), func(i int) {
		jb := jobs[i]
		rec := &t.m.Recordings[jb.r]
		fm := &rec.Formats[jb.f]
		fl := &fm.Files[jb.x]
		p := filepath.Join(s.dir, fm.Name, rec.ID, filepath.FromSlash(fl.Path))
		sum, err := hashFile(s.cache, p, fl.Size, fl.ModTime)
		if err != nil {
			mu.Lock()
			errs[jb.r] = err
			mu.Unlock()
			return
		}
		fl.SHA256 = sum
	})
	if err := ctx.Err(); err != nil {
		return err
	}
	// Recordings whose files changed or vanished while hashing are left out
	// of this manifest; the next one will list them.
	kept := t.m.Recordings[:0]
	for i, r := range t.m.Recordings {
		if errs[i] != nil {
			t.bad[r.ID] = errs[i]
			continue
		}
		kept = append(kept, r)
	}
	t.m.Recordings = kept
	return nil
}

// Open opens one file of the tree at offset. The file is opened inside the
// tree (symbolic links cannot lead out of it); its size and modification
// time must match want, and are checked again at end of file.
func (s *DirSource) Open(ctx context.Context, recordID, format string, want File, offset int64) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := openInTree(s.dir, recordID, format, want.Path)
	if err != nil {
		return nil, err
	}
	return checkOpened(f, recordID, format, want, offset)
}

// KnownDigest returns the SHA-256 the source's hash cache holds for the
// file at its manifest size and modification time, without reading the
// file; "" when there is none (see Digester).
func (s *DirSource) KnownDigest(recordID, format string, f File) string {
	sum, _ := s.cache.Get(filepath.Join(s.dir, format, recordID, filepath.FromSlash(f.Path)), f.Size, f.ModTime)
	return sum
}

// Digest returns the file's SHA-256, from the hash cache or by reading it
// (see Digester).
func (s *DirSource) Digest(ctx context.Context, recordID, format string, f File) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	return hashFile(s.cache, filepath.Join(s.dir, format, recordID, filepath.FromSlash(f.Path)), f.Size, f.ModTime)
}

// OpenFormat opens <dir>/<format>/<recordID> once, so that each of its files
// costs one open inside it instead of a walk from the tree's root (see
// FormatOpener). Symbolic links cannot lead out of the tree, nor out of
// the directory.
func (s *DirSource) OpenFormat(ctx context.Context, recordID, format string) (FormatFiles, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	root, err := s.openFormatRoot(recordID, format)
	if err != nil {
		return nil, err
	}
	return &dirFormat{root: root, recordID: recordID, format: format}, nil
}

// openFormatRoot opens <dir>/<format>/<recordID> as an os.Root.
func (s *DirSource) openFormatRoot(recordID, format string) (*os.Root, error) {
	if !ValidRecordID(recordID) {
		return nil, &UnsafeError{Name: recordID, Reason: "invalid record ID"}
	}
	if !ValidFormat(format) {
		return nil, &UnsafeError{Name: format, Reason: "invalid format name"}
	}
	top, err := os.OpenRoot(s.dir)
	if err != nil {
		return nil, err
	}
	defer top.Close()
	return top.OpenRoot(format + "/" + recordID)
}

// dirFormat is a format directory of a DirSource opened once.
type dirFormat struct {
	root             *os.Root
	recordID, format string
}

// Open is DirSource.Open for a file of this format directory, with the
// same checks.
func (d *dirFormat) Open(ctx context.Context, want File, offset int64) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := checkRelPath(want.Path); err != nil {
		return nil, err
	}
	f, err := d.root.Open(want.Path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("mirror: %s/%s/%s: %w", d.format, d.recordID, want.Path, ErrNotFound)
		}
		return nil, err
	}
	return checkOpened(f, d.recordID, d.format, want, offset)
}

// Close releases the directory.
func (d *dirFormat) Close() error { return d.root.Close() }

// checkOpened checks an opened source file against want (a regular file of
// the same size and modification time), positions it at offset and wraps
// it in a checkedFile. It closes f on failure.
func checkOpened(f *os.File, recordID, format string, want File, offset int64) (io.ReadCloser, error) {
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, &UnsafeError{Name: want.Path, Reason: "not a regular file"}
	}
	if fi.Size() != want.Size || !fi.ModTime().Equal(want.ModTime) {
		f.Close()
		return nil, fmt.Errorf("mirror: %s/%s/%s: %w", format, recordID, want.Path, ErrSourceChanged)
	}
	if offset < 0 || offset > want.Size {
		f.Close()
		return nil, fmt.Errorf("mirror: offset %d out of range", offset)
	}
	if offset > 0 {
		if _, err := f.Seek(offset, io.SeekStart); err != nil {
			f.Close()
			return nil, err
		}
	}
	return &checkedFile{f: f, want: want, left: want.Size - offset, name: format + "/" + recordID + "/" + want.Path}, nil
}

// openInTree validates the names and opens <dir>/<format>/<recordID>/<rel>
// without letting symbolic links escape dir.
func openInTree(dir, recordID, format, rel string) (*os.File, error) {
	if !ValidRecordID(recordID) {
		return nil, &UnsafeError{Name: recordID, Reason: "invalid record ID"}
	}
	if !ValidFormat(format) {
		return nil, &UnsafeError{Name: format, Reason: "invalid format name"}
	}
	if err := checkRelPath(rel); err != nil {
		return nil, err
	}
	f, err := os.OpenInRoot(dir, format+"/"+recordID+"/"+rel)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("mirror: %s/%s/%s: %w", format, recordID, rel, ErrNotFound)
		}
		return nil, err
	}
	return f, nil
}

// checkedFile reads exactly the expected number of bytes and checks at end
// of file that the file was not modified meanwhile.
type checkedFile struct {
	f    *os.File
	want File
	left int64
	name string
}

func (c *checkedFile) Read(p []byte) (int, error) {
	if c.left <= 0 {
		fi, err := c.f.Stat()
		if err != nil {
			return 0, err
		}
		if fi.Size() != c.want.Size || !fi.ModTime().Equal(c.want.ModTime) {
			return 0, fmt.Errorf("mirror: %s: %w", c.name, ErrSourceChanged)
		}
		return 0, io.EOF
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.f.Read(p)
	c.left -= int64(n)
	if err == io.EOF && c.left > 0 {
		return n, fmt.Errorf("mirror: %s: %w", c.name, ErrSourceChanged)
	}
	if err == io.EOF {
		err = nil
	}
	return n, err
}

func (c *checkedFile) Close() error { return c.f.Close() }

// copyChunk copies up to n bytes straight into out, letting the kernel copy
// file to file (copy_file_range) instead of passing through a buffer.
func (c *checkedFile) copyChunk(out *os.File, n int64) (int64, error) {
	if c.left <= 0 {
		return 0, nil
	}
	m, err := io.CopyN(out, c.f, min(n, c.left))
	c.left -= m
	if err == io.EOF {
		err = fmt.Errorf("mirror: %s: %w", c.name, ErrSourceChanged)
	}
	return m, err
}
