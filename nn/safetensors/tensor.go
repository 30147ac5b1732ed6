package safetensors

import (
	"fmt"
	"math"
	"unicode/utf8"
)

// metadataKey is the header key of the metadata object.
const metadataKey = "__metadata__"

// Tensor is a named float32 tensor: Data holds Π Shape values in row-major
// order. An empty Shape is a scalar (one value); a zero dimension makes an
// empty tensor.
//
// Int64 stores the tensor as I64 (PyTorch's int64, as BatchNorm's
// num_batches_tracked is): Data then holds whole numbers, written as int64
// and read back exactly when |v| ≤ 2²⁴. Every other tensor is F32.
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
	Int64 bool
}

// width is the bytes one value of t takes in the file.
func (t Tensor) width() int64 {
	if t.Int64 {
		return 8
	}
	return 4
}

// File is the content of a safetensors file: its tensors, in the order of
// their data in the file, and its metadata (nil when the file has none).
type File struct {
	Tensors  []Tensor
	Metadata map[string]string
}

// Lookup returns the tensor called name and true, or a zero Tensor and false
// if f has none.
func (f *File) Lookup(name string) (Tensor, bool) {
	for _, t := range f.Tensors {
		if t.Name == name {
			return t, true
		}
	}
	return Tensor{}, false
}

// maxElems is the most float32 values a byte offset (int64) can address.
const maxElems = math.MaxInt64 / 4

// numel returns the number of values shape holds, or an error if a
// dimension is negative or the product overflows.
func numel(shape []int) (int64, error) {
	n := int64(1)
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("shape %v: negative dimension %d", shape, d)
		}
		if d != 0 && n > maxElems/int64(d) {
			return 0, fmt.Errorf("shape %v: %d values overflow the byte offsets", shape, n)
		}
		n *= int64(d)
	}
	return n, nil
}

// checkName returns an error unless name can name a tensor: not empty, valid
// UTF-8 and not the metadata key.
func checkName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("empty tensor name")
	case !utf8.ValidString(name):
		return fmt.Errorf("tensor name %q is not valid UTF-8", name)
	case name == metadataKey:
		return fmt.Errorf("tensor name %q is reserved for the metadata", name)
	}
	return nil
}
