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
	"sync"
	"time"
)

var bufPool = sync.Pool{New: func() any { b := make([]byte, copyBufferSize); return &b }}

// fileJob is one file to bring into the staging directory.
type fileJob struct {
	id, format string
	file       *File
	staged     string
	// resume keeps bytes an earlier attempt staged for the same source
	// version and continues after them.
	resume bool
	// files, when not nil, is the source's opened format directory
	// (FormatOpener) to open the file in.
	files    FormatFiles
	progress func(int64)
}

func (j *fileJob) name() string { return j.format + "/" + j.id + "/" + j.file.Path }

// open opens the source file at offset.
func (j *fileJob) open(ctx context.Context, src Source, offset int64) (io.ReadCloser, error) {
	if j.files != nil {
		return j.files.Open(ctx, *j.file, offset)
	}
	return src.Open(ctx, j.id, j.format, *j.file, offset)
}

// stagedFile is the staging file being written: n bytes are in it, and h
// holds their hash when hashing.
type stagedFile struct {
	out      *os.File
	h        hash.Hash
	n        int64
	needHash bool
	moved    int64 // bytes transferred by this attempt
}

// transfer brings one file into j.staged. It returns the bytes transferred
// and the SHA-256 of the staged file ("" when it was not hashed, see
// WithHashLocal).
func (s *syncer) transfer(ctx context.Context, j *fileJob) (int64, string, error) {
	// A file is hashed in the pass that writes it whenever there is a
	// digest to compare with (the manifest's, or one a Digester source
	// knows) or WithHashLocal asks for every file; otherwise a local file
	// is copied by the kernel and checked by size and by the source being
	// unchanged, as cp and rsync do.
	f := j.file
	want := f.SHA256
	if d, ok := s.src.(Digester); ok && want == "" {
		want = d.KnownDigest(j.id, j.format, *f)
	}
	needHash := want != "" || s.cfg.hashLocal
	var moved int64
	for fresh := 0; fresh < 2; fresh++ {
		n, h, out, err := openStaged(j.staged, f.Size, j.resume && fresh == 0, needHash)
		if err != nil {
			return moved, "", err
		}
		sf := &stagedFile{out: out, h: h, n: n, needHash: needHash}
		err = s.fill(ctx, j, sf)
		moved += sf.moved
		if err == nil && s.cfg.fsync {
			err = out.Sync()
		}
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			if errors.Is(err, ErrSourceChanged) {
				os.Remove(j.staged)
			}
			return moved, "", err
		}
		sum := ""
		if needHash {
			sum = hex.EncodeToString(h.Sum(nil))
		}
		if want != "" && sum != want {
			os.Remove(j.staged)
			if n > 0 {
				continue // the resumed prefix was bad: start over once
			}
			return moved, "", &VerifyError{Path: j.name(), WantSize: f.Size, GotSize: f.Size, WantSHA: want, GotSHA: sum}
		}
		if err := os.Chtimes(j.staged, f.ModTime, f.ModTime); err != nil {
			return moved, "", err
		}
		return moved, sum, nil
	}
	return moved, "", &VerifyError{Path: j.name(), WantSize: f.Size, GotSize: f.Size, WantSHA: want}
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

// fill copies from the source into sf until the file is complete, resuming
// after transient read errors (WithRetries, WithRetryDelay).
func (s *syncer) fill(ctx context.Context, j *fileJob, sf *stagedFile) error {
	bufp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bufp)
	buf := *bufp
	if s.cfg.limiter != nil && s.cfg.limiter.Burst() < len(buf) {
		buf = buf[:max(s.cfg.limiter.Burst(), 1)]
	}
	// A file longer than one buffer is hashed on a second goroutine,
	// chunk by chunk behind the copy (see hashPipe).
	var pipe *hashPipe
	if sf.needHash && j.file.Size-sf.n > int64(len(buf)) {
		pipe = startHashPipe(sf.h, len(buf))
		defer pipe.wait()
	}
	delay := s.cfg.retryDelay
	for attempt := 0; ; attempt++ {
		before := sf.moved
		err := s.fillOnce(ctx, j, sf, buf, pipe)
		if err == nil {
			return nil
		}
		if sf.moved > before {
			attempt = 0 // progress was made: the retry budget starts again
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var we *writeError
		if errors.As(err, &we) || errors.Is(err, ErrSourceChanged) || errors.Is(err, ErrUnsafe) ||
			errors.Is(err, ErrNotFound) || errors.Is(err, ErrUnauthorized) || attempt >= s.cfg.retries {
			return err
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		delay *= 2
	}
}

// fillOnce is one attempt of fill: it opens the source at sf.n and copies
// until the end of the file or an error.
func (s *syncer) fillOnce(ctx context.Context, j *fileJob, sf *stagedFile, buf []byte, pipe *hashPipe) error {
	rc, err := j.open(ctx, s.src, sf.n)
	if err != nil {
		return err
	}
	defer rc.Close()
	if cf, ok := rc.(*checkedFile); ok && !sf.needHash {
		return s.copyFile(ctx, cf, sf.out, &sf.n, &sf.moved, j.progress)
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		// Fill the buffer before writing: network reads come in small
		// pieces, and fewer, larger writes are cheaper.
		b := buf
		if pipe != nil {
			b = pipe.next()
		}
		k, rerr := readFull(rc, b)
		if k > 0 {
			if err := s.writeChunk(ctx, sf.out, b[:k], sf.n, j.file.Size, j.name()); err != nil {
				if pipe != nil {
					pipe.release(b)
				}
				return err
			}
			if pipe != nil {
				pipe.hash(b[:k])
			} else {
				sf.h.Write(b[:k])
			}
			sf.n += int64(k)
			sf.moved += int64(k)
			j.progress(int64(k))
		} else if pipe != nil {
			pipe.release(b)
		}
		if rerr == io.EOF {
			if sf.n != j.file.Size {
				return fmt.Errorf("mirror: %s: %d bytes, want %d: %w", j.name(), sf.n, j.file.Size, ErrSourceChanged)
			}
			return nil
		}
		if rerr != nil {
			return rerr
		}
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
