package backendtest

import (
	"math"
	"slices"

	"gltrain/backend"
)

// GoldenXs are the inputs at which the golden file gives every activation's
// f and f' (float32 values, so that the kernels see exactly the points
// PyTorch was given): NaN, ±Inf, ±0 and ±1e30 (whose x² and x³ overflow
// float32), the kinks of the piecewise kinds (0, ±3, Softplus's thresholds
// at its tested β), and a spread of finite values out to exp's float32
// limits.
func GoldenXs() []float32 {
	xs := []float32{nan32, inf32, -inf32, 0, negZero32, 1e30, -1e30}
	for _, v := range []float32{1e-7, 1e-3, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 2.5, 2.9, 3, 3.1, 4, 5, 6, 8, 10, 15, 20, 25, 30, 50, 88, 100} {
		xs = append(xs, v, -v)
	}
	return xs
}

// GoldenDys are the upstream gradients each of GoldenXs meets in the
// golden file's backward pass: finite of both signs, ±Inf, NaN and ±0.
func GoldenDys() []float32 { return slices.Clone(specialDys) }

var (
	nan32     = float32(math.NaN())
	inf32     = float32(math.Inf(1))
	negZero32 = float32(math.Copysign(0, -1))
)

// specialDys are the upstream gradients of the golden file's backward pass.
var specialDys = []float32{1, -2, inf32, -inf32, nan32, 0, negZero32}

// activationsUnderTest are the settings the golden file covers: every kind
// with its defaults, and with each parameter at its Test value, and the
// primitives at their rows' Settings.
func activationsUnderTest() []backend.Activation { return backend.UnarySettings() }

// GoldenTail reports whether the backward pass at a point whose f' is
// golden (PyTorch's) and ref (the table's reference) cannot be judged:
// where |f'| < 1e-14 in a far tail, PyTorch's float64 kernels may round f'
// to ±0 where the reference does not, and a float32 kernel may flush it to
// 0 where neither does, so ±Inf·f' (NaN or ±Inf) and the sign of a zero
// dx depend on rounding, not on the function. f' itself is still checked
// there, to 1e-14. Points where both are exactly 0 (ReLU's left side,
// σ'(−Inf)) are judged.
func GoldenTail(golden, ref float64) bool {
	return math.Abs(golden) < 1e-14 && !(golden == 0 && ref == 0)
}
