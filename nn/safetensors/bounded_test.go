package safetensors

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// sparse writes a file of size bytes that starts with prefix and is zeros
// after it, without writing the zeros (a hole costs no disk).
func sparse(t *testing.T, path string, prefix []byte, size int64) {
	t.Helper()
	if err := os.WriteFile(path, prefix, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, size); err != nil {
		t.Fatal(err)
	}
}

// allocated returns the bytes fn allocates on the heap, measured.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestReadFileBoundedMemory: a large file whose header is wrong is refused
// after reading the header, not the file: what ReadFile allocates, measured,
// stays under 1 MiB for a 1 GiB file (before, it read the whole file first).
// A header length the file cannot hold allocates nothing for the header.
func TestReadFileBoundedMemory(t *testing.T) {
	dir := t.TempDir()
	const size = 1 << 30
	hdr := `{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`
	for i, tc := range []struct {
		name   string
		prefix []byte
		want   string
	}{
		{"zeros", nil, "header is not a JSON object"},
		{"header length over the limit", binary.LittleEndian.AppendUint64(nil, 1<<62), "exceeds the limit"},
		{"header at the limit", binary.LittleEndian.AppendUint64(nil, MaxHeaderSize), "header is not"},
		{"tensors not covering the data", append(binary.LittleEndian.AppendUint64(nil, uint64(len(hdr))), hdr...), "belong to no tensor"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name+".safetensors")
			sparse(t, path, tc.prefix, size)
			var err error
			n := allocated(func() { _, err = ReadFile(path) })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%d: error %v, want one containing %q", i, err, tc.want)
			}
			limit := uint64(1 << 20)
			if tc.name == "header at the limit" {
				limit += MaxHeaderSize // the header is read: the file holds it
			}
			if n > limit {
				t.Errorf("%d: ReadFile allocated %d bytes for a %d-byte file, want at most %d", i, n, size, limit)
			}
		})
	}
}

// TestReadFileTensorsMemory: a valid file costs its tensors, once (before,
// the file's bytes were held besides the tensors).
func TestReadFileTensorsMemory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.safetensors")
	const values = 4 << 20
	if err := WriteFile(path, []Tensor{{Name: "w", Shape: []int{values}, Data: make([]float32, values)}}, nil); err != nil {
		t.Fatal(err)
	}
	var f *File
	var err error
	n := allocated(func() { f, err = ReadFile(path) })
	if err != nil || len(f.Tensors) != 1 {
		t.Fatal(err)
	}
	if want := uint64(4*values + 1<<20); n > want {
		t.Errorf("ReadFile allocated %d bytes for %d bytes of tensors, want at most %d", n, 4*values, want)
	}
}

// TestReadFileNotRegular: a FIFO or a device is refused before it is opened
// for reading, naming it; ReadFile does not block on a FIFO with no writer,
// nor read /dev/zero for ever.
func TestReadFileNotRegular(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "m.safetensors")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	for i, path := range []string{fifo, "/dev/zero"} {
		done := make(chan error, 1)
		go func() { _, err := ReadFile(path); done <- err }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "not a regular file") {
				t.Errorf("%d: error %v, want one naming %s, not a regular file", i, err, path)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%d: ReadFile(%s) blocked for 5 s", i, path)
		}
	}
}

// TestWriteRefusesWhatReadRefuses: a header over the limit Read applies is
// refused on write, before the file is touched; one at the limit reads back.
func TestWriteRefusesWhatReadRefuses(t *testing.T) {
	defer func(old int64) { maxHeaderSize = old }(maxHeaderSize)
	maxHeaderSize = 1000
	tensors := []Tensor{{Name: "w", Shape: []int{1}, Data: []float32{1}}}
	for i, tc := range []struct {
		name  string
		value int // bytes of the metadata value
		ok    bool
	}{
		{"under the limit", 800, true},
		{"over the limit", 1000, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path, old := oldFile(t, t.TempDir())
			err := WriteFile(path, tensors, map[string]string{"class_names": strings.Repeat("x", tc.value)})
			if !tc.ok {
				if err == nil || !strings.Contains(err.Error(), "over the limit of 1000") {
					t.Errorf("%d: error %v, want the header limit", i, err)
				}
				checkIntact(t, i, path, old)
				return
			}
			if err != nil {
				t.Fatalf("%d: %v", i, err)
			}
			if _, err := ReadFile(path); err != nil {
				t.Errorf("%d: written, then refused: %v", i, err)
			}
		})
	}
}

// TestReadErrorsQuoteShortly: a header whose names, keys, dimensions,
// offsets, dtypes or unknown fields are megabytes long is refused with a
// message that quotes a short excerpt of them (before, the whole value).
func TestReadErrorsQuoteShortly(t *testing.T) {
	long := strings.Repeat("A", 1<<20)
	entry := `{"dtype":"F32","shape":[1],"data_offsets":[0,4]}`
	for i, tc := range []struct{ name, header, want string }{
		{"name", `{"` + long + `":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`, "span"},
		{"dimension", `{"t":{"dtype":"F32","shape":["` + long + `"],"data_offsets":[0,4]}}`, "dimension"},
		{"offset", `{"t":{"dtype":"F32","shape":[1],"data_offsets":["` + long + `",4]}}`, "data offset"},
		{"dtype", `{"t":{"dtype":"` + long + `","shape":[1],"data_offsets":[0,4]}}`, "dtype"},
		{"unknown field", `{"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"` + long + `":1}}`, "unknown field"},
		{"repeated key", `{"` + long + `":` + entry + `,"` + long + `":` + entry + `}`, "twice"},
		{"invalid JSON", `{"` + long + `":}`, "invalid JSON"},
		{"metadata", `{"__metadata__":{"` + long + `":1},"t":` + entry + `}`, "not a string"},
		{"overlap", `{"` + long + `":` + entry + `,"` + long + `B":` + entry + `}`, "overlap"},
	} {
		hdr := []byte(tc.header)
		file := binary.LittleEndian.AppendUint64(nil, uint64(len(hdr)))
		file = append(append(file, hdr...), make([]byte, 4)...)
		_, err := Read(file)
		switch {
		case err == nil:
			t.Errorf("%d: %s: no error", i, tc.name)
		case !strings.Contains(err.Error(), tc.want) || len(err.Error()) > 300:
			t.Errorf("%d: %s: error of %d bytes %.300q, want one under 300 bytes containing %q", i, tc.name, len(err.Error()), err, tc.want)
		}
	}
}
