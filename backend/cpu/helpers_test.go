package cpu_test

import (
	"testing"

	"gltrain/backend"
)

// seededUploader returns a function that uploads an r×c tensor of N(0, 1)
// values drawn from seed·16 + s, released when the test ends.
func seededUploader(t *testing.T, b backend.Backend, seed uint64) func(r, c int, s uint64) backend.Tensor {
	return func(r, c int, s uint64) backend.Tensor {
		t.Helper()
		x, err := backend.FromData(b, backend.Shape{Rows: r, Cols: c}, backend.NormalData(r*c, seed*16+s, 0, 1))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Release(x) })
		return x
	}
}

// toHostAll downloads the tensors, in order.
func toHostAll(t *testing.T, b backend.Backend, ts ...backend.Tensor) [][]float32 {
	t.Helper()
	var out [][]float32
	for _, x := range ts {
		h, err := backend.ToHost(b, x)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, h)
	}
	return out
}
