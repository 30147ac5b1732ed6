package safefile

import (
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// WriteAtomic replaces path by what fill writes, atomically: it writes a
// temporary file in path's directory (a rename is atomic only within one
// file system), syncs and closes it, renames it over path and syncs the
// directory. On an error before the rename the temporary file is removed and
// a file already at path is left as it was; if only the final sync of the
// directory fails, the new file is in place (and whole) but the rename may
// not survive a crash, and the error says so. The new file keeps the
// permissions of the one it replaces, or gets 0644. A path that exists but is
// not a regular file is refused.
//
// Before writing, it removes the temporary files that saves to the same
// target left behind when they were killed (see tempPrefix); a save in
// progress holds a lock on its temporary file, which keeps it.
func WriteAtomic(path string, fill func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	mode := fs.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		if !fi.Mode().IsRegular() {
			kind := Kind(fi.Mode())
			if kind == "" {
				kind = fmt.Sprintf("of type %v", fi.Mode().Type())
			}
			return &os.PathError{Op: "write", Path: path, Err: fmt.Errorf("%s: %w", kind, ErrNotRegular)}
		}
		mode = fi.Mode().Perm()
	}
	RemoveStale(path)
	tmp, err := createLocked(dir, tempPrefix(path)+"*.tmp")
	if err != nil {
		// Named by the path asked for, not the temporary file's pattern.
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return &os.PathError{Op: "write", Path: path, Err: err}
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := fill(tmp); err != nil {
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if canLock {
		// Renamed while still locked: once closed, the temporary file would
		// look stale to a concurrent save's RemoveStale.
		if err := os.Rename(tmp.Name(), path); err != nil {
			return err
		}
		if err := tmp.Close(); err != nil {
			return err
		}
	} else {
		if err := tmp.Close(); err != nil {
			return err
		}
		if err := os.Rename(tmp.Name(), path); err != nil {
			return err
		}
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("written, but the rename may not survive a crash: %w", err)
	}
	return nil
}

// createLocked creates a temporary file in dir, named after pattern as
// os.CreateTemp does, and locks it (the lock is released by Close, or by
// the kernel if the process dies). A concurrent save's RemoveStale can take
// the file for a stale one between its creation and the lock, and remove
// it; then it tries again.
func createLocked(dir, pattern string) (*os.File, error) {
	for try := 0; ; try++ {
		f, err := os.CreateTemp(dir, pattern)
		if err != nil {
			return nil, err
		}
		if !canLock || try == 10 {
			lock(f)
			return f, nil
		}
		if tryLock(f) {
			fi, err1 := f.Stat()
			at, err2 := os.Lstat(f.Name())
			if err1 != nil || err2 == nil && os.SameFile(fi, at) {
				return f, nil
			}
		}
		f.Close() // removed, or about to be, by the RemoveStale that holds it
	}
}

// tempPrefix returns the start of the names of path's temporary files:
// ".gltrain-" and a hash of the base name. The name does not embed the base
// name, so that a target whose name is near the file system's limit
// (NAME_MAX, 255 bytes on Linux) still gets a temporary file: the whole
// temporary name is about 35 bytes.
func tempPrefix(path string) string {
	h := fnv.New32a()
	io.WriteString(h, filepath.Base(path))
	return fmt.Sprintf(".gltrain-%08x-", h.Sum32())
}

// RemoveStale removes the temporary files of path that no save holds a lock
// on: those of saves that were killed before they could clean up. It also
// removes the ".NAME.<digits>.tmp" files of earlier gltrain versions, which
// took no lock. Where locks are not supported it removes nothing. Errors are
// ignored: a file left behind is no worse than before.
func RemoveStale(path string) {
	if !canLock {
		return
	}
	dir, base := filepath.Dir(path), filepath.Base(path)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	prefix := tempPrefix(path)
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || !(isOurs(name, prefix) || isLegacy(name, base)) {
			continue
		}
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_RDWR, 0)
		if err != nil {
			continue
		}
		if tryLock(f) {
			os.Remove(f.Name())
		}
		f.Close()
	}
}

// isOurs reports whether name is a temporary file with the given prefix.
func isOurs(name, prefix string) bool {
	return strings.HasPrefix(name, prefix) && strings.HasSuffix(name, ".tmp")
}

// isLegacy reports whether name is ".BASE.<digits>.tmp", the temporary file
// of base that earlier versions wrote.
func isLegacy(name, base string) bool {
	mid, ok := strings.CutPrefix(name, "."+base+".")
	if !ok {
		return false
	}
	mid, ok = strings.CutSuffix(mid, ".tmp")
	return ok && mid != "" && strings.Trim(mid, "0123456789") == ""
}

// syncDir flushes dir's entries to disk, so that the rename survives a crash.
// Windows cannot open a directory for syncing; there it does nothing.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("syncing directory %s: %w", dir, err)
	}
	return nil
}
