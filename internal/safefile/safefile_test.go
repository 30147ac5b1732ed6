package safefile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestOpenRefusesNonRegular: a FIFO, a device, a directory and a link to a
// device are refused, naming the path, without blocking (opening a FIFO for
// reading blocks until a writer comes); a regular file opens with its size.
func TestOpenRefusesNonRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.csv")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	link := filepath.Join(dir, "zero.csv")
	if err := os.Symlink("/dev/zero", link); err != nil {
		t.Fatal(err)
	}
	regular := filepath.Join(dir, "ok.csv")
	if err := os.WriteFile(regular, []byte("1,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for i, tc := range []struct {
		path, want string
	}{
		{fifo, "a FIFO (named pipe): not a regular file"},
		{"/dev/zero", "a character device: not a regular file"},
		{link, "a character device: not a regular file"},
		{dir, "a directory: not a regular file"},
		{filepath.Join(dir, "missing"), "no such file"},
		{regular, ""},
	} {
		done := make(chan error, 1)
		go func() {
			f, size, err := Open(tc.path)
			if err == nil {
				f.Close()
				if size != 4 {
					err = errors.New("wrong size")
				}
			}
			done <- err
		}()
		select {
		case err := <-done:
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("%d: %s: %v", i, tc.path, err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.path)):
				t.Errorf("%d: error %v, want one naming %s and containing %q", i, err, tc.path, tc.want)
			case tc.want != "" && strings.Contains(tc.want, "regular") && !errors.Is(err, ErrNotRegular):
				t.Errorf("%d: error %v does not wrap ErrNotRegular", i, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%d: Open(%s) blocked for 5 s", i, tc.path)
		}
	}
}

// TestWriteAtomicRemovesStale: the temporary files of killed saves to the
// target (no lock: the kernel drops a dead process's locks), including the
// names earlier versions used, are removed; one that a save in progress
// holds a lock on, and files of other targets, are kept.
func TestWriteAtomicRemovesStale(t *testing.T) {
	if !canLock {
		t.Skip("no file locks here: stale files are kept")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	prefix := tempPrefix(path)
	create := func(name string) *os.File {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(f, "partial")
		return f
	}
	for _, name := range []string{prefix + "123.tmp", prefix + "9.tmp", ".m.safetensors.4711.tmp", // stale
		tempPrefix(filepath.Join(dir, "other")) + "1.tmp", ".m.safetensors.x.tmp", "m.safetensors.1.tmp", "notes.txt"} { // not ours
		create(name).Close()
	}
	held := create(prefix + "inflight.tmp")
	defer held.Close()
	lock(held)
	if err := WriteAtomic(path, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	want := []string{prefix + "inflight.tmp", tempPrefix(filepath.Join(dir, "other")) + "1.tmp", ".m.safetensors.x.tmp",
		"m.safetensors", "m.safetensors.1.tmp", "notes.txt"}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("directory after the save:\n got %q\nwant %q", got, want)
	}
}

// TestWriteAtomicLongName: a target whose name is at the file system's limit
// (255 bytes) saves; the temporary name does not grow with it.
func TestWriteAtomicLongName(t *testing.T) {
	dir := t.TempDir()
	for i, n := range []int{200, 240, 255} {
		path := filepath.Join(dir, strings.Repeat("m", n-len(".safetensors"))+".safetensors")
		if err := WriteAtomic(path, func(w io.Writer) error { _, err := io.WriteString(w, "x"); return err }); err != nil {
			t.Errorf("%d: a %d-byte name: %v", i, n, err)
		}
	}
	if l := len(tempPrefix("x")) + 10 + len(".tmp"); l > 40 {
		t.Errorf("temporary names are about %d bytes, want at most 40", l)
	}
}

// TestWriteAtomicConcurrent: saves to one target at the same time all
// succeed: the stale-file cleanup of one never removes the temporary file of
// another that is still to be renamed.
func TestWriteAtomicConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.safetensors")
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			var err error
			for i := 0; i < 100 && err == nil; i++ {
				err = WriteAtomic(path, func(w io.Writer) error { _, err := io.WriteString(w, "data"); return err })
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestWriteAtomicNamesPath: a target that is a directory or a device, or in
// a missing folder, is refused with an error naming the path asked for (not
// a temporary file) and saying what it is, not a mode string.
func TestWriteAtomicNamesPath(t *testing.T) {
	dir := t.TempDir()
	fill := func(w io.Writer) error { _, err := io.WriteString(w, "x"); return err }
	for i, tc := range []struct{ path, want string }{
		{dir, dir + ": a directory: not a regular file"},
		{"/dev/null", "/dev/null: a character device: not a regular file"},
		{filepath.Join(dir, "missing", "f"), filepath.Join(dir, "missing", "f") + ": no such file or directory"},
	} {
		err := WriteAtomic(tc.path, fill)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), ".gltrain-") {
			t.Errorf("%d: error %v, want one containing %q", i, err, tc.want)
		}
	}
}
