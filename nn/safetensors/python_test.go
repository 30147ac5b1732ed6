package safetensors

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"testing"
)

// pyReader is an independent safetensors reader in plain Python (json and
// struct only): it checks the alignment and the coverage of the data section
// and prints what it read as JSON.
const pyReader = `
import json, struct, sys
b = open(sys.argv[1], "rb").read()
n, = struct.unpack("<Q", b[:8])
assert (8 + n) % 8 == 0, "data section not aligned"
h = json.loads(b[8:8 + n].decode("utf-8"))
meta = h.pop("__metadata__", None)
data = b[8 + n:]
spans = sorted(tuple(v["data_offsets"]) for v in h.values())
pos = 0
for s, e in spans:
    assert s == pos, "hole or overlap at %d" % s
    pos = e
assert pos == len(data), "data section not covered"
out = {"metadata": meta, "tensors": {}}
for name, info in h.items():
    assert info["dtype"] == "F32"
    s, e = info["data_offsets"]
    out["tensors"][name] = {"shape": info["shape"], "data": list(struct.unpack("<%df" % ((e - s) // 4), data[s:e]))}
print(json.dumps(out))
`

// pyWriter writes a file the way a hand-rolled Python writer would: default
// json.dumps spacing, no padding, tensors in insertion order.
const pyWriter = `
import json, struct, sys
tensors = [("z.bias", [2], [0.5, -1.5]), ("a.weight", [2, 1], [3.0, 4.25])]
header, blob = {}, b""
for name, shape, vals in tensors:
    header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [len(blob), len(blob) + 4 * len(vals)]}
    blob += struct.pack("<%df" % len(vals), *vals)
header["__metadata__"] = {"writer": "python"}
h = json.dumps(header).encode("utf-8")
open(sys.argv[1], "wb").write(struct.pack("<Q", len(h)) + h + blob)
`

// python returns the python3 interpreter, skipping the test without one.
func python(t *testing.T) string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found: skipping the cross-check with an independent reader")
	}
	return py
}

// TestPythonReadsOurs checks a file we wrote with an independent Python reader.
func TestPythonReadsOurs(t *testing.T) {
	py := python(t)
	path := filepath.Join(t.TempDir(), "m.safetensors")
	tensors := []Tensor{
		{Name: "b", Shape: []int{3}, Data: []float32{0.1, -2, 3e-8}},
		{Name: "a", Shape: []int{1, 2}, Data: []float32{1.5, 1e30}},
		{Name: "e", Shape: []int{0}, Data: nil},
	}
	if err := WriteFile(path, tensors, map[string]string{"format": "pt", "quote": `"<&>"`}); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(py, "-c", pyReader, path).CombinedOutput()
	if err != nil {
		t.Fatalf("python reader: %v\n%s", err, out)
	}
	var got struct {
		Metadata map[string]string
		Tensors  map[string]struct {
			Shape []int
			Data  []float64
		}
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("python output %q: %v", out, err)
	}
	if got.Metadata["format"] != "pt" || got.Metadata["quote"] != `"<&>"` || len(got.Metadata) != 2 {
		t.Errorf("python read metadata %v", got.Metadata)
	}
	for i, want := range tensors {
		g, ok := got.Tensors[want.Name]
		if !ok || !bytes.Equal(mustJSON(t, g.Shape), mustJSON(t, want.Shape)) || len(g.Data) != len(want.Data) {
			t.Errorf("%d: python read %q as %+v, want %+v", i, want.Name, g, want)
			continue
		}
		for k, v := range want.Data {
			if float32(g.Data[k]) != v { // float32 → float64 is exact both ways
				t.Errorf("%d: %q[%d] = %v in python, want %v", i, want.Name, k, g.Data[k], v)
			}
		}
	}
}

// TestReadPythonWritten checks that we read a file written by plain Python.
func TestReadPythonWritten(t *testing.T) {
	py := python(t)
	path := filepath.Join(t.TempDir(), "py.safetensors")
	if out, err := exec.Command(py, "-c", pyWriter, path).CombinedOutput(); err != nil {
		t.Fatalf("python writer: %v\n%s", err, out)
	}
	f, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := []Tensor{
		{Name: "z.bias", Shape: []int{2}, Data: []float32{0.5, -1.5}},
		{Name: "a.weight", Shape: []int{2, 1}, Data: []float32{3, 4.25}},
	}
	for i, w := range want {
		if got, ok := f.Lookup(w.Name); !ok || !equalTensors(got, w) {
			t.Errorf("%d: got %+v, want %+v", i, got, w)
		}
	}
	if f.Metadata["writer"] != "python" {
		t.Errorf("metadata %v", f.Metadata)
	}
}

// mustJSON marshals v, failing the test on error.
func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
