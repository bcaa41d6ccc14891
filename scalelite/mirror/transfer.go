package mirror

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

var bufPool = sync.Pool{New: func() any { b := make([]byte, copyBufferSize); return &b }}

// transfer brings one file into staged. root, when not nil, is the local
// source's format directory (DirSource.openFormatRoot) to open the file in. With resume, bytes already staged
// by an earlier attempt for the same source version are kept and the
// transfer continues after them. It returns the bytes transferred and the
// SHA-256 of the staged file ("" when it was not hashed, see WithHashLocal).
func (s *syncer) transfer(ctx context.Context, root *os.Root, id, format string, f *File, staged string, resume bool, progress func(int64)) (int64, string, error) {
	name := format + "/" + id + "/" + f.Path
	// A file is hashed in the pass that writes it whenever there is a
	// digest to compare with (the manifest's, or the one a local source's
	// hash cache already holds) or WithHashLocal asks for every file;
	// otherwise a local file is copied by the kernel and checked by size
	// and by the source being unchanged, as cp and rsync do.
	want := f.SHA256
	if want == "" {
		want = s.knownSourceHash(id, format, f)
	}
	needHash := want != "" || s.cfg.hashLocal
	var moved int64
	for fresh := 0; fresh < 2; fresh++ {
		n, h, out, err := openStaged(staged, f.Size, resume && fresh == 0, needHash)
		if err != nil {
			return moved, "", err
		}
		m, err := s.fill(ctx, root, id, format, f, out, h, n, needHash, progress)
		moved += m
		if err == nil && s.cfg.fsync {
			err = out.Sync()
		}
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			if errors.Is(err, ErrSourceChanged) {
				os.Remove(staged)
			}
			return moved, "", err
		}
		sum := ""
		if needHash {
			sum = hex.EncodeToString(h.Sum(nil))
		}
		if want != "" && sum != want {
			os.Remove(staged)
			if n > 0 {
				continue // the resumed prefix was bad: start over once
			}
			return moved, "", &VerifyError{Path: name, WantSize: f.Size, GotSize: f.Size, WantSHA: want, GotSHA: sum}
		}
		if err := os.Chtimes(staged, f.ModTime, f.ModTime); err != nil {
			return moved, "", err
		}
		return moved, sum, nil
	}
	return moved, "", &VerifyError{Path: name, WantSize: f.Size, GotSize: f.Size, WantSHA: want}
}

// knownSourceHash returns the SHA-256 a local source's hash cache holds for
// the file at its manifest size and modification time, without reading the
// file; "" when there is none.
func (s *syncer) knownSourceHash(id, format string, f *File) string {
	ds, ok := s.src.(*DirSource)
	if !ok || ds.cache == nil {
		return ""
	}
	sum, _ := ds.cache.Get(filepath.Join(ds.dir, format, id, filepath.FromSlash(f.Path)), f.Size, f.ModTime)
	return sum
}

// openStaged opens the staging file. When resuming, it hashes the bytes
// already there and positions after them; otherwise it truncates.
func openStaged(path string, size int64, resume, hashPrefix bool) (int64, hash.Hash, *os.File, error) {
	h := sha256.New()
	if resume {
		if out, err := os.OpenFile(path, os.O_RDWR, 0o644); err == nil {
			fi, err := out.Stat()
			if err == nil && fi.Size() <= size && !hashPrefix {
				if _, err := out.Seek(0, io.SeekEnd); err == nil {
					return fi.Size(), h, out, nil
				}
			}
			if err == nil && fi.Size() <= size {
				buf := bufPool.Get().(*[]byte)
				n, err := io.CopyBuffer(h, onlyReader{out}, *buf)
				bufPool.Put(buf)
				if err == nil && n == fi.Size() {
					return n, h, out, nil
				}
			}
			out.Close()
			h.Reset()
		}
	}
	out, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return 0, nil, nil, err
	}
	return 0, h, out, nil
}

// fill copies from the source into out from offset n until the file is
// complete, resuming after transient read errors.
func (s *syncer) fill(ctx context.Context, root *os.Root, id, format string, f *File, out *os.File, h hash.Hash, n int64, needHash bool, progress func(int64)) (int64, error) {
	name := format + "/" + id + "/" + f.Path
	bufp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bufp)
	buf := *bufp
	if s.cfg.limiter != nil && s.cfg.limiter.Burst() < len(buf) {
		buf = buf[:max(s.cfg.limiter.Burst(), 1)]
	}
	// A file longer than one buffer is hashed on a second goroutine,
	// chunk by chunk behind the copy (see hashPipe).
	var pipe *hashPipe
	if needHash && f.Size-n > int64(len(buf)) {
		pipe = startHashPipe(h, len(buf))
		defer pipe.wait()
	}
	var moved int64
	delay := s.cfg.retryDelay
	for attempt := 0; ; attempt++ {
		err := func() error {
			var rc io.ReadCloser
			var err error
			if ds, ok := s.src.(*DirSource); ok && root != nil {
				rc, err = ds.openInRoot(ctx, root, id, format, *f, n)
			} else {
				rc, err = s.src.Open(ctx, id, format, *f, n)
			}
			if err != nil {
				return err
			}
			defer rc.Close()
			if cf, ok := rc.(*checkedFile); ok && !needHash {
				return s.copyFile(ctx, cf, out, &n, &moved, progress)
			}
			for {
				if err := ctx.Err(); err != nil {
					return err
				}
				// Fill the buffer before writing: network reads come in
				// small pieces, and fewer, larger writes are cheaper.
				b := buf
				if pipe != nil {
					b = pipe.next()
				}
				k, rerr := readFull(rc, b)
				if k > 0 {
					if err := s.writeChunk(ctx, out, b[:k], n, f.Size, name); err != nil {
						if pipe != nil {
							pipe.release(b)
						}
						return err
					}
					if pipe != nil {
						pipe.hash(b[:k])
					} else {
						h.Write(b[:k])
					}
					n += int64(k)
					moved += int64(k)
					attempt = 0
					progress(int64(k))
				} else if pipe != nil {
					pipe.release(b)
				}
				if rerr == io.EOF {
					if n != f.Size {
						return fmt.Errorf("mirror: %s: %d bytes, want %d: %w", name, n, f.Size, ErrSourceChanged)
					}
					return nil
				}
				if rerr != nil {
					return rerr
				}
			}
		}()
		if err == nil {
			return moved, nil
		}
		if ctx.Err() != nil {
			return moved, ctx.Err()
		}
		var we *writeError
		if errors.As(err, &we) || errors.Is(err, ErrSourceChanged) || errors.Is(err, ErrUnsafe) ||
			errors.Is(err, ErrNotFound) || errors.Is(err, ErrUnauthorized) || attempt >= s.cfg.retries {
			return moved, err
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return moved, ctx.Err()
		case <-t.C:
		}
		delay *= 2
	}
}

// writeChunk writes b, read from the source at offset n, to out after
// checking it stays within the manifest's size and pacing it with the
// rate limit.
func (s *syncer) writeChunk(ctx context.Context, out *os.File, b []byte, n, size int64, name string) error {
	if n+int64(len(b)) > size {
		return fmt.Errorf("mirror: %s: more bytes than the manifest says: %w", name, ErrSourceChanged)
	}
	if s.cfg.limiter != nil {
		if err := s.cfg.limiter.WaitN(ctx, len(b)); err != nil {
			return err
		}
	}
	if _, err := out.Write(b); err != nil {
		return &writeError{err}
	}
	return nil
}

// writeError marks a failure to write the destination (not retried).
type writeError struct{ err error }

func (w *writeError) Error() string { return "mirror: write: " + w.err.Error() }
func (w *writeError) Unwrap() error { return w.err }

// readFull reads until buf is full, the reader ends or fails. Unlike
// io.ReadFull it returns io.EOF (not io.ErrUnexpectedEOF) with a partial
// buffer at the end of the stream.
func readFull(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		k, err := r.Read(buf[n:])
		n += k
		if err != nil {
			return n, err
		}
		if k == 0 {
			return n, io.ErrNoProgress
		}
	}
	return n, nil
}

// copyFile copies a local source file in chunks with copy_file_range
// (a file with no digest to check, without WithHashLocal), honouring the
// rate limit and reporting progress, then checks at end of file that the
// source did not change.
func (s *syncer) copyFile(ctx context.Context, cf *checkedFile, out *os.File, n, moved *int64, progress func(int64)) error {
	chunk := int64(4 << 20)
	if s.cfg.limiter != nil {
		chunk = int64(max(s.cfg.limiter.Burst(), 1))
	}
	for cf.left > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		want := min(chunk, cf.left)
		if s.cfg.limiter != nil {
			if err := s.cfg.limiter.WaitN(ctx, int(want)); err != nil {
				return err
			}
		}
		k, err := cf.copyChunk(out, want)
		*n += k
		*moved += k
		if k > 0 {
			progress(k)
		}
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) && pe.Op == "write" {
				return &writeError{err}
			}
			return err
		}
	}
	// A zero-length read at the end checks the source's size and time.
	if _, err := cf.Read(nil); err != io.EOF {
		if err == nil {
			err = fmt.Errorf("mirror: %s: %w", cf.name, ErrSourceChanged)
		}
		return err
	}
	return nil
}
