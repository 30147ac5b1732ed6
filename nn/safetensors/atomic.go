package safetensors

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// WriteFile writes tensors and metadata to path in the safetensors format (see
// Write), atomically: it writes a temporary file in path's directory, syncs
// and closes it, renames it over path and syncs the directory. On an error
// before the rename the temporary file is removed and a file already at path
// is left as it was; if only the final sync of the directory fails, the new
// file is in place (and whole) but the rename may not survive a crash, and
// the error says so. The new file keeps the permissions of the one it
// replaces, or gets 0644.
func WriteFile(path string, tensors []Tensor, metadata map[string]string) error {
	l, err := plan(tensors, metadata)
	if err != nil {
		return fmt.Errorf("safetensors: %s: %w", path, err)
	}
	if err := writeAtomic(path, l.writeTo); err != nil {
		return fmt.Errorf("safetensors: %s: %w", path, err)
	}
	return nil
}

// writeAtomic replaces path by what fill writes, through a temporary file in
// the same directory (a rename is atomic only within one file system).
func writeAtomic(path string, fill func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	mode := fs.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("not a regular file (%v)", fi.Mode().Type())
		}
		mode = fi.Mode().Perm()
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
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
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("written, but the rename may not survive a crash: %w", err)
	}
	return nil
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
