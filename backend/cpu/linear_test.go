package cpu_test

import (
	"fmt"
	"math"
	"testing"

	"gltrain/backend"
	"gltrain/backend/cpu"
)

// TestLinearSameBits checks the CPU backend's promise beyond the conformance
// suite's tolerance: its fused layer gives the very bits of the unfused
// calls, so that autograd's choice of path never changes a training run.
// The last shape's products are past blas.SerialBelow, so that with
// OpenBLAS they run on its threads, on buffers the pool staggered
// differently for the two paths.
func TestLinearSameBits(t *testing.T) {
	b := cpu.New()
	for i, tc := range []struct{ batch, in, out int }{{1, 1, 1}, {33, 17, 5}, {70, 130, 65}, {128, 300, 200}} {
		for _, k := range backend.ActivationKinds() {
			f := backend.Activation{Kind: k}
			for _, beta := range []float32{0, 1} {
				name := fmt.Sprintf("%d %dx%dx%d %v beta %v", i, tc.batch, tc.in, tc.out, f, beta)
				fused, unfused := linearBoth(t, b, f, tc.batch, tc.in, tc.out, beta, uint64(i))
				for j, what := range []string{"y", "z", "dx", "dW", "db"} {
					for e := range unfused[j] {
						if g, w := fused[j][e], unfused[j][e]; math.Float32bits(g) != math.Float32bits(w) {
							t.Errorf("%s: %s[%d] fused %g, unfused %g", name, what, e, g, w)
							break
						}
					}
				}
			}
		}
	}
}

// linearBoth runs a layer's forward and backward pass fused and unfused on
// the same seeded inputs and returns y, z, dx, dW and db of each.
func linearBoth(t *testing.T, b backend.Backend, f backend.Activation, batch, in, out int, beta float32, seed uint64) (fused, unfused [][]float32) {
	t.Helper()
	up := seededUploader(t, b, seed)
	x, w, bias, dy := up(batch, in, 1), up(in, out, 2), up(1, out, 3), up(batch, out, 4)
	// The gradients start from the same values on both paths (their
	// prior contents, when beta is 1).
	grads := func() []backend.Tensor {
		return []backend.Tensor{up(batch, in, 5), up(in, out, 6), up(1, out, 7)}
	}
	host := func(ts ...backend.Tensor) [][]float32 { return toHostAll(t, b, ts...) }
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	lf := b.(backend.LinearFuser)
	y, z, g := up(batch, out, 8), up(batch, out, 9), grads()
	must(lf.LinearForward(f, y, z, x, w, bias))
	must(lf.LinearBackward(f, g[0], g[1], g[2], x, w, z, dy, beta, beta, beta))
	fused = host(y, z, g[0], g[1], g[2])

	yu, zu, dz, cs, gu := up(batch, out, 8), up(batch, out, 9), up(batch, out, 10), up(1, out, 11), grads()
	must(b.MatMul(backend.NoTrans, backend.NoTrans, 1, x, w, 0, zu))
	must(b.AddBias(zu, zu, bias))
	must(b.ActivationForward(f, yu, zu))
	must(b.ActivationBackward(f, dz, zu, yu, dy))
	must(b.MatMul(backend.Trans, backend.NoTrans, 1, x, dz, beta, gu[1]))
	must(b.ColSum(cs, dz))
	if beta != 0 {
		must(b.Axpy(beta, cs, gu[2])) // autograd's accumulation: db += colsum
	} else {
		gu[2] = cs
	}
	must(b.MatMul(backend.NoTrans, backend.Trans, 1, dz, w, beta, gu[0]))
	return fused, host(yu, zu, gu[0], gu[1], gu[2])
}
