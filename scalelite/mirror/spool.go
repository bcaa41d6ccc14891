package mirror

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Pack writes the Scalelite spool archive of one recording to w: the plain,
// uncompressed tar that Scalelite's post-publish script creates with
// `tar --create <format>/<recordID> ...` from the published directory, one
// top-level <format>/<recordID>/ tree per published format. Every format
// must hold a valid metadata.xml; symbolic links and special files are
// refused.
func Pack(ctx context.Context, w io.Writer, publishedDir, recordID string) error {
	// Check everything before writing a byte.
	formats, lists, err := planPack(publishedDir, recordID)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(w)
	buf := bufPool.Get().(*[]byte)
	defer bufPool.Put(buf)
	for i, f := range formats {
		p := &packer{tw: tw, buf: *buf, root: filepath.Join(publishedDir, f, recordID), prefix: f + "/" + recordID, dirs: map[string]bool{}}
		if err := p.format(ctx, publishedDir, recordID, f, lists[i]); err != nil {
			return err
		}
	}
	return tw.Close()
}

// planPack lists the published formats of recordID and their files, and
// checks every metadata.xml.
func planPack(publishedDir, recordID string) ([]string, [][]File, error) {
	if !ValidRecordID(recordID) {
		return nil, nil, &UnsafeError{Name: recordID, Reason: "invalid record ID"}
	}
	entries, err := readDirNames(publishedDir)
	if err != nil {
		return nil, nil, fmt.Errorf("mirror: pack: %w", err)
	}
	var formats []string
	for _, e := range entries {
		if !e.IsDir() || !ValidFormat(e.Name()) {
			continue
		}
		if fi, err := os.Lstat(filepath.Join(publishedDir, e.Name(), recordID)); err == nil && fi.IsDir() {
			formats = append(formats, e.Name())
		}
	}
	if len(formats) == 0 {
		return nil, nil, fmt.Errorf("mirror: pack %s: no published formats: %w", recordID, ErrNotFound)
	}
	sort.Strings(formats)
	lists := make([][]File, len(formats))
	for i, f := range formats {
		dir := filepath.Join(publishedDir, f, recordID)
		files, err := scanFormatDir(dir, allowHardLinks)
		if err != nil {
			return nil, nil, fmt.Errorf("mirror: pack %s/%s: %w", f, recordID, err)
		}
		md, err := os.ReadFile(filepath.Join(dir, "metadata.xml"))
		if err != nil {
			return nil, nil, &MetadataError{RecordID: recordID, Format: f, Reason: "missing", Err: err}
		}
		if _, err := ValidateMetadata(md, f, recordID); err != nil {
			return nil, nil, err
		}
		lists[i] = files
	}
	return formats, lists, nil
}

// packer writes the <format>/<recordID> tree of one format into a tar.
type packer struct {
	tw     *tar.Writer
	buf    []byte
	root   string // <published>/<format>/<recordID>
	prefix string // <format>/<recordID>
	dirs   map[string]bool
}

// dir writes a directory entry once.
func (p *packer) dir(name string, mt time.Time) error {
	if p.dirs[name] {
		return nil
	}
	p.dirs[name] = true
	return p.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: 0o755, ModTime: mt, Format: tar.FormatPAX})
}

func (p *packer) format(ctx context.Context, publishedDir, recordID, format string, files []File) error {
	fi, err := os.Stat(p.root)
	if err != nil {
		return err
	}
	if err := p.dir(p.prefix, fi.ModTime()); err != nil {
		return err
	}
	for _, file := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		// Parent directories first, as tar does.
		parts := strings.Split(file.Path, "/")
		for j := 1; j < len(parts); j++ {
			d := strings.Join(parts[:j], "/")
			dfi, err := os.Stat(filepath.Join(p.root, filepath.FromSlash(d)))
			if err != nil {
				return err
			}
			if err := p.dir(p.prefix+"/"+d, dfi.ModTime()); err != nil {
				return err
			}
		}
		src, err := openInTree(publishedDir, recordID, format, file.Path)
		if err != nil {
			return err
		}
		err = p.file(src, file)
		src.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func (p *packer) file(src *os.File, file File) error {
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: p.prefix + "/" + file.Path, Size: file.Size, Mode: 0o644, ModTime: file.ModTime, Format: tar.FormatPAX}
	if err := p.tw.WriteHeader(hdr); err != nil {
		return err
	}
	n, err := io.CopyBuffer(p.tw, io.LimitReader(onlyReader{src}, file.Size), p.buf)
	if err != nil {
		return err
	}
	if n != file.Size {
		return fmt.Errorf("mirror: pack %s: %w", hdr.Name, ErrSourceChanged)
	}
	return nil
}

// PackFile writes <spoolDir>/<recordID>.tar atomically: the archive is
// written under a name the importer ignores and renamed when complete.
func PackFile(ctx context.Context, publishedDir, recordID, spoolDir string) (string, error) {
	if !ValidRecordID(recordID) {
		return "", &UnsafeError{Name: recordID, Reason: "invalid record ID"}
	}
	tmp, err := os.CreateTemp(spoolDir, "."+recordID+".tar.partial-*")
	if err != nil {
		return "", fmt.Errorf("mirror: pack: %w", err)
	}
	err = Pack(ctx, tmp, publishedDir, recordID)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	final := filepath.Join(spoolDir, recordID+".tar")
	if err == nil {
		err = os.Rename(tmp.Name(), final)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return "", err
	}
	return final, nil
}

// ImportDirName is the work directory Import creates inside the published
// tree by default. Like StagingDirName it is not a valid format name.
const ImportDirName = ".mirror-import"

// Import limits, overridable with options.
const (
	DefaultMaxFileSize    = 16 << 30
	DefaultMaxArchiveSize = 64 << 30
	DefaultMaxEntries     = 100000
)

type importConfig struct {
	maxFile, maxTotal int64
	maxEntries        int
	unpublished       bool
	workDir           string
	mover             *mover // nil: the real file system without injected faults
}

// ImportedFormat describes one format brought in by Import.
type ImportedFormat struct {
	Name      string
	Published bool   // placed in the published tree (else unpublished)
	Dir       string // where it now lives
	Files     int
	Bytes     int64
}

// ImportResult describes an imported recording.
type ImportResult struct {
	RecordID string
	Formats  []ImportedFormat
	Metadata *Metadata // from the first format's metadata.xml
}

// archiveEntry is one validated tar entry.
type archiveEntry struct {
	name  string // cleaned, without trailing slash
	dir   bool
	size  int64
	mtime time.Time
}

type archivePlan struct {
	recordID string
	entries  []archiveEntry
	formats  []string
	meta     map[string]*Metadata
}

// Import reads a Scalelite spool archive and moves each format into
// <published>/<format>/<recordID> or <unpublished>/<format>/<recordID>
// according to its metadata.xml, replacing an earlier copy in either tree,
// as Scalelite's importer does. The archive is read twice: the first pass
// checks every entry (absolute paths, "..", links, devices, entries outside
// <format>/<recordID>, more than one recording, sizes and counts past the
// limits, truncation, metadata.xml) and nothing is written unless all of it
// is acceptable. The second pass extracts into a work directory, and each
// format is renamed into place.
func Import(ctx context.Context, r io.ReadSeeker, published, unpublished string, opts ...ImportOption) (*ImportResult, error) {
	cfg := importConfig{maxFile: DefaultMaxFileSize, maxTotal: DefaultMaxArchiveSize, maxEntries: DefaultMaxEntries}
	for _, o := range opts {
		if o == nil {
			return nil, errNilOption
		}
		if err := o.applyImport(&cfg); err != nil {
			return nil, err
		}
	}
	if published == "" || unpublished == "" {
		return nil, errors.New("mirror: import: published and unpublished directories are required")
	}
	start, err := r.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, fmt.Errorf("mirror: import: %w", err)
	}
	plan, err := checkArchive(ctx, r, &cfg)
	if err != nil {
		return nil, err
	}
	if _, err := r.Seek(start, io.SeekStart); err != nil {
		return nil, fmt.Errorf("mirror: import: %w", err)
	}
	work := cfg.workDir
	if work == "" {
		work = filepath.Join(published, ImportDirName)
	}
	if _, err := os.Stat(work); errors.Is(err, fs.ErrNotExist) {
		// A work directory this import creates goes again when it ends.
		if err := os.MkdirAll(work, 0o755); err != nil {
			return nil, fmt.Errorf("mirror: import: %w", err)
		}
		defer os.Remove(work)
	}
	tmp, err := os.MkdirTemp(work, "import-"+plan.recordID+"-")
	if err != nil {
		return nil, fmt.Errorf("mirror: import: %w", err)
	}
	defer os.RemoveAll(tmp)
	res, err := extractArchive(ctx, r, plan, tmp, &cfg)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := installImport(res, tmp, published, unpublished, cfg.mover); err != nil {
		return nil, fmt.Errorf("mirror: import: %w", err)
	}
	return res, nil
}

// installImport moves the extracted formats under tmp into the trees,
// replacing older copies in either tree, all or nothing. First every format
// is brought next to its final place (a rename, or a copy when the tree is
// on another file system), with a hidden name, and missing parents are
// created; nothing a reader sees has changed yet. Then the old copies
// leave the other tree and each format is exchanged with its old copy.
// Any failure undoes every step, so a refused or failed import leaves both
// trees as they were.
func installImport(res *ImportResult, tmp, published, unpublished string, m *mover) (err error) {
	tx := &swapTxn{m: m}
	defer func() {
		if err != nil {
			if uerr := tx.rollback(); uerr != nil {
				err = errors.Join(err, uerr)
			}
			return
		}
		tx.commit()
	}()
	next := make([]string, len(res.Formats))
	for i := range res.Formats {
		f := &res.Formats[i]
		into := published
		if !f.Published {
			into = unpublished
		}
		f.Dir = filepath.Join(into, f.Name, res.RecordID)
		if err := tx.mkdirAll(filepath.Dir(f.Dir)); err != nil {
			return err
		}
		next[i] = sibling(f.Dir, "new")
		if err := tx.moveIn(filepath.Join(tmp, f.Name, res.RecordID), next[i]); err != nil {
			return err
		}
	}
	for i := range res.Formats {
		f := &res.Formats[i]
		for _, tree := range []string{published, unpublished} {
			old := filepath.Join(tree, f.Name, res.RecordID)
			if old == f.Dir {
				continue
			}
			if _, err := os.Lstat(old); err != nil {
				if absent(err) {
					continue
				}
				return err
			}
			if err := tx.remove(old); err != nil {
				return err
			}
		}
		if err := tx.install(next[i], f.Dir); err != nil {
			return err
		}
	}
	return nil
}

// ImportFile imports the archive at path (see Import).
func ImportFile(ctx context.Context, path, published, unpublished string, opts ...ImportOption) (*ImportResult, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("mirror: import: %w", err)
	}
	defer f.Close()
	return Import(ctx, f, published, unpublished, opts...)
}

func unsafeEntry(name, reason string) error { return &UnsafeError{Name: name, Reason: reason} }

// checkArchive is the first, read-only pass over an archive.
func checkArchive(ctx context.Context, r io.Reader, cfg *importConfig) (*archivePlan, error) {
	tr := tar.NewReader(r)
	p := &archivePlan{meta: map[string]*Metadata{}}
	kinds := map[string]bool{} // name -> is directory
	var total int64
	metaRaw := map[string][]byte{}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("mirror: import: malformed or truncated archive: %w", unsafeEntry("", err.Error()))
		}
		if len(p.entries) >= cfg.maxEntries {
			return nil, unsafeEntry(hdr.Name, "more entries than the limit")
		}
		e, err := checkHeader(hdr, cfg)
		if err != nil {
			return nil, err
		}
		parts := strings.Split(e.name, "/")
		if len(parts) >= 2 {
			if p.recordID == "" {
				p.recordID = parts[1]
			} else if parts[1] != p.recordID {
				return nil, unsafeEntry(hdr.Name, "archive holds more than one recording")
			}
		}
		if _, dup := kinds[e.name]; dup {
			return nil, unsafeEntry(hdr.Name, "duplicate entry")
		}
		// A name must not be used both as a file and as a directory.
		for j := 1; j < len(parts); j++ {
			if isDir, seen := kinds[strings.Join(parts[:j], "/")]; seen && !isDir {
				return nil, unsafeEntry(hdr.Name, "entry below a file")
			}
		}
		kinds[e.name] = e.dir
		if !e.dir {
			total += e.size
			if total > cfg.maxTotal {
				return nil, unsafeEntry(hdr.Name, "archive larger than the limit")
			}
			if len(parts) == 3 && parts[2] == "metadata.xml" {
				if e.size > MaxMetadataSize {
					return nil, unsafeEntry(hdr.Name, "metadata.xml larger than the limit")
				}
				b, err := io.ReadAll(tr)
				if err != nil || int64(len(b)) != e.size {
					return nil, unsafeEntry(hdr.Name, "truncated archive")
				}
				metaRaw[parts[0]] = b
			}
		}
		if len(parts) >= 2 && !contains(p.formats, parts[0]) {
			p.formats = append(p.formats, parts[0])
		}
		p.entries = append(p.entries, e)
	}
	if p.recordID == "" || len(p.formats) == 0 {
		return nil, unsafeEntry("", "archive holds no <format>/<recordID> tree")
	}
	sort.Strings(p.formats)
	for _, f := range p.formats {
		raw, ok := metaRaw[f]
		if !ok {
			return nil, &MetadataError{RecordID: p.recordID, Format: f, Reason: "missing from the archive"}
		}
		m, err := ValidateMetadata(raw, f, p.recordID)
		if err != nil {
			return nil, err
		}
		p.meta[f] = m
	}
	return p, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// checkHeader validates one tar header.
func checkHeader(hdr *tar.Header, cfg *importConfig) (archiveEntry, error) {
	raw := hdr.Name
	name := strings.TrimPrefix(raw, "./")
	var e archiveEntry
	switch hdr.Typeflag {
	case tar.TypeDir:
		e.dir = true
		name = strings.TrimSuffix(name, "/")
	case tar.TypeReg:
		if strings.HasSuffix(name, "/") {
			return e, unsafeEntry(raw, "file name ends with a slash")
		}
	case tar.TypeSymlink, tar.TypeLink:
		return e, unsafeEntry(raw, "links are not allowed")
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		return e, unsafeEntry(raw, "devices and fifos are not allowed")
	default:
		return e, unsafeEntry(raw, fmt.Sprintf("entry type %q is not allowed", hdr.Typeflag))
	}
	if err := checkRelPath(name); err != nil {
		return e, unsafeEntry(raw, err.(*UnsafeError).Reason)
	}
	parts := strings.Split(name, "/")
	if !ValidFormat(parts[0]) {
		return e, unsafeEntry(raw, "top level is not a format directory")
	}
	if len(parts) == 1 && !e.dir {
		return e, unsafeEntry(raw, "file outside <format>/<recordID>")
	}
	if len(parts) >= 2 && !ValidRecordID(parts[1]) {
		return e, unsafeEntry(raw, "second level is not a record ID")
	}
	if len(parts) == 2 && !e.dir {
		return e, unsafeEntry(raw, "file outside <format>/<recordID>")
	}
	if hdr.Size < 0 || (e.dir && hdr.Size != 0) {
		return e, unsafeEntry(raw, "invalid size")
	}
	if hdr.Size > cfg.maxFile {
		return e, unsafeEntry(raw, "file larger than the limit")
	}
	e.name, e.size, e.mtime = name, hdr.Size, hdr.ModTime
	return e, nil
}

// extractArchive is the second pass: it writes the checked entries under
// tmp, insisting that the archive still reads the same.
func extractArchive(ctx context.Context, r io.Reader, p *archivePlan, tmp string, cfg *importConfig) (*ImportResult, error) {
	x := &extractor{tr: tar.NewReader(r), plan: p, tmp: tmp, cfg: cfg, stats: map[string]*ImportedFormat{}}
	for _, f := range p.formats {
		m := p.meta[f]
		x.stats[f] = &ImportedFormat{Name: f, Published: m.Published && !cfg.unpublished}
		if err := os.MkdirAll(filepath.Join(tmp, f, p.recordID), 0o755); err != nil {
			return nil, err
		}
	}
	buf := bufPool.Get().(*[]byte)
	defer bufPool.Put(buf)
	x.buf = *buf
	for i := 0; ; i++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		end, err := x.next(i)
		if err != nil {
			return nil, err
		}
		if end {
			break
		}
	}
	if err := x.checkMetadata(); err != nil {
		return nil, err
	}
	for j := len(x.dirTimes) - 1; j >= 0; j-- {
		if !x.dirTimes[j].mtime.IsZero() {
			os.Chtimes(filepath.Join(tmp, filepath.FromSlash(x.dirTimes[j].name)), x.dirTimes[j].mtime, x.dirTimes[j].mtime)
		}
	}
	res := &ImportResult{RecordID: p.recordID, Metadata: p.meta[p.formats[0]]}
	for _, f := range p.formats {
		res.Formats = append(res.Formats, *x.stats[f])
	}
	return res, nil
}

var errArchiveChanged = errors.New("mirror: import: archive changed while importing")

// extractor is the second pass over an archive: it writes the checked
// entries under tmp, insisting that the archive still reads the same.
type extractor struct {
	tr       *tar.Reader
	plan     *archivePlan
	tmp      string
	cfg      *importConfig
	buf      []byte
	stats    map[string]*ImportedFormat
	dirTimes []archiveEntry
}

// next extracts entry i; end reports the end of the archive.
func (x *extractor) next(i int) (end bool, err error) {
	hdr, err := x.tr.Next()
	if err == io.EOF {
		if i != len(x.plan.entries) {
			return true, errArchiveChanged
		}
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("mirror: import: %w", err)
	}
	e, err := checkHeader(hdr, x.cfg)
	if err != nil {
		return false, err
	}
	if i >= len(x.plan.entries) || x.plan.entries[i].name != e.name || x.plan.entries[i].size != e.size || x.plan.entries[i].dir != e.dir {
		return false, errArchiveChanged
	}
	parts := strings.Split(e.name, "/")
	if len(parts) < 2 {
		return false, nil
	}
	dst := filepath.Join(x.tmp, filepath.FromSlash(e.name))
	if e.dir {
		x.dirTimes = append(x.dirTimes, e)
		return false, os.MkdirAll(dst, 0o755)
	}
	n, err := x.file(dst, e)
	if err != nil {
		return false, err
	}
	st := x.stats[parts[0]]
	st.Files++
	st.Bytes += n
	return false, nil
}

// file writes the current entry's content to dst.
func (x *extractor) file(dst string, e archiveEntry) (int64, error) {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return 0, err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return 0, err
	}
	n, err := io.CopyBuffer(out, onlyReader{io.LimitReader(x.tr, e.size)}, x.buf)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return n, fmt.Errorf("mirror: import: %w", err)
	}
	if n != e.size {
		return n, errors.New("mirror: import: truncated archive")
	}
	if !e.mtime.IsZero() {
		os.Chtimes(dst, e.mtime, e.mtime)
	}
	return n, nil
}

// checkMetadata checks that the extracted metadata is still what was
// checked.
func (x *extractor) checkMetadata() error {
	p := x.plan
	for _, f := range p.formats {
		b, err := os.ReadFile(filepath.Join(x.tmp, f, p.recordID, "metadata.xml"))
		if err != nil {
			return err
		}
		if _, err := ValidateMetadata(b, f, p.recordID); err != nil {
			return err
		}
		if !bytes.Contains(b, []byte(p.recordID)) {
			return errArchiveChanged
		}
	}
	return nil
}
