package blas

import "testing"

func BenchmarkSgemm1(b *testing.B) {
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
