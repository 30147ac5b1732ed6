package autograd_test

import (
	"math"
	"testing"

	"gltrain/backend"
)

func shp(r, c int) backend.Shape { return backend.Shape{Rows: r, Cols: c} }

// upload creates a tensor of shape s holding data on b, released when the
// test ends.
func upload(t testing.TB, b backend.Backend, s backend.Shape, data []float32) backend.Tensor {
	t.Helper()
	x, err := backend.FromData(b, s, data)
	if err != nil {
		t.Fatalf("upload %v: %v", s, err)
	}
	t.Cleanup(func() { b.Release(x) })
	return x
}

// download returns x's contents, or nil for a nil tensor.
func download(t testing.TB, b backend.Backend, x backend.Tensor) []float32 {
	t.Helper()
	if x == nil {
		return nil
	}
	out, err := backend.ToHost(b, x)
	if err != nil {
		t.Fatalf("download: %v", err)
	}
	return out
}

// scalar downloads a 1×1 tensor.
func scalar(t testing.TB, b backend.Backend, x backend.Tensor) float32 {
	t.Helper()
	v := download(t, b, x)
	if len(v) != 1 {
		t.Fatalf("scalar: got %d elements", len(v))
	}
	return v[0]
}

// awayFromZero returns n values with magnitudes in [0.2, 2) and random signs,
// drawn from seed: at least 0.2 from the kinks of ReLU and its kin, many
// finite-difference steps away.
func awayFromZero(n int, seed uint64) []float32 {
	r := backend.NewRand(seed)
	out := make([]float32, n)
	for i := range out {
		v := 0.2 + 1.8*r.Float64()
		if r.IntN(2) == 0 {
			v = -v
		}
		out[i] = float32(v)
	}
	return out
}

// uniform returns n values in [lo, hi) drawn from seed.
func uniform(n int, seed uint64, lo, hi float64) []float32 {
	return backend.UniformData(n, seed, lo, hi)
}

// labels returns n class labels in [0, classes) drawn from seed.
func labels(n, classes int, seed uint64) []float32 {
	r := backend.NewRand(seed)
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(r.IntN(classes))
	}
	return out
}

// relClose reports whether got is within rtol of want, relative to |want|.
func relClose(got, want, rtol float64) bool {
	return math.Abs(got-want) <= rtol*math.Abs(want)
}
