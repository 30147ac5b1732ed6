package safetensors

import (
	"bytes"
	"encoding/binary"
	"math"
	"strings"
	"testing"
)

// TestWriteExactBytes checks every byte of two small files against the
// layout worked out by hand from the format description.
func TestWriteExactBytes(t *testing.T) {
	data := []byte{
		0x00, 0x00, 0x80, 0x3f, // 1.0 = 0x3f800000, little-endian
		0x00, 0x00, 0x00, 0x40, // 2.0 = 0x40000000
		0x00, 0x00, 0x40, 0x40, // 3.0 = 0x40400000
		0x00, 0x00, 0x80, 0x40, // 4.0 = 0x40800000
	}
	w := []Tensor{{Name: "w", Shape: []int{2, 2}, Data: []float32{1, 2, 3, 4}}}
	for i, tc := range []struct {
		name   string
		meta   map[string]string
		length []byte // the 8-byte header length
		header string // JSON and padding
	}{
		// 88 bytes of JSON: 8+88 = 96 is a multiple of 8 already, no padding.
		{"with metadata", map[string]string{"format": "pt"}, []byte{88, 0, 0, 0, 0, 0, 0, 0},
			`{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}`},
		// 57 bytes of JSON, padded with 7 spaces to 64.
		{"without metadata", nil, []byte{64, 0, 0, 0, 0, 0, 0, 0},
			`{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}` + "       "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Write(&b, w, tc.meta); err != nil {
				t.Fatalf("%d: %v", i, err)
			}
			want := append(append(append([]byte{}, tc.length...), tc.header...), data...)
			if got := b.Bytes(); !bytes.Equal(got, want) {
				t.Errorf("%d: Write bytes:\n got %q\nwant %q", i, got, want)
			}
		})
	}
}

// TestWriteHeaderLayout checks the order of keys, the padding and the offsets
// for several tensor sets.
func TestWriteHeaderLayout(t *testing.T) {
	for i, tc := range []struct {
		name    string
		tensors []Tensor
		meta    map[string]string
		json    string // header before padding
	}{
		{"empty", nil, nil, `{}`},
		{"empty metadata is omitted", []Tensor{{Name: "s", Shape: []int{}, Data: []float32{5}}}, map[string]string{},
			`{"s":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}`},
		{"sorted by name", []Tensor{
			{Name: "b", Shape: []int{1}, Data: []float32{1}},
			{Name: "a", Shape: []int{0, 3}, Data: nil},
			{Name: "c", Shape: []int{2}, Data: []float32{1, 2}},
		}, nil,
			`{"a":{"dtype":"F32","shape":[0,3],"data_offsets":[0,0]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"c":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`},
		{"metadata keys sorted, no HTML escaping", nil, map[string]string{"z": "<1>", "a": "é\"q"},
			`{"__metadata__":{"a":"é\"q","z":"<1>"}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Write(&b, tc.tensors, tc.meta); err != nil {
				t.Fatalf("%d: %v", i, err)
			}
			n := binary.LittleEndian.Uint64(b.Bytes())
			if (8+n)%8 != 0 {
				t.Errorf("%d: header length %d: data not aligned to 8 bytes", i, n)
			}
			hdr := string(b.Bytes()[8 : 8+n])
			if got := strings.TrimRight(hdr, " "); got != tc.json {
				t.Errorf("%d: header\n got %s\nwant %s", i, got, tc.json)
			}
			if pad := len(hdr) - len(tc.json); pad < 0 || pad > 7 {
				t.Errorf("%d: %d bytes of padding, want 0 to 7", i, pad)
			}
		})
	}
}

// TestRoundTrip writes and reads back tensors of assorted shapes and values,
// comparing bit patterns (NaN payloads included).
func TestRoundTrip(t *testing.T) {
	nan := math.Float32frombits(0x7fc00123)
	tensors := []Tensor{
		{Name: "layer1.weight", Shape: []int{3, 2}, Data: []float32{1, -2, 3.5, float32(math.Inf(1)), nan, -0.0}},
		{Name: "layer1.bias", Shape: []int{2}, Data: []float32{0.25, math.MaxFloat32}},
		{Name: "scalar", Shape: []int{}, Data: []float32{math.SmallestNonzeroFloat32}},
		{Name: "empty", Shape: []int{4, 0}, Data: []float32{}},
		{Name: "ünïcode ✓", Shape: []int{1, 1, 1}, Data: []float32{7}},
	}
	meta := map[string]string{"step": "1200", "format": "pt", "note": "line\nbreak"}
	var b bytes.Buffer
	if err := Write(&b, tensors, meta); err != nil {
		t.Fatal(err)
	}
	f, err := Read(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Tensors) != len(tensors) {
		t.Fatalf("read %d tensors, want %d", len(f.Tensors), len(tensors))
	}
	for i, want := range tensors {
		got, ok := f.Lookup(want.Name)
		if !ok {
			t.Errorf("%d: tensor %q missing", i, want.Name)
			continue
		}
		if !equalTensors(got, want) {
			t.Errorf("%d: got %+v, want %+v", i, got, want)
		}
	}
	if len(f.Metadata) != len(meta) {
		t.Errorf("metadata %v, want %v", f.Metadata, meta)
	}
	for k, v := range meta {
		if f.Metadata[k] != v {
			t.Errorf("metadata %q = %q, want %q", k, f.Metadata[k], v)
		}
	}
	if _, ok := f.Lookup("absent"); ok {
		t.Errorf("Lookup(absent) found a tensor")
	}
}

// equalTensors compares names, shapes and bit patterns; a nil and an empty
// slice are equal.
func equalTensors(a, b Tensor) bool {
	if a.Name != b.Name || len(a.Shape) != len(b.Shape) || len(a.Data) != len(b.Data) {
		return false
	}
	for i := range a.Shape {
		if a.Shape[i] != b.Shape[i] {
			return false
		}
	}
	for i := range a.Data {
		if math.Float32bits(a.Data[i]) != math.Float32bits(b.Data[i]) {
			return false
		}
	}
	return true
}

// TestWriteErrors checks that invalid input is rejected before any byte is
// written.
func TestWriteErrors(t *testing.T) {
	ok := Tensor{Name: "ok", Shape: []int{1}, Data: []float32{1}}
	for i, tc := range []struct {
		name    string
		tensors []Tensor
		meta    map[string]string
		want    string
	}{
		{"duplicate", []Tensor{ok, ok}, nil, `tensor name "ok" appears twice`},
		{"empty name", []Tensor{{Shape: []int{1}, Data: []float32{1}}}, nil, "empty tensor name"},
		{"reserved name", []Tensor{{Name: "__metadata__", Shape: []int{}, Data: []float32{1}}}, nil, "reserved"},
		{"invalid UTF-8 name", []Tensor{{Name: "a\xff", Shape: []int{}, Data: []float32{1}}}, nil, "not valid UTF-8"},
		{"data too short", []Tensor{{Name: "w", Shape: []int{2, 3}, Data: make([]float32, 5)}}, nil, `tensor "w": shape [2 3] holds 6 values, data has 5`},
		{"negative dimension", []Tensor{{Name: "w", Shape: []int{-1, 2}, Data: nil}}, nil, "negative dimension -1"},
		{"overflow", []Tensor{{Name: "w", Shape: []int{1 << 40, 1 << 40}, Data: nil}}, nil, "overflow"},
		{"invalid UTF-8 metadata", []Tensor{ok}, map[string]string{"k": "\xfe"}, "not valid UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			err := Write(&b, tc.tensors, tc.meta)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%d: error %v, want one containing %q", i, err, tc.want)
			}
			if b.Len() != 0 {
				t.Errorf("%d: %d bytes written before the error", i, b.Len())
			}
		})
	}
}

// failingWriter accepts limit bytes and then fails.
type failingWriter struct{ limit int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.limit {
		n := w.limit
		w.limit = 0
		return n, errDiskFull
	}
	w.limit -= len(p)
	return len(p), nil
}

// TestWriteWriterFails checks that a failing writer's error comes back
// wrapped, whether it fails in the header or in the data.
func TestWriteWriterFails(t *testing.T) {
	tensors := []Tensor{{Name: "big", Shape: []int{100000}, Data: make([]float32, 100000)}}
	for i, limit := range []int{0, 50, 70000} {
		err := Write(&failingWriter{limit: limit}, tensors, nil)
		if err == nil || !strings.Contains(err.Error(), errDiskFull.Error()) {
			t.Errorf("%d: limit %d: error %v, want %v", i, limit, err, errDiskFull)
		}
	}
}
