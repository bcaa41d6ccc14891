package mirror

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
)

// CallBundle is the call name of the export endpoint's bundle request: the
// small files of one format directory in a single tar stream, so that a
// presentation with hundreds of slides costs one round trip, not hundreds.
const CallBundle = "bundle"

// bundleMax is the largest file Sync asks for in a bundle; larger files are
// fetched one by one (and resume with Range).
const bundleMax = 256 << 10

// maxBundleFile caps what a client may ask the endpoint to bundle.
const maxBundleFile = 16 << 20

// Bundler is implemented by sources that can send the small files of a
// format directory in one stream (HTTPSource). The stream is a tar whose
// entry names are paths relative to the format directory; every regular
// file of at most maxFileSize bytes is included.
type Bundler interface {
	OpenBundle(ctx context.Context, recordID, format string, maxFileSize int64) (io.ReadCloser, error)
}

// serveBundle writes the tar of the small files of <format>/<id>.
func (h *Handler) serveBundle(w http.ResponseWriter, r *http.Request, id, format, maxStr string) {
	limit, err := strconv.ParseInt(maxStr, 10, 64)
	if err != nil || limit < 0 || limit > maxBundleFile {
		writeErr(w, http.StatusBadRequest, "invalid max")
		return
	}
	if !ValidRecordID(id) || !ValidFormat(format) {
		writeErr(w, http.StatusBadRequest, "invalid record or format")
		return
	}
	dir := filepath.Join(h.src.dir, format, id)
	files, err := scanFormatDir(dir, h.src.links)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			writeErr(w, http.StatusNotFound, "no such recording")
		} else {
			writeErr(w, http.StatusNotFound, "recording cannot be served")
		}
		return
	}
	w.Header().Set("Content-Type", "application/x-tar")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if r.Method == http.MethodHead {
		return
	}
	// The format directory is opened once; each file is then one open
	// inside it rather than a walk from the tree's root.
	root, err := h.src.openFormatRoot(id, format)
	if err != nil {
		writeErr(w, http.StatusNotFound, "recording cannot be served")
		return
	}
	defer root.Close()
	tw := tar.NewWriter(w)
	buf := bufPool.Get().(*[]byte)
	defer bufPool.Put(buf)
	for _, f := range files {
		if f.Size > limit {
			continue
		}
		if r.Context().Err() != nil {
			return
		}
		if checkRelPath(f.Path) != nil {
			continue
		}
		in, err := root.Open(f.Path)
		if err != nil {
			continue // vanished since the scan: the client fetches it alone
		}
		if fi, err := in.Stat(); err != nil || checkLinks(f.Path, fi, h.src.links) != nil {
			in.Close()
			continue // linked since the scan: the client asks alone and is refused
		}
		hdr := &tar.Header{Typeflag: tar.TypeReg, Name: f.Path, Size: f.Size, Mode: 0o644, ModTime: f.ModTime, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			in.Close()
			return
		}
		n, err := io.CopyBuffer(tw, io.LimitReader(onlyReader{in}, f.Size), *buf)
		in.Close()
		if err != nil || n != f.Size {
			// The file shrank: abort so the client does not take a
			// short stream for a complete one.
			panic(http.ErrAbortHandler)
		}
	}
	tw.Close()
}

// OpenBundle fetches the small files of a format directory in one tar
// stream (see Bundler).
func (s *HTTPSource) OpenBundle(ctx context.Context, recordID, format string, maxFileSize int64) (io.ReadCloser, error) {
	q := url.Values{"record": {recordID}, "format": {format}, "max": {strconv.FormatInt(maxFileSize, 10)}}
	r := s.request(CallBundle, q, nil)
	r.MaxBytes = streamCap
	resp, err := s.stream(ctx, r, http.StatusOK)
	if err != nil {
		return nil, err
	}
	return resp.Stream, nil
}

// fetchBundle stages the wanted small files of a format from one bundle.
// It returns the paths it staged and verified; the caller fetches the rest
// one by one, so any failure here only costs a fallback.
func (s *syncer) fetchBundle(ctx context.Context, b Bundler, id string, fm *Format, fdir string, want map[string]*File, progress func(int64)) map[string]bool {
	done := map[string]bool{}
	made := map[string]bool{} // staging directories already created
	rc, err := b.OpenBundle(ctx, id, fm.Name, bundleMax)
	if err != nil {
		return done
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	buf := bufPool.Get().(*[]byte)
	defer bufPool.Put(buf)
	for len(done) < len(want) {
		hdr, err := tr.Next()
		if err != nil {
			return done
		}
		f, ok := want[hdr.Name]
		if !ok || done[hdr.Name] || hdr.Typeflag != tar.TypeReg || hdr.Size != f.Size {
			continue
		}
		staged := filepath.Join(fdir, filepath.FromSlash(f.Path))
		if sd := filepath.Dir(staged); !made[sd] {
			if err := os.MkdirAll(sd, 0o755); err != nil {
				return done
			}
			made[sd] = true
		}
		out, err := os.OpenFile(staged, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
		if err != nil {
			return done
		}
		h := sha256.New()
		var n int64
		for n < f.Size && err == nil {
			chunk := (*buf)[:min(int64(len(*buf)), f.Size-n)]
			if s.cfg.limiter != nil && len(chunk) > s.cfg.limiter.Burst() {
				chunk = chunk[:max(s.cfg.limiter.Burst(), 1)]
			}
			var k int
			k, err = io.ReadFull(tr, chunk)
			if k > 0 {
				if s.cfg.limiter != nil {
					if werr := s.cfg.limiter.WaitN(ctx, k); werr != nil {
						err = werr
						break
					}
				}
				if _, werr := out.Write(chunk[:k]); werr != nil {
					err = werr
					break
				}
				h.Write(chunk[:k])
				n += int64(k)
				progress(int64(k))
			}
		}
		if err == nil && s.cfg.fsync {
			err = out.Sync()
		}
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(staged)
			return done
		}
		if sum := hex.EncodeToString(h.Sum(nil)); f.SHA256 != "" && sum != f.SHA256 {
			os.Remove(staged)
			continue
		}
		if os.Chtimes(staged, f.ModTime, f.ModTime) == nil {
			done[f.Path] = true
		}
	}
	return done
}
