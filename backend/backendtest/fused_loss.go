package backendtest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gltrain/backend"
)

// fusedLossCase is one input of SoftmaxCrossEntropyCount: an m×n batch of
// N(0, 1) logits with uniform labels, which edit then adjusts.
type fusedLossCase struct {
	name string
	m, n int
	grad bool
	edit func(r *rand.Rand, x, y []float32, n int)
}

// fusedLossCases cover both reduction layouts (one group up to 1024 rows, two
// passes beyond), rows long enough that a backend may split them (GL's
// trees beyond 4096 columns), sizes that are not multiples of the work
// group, and the rows where the fused kernel's argmax scan could part from
// Argmax's or from the loss kernel's maximum: ties, NaN, ±Inf and invalid
// labels.
var fusedLossCases = []fusedLossCase{
	{name: "1×1", m: 1, n: 1, grad: true},
	{name: "7×13", m: 7, n: 13, grad: true},
	{name: "7×13 loss only", m: 7, n: 13},
	{name: "257×129", m: 257, n: 129, grad: true, edit: rightHalf},
	{name: "1024×10 (one reduction group)", m: 1024, n: 10, grad: true, edit: rightHalf},
	{name: "1025×10 (two reduction passes)", m: 1025, n: 10, grad: true, edit: rightHalf},
	{name: "3000×10", m: 3000, n: 10, grad: true, edit: rightHalf},
	{name: "3000×10 loss only", m: 3000, n: 10, edit: rightHalf},
	{name: "5000×3", m: 5000, n: 3, grad: true, edit: rightHalf},
	{name: "3×5000 (rows too long for one invocation)", m: 3, n: 5000, grad: true, edit: rightHalf},
	{name: "ties", m: 300, n: 7, grad: true, edit: func(r *rand.Rand, x, y []float32, n int) {
		// Logits from {−1, 0, 1, 2}: most rows have a tied maximum, and
		// the label is often one of the tied columns.
		for i := range x {
			x[i] = float32(r.IntN(4) - 1)
		}
		for i := range y {
			y[i] = float32(firstMax(x[i*n:(i+1)*n]) + r.IntN(2))
			if int(y[i]) >= n {
				y[i] = 0
			}
		}
	}},
	{name: "NaN and Inf rows", m: 300, n: 6, grad: true, edit: func(r *rand.Rand, x, y []float32, n int) {
		for i := range y {
			row := x[i*n : (i+1)*n]
			switch i % 6 {
			case 0:
				row[0] = float32(math.NaN()) // NaN first: Argmax skips it
			case 1:
				row[r.IntN(n)] = float32(math.NaN())
			case 2:
				for j := range row {
					row[j] = float32(math.NaN())
				}
			case 3:
				row[r.IntN(n)] = float32(math.Inf(1))
			case 4:
				row[r.IntN(n)] = float32(math.Inf(-1))
			}
			y[i] = float32(firstMax(row))
		}
	}},
	{name: "invalid labels", m: 40, n: 5, grad: true, edit: func(r *rand.Rand, x, y []float32, n int) {
		bad := []float32{5, -1, 1.5, float32(math.NaN()), float32(math.Inf(1)), 1e9}
		for i := range y {
			switch {
			case i%3 == 0:
				y[i] = bad[r.IntN(len(bad))]
			case i%3 == 1:
				y[i] = float32(math.Copysign(0, -1)) // −0 is class 0
			default:
				y[i] = float32(firstMax(x[i*n : (i+1)*n]))
			}
		}
	}},
	{name: "extreme logits", m: 513, n: 33, grad: true, edit: func(r *rand.Rand, x, y []float32, n int) {
		for i := range x {
			if r.IntN(2) == 0 {
				v := extremeValues[r.IntN(len(extremeValues))]
				if r.IntN(2) == 0 {
					v = -v
				}
				x[i] = v
			}
		}
		rightHalf(r, x, y, n)
	}},
}

// rightHalf labels every other row with its argmax, so that the count is
// large and not a multiple of anything.
func rightHalf(r *rand.Rand, x, y []float32, n int) {
	for i := 0; i < len(y); i += 2 {
		y[i] = float32(firstMax(x[i*n : (i+1)*n]))
	}
}

// firstMax is Argmax's answer for a row: the first maximum, NaN skipped, 0
// for a row of NaN.
func firstMax(row []float32) int {
	best, bestV := 0, float32(math.NaN())
	for j, v := range row {
		if v > bestV || (bestV != bestV && v == v) {
			best, bestV = j, v
		}
	}
	return best
}

// runFusedLoss checks SoftmaxCrossEntropyCount, when b implements it,
// against SoftmaxCrossEntropy followed by CountCorrect on the same backend
// and the same inputs. The contract promises their bits: the fused kernel
// runs the same per-row arithmetic and sums in the same order, so there is
// no tolerance (NaN matches any NaN).
func runFusedLoss(t *testing.T, b backend.Backend) {
	f, ok := b.(backend.SoftmaxCrossEntropyCounter)
	if !ok {
		t.Skipf("%s does not implement SoftmaxCrossEntropyCounter", b.Name())
	}
	for i, tc := range fusedLossCases {
		t.Run(tc.name, func(t *testing.T) {
			r := backend.NewRand(uint64(1000 + i))
			x := make([]float32, tc.m*tc.n)
			y := make([]float32, tc.m)
			for k := range x {
				x[k] = float32(r.NormFloat64())
			}
			for k := range y {
				y[k] = float32(r.IntN(tc.n))
			}
			if tc.edit != nil {
				tc.edit(r, x, y, tc.n)
			}
			want, err := fusedRun(b, tc, x, y, func(loss, grad, correct, logits, labels backend.Tensor) error {
				if err := b.SoftmaxCrossEntropy(loss, grad, logits, labels); err != nil {
					return err
				}
				return b.CountCorrect(correct, logits, labels)
			})
			if err != nil {
				t.Fatalf("%d %s: unfused: %v", i, tc.name, err)
			}
			for run := 0; run < 2; run++ { // twice: the second must not differ either
				got, err := fusedRun(b, tc, x, y, f.SoftmaxCrossEntropyCount)
				if err != nil {
					t.Fatalf("%d %s: fused: %v", i, tc.name, err)
				}
				for j, what := range []string{"loss", "correct", "gradient"} {
					if msg := sameBits(got[j], want[j]); msg != "" {
						t.Errorf("%d %s run %d: %s: %s", i, tc.name, run, what, msg)
					}
				}
				if row := nanRowNotNaN(x, got[2], tc.n); row >= 0 {
					t.Errorf("%d %s run %d: row %d has a NaN logit but a gradient that is not all NaN", i, tc.name, run, row)
				}
			}
		})
	}
	t.Run("hand-computed", func(t *testing.T) { runFusedExact(t, b, f) })
	t.Run("errors", func(t *testing.T) { runFusedErrors(t, b, f) })
}

// fusedRun uploads x and y, poisons the outputs (the loss and count with
// values no kernel writes, the gradient with NaN), runs op and returns the
// loss, the count and the gradient (nil without one).
func fusedRun(b backend.Backend, tc fusedLossCase, x, y []float32, op func(loss, grad, correct, logits, labels backend.Tensor) error) ([][]float32, error) {
	host := [][]float32{{-7}, {-1}, nil, x, y} // loss, correct, gradient, logits, labels
	shapes := []backend.Shape{scalar, scalar, shp(tc.m, tc.n), shp(tc.m, tc.n), shp(tc.m, 1)}
	if tc.grad {
		host[2] = initialOutput(poisoned(shapes[2]), nil)
	}
	t := make([]backend.Tensor, len(host))
	defer func() {
		for _, x := range t {
			if x != nil {
				b.Release(x)
			}
		}
	}()
	for i, data := range host {
		if data == nil {
			continue
		}
		var err error
		if t[i], err = backend.FromData(b, shapes[i], data); err != nil {
			return nil, err
		}
	}
	if err := op(t[0], t[2], t[1], t[3], t[4]); err != nil {
		return nil, err
	}
	res := make([][]float32, 3)
	for j := range res {
		if t[j] == nil {
			continue
		}
		var err error
		if res[j], err = backend.ToHost(b, t[j]); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// nanRowNotNaN returns the first row of x (rows of n) that holds a NaN
// while its gradient row is not all NaN, as the CPU reference's is; −1 when
// there is none or no gradient.
func nanRowNotNaN(x, grad []float32, n int) int {
	for i := 0; i < len(grad)/n; i++ {
		if !slices.ContainsFunc(x[i*n:(i+1)*n], isNaN32) {
			continue
		}
		for _, g := range grad[i*n : (i+1)*n] {
			if !isNaN32(g) {
				return i
			}
		}
	}
	return -1
}

func isNaN32(v float32) bool { return v != v }

// sameBits reports the first elements whose bits differ (any NaN matches any
// NaN), or "".
func sameBits(got, want []float32) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d elements, want %d", len(got), len(want))
	}
	var bad []string
	n := 0
	for i, w := range want {
		g := got[i]
		if math.Float32bits(g) == math.Float32bits(w) || (g != g && w != w) {
			continue
		}
		n++
		if len(bad) < 5 {
			bad = append(bad, fmt.Sprintf("[%d] got %g (%#08x) want %g (%#08x)", i, g, math.Float32bits(g), w, math.Float32bits(w)))
		}
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%d of %d elements differ: %s", n, len(want), strings.Join(bad, "; "))
}

// runFusedExact checks one batch worked by hand. Row 0, logits (3, 3) and
// label 0: loss ln 2, a tie that Argmax gives to column 0, a hit. Row 1,
// logits (1, 2) and label 1: loss ln(1 + e^−1) = 0.31326169, a hit. Row 2,
// logits (0, 5) and label 0: loss ln(1 + e^5) = 5.00671535, a miss. Mean
// loss (0.69314718 + 0.31326169 + 5.00671535)/3 = 2.00437474; count 2.
func runFusedExact(t *testing.T, b backend.Backend, f backend.SoftmaxCrossEntropyCounter) {
	tc := fusedLossCase{m: 3, n: 2}
	got, err := fusedRun(b, tc, []float32{3, 3, 1, 2, 0, 5}, []float32{0, 1, 0}, f.SoftmaxCrossEntropyCount)
	if err != nil {
		t.Fatal(err)
	}
	if msg := Diff(scalar, got[0], []float64{2.00437474}, exactTolerance); msg != "" {
		t.Errorf("loss: %s", msg)
	}
	if got[1][0] != 2 {
		t.Errorf("correct = %v, want 2", got[1][0])
	}
}

// runFusedErrors checks the fused call's argument errors: those of the loss
// and of the count, and a count tensor that is another operand.
func runFusedErrors(t *testing.T, b backend.Backend, f backend.SoftmaxCrossEntropyCounter) {
	newT := func(r, c int) backend.Tensor {
		x, err := backend.FromData(b, shp(r, c), make([]float32, r*c))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Release(x) })
		return x
	}
	logits, labels, loss, correct := newT(3, 4), newT(3, 1), newT(1, 1), newT(1, 1)
	checkErrors(t, []errorCase{
		{"labels shape", func() error { return f.SoftmaxCrossEntropyCount(loss, nil, correct, logits, newT(2, 1)) }, backend.ErrShape, []string{"softmax cross-entropy count", "3×4", "2×1"}},
		{"gradient shape", func() error { return f.SoftmaxCrossEntropyCount(loss, newT(3, 3), correct, logits, labels) }, backend.ErrShape, []string{"3×3"}},
		{"correct shape", func() error { return f.SoftmaxCrossEntropyCount(loss, nil, newT(2, 1), logits, labels) }, backend.ErrShape, []string{"count correct", "2×1"}},
		{"correct is loss", func() error { return f.SoftmaxCrossEntropyCount(loss, nil, loss, logits, labels) }, backend.ErrAlias, []string{"correct"}},
		{"gradient is logits", func() error { return f.SoftmaxCrossEntropyCount(loss, logits, correct, logits, labels) }, backend.ErrAlias, nil},
		{"nil correct", func() error { return f.SoftmaxCrossEntropyCount(loss, nil, nil, logits, labels) }, backend.ErrForeign, nil},
		{"foreign logits", func() error { return f.SoftmaxCrossEntropyCount(loss, nil, correct, foreignTensor{}, labels) }, backend.ErrForeign, nil},
	})
}
