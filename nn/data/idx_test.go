package data

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestIDXRoundTrip(t *testing.T) {
	for i, tc := range []struct {
		name string
		dims []int
	}{
		{"images", []int{3, 2, 4}},
		{"labels", []int{5}},
		{"scalar", nil},
		{"empty", []int{0, 28, 28}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := 1
			for _, d := range tc.dims {
				n *= d
			}
			data := make([]byte, n)
			for k := range data {
				data[k] = byte(7*k + 1)
			}
			var b bytes.Buffer
			if err := WriteIDX(&b, tc.dims, data); err != nil {
				t.Fatalf("%d: %v", i, err)
			}
			if got, want := b.Len(), 4+4*len(tc.dims)+n; got != want {
				t.Errorf("%d: file is %d bytes, want %d", i, got, want)
			}
			dims, got, err := ReadIDX(&b)
			if err != nil {
				t.Fatalf("%d: %v", i, err)
			}
			if !slices.Equal(dims, tc.dims) || !bytes.Equal(got, data) {
				t.Errorf("%d: read %v %v, want %v %v", i, dims, got, tc.dims, data)
			}
		})
	}
}

// TestIDXExactBytes checks a hand-written file: magic 0x00000801 (unsigned
// bytes, one dimension), size 3 big-endian, then the three bytes.
func TestIDXExactBytes(t *testing.T) {
	file := []byte{0, 0, 8, 1, 0, 0, 0, 3, 9, 8, 7}
	dims, data, err := ReadIDX(bytes.NewReader(file))
	if err != nil || !slices.Equal(dims, []int{3}) || !bytes.Equal(data, []byte{9, 8, 7}) {
		t.Errorf("ReadIDX = %v %v %v, want [3] [9 8 7]", dims, data, err)
	}
	var b bytes.Buffer
	if err := WriteIDX(&b, []int{3}, []byte{9, 8, 7}); err != nil || !bytes.Equal(b.Bytes(), file) {
		t.Errorf("WriteIDX = %v %v, want %v", b.Bytes(), err, file)
	}
}

func TestReadIDXErrors(t *testing.T) {
	for i, tc := range []struct {
		name string
		file []byte
		want string
	}{
		{"empty", nil, "idx: reading the magic number: unexpected EOF"},
		{"short magic", []byte{0, 0}, "unexpected EOF"},
		{"not IDX", []byte{0x1f, 0x8b, 8, 0}, "magic number 0x1f8b0800 does not start with two zero bytes"},
		{"floats", []byte{0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0}, "element type 0x0d is not supported"},
		{"short dims", []byte{0, 0, 8, 3, 0, 0, 0, 1, 0}, "reading 3 dimensions: unexpected EOF"},
		{"truncated data", []byte{0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3}, "idx: truncated: header says 2×3 (18 bytes), file has 15"},
		{"trailing data", []byte{0, 0, 8, 1, 0, 0, 0, 1, 5, 6}, "data continues past the 1 bytes the header announces"},
		{"absurd size", []byte{0, 0, 8, 3, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1}, "dimensions 65536×65536 announce more than 1073741824 bytes"},
		{"absurd dimension", []byte{0, 0, 8, 1, 0xff, 0xff, 0xff, 0xff}, "dimensions 4294967295 announce more than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ReadIDX(bytes.NewReader(tc.file))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%d: error %v, want one containing %q", i, err, tc.want)
			}
		})
	}
}

// TestReadIDXLyingHeader checks that a header announcing a gigabyte costs only
// the bytes actually there.
func TestReadIDXLyingHeader(t *testing.T) {
	file := []byte{0, 0, 8, 3, 0, 0, 0x03, 0xe8, 0, 0, 0x03, 0xe8, 0, 0, 0x03, 0xe8, 1, 2, 3} // 1000×1000×1000
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _, err := ReadIDX(bytes.NewReader(file))
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "truncated: header says 1000×1000×1000 (1000000016 bytes), file has 19") {
		t.Errorf("error %v", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
		t.Errorf("reading a 19-byte file allocated %d bytes", grew)
	}
}

func TestWriteIDXErrors(t *testing.T) {
	for i, tc := range []struct {
		dims []int
		data []byte
		want string
	}{
		{[]int{2, 2}, []byte{1, 2, 3}, "3 bytes of data for dimensions 2×2 (4)"},
		{[]int{-1}, nil, "dimension -1 outside"},
		{[]int{1 << 32}, nil, "dimension 4294967296 outside"},
		{make([]int, 256), nil, "256 dimensions"},
		{[]int{1<<31 - 1, 1<<31 - 1, 1<<31 - 1}, nil, "overflow"},
	} {
		if err := WriteIDX(&bytes.Buffer{}, tc.dims, tc.data); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%d: error %v, want one containing %q", i, err, tc.want)
		}
	}
}

// FuzzReadIDX checks that ReadIDX never panics, never allocates beyond the
// input, and that what it accepts writes back to the same bytes. Seeds live
// in testdata/fuzz/FuzzReadIDX.
func FuzzReadIDX(f *testing.F) {
	f.Fuzz(func(t *testing.T, file []byte) {
		dims, data, err := ReadIDX(bytes.NewReader(file))
		if err != nil {
			return
		}
		var b bytes.Buffer
		if err := WriteIDX(&b, dims, data); err != nil {
			t.Fatalf("writing back %v: %v", dims, err)
		}
		if !bytes.Equal(b.Bytes(), file) {
			t.Fatalf("round trip changed the file:\n got %q\nwant %q", b.Bytes(), file)
		}
	})
}

// TestFuzzSeedsIDX checks the seed corpus itself: the files named valid_*
// read without error and every other one is rejected.
func TestFuzzSeedsIDX(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzReadIDX")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range entries {
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitN(strings.TrimSpace(string(raw)), "\n", 2)
		lit, ok := strings.CutPrefix(lines[len(lines)-1], "[]byte(")
		lit, ok2 := strings.CutSuffix(lit, ")")
		file, err := strconv.Unquote(lit)
		if len(lines) != 2 || lines[0] != "go test fuzz v1" || !ok || !ok2 || err != nil {
			t.Fatalf("%d: %s: not a one-[]byte corpus file", i, e.Name())
		}
		_, _, err = ReadIDX(strings.NewReader(file))
		if valid := strings.HasPrefix(e.Name(), "valid_"); valid != (err == nil) {
			t.Errorf("%d: %s: ReadIDX error %v, want valid=%v", i, e.Name(), err, valid)
		}
	}
}
