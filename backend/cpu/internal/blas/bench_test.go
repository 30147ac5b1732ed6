package blas

import "testing"

// BenchmarkSgemmCall is the cost of one call into the library: a 1×1×1
// product (cgo: tens of nanoseconds; purego: about a microsecond).
func BenchmarkSgemmCall(b *testing.B) {
	lib, err := Load()
	if err != nil {
		b.Skip(err)
	}
	a := []float32{1}
	c := []float32{0}
	for b.Loop() {
		lib.Sgemm(false, false, 1, 1, 1, 1, a, 1, a, 1, 0, c, 1)
	}
}
