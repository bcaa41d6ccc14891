package mirror

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"syscall"
)

// mover performs the steps that put recordings into a tree, each one a
// rename inside one directory (or an exchange of two entries), so that a
// failure at any step can be undone.
type mover struct {
	// fault, when set, runs before every step with the step's name and its
	// first path; an error it returns fails the step. Tests inject
	// failures (EXDEV, ENOSPC, ...) through it.
	fault func(step, path string) error
	// noExchange makes every exchange report ENOSYS, so the two-rename
	// fallback runs (tests).
	noExchange bool
}

func (m *mover) check(step, path string) error {
	if m == nil || m.fault == nil {
		return nil
	}
	return m.fault(step, path)
}

func (m *mover) rename(from, to string) error {
	if err := m.check("rename", from); err != nil {
		return &os.LinkError{Op: "rename", Old: from, New: to, Err: err}
	}
	return os.Rename(from, to)
}

// exchange swaps two existing entries atomically (renameat2 with
// RENAME_EXCHANGE). errExchangeUnsupported-like errors (ENOSYS, EINVAL)
// tell the caller to fall back to two renames.
func (m *mover) exchange(a, b string) error {
	if err := m.check("exchange", a); err != nil {
		return &os.LinkError{Op: "exchange", Old: a, New: b, Err: err}
	}
	if m != nil && m.noExchange {
		return &os.LinkError{Op: "exchange", Old: a, New: b, Err: syscall.ENOSYS}
	}
	return exchangeDirs(a, b)
}

func (m *mover) mkdir(dir string) error {
	if err := m.check("mkdir", dir); err != nil {
		return &os.PathError{Op: "mkdir", Path: dir, Err: err}
	}
	return os.Mkdir(dir, 0o755)
}

func (m *mover) copyTree(from, to string) error {
	if err := m.check("copy", from); err != nil {
		return &os.PathError{Op: "copy", Path: from, Err: err}
	}
	return copyTree(from, to)
}

// exchangeUnsupported reports whether err says the kernel or the file
// system cannot exchange two entries atomically.
func exchangeUnsupported(err error) bool {
	return errors.Is(err, syscall.ENOSYS) || errors.Is(err, syscall.EINVAL) || errors.Is(err, errors.ErrUnsupported)
}

// crossDevice reports whether err is a rename refused because the two
// paths lie on different file systems (or mounts).
func crossDevice(err error) bool { return errors.Is(err, syscall.EXDEV) }

var siblingSeq atomic.Uint64

// sibling returns an unused name in the directory of path, hidden (it
// starts with a dot, so it is neither a valid format nor a valid record ID
// and every scan ignores it).
func sibling(path, kind string) string {
	n := siblingSeq.Add(1)
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".mirror-"+kind+"-"+strconv.Itoa(os.Getpid())+"-"+strconv.FormatUint(n, 10))
}

// swapTxn changes a set of entries of the trees so that either all changes
// are applied or, after rollback, none is: each step records how to undo
// it, and old copies are deleted only on commit.
type swapTxn struct {
	m     *mover
	undo  []func() error
	trash []string
}

func (t *swapTxn) done(undo func() error) { t.undo = append(t.undo, undo) }

// mkdirAll creates dir and its missing parents; rollback removes what it
// created. A parent that exists but is not a directory fails it.
func (t *swapTxn) mkdirAll(dir string) error {
	fi, err := os.Stat(dir)
	if err == nil {
		if !fi.IsDir() {
			return &os.PathError{Op: "mkdir", Path: dir, Err: syscall.ENOTDIR}
		}
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if parent := filepath.Dir(dir); parent != dir {
		if err := t.mkdirAll(parent); err != nil {
			return err
		}
	}
	if err := t.m.mkdir(dir); err != nil {
		if fi, serr := os.Stat(dir); errors.Is(err, fs.ErrExist) && serr == nil && fi.IsDir() {
			return nil // made meanwhile by a concurrent install: not ours to undo
		}
		return err
	}
	t.done(func() error {
		// A concurrent install may have put its recording in meanwhile;
		// then the directory stays.
		if err := os.Remove(dir); err != nil && !errors.Is(err, syscall.ENOTEMPTY) && !errors.Is(err, fs.ErrExist) {
			return err
		}
		return nil
	})
	return nil
}

// moveIn brings the staged directory from to the path to, which must not
// exist yet: a rename, or a copy when the two lie on different file
// systems. Rollback removes to.
func (t *swapTxn) moveIn(from, to string) error {
	err := t.m.rename(from, to)
	if err != nil && crossDevice(err) {
		err = t.m.copyTree(from, to)
		if err != nil {
			os.RemoveAll(to)
		}
	}
	if err != nil {
		return err
	}
	t.done(func() error { return os.RemoveAll(to) })
	return nil
}

// install puts the directory staged at final. When final exists the two
// are exchanged in one atomic step where the kernel offers it (a reader
// sees the old or the new copy, never neither), otherwise final is renamed
// aside and staged renamed into place. The old copy is deleted on commit.
// staged must be in the same file system as final.
func (t *swapTxn) install(staged, final string) error {
	if _, err := os.Lstat(final); err != nil {
		if !absent(err) {
			return err
		}
		if err := t.m.rename(staged, final); err != nil {
			return err
		}
		t.done(func() error { return os.Rename(final, staged) })
		return nil
	}
	err := t.m.exchange(staged, final)
	if err == nil {
		t.done(func() error { return exchangeDirs(staged, final) })
		t.trash = append(t.trash, staged)
		return nil
	}
	if !exchangeUnsupported(err) {
		return err
	}
	aside := staged + ".old"
	if err := t.m.rename(final, aside); err != nil {
		return err
	}
	t.done(func() error { return os.Rename(aside, final) })
	if err := t.m.rename(staged, final); err != nil {
		return err
	}
	t.done(func() error { return os.Rename(final, staged) })
	t.trash = append(t.trash, aside)
	return nil
}

// remove renames final to a hidden sibling, deleted on commit.
func (t *swapTxn) remove(final string) error {
	trash := sibling(final, "old")
	if err := t.m.rename(final, trash); err != nil {
		return err
	}
	t.done(func() error { return os.Rename(trash, final) })
	t.trash = append(t.trash, trash)
	return nil
}

// rollback undoes every applied step, last first.
func (t *swapTxn) rollback() error {
	var errs []error
	for i := len(t.undo) - 1; i >= 0; i-- {
		if err := t.undo[i](); err != nil {
			errs = append(errs, err)
		}
	}
	t.undo, t.trash = nil, nil
	if len(errs) > 0 {
		return fmt.Errorf("mirror: undo: %w", errors.Join(errs...))
	}
	return nil
}

// commit deletes the old copies. The change itself is already complete;
// an old copy that cannot be deleted stays under its hidden name.
func (t *swapTxn) commit() {
	for _, p := range t.trash {
		os.RemoveAll(p)
	}
	t.undo, t.trash = nil, nil
}

// absent reports whether err says nothing is at a path (also when a parent
// is not a directory).
func absent(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

// copyTree copies the directories and regular files under from to to,
// which must not exist, keeping modes and modification times. It is used
// only for trees this package extracted itself.
func copyTree(from, to string) error {
	var dirs []string
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, p)
		if err != nil {
			return err
		}
		dst := filepath.Join(to, rel)
		switch {
		case d.IsDir():
			if err := os.Mkdir(dst, 0o755); err != nil {
				return err
			}
			dirs = append(dirs, p)
			return nil
		case d.Type().IsRegular():
			return copyRegular(p, dst)
		default:
			return &UnsafeError{Name: rel, Reason: "not a regular file or directory"}
		}
	})
	if err != nil {
		return err
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		if fi, err := os.Stat(dirs[i]); err == nil {
			rel, _ := filepath.Rel(from, dirs[i])
			os.Chtimes(filepath.Join(to, rel), fi.ModTime(), fi.ModTime())
		}
	}
	return nil
}

func copyRegular(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fi.Mode().Perm())
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Chtimes(to, fi.ModTime(), fi.ModTime())
}
