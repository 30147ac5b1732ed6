package safetensors

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// FuzzRead checks that Read never panics on any input, and that whatever it
// accepts survives a Write/Read round trip unchanged. Seeds live in
// testdata/fuzz/FuzzRead: a valid file and several broken ones.
func FuzzRead(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Read(data)
		if err != nil {
			return
		}
		var b bytes.Buffer
		if err := Write(&b, file.Tensors, file.Metadata); err != nil {
			t.Fatalf("re-writing an accepted file: %v", err)
		}
		again, err := Read(b.Bytes())
		if err != nil {
			t.Fatalf("reading a re-written file: %v", err)
		}
		if len(again.Tensors) != len(file.Tensors) || len(again.Metadata) != len(file.Metadata) {
			t.Fatalf("round trip: %d tensors and %d metadata, want %d and %d",
				len(again.Tensors), len(again.Metadata), len(file.Tensors), len(file.Metadata))
		}
		for _, want := range file.Tensors {
			got, ok := again.Lookup(want.Name)
			if !ok || !equalTensors(got, want) {
				t.Fatalf("round trip: tensor %q: got %+v, want %+v", want.Name, got, want)
			}
		}
		for k, v := range file.Metadata {
			if again.Metadata[k] != v {
				t.Fatalf("round trip: metadata %q = %q, want %q", k, again.Metadata[k], v)
			}
		}
	})
}

// TestFuzzSeeds checks the seed corpus itself: the files named valid_* read
// without error and every other one is rejected, so the seeds cover both
// sides.
func TestFuzzSeeds(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzRead")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range entries {
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		data, err := corpusBytes(raw)
		if err != nil {
			t.Fatalf("%d: %s: %v", i, e.Name(), err)
		}
		_, err = Read(data)
		if valid := strings.HasPrefix(e.Name(), "valid_"); valid != (err == nil) {
			t.Errorf("%d: %s: Read error %v, want valid=%v", i, e.Name(), err, valid)
		}
	}
}

// corpusBytes decodes a one-value "go test fuzz v1" file holding []byte("…").
func corpusBytes(file []byte) ([]byte, error) {
	lines := strings.SplitN(strings.TrimSpace(string(file)), "\n", 2)
	if len(lines) != 2 || lines[0] != "go test fuzz v1" {
		return nil, errors.New("not a go test fuzz v1 file")
	}
	lit, ok := strings.CutPrefix(lines[1], "[]byte(")
	if lit, ok = strings.CutSuffix(lit, ")"); !ok {
		return nil, errors.New("not a single []byte value")
	}
	s, err := strconv.Unquote(lit)
	return []byte(s), err
}
