package safetensors

import (
	"encoding/binary"
	"math"
	"strings"
	"testing"
)

// build returns a file with the given header text (unpadded) and data.
func build(header string, body ...byte) []byte {
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	out = append(out, header...)
	return append(out, body...)
}

// f32 returns the little-endian bytes of 1, 2, … n as float32.
func f32(n int) []byte {
	var out []byte
	for i := 1; i <= n; i++ {
		out = binary.LittleEndian.AppendUint32(out, math.Float32bits(float32(i)))
	}
	return out
}

// TestReadForeign reads files laid out as other writers lay them out.
func TestReadForeign(t *testing.T) {
	for i, tc := range []struct {
		name string
		data []byte
		want []Tensor
		meta map[string]string
	}{
		{
			// The reference library: compact JSON, metadata first, tensors
			// sorted by name, header padded with spaces to 8 bytes.
			name: "reference layout, padded",
			data: build(`{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1,2],"data_offsets":[8,16]}}`+"   ", f32(4)...),
			want: []Tensor{{"a", []int{2}, []float32{1, 2}, false}, {"b", []int{1, 2}, []float32{3, 4}, false}},
			meta: map[string]string{"format": "pt"},
		},
		{
			// No __metadata__ key and an unpadded header (older versions, and
			// hand-rolled writers).
			name: "no metadata, unpadded",
			data: build(`{"x":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}}`, f32(3)...),
			want: []Tensor{{"x", []int{3}, []float32{1, 2, 3}, false}},
		},
		{
			// Python's json.dumps defaults: spaces after separators; header
			// keys out of offset order; metadata last.
			name: "json.dumps spacing, keys out of order",
			data: build(`{"b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}, "a": {"shape": [], "data_offsets": [0, 4], "dtype": "F32"}, "__metadata__": {"k": "v"}}`, f32(2)...),
			want: []Tensor{{"a", []int{}, []float32{1}, false}, {"b", []int{1}, []float32{2}, false}},
			meta: map[string]string{"k": "v"},
		},
		{
			name: "null metadata, zero-size tensor",
			data: build(`{"__metadata__":null,"e":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"z":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, f32(1)...),
			want: []Tensor{{"e", []int{0}, []float32{}, false}, {"z", []int{1}, []float32{1}, false}},
		},
		{
			name: "empty file",
			data: build(`{}      `),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Read(tc.data)
			if err != nil {
				t.Fatalf("%d: %v", i, err)
			}
			if len(f.Tensors) != len(tc.want) {
				t.Fatalf("%d: %d tensors, want %d", i, len(f.Tensors), len(tc.want))
			}
			for k, want := range tc.want {
				if got := f.Tensors[k]; !equalTensors(got, want) {
					t.Errorf("%d: tensor %d: got %+v, want %+v", i, k, got, want)
				}
			}
			if len(f.Metadata) != len(tc.meta) {
				t.Errorf("%d: metadata %v, want %v", i, f.Metadata, tc.meta)
			}
			for k, v := range tc.meta {
				if f.Metadata[k] != v {
					t.Errorf("%d: metadata %q = %q, want %q", i, k, f.Metadata[k], v)
				}
			}
		})
	}
}

// TestReadErrors checks that each kind of damage gets its own message.
func TestReadErrors(t *testing.T) {
	tensor := func(name, dtype, shape, offsets string) string {
		return `"` + name + `":{"dtype":"` + dtype + `","shape":` + shape + `,"data_offsets":` + offsets + `}`
	}
	w := tensor("w", "F32", "[2]", "[0,8]")
	for i, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "file is 0 bytes, shorter than the 8-byte header length"},
		{"short", []byte{1, 2, 3, 4, 5}, "file is 5 bytes"},
		{"header over the cap", binary.LittleEndian.AppendUint64(nil, 200_000_000), "header length 200000000 exceeds the limit of 100000000 bytes"},
		{"header over the file", append(binary.LittleEndian.AppendUint64(nil, 100), "{}"...), "header length 100 exceeds the 2 bytes that follow it"},
		{"huge header length", binary.LittleEndian.AppendUint64(nil, 1<<63), "exceeds the limit"},
		{"invalid UTF-8", build("{\"\xff\":1}"), "not valid UTF-8"},
		{"invalid JSON", build(`{"w":`), "invalid JSON"},
		{"truncated object", build(`{`), "invalid JSON"},
		{"not an object", build(`[1,2]`), "header is not a JSON object"},
		{"data after the object", build(`{} {}`), "data after the JSON object"},
		{"F16", build(`{`+tensor("h", "F16", "[1]", "[0,2]")+`}`, 0, 0), `tensor "h": dtype "F16" is not supported (only F32 and I64)`},
		{"no dtype", build(`{"w":{"shape":[1],"data_offsets":[0,4]}}`, f32(1)...), `tensor "w": no dtype`},
		{"no shape", build(`{"w":{"dtype":"F32","data_offsets":[0,4]}}`, f32(1)...), `tensor "w": no shape`},
		{"unknown field", build(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"extra":1}}`, f32(1)...), `unknown field "extra"`},
		{"entry not an object", build(`{"w":5}`), `tensor "w": json: cannot unmarshal`},
		{"empty name", build(`{`+tensor("", "F32", "[1]", "[0,4]")+`}`, f32(1)...), "empty tensor name"},
		{"negative dimension", build(`{`+tensor("w", "F32", "[-2]", "[0,8]")+`}`, f32(2)...), `tensor "w": dimension -2 is not a non-negative integer`},
		{"fractional dimension", build(`{`+tensor("w", "F32", "[1.5]", "[0,8]")+`}`, f32(2)...), "dimension 1.5 is not"},
		{"string dimension", build(`{`+tensor("w", "F32", `["2"]`, "[0,8]")+`}`, f32(2)...), `dimension "2" is not`},
		{"overflowing shape", build(`{`+tensor("w", "F32", "[4611686018427387904,4]", "[0,8]")+`}`, f32(2)...), "overflow"},
		{"offsets past the data", build(`{`+tensor("w", "F32", "[4]", "[0,16]")+`}`, f32(2)...), "data offset 16 outside the 8-byte data section"},
		{"offsets not matching the shape", build(`{`+tensor("w", "F32", "[3]", "[0,8]")+`}`, f32(2)...), "span 8 bytes, but shape [3] of F32 needs 12"},
		{"offsets reversed", build(`{`+tensor("w", "F32", "[2]", "[8,0]")+`}`, f32(2)...), "end before they begin"},
		{"three offsets", build(`{`+tensor("w", "F32", "[2]", "[0,4,8]")+`}`, f32(2)...), "data_offsets has 3 values"},
		{"negative offset", build(`{`+tensor("w", "F32", "[2]", "[-8,0]")+`}`, f32(2)...), "data offset -8 outside"},
		{"overlap", build(`{`+w+`,`+tensor("v", "F32", "[2]", "[4,12]")+`}`, f32(3)...), `tensors "w" [0,8) and "v" [4,12) overlap`},
		{"hole", build(`{`+w+`,`+tensor("v", "F32", "[1]", "[12,16]")+`}`, f32(4)...), "data section bytes [8,12) belong to no tensor"},
		{"uncovered tail", build(`{`+w+`}`, f32(3)...), "data section bytes [8,12) belong to no tensor"},
		{"uncovered head", build(`{`+tensor("w", "F32", "[1]", "[4,8]")+`}`, f32(2)...), "data section bytes [0,4) belong to no tensor"},
		{"duplicate name", build(`{`+w+`,`+w+`}`, f32(2)...), `key "w" appears twice`},
		{"duplicate metadata", build(`{"__metadata__":{},"__metadata__":{}}`), `key "__metadata__" appears twice`},
		{"metadata number", build(`{"__metadata__":{"epoch":3}}`), `__metadata__: "epoch": value 3 is not a string`},
		{"metadata not an object", build(`{"__metadata__":"pt"}`), "__metadata__ is not a JSON object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(tc.data)
			if err == nil {
				t.Fatalf("%d: no error, want %q", i, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "safetensors: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%d: error %q, want one containing %q", i, err, tc.want)
			}
		})
	}
}
