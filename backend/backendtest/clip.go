package backendtest

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"gltrain/backend"
)

// runClip checks backend.GradNormClipper, when b implements it: AddSquares
// and ClipScale against float64 oracles on sizes that are not multiples of
// the work group (one group, and the two-pass sum beyond 1024 elements),
// the clip of a whole set of gradients as nn.ClipGradNorm does it, NaN and
// ±Inf gradients and norms, and the argument errors.
func runClip(t *testing.T, b backend.Backend) {
	c, ok := b.(backend.GradNormClipper)
	if !ok {
		t.Skipf("%s does not implement GradNormClipper", b.Name())
	}
	t.Run("random", func(t *testing.T) { runClipRandom(t, b, c) })
	t.Run("specials", func(t *testing.T) { runClipSpecials(t, b, c) })
	t.Run("errors", func(t *testing.T) { runClipErrors(t, b, c) })
}

// clipGrads clips the gradients gs to maxNorm as nn.ClipGradNorm does
// (Fill, AddSquares each, ClipScale each) and returns the summed squares
// and the clipped gradients.
func clipGrads(b backend.Backend, c backend.GradNormClipper, shapes []backend.Shape, gs [][]float32, maxNorm float32) (float32, [][]float32, error) {
	ss := &session{b: b}
	defer ss.release()
	acc := ss.up(shp(1, 1), []float32{float32(math.NaN())})
	ts := make([]backend.Tensor, len(gs))
	for i, g := range gs {
		ts[i] = ss.up(shapes[i], g)
	}
	if ss.err == nil {
		ss.do(b.Fill(acc, 0))
		for _, t := range ts {
			ss.do(c.AddSquares(acc, t))
		}
		for _, t := range ts {
			ss.do(c.ClipScale(t, acc, maxNorm))
		}
	}
	out := ss.down(append([]backend.Tensor{acc}, ts...)...)
	if ss.err != nil {
		return 0, nil, ss.err
	}
	return out[0][0], out[1:], nil
}

// clipOracle is clip_grad_norm_ in float64: the summed squares and the
// coefficient min(1, maxNorm/(√sumSq + 1e-6)).
func clipOracle(gs [][]float32, maxNorm float32) (sumSq, coef float64) {
	for _, g := range gs {
		for _, v := range g {
			sumSq += float64(v) * float64(v)
		}
	}
	return sumSq, math.Min(1, float64(maxNorm)/(math.Sqrt(sumSq)+1e-6))
}

func runClipRandom(t *testing.T, b backend.Backend, c backend.GradNormClipper) {
	for i, tc := range []struct {
		shapes  []backend.Shape
		maxNorm float32
	}{
		{[]backend.Shape{shp(1, 1)}, 0.1},
		{[]backend.Shape{shp(3, 5), shp(1, 5)}, 0.5},                    // one group each
		{[]backend.Shape{shp(17, 61), shp(1, 61), shp(61, 3)}, 1},       // 1037: two passes
		{[]backend.Shape{shp(129, 543), shp(1, 543), shp(7, 1)}, 3},     // 70047: 69 groups
		{[]backend.Shape{shp(3, 7), shp(2, 2)}, 100},                    // under the norm: unchanged
		{[]backend.Shape{shp(300, 1001), shp(1001, 10), shp(1, 10)}, 2}, // 310310: the 1024-group cap
	} {
		r := rand.New(rand.NewPCG(uint64(i), 79))
		gs := make([][]float32, len(tc.shapes))
		for k, s := range tc.shapes {
			gs[k] = randomSlice(r, s.Len())
		}
		gotSq, got, err := clipGrads(b, c, tc.shapes, gs, tc.maxNorm)
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		wantSq, coef := clipOracle(gs, tc.maxNorm)
		// Float32 sums of positive terms: the tree's relative error is
		// about log2(n)·2⁻²⁴ ≈ 1.1e-6 at 310,310 terms; 1e-5 leaves room.
		if math.Abs(float64(gotSq)-wantSq) > 1e-5*wantSq {
			t.Errorf("%d: sum of squares %v, want %v", i, gotSq, wantSq)
		}
		// The coefficient carries the sum's error halved by the square
		// root and three float32 roundings (√, +, ÷), the product one
		// more: 1e-5 relative, plus 1e-7 absolute for values near 0.
		for k, g := range gs {
			for j, v := range g {
				want := coef * float64(v)
				if d := math.Abs(float64(got[k][j]) - want); d > 1e-7+1e-5*math.Abs(want) {
					t.Fatalf("%d: gradient %d [%d]: %v, want %v (coef %v)", i, k, j, got[k][j], want, coef)
				}
			}
		}
		if coef == 1 {
			for k := range gs {
				for j := range gs[k] {
					if got[k][j] != gs[k][j] {
						t.Fatalf("%d: gradient %d [%d] changed under the norm: %v, was %v", i, k, j, got[k][j], gs[k][j])
					}
				}
			}
		}
	}
}

// runClipSpecials: PyTorch's clip_grad_norm_ (error_if_nonfinite=False)
// on non-finite gradients. A NaN anywhere makes the norm NaN and every
// gradient NaN (torch.clamp keeps NaN); an infinite gradient makes the
// norm +Inf and the coefficient max_norm/Inf = 0, so finite gradients
// become ±0 and the infinite one NaN (Inf·0); a zero gradient stays 0
// (coef clamped to 1); a norm past √MaxFloat32 overflows to +Inf in
// float32, as in the device's sum.
func runClipSpecials(t *testing.T, b backend.Backend, c backend.GradNormClipper) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	big := make([]float32, 1037) // two passes
	for i := range big {
		big[i] = float32(i%7) - 3
	}
	withNaN := append([]float32(nil), big...)
	withNaN[1000] = nan
	for i, tc := range []struct {
		name   string
		gs     [][]float32
		wantSq float32
		want   [][]float32 // nil: every element NaN
	}{
		{"nan", [][]float32{{1, 2}, {3, nan, -1}}, nan, nil},
		{"nan, two passes", [][]float32{{1, -2}, withNaN}, nan, nil},
		{"+inf", [][]float32{{1, -2}, {inf, 0.5}}, inf, [][]float32{{0, 0}, {nan, 0}}},
		{"-inf", [][]float32{{-inf, 3}}, inf, [][]float32{{nan, 0}}},
		{"overflow", [][]float32{{2e19, -3}}, inf, [][]float32{{0, 0}}},
		{"zero", [][]float32{{0, 0, 0}, {0}}, 0, [][]float32{{0, 0, 0}, {0}}},
	} {
		shapes := make([]backend.Shape, len(tc.gs))
		for k, g := range tc.gs {
			shapes[k] = shp(1, len(g))
		}
		gotSq, got, err := clipGrads(b, c, shapes, tc.gs, 1)
		if err != nil {
			t.Fatalf("%d %s: %v", i, tc.name, err)
		}
		if !sameValue32(gotSq, tc.wantSq) {
			t.Errorf("%d %s: sum of squares %v, want %v", i, tc.name, gotSq, tc.wantSq)
		}
		for k := range got {
			for j, v := range got[k] {
				want := nan
				if tc.want != nil {
					want = tc.want[k][j]
				}
				if !sameValue32(v, want) {
					t.Errorf("%d %s: gradient %d [%d]: %v, want %v", i, tc.name, k, j, v, want)
				}
			}
		}
	}
}

// sameValue32: both NaN, or equal (+0 and −0 are equal).
func sameValue32(a, b float32) bool {
	return a == b || (a != a && b != b)
}

func runClipErrors(t *testing.T, b backend.Backend, c backend.GradNormClipper) {
	ss := &session{b: b}
	defer ss.release()
	acc, x, wide := ss.up(shp(1, 1), []float32{0}), ss.up(shp(2, 3), make([]float32, 6)), ss.up(shp(1, 2), []float32{0, 0})
	if ss.err != nil {
		t.Fatal(ss.err)
	}
	for i, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"accumulator 1×2", c.AddSquares(wide, x), backend.ErrShape},
		{"accumulator is x", c.AddSquares(acc, acc), backend.ErrAlias},
		{"sum of squares 1×2", c.ClipScale(x, wide, 1), backend.ErrShape},
		{"sum of squares is x", c.ClipScale(acc, acc, 1), backend.ErrAlias},
		{"max norm 0", c.ClipScale(x, acc, 0), backend.ErrInvalidArgument},
		{"max norm -1", c.ClipScale(x, acc, -1), backend.ErrInvalidArgument},
		{"max norm NaN", c.ClipScale(x, acc, float32(math.NaN())), backend.ErrInvalidArgument},
		{"max norm Inf", c.ClipScale(x, acc, float32(math.Inf(1))), backend.ErrInvalidArgument},
		{"nil x", c.ClipScale(nil, acc, 1), backend.ErrForeign},
	} {
		if !errors.Is(tc.err, tc.want) {
			t.Errorf("%d %s: error %v, want %v", i, tc.name, tc.err, tc.want)
		}
	}
}
