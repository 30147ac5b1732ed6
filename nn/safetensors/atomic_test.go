package safetensors

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var errDiskFull = errors.New("no space left on device (simulated)")

// oldFile writes a valid file at dir/model.safetensors and returns its path
// and bytes.
func oldFile(t *testing.T, dir string) (string, []byte) {
	t.Helper()
	path := filepath.Join(dir, "model.safetensors")
	if err := WriteFile(path, []Tensor{{Name: "old", Shape: []int{1}, Data: []float32{42}}}, map[string]string{"v": "1"}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, b
}

// checkIntact asserts that dir holds only the file at path, with content want.
func checkIntact(t *testing.T, i int, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil || string(got) != string(want) {
		t.Errorf("%d: previous file changed (err %v)", i, err)
	}
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("%d: directory holds %v, want only %s (temporary file left behind?)", i, names, filepath.Base(path))
	}
}

// TestWriteFileFailureKeepsOld checks that a failed write, early or midway,
// leaves the previous file intact and no temporary file behind.
func TestWriteFileFailureKeepsOld(t *testing.T) {
	for i, tc := range []struct {
		name  string
		write func(path string) error
		want  string
	}{
		{"invalid tensor", func(path string) error {
			return WriteFile(path, []Tensor{
				{Name: "a", Shape: []int{2}, Data: []float32{1, 2}},
				{Name: "z", Shape: []int{3}, Data: []float32{1}}, // found invalid after "a" checked
			}, nil)
		}, `tensor "z": shape [3] holds 3 values, data has 1`},
		{"failure mid-data", func(path string) error {
			return writeAtomic(path, func(w io.Writer) error {
				if _, err := io.WriteString(w, "partial header and data"); err != nil {
					return err
				}
				return errDiskFull
			})
		}, errDiskFull.Error()},
		{"failure before any byte", func(path string) error {
			return writeAtomic(path, func(io.Writer) error { return errDiskFull })
		}, errDiskFull.Error()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path, old := oldFile(t, t.TempDir())
			err := tc.write(path)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%d: error %v, want one containing %q", i, err, tc.want)
			}
			checkIntact(t, i, path, old)
		})
	}
}

// TestWriteFileReplaces checks that a successful write replaces the file,
// keeps its permissions and leaves nothing else in the directory.
func TestWriteFileReplaces(t *testing.T) {
	path, _ := oldFile(t, t.TempDir())
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []Tensor{{Name: "new", Shape: []int{2}, Data: []float32{1, 2}}}, nil); err != nil {
		t.Fatal(err)
	}
	f, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := f.Lookup("new"); !ok || len(f.Tensors) != 1 || f.Metadata != nil {
		t.Errorf("read back %+v, want only tensor \"new\" and no metadata", f)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600 kept from the replaced file", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want 1", len(entries))
	}
}

// TestWriteFileBadPath checks the errors of paths that cannot be written.
func TestWriteFileBadPath(t *testing.T) {
	dir := t.TempDir()
	tensors := []Tensor{{Name: "w", Shape: []int{1}, Data: []float32{1}}}
	for i, tc := range []struct {
		name string
		path string
		want string
	}{
		{"missing directory", filepath.Join(dir, "no", "such", "dir", "m.safetensors"), "no such file or directory"},
		{"path is a directory", dir, "not a regular file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := WriteFile(tc.path, tensors, nil)
			if err == nil || !strings.Contains(err.Error(), tc.path) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%d: error %v, want one naming %s and containing %q", i, err, tc.path, tc.want)
			}
		})
	}
}

// TestWriteFileReadOnlyDir checks that a directory that refuses new files
// leaves the previous file intact. Root ignores permissions, so it skips.
func TestWriteFileReadOnlyDir(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root: directory permissions are not enforced")
	}
	dir := t.TempDir()
	path, old := oldFile(t, dir)
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o755)
	if err := WriteFile(path, []Tensor{{Name: "w", Shape: []int{1}, Data: []float32{1}}}, nil); err == nil {
		t.Fatal("write into a read-only directory succeeded")
	}
	checkIntact(t, 0, path, old)
}

// TestReadFileErrors checks that ReadFile names the file.
func TestReadFileErrors(t *testing.T) {
	dir := t.TempDir()
	short := filepath.Join(dir, "short.safetensors")
	if err := os.WriteFile(short, []byte{1, 2}, 0o644); err != nil {
		t.Fatal(err)
	}
	for i, tc := range []struct {
		path, want string
	}{
		{short, short + ": file is 2 bytes"},
		{filepath.Join(dir, "missing.safetensors"), "missing.safetensors: no such file"},
	} {
		_, err := ReadFile(tc.path)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%d: error %v, want one containing %q", i, err, tc.want)
		}
	}
}
