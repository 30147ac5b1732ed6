package safetensors

import (
	"bytes"
	"encoding/binary"
	"slices"
	"strings"
	"testing"
)

// TestInt64 writes an I64 scalar beside an F32 tensor, checks its header
// entry and its eight little-endian bytes, and reads both back exactly.
func TestInt64(t *testing.T) {
	in := []Tensor{
		{Name: "bn.num_batches_tracked", Shape: []int{}, Data: []float32{16777216}, Int64: true},
		{Name: "bn.running_mean", Shape: []int{2}, Data: []float32{0.5, -1}},
	}
	var buf bytes.Buffer
	if err := Write(&buf, in, nil); err != nil {
		t.Fatal(err)
	}
	raw := buf.Bytes()
	if want := `"bn.num_batches_tracked":{"dtype":"I64","shape":[],"data_offsets":[0,8]}`; !strings.Contains(string(raw), want) {
		t.Errorf("header %q lacks %s", raw, want)
	}
	hdr := 8 + int(binary.LittleEndian.Uint64(raw))
	if got, want := raw[hdr:hdr+8], []byte{0, 0, 0, 1, 0, 0, 0, 0}; !bytes.Equal(got, want) { // 2²⁴
		t.Errorf("I64 bytes % x, want % x", got, want)
	}
	f, err := Read(raw)
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range in {
		got, ok := f.Lookup(w.Name)
		if !ok || got.Int64 != w.Int64 || !slices.Equal(got.Data, w.Data) || !slices.Equal(got.Shape, w.Shape) {
			t.Errorf("%d: read %+v, want %+v", i, got, w)
		}
	}
}
