package mirror

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// tree is the result of scanning a published tree: the manifest of the
// recordings that could be read, and why the others could not.
type tree struct {
	m   *Manifest
	bad map[string]error // record ID -> reason
}

type scanJob struct{ format, id string }

// scanTree lists <dir>/<format>/<recordID>/... without reading file
// contents. Top-level entries that are not valid format names (including
// dot-directories used for staging) and recording entries that are not valid
// record IDs are ignored. A recording containing a symbolic link or a special
// file, or with a format directory that is a symbolic link, is reported in
// bad and left out of the manifest.
func scanTree(ctx context.Context, dir string, workers int, links hardLinks) (*tree, error) {
	formats, err := readDirNames(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, err
	}
	var jobs []scanJob
	linked := map[string]error{} // record ID -> a format directory that is a symbolic link
	for _, f := range formats {
		if !f.IsDir() || !ValidFormat(f.Name()) {
			continue
		}
		ids, err := readDirNames(filepath.Join(dir, f.Name()))
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if !ValidRecordID(id.Name()) {
				continue
			}
			switch {
			case id.IsDir():
				jobs = append(jobs, scanJob{f.Name(), id.Name()})
			case id.Type()&fs.ModeSymlink != 0:
				linked[id.Name()] = &UnsafeError{Name: f.Name() + "/" + id.Name(), Reason: "format directory is a symbolic link"}
			}
		}
	}
	if workers < 1 {
		workers = 1
	}
	type result struct {
		job   scanJob
		files []File
		err   error
	}
	results := make([]result, len(jobs))
	parallel(ctx, workers, len(jobs), func(i int) {
		j := jobs[i]
		files, err := scanFormatDir(filepath.Join(dir, j.format, j.id), links)
		results[i] = result{job: j, files: files, err: err}
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	t := &tree{m: &Manifest{Version: ManifestVersion}, bad: linked}
	byID := map[string]*Recording{}
	for _, r := range results {
		if r.err != nil {
			t.bad[r.job.id] = r.err
			continue
		}
		rec := byID[r.job.id]
		if rec == nil {
			rec = &Recording{ID: r.job.id}
			byID[r.job.id] = rec
		}
		rec.Formats = append(rec.Formats, Format{Name: r.job.format, Files: r.files})
	}
	t.m.Recordings = make([]Recording, 0, len(byID))
	for id, rec := range byID {
		if _, bad := t.bad[id]; bad {
			continue
		}
		sort.Slice(rec.Formats, func(i, j int) bool { return rec.Formats[i].Name < rec.Formats[j].Name })
		t.m.Recordings = append(t.m.Recordings, *rec)
	}
	sort.Slice(t.m.Recordings, func(i, j int) bool { return t.m.Recordings[i].ID < t.m.Recordings[j].ID })
	return t, nil
}

// readDirNames lists a directory without sorting.
func readDirNames(dir string) ([]os.DirEntry, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.ReadDir(-1)
}

// hardLinks says whether a scan accepts regular files with more than one
// hard link.
type hardLinks bool

const (
	allowHardLinks  hardLinks = false
	refuseHardLinks hardLinks = true
)

// scanFormatDir lists the regular files under a format directory, sorted by
// slash-separated relative path. With refuseHardLinks a file with more than
// one link is refused: a link can share a file from outside the tree, which
// no path check sees.
func scanFormatDir(root string, links hardLinks) ([]File, error) {
	var files []File
	var walk func(dir, rel string) error
	walk = func(dir, rel string) error {
		entries, err := readDirNames(dir)
		if err != nil {
			return err
		}
		for _, e := range entries {
			name := e.Name()
			p := name
			if rel != "" {
				p = rel + "/" + name
			}
			switch t := e.Type(); {
			case t.IsDir():
				if err := walk(filepath.Join(dir, name), p); err != nil {
					return err
				}
			case t.IsRegular():
				if err := checkRelPath(p); err != nil {
					return err
				}
				fi, err := e.Info()
				if err != nil {
					return err
				}
				if err := checkLinks(p, fi, links); err != nil {
					return err
				}
				files = append(files, File{Path: p, Size: fi.Size(), ModTime: fi.ModTime()})
			default:
				return &UnsafeError{Name: p, Reason: "not a regular file or directory (" + strings.TrimSpace(t.String()) + ")"}
			}
		}
		return nil
	}
	if err := walk(root, ""); err != nil {
		return nil, err
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	return files, nil
}

// checkLinks refuses a file with more than one hard link when links says
// so.
func checkLinks(name string, fi fs.FileInfo, links hardLinks) error {
	if links == refuseHardLinks {
		if n := linkCount(fi); n > 1 {
			return &UnsafeError{Name: name, Reason: fmt.Sprintf("regular file with %d hard links (a link can share a file from outside the tree; allow them with WithHardLinks or serve -allow-hardlinks)", n)}
		}
	}
	return nil
}
