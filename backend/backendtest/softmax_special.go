package backendtest

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"gltrain/backend"
)

// runSoftmax checks backend.Softmaxer, when b implements it, beyond the
// random cases of Cases: rows worked by hand, PyTorch's values on rows with
// NaN, ±Inf and huge values, the same rows among ordinary ones in rows a
// backend splits, reruns that must give the same bits, and the argument
// errors.
func runSoftmax(t *testing.T, b backend.Backend) {
	s, ok := b.(backend.Softmaxer)
	if !ok {
		t.Skipf("%s does not implement Softmaxer", b.Name())
	}
	t.Run("hand-computed", func(t *testing.T) { runSoftmaxExact(t, b, s) })
	t.Run("torch values", func(t *testing.T) { runSoftmaxTorch(t, b, s) })
	for _, n := range []int{7, 5000} {
		t.Run(fmt.Sprintf("non-finite rows of %d", n), func(t *testing.T) { runSoftmaxNonFinite(t, b, s, n) })
	}
	t.Run("determinism", func(t *testing.T) { runSoftmaxDeterminism(t, b, s) })
	t.Run("errors", func(t *testing.T) { runSoftmaxErrors(t, b, s) })
}

// softmaxPass runs the forward pass on x (when dy is nil) or the backward
// pass on y = x and dy, into a poisoned output, and returns the output.
func softmaxPass(b backend.Backend, s backend.Softmaxer, sh backend.Shape, x, dy []float32) ([]float32, error) {
	ss := &session{b: b}
	defer ss.release()
	xt, out := ss.up(sh, x), ss.poisoned(sh)
	if dy == nil {
		if ss.err == nil {
			ss.do(s.SoftmaxForward(out, xt))
		}
	} else {
		dyt := ss.up(sh, dy)
		if ss.err == nil {
			ss.do(s.SoftmaxBackward(out, xt, dyt))
		}
	}
	res := ss.down(out)
	return res[0], ss.err
}

// softmaxExact are rows worked by hand. Forward: e^−1 = 0.36787944 and
// e^−2 = 0.13533528 give softmax(1, 2, 3) = (e^−2, e^−1, 1)/1.50321472;
// exp(ln 3) = 3 gives (1, 3, 0)/4, with e^(−1e30) = 0; equal values share
// evenly; one column is 1. Backward, dx = y·(dy − s): y = (0.2, 0.3, 0.5)
// and dy = (1, 2, 3) give s = 2.3 and (−0.26, −0.09, 0.35); y = (0.25, 0.75,
// 0) and dy = (1, −1, 9) give s = −0.5 and (0.375, −0.375, 0); a gradient
// constant along the row gives 0; one column gives 0.
var softmaxExact = []struct {
	name  string
	shape backend.Shape
	x, dy []float32 // dy nil: the forward pass on x; else the backward on y = x
	want  []float32
}{
	{name: "forward", shape: shp(3, 3),
		x:    []float32{1, 2, 3, 0, float32(math.Log(3)), -1e30, 7, 7, 7},
		want: []float32{0.09003057, 0.24472847, 0.66524096, 0.25, 0.75, 0, 1.0 / 3, 1.0 / 3, 1.0 / 3}},
	{name: "forward, one column", shape: shp(3, 1), x: []float32{5, -3, 1e30}, want: []float32{1, 1, 1}},
	{name: "backward", shape: shp(3, 3),
		x:    []float32{0.2, 0.3, 0.5, 0.25, 0.75, 0, 0.5, 0.25, 0.25},
		dy:   []float32{1, 2, 3, 1, -1, 9, 4, 4, 4},
		want: []float32{-0.26, -0.09, 0.35, 0.375, -0.375, 0, 0, 0, 0}},
	{name: "backward, one column", shape: shp(2, 1), x: []float32{1, 1}, dy: []float32{5, -2}, want: []float32{0, 0}},
}

func runSoftmaxExact(t *testing.T, b backend.Backend, s backend.Softmaxer) {
	for i, tc := range softmaxExact {
		got, err := softmaxPass(b, s, tc.shape, tc.x, tc.dy)
		if err != nil {
			t.Fatalf("%d %s: %v", i, tc.name, err)
		}
		if msg := Diff(tc.shape, got, To64(tc.want), exactTolerance); msg != "" {
			t.Errorf("%d %s: %s", i, tc.name, msg)
		}
	}
}

// softmaxTorch are rows with their values from PyTorch 1.13 in float32:
// torch.softmax(x, dim=1) for the forward rows, and
// torch._softmax_backward_data(dy, y, 1, torch.float32) for the backward
// ones. A NaN or +Inf anywhere, or −Inf throughout, makes the row NaN; −Inf
// among finite values is 0; the backward pass is y·(dy − s) in IEEE
// arithmetic, zeros keeping their sign.
var softmaxTorch = []struct {
	name       string
	x, dy      []float32 // dy nil: forward on x; else backward on y = x
	want       []float64
	signedZero bool
}{
	{name: "NaN", x: []float32{nan32, 1, 2}, want: []float64{nan64, nan64, nan64}},
	{name: "+Inf", x: []float32{inf32, 1, 2}, want: []float64{nan64, nan64, nan64}},
	{name: "two +Inf", x: []float32{inf32, inf32, 1}, want: []float64{nan64, nan64, nan64}},
	{name: "+Inf and −Inf", x: []float32{inf32, -inf32, 0}, want: []float64{nan64, nan64, nan64}},
	{name: "−Inf", x: []float32{-inf32, 1, 2}, want: []float64{0, 0.2689414322376251, 0.7310585975646973}, signedZero: true},
	{name: "−Inf throughout", x: []float32{-inf32, -inf32, -inf32}, want: []float64{nan64, nan64, nan64}},
	{name: "±1e30", x: []float32{1e30, 0, -1e30}, want: []float64{1, 0, 0}, signedZero: true},
	{name: "±0", x: []float32{0, negZero32, -inf32}, want: []float64{0.5, 0.5, 0}, signedZero: true},
	// e^−88/(1 + e^−88) is subnormal in float32: a GPU may give 0.
	{name: "±88", x: []float32{88, -88, 0}, want: []float64{1, 0, 6.054601485195952e-39}},
	{name: "one column", x: []float32{5}, want: []float64{1}},
	{name: "one column +Inf", x: []float32{inf32}, want: []float64{nan64}},
	{name: "one column −Inf", x: []float32{-inf32}, want: []float64{nan64}},
	{name: "one column NaN", x: []float32{nan32}, want: []float64{nan64}},
	{name: "backward, dy +Inf where y is 0", x: []float32{0, 0.25, 0.75}, dy: []float32{inf32, 1, 2}, want: []float64{nan64, nan64, nan64}},
	{name: "backward, dy +Inf where y is not 0", x: []float32{0, 0.25, 0.75}, dy: []float32{1, inf32, 2},
		want: []float64{nan64, nan64, math.Inf(-1)}},
	{name: "backward, dy NaN", x: []float32{0, 0.25, 0.75}, dy: []float32{nan32, 0, 0}, want: []float64{nan64, nan64, nan64}},
	{name: "backward, dy ±1e30", x: []float32{0, 0.25, 0.75}, dy: []float32{1e30, -1e30, 0},
		want: []float64{0, -1.8750001226613288e+29, 1.8750001226613288e+29}, signedZero: true},
	{name: "backward, y one-hot", x: []float32{1, 0, 0}, dy: []float32{1, -2, 0.5}, want: []float64{0, negZero64, negZero64}, signedZero: true},
	{name: "backward, one column", x: []float32{1}, dy: []float32{5}, want: []float64{0}},
	{name: "backward, one column, dy +Inf", x: []float32{1}, dy: []float32{inf32}, want: []float64{nan64}},
}

var (
	nan64     = math.NaN()
	negZero64 = math.Copysign(0, -1)
)

func runSoftmaxTorch(t *testing.T, b backend.Backend, s backend.Softmaxer) {
	for i, tc := range softmaxTorch {
		got, err := softmaxPass(b, s, shp(1, len(tc.x)), tc.x, tc.dy)
		if err != nil {
			t.Fatalf("%d %s: %v", i, tc.name, err)
		}
		if msg := softmaxSpecialDiff(got, tc.want, tc.signedZero); msg != "" {
			t.Errorf("%d %s: x %v, dy %v: %s", i, tc.name, tc.x, tc.dy, msg)
		}
	}
}

// softmaxSpecialDiff reports the elements of got that differ from want:
// NaN must be NaN, an infinity the same infinity, a zero a zero of the same
// sign when signedZeroo, and a finite value within specialTol.
func softmaxSpecialDiff(got []float32, want []float64, signedZeroo bool) string {
	var bad []string
	for i, w := range want {
		g := float64(got[i])
		var ok bool
		switch {
		case math.IsNaN(w) || math.IsNaN(g):
			ok = math.IsNaN(w) && math.IsNaN(g)
		case math.IsInf(w, 0) || math.IsInf(g, 0):
			ok = g == w
		case w == 0:
			ok = g == 0 && (!signedZeroo || math.Signbit(g) == math.Signbit(w))
		default:
			ok = math.Abs(g-w) <= specialTol.ATol+specialTol.RTol*math.Abs(w)
		}
		if !ok {
			bad = append(bad, fmt.Sprintf("[%d] got %g want %g", i, g, w))
		}
	}
	return strings.Join(bad, "; ")
}

// runSoftmaxNonFinite puts the non-finite rows of softmaxTorch among
// ordinary values in rows of n, where a backend may split the row (GL, for
// n = 5000), and checks both passes against the oracles: row 0 has a NaN
// near its end, row 1 a +Inf at its end, row 2 is −Inf throughout, row 3
// has −Inf at both ends and in the middle, row 4 is N(0, 1). In the
// backward pass (on the backend's own y) row 4's dy has a +Inf, which
// makes that element NaN and the rest of the row −Inf, and row 3's dy a
// NaN where y is 0, which makes the row NaN.
func runSoftmaxNonFinite(t *testing.T, b backend.Backend, s backend.Softmaxer, n int) {
	sh := shp(5, n)
	seed := caseSeed("softmax non-finite", Dims{M: 5, N: n}, false)
	x, dy := draw(In{Shape: sh}, seed, false), draw(In{Shape: sh}, seed+1, false)
	row := func(i int) []float32 { return x[i*n : (i+1)*n] }
	row(0)[n-2] = nan32
	row(1)[n-1] = inf32
	for j := range row(2) {
		row(2)[j] = -inf32
	}
	row(3)[0], row(3)[n/2], row(3)[n-1] = -inf32, -inf32, -inf32
	dy[4*n+n/3] = inf32
	dy[3*n+n/2] = nan32
	y, err := softmaxPass(b, s, sh, x, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantY := make([]float64, len(x))
	softmaxOracle(wantY, To64(x), n)
	if msg := DiffScaled(sh, y, wantY, nil, softmaxTol); msg != "" {
		t.Errorf("forward: %s", msg)
	}
	dx, err := softmaxPass(b, s, sh, y, dy)
	if err != nil {
		t.Fatal(err)
	}
	want := Mat{Shape: sh, Data: make([]float64, len(x))}
	softmaxBackwardOracle(&want, wantY, To64(dy), n)
	if msg := DiffScaled(sh, dx, want.Data, want.Scale, softmaxBackwardTol); msg != "" {
		t.Errorf("backward: %s", msg)
	}
}

// runSoftmaxDeterminism runs both passes twice on rows a backend keeps
// whole and rows it may split, and requires the same bits.
func runSoftmaxDeterminism(t *testing.T, b backend.Backend, s backend.Softmaxer) {
	for _, d := range []Dims{{M: 257, N: 129}, {M: 2, N: 70000}} {
		sh := shapeOf(d)
		x, dy := draw(In{Shape: sh}, 7, true), draw(In{Shape: sh}, 8, false)
		var first [2][]float32
		for run := 0; run < 2; run++ {
			y, err := softmaxPass(b, s, sh, x, nil)
			if err != nil {
				t.Fatal(err)
			}
			dx, err := softmaxPass(b, s, sh, y, dy)
			if err != nil {
				t.Fatal(err)
			}
			if run == 0 {
				first = [2][]float32{y, dx}
				continue
			}
			for i, pass := range []string{"forward", "backward"} {
				if msg := sameBits([][]float32{y, dx}[i], first[i]); msg != "" {
					t.Errorf("%v %s: second run: %s", sh, pass, msg)
				}
			}
		}
	}
}

// runSoftmaxErrors checks the argument errors of both passes.
func runSoftmaxErrors(t *testing.T, b backend.Backend, s backend.Softmaxer) {
	newT := func(r, c int) backend.Tensor {
		x, err := backend.FromData(b, shp(r, c), make([]float32, r*c))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Release(x) })
		return x
	}
	x, y, dy, dx, d32 := newT(2, 3), newT(2, 3), newT(2, 3), newT(2, 3), newT(3, 2)
	released := newT(2, 3)
	if err := b.Release(released); err != nil {
		t.Fatal(err)
	}
	checkErrors(t, []errorCase{
		{"forward shapes", func() error { return s.SoftmaxForward(d32, x) }, backend.ErrShape, []string{"softmax forward", "3×2", "2×3"}},
		{"forward in place", func() error { return s.SoftmaxForward(x, x) }, backend.ErrAlias, []string{"softmax forward", "dst"}},
		{"forward nil dst", func() error { return s.SoftmaxForward(nil, x) }, backend.ErrForeign, nil},
		{"forward foreign x", func() error { return s.SoftmaxForward(y, foreignTensor{}) }, backend.ErrForeign, nil},
		{"forward released x", func() error { return s.SoftmaxForward(y, released) }, backend.ErrReleased, nil},
		{"backward dy shape", func() error { return s.SoftmaxBackward(dx, y, d32) }, backend.ErrShape, []string{"softmax backward", "2×3", "3×2"}},
		{"backward dx shape", func() error { return s.SoftmaxBackward(d32, y, dy) }, backend.ErrShape, []string{"softmax backward", "3×2"}},
		{"backward dx is dy", func() error { return s.SoftmaxBackward(dy, y, dy) }, backend.ErrAlias, []string{"dx", "dy"}},
		{"backward dx is y", func() error { return s.SoftmaxBackward(y, y, dy) }, backend.ErrAlias, []string{"dx", "y"}},
		{"backward nil dy", func() error { return s.SoftmaxBackward(dx, y, nil) }, backend.ErrForeign, nil},
	})
	if err := s.SoftmaxBackward(dx, y, y); err != nil {
		t.Errorf("backward with y as dy: %v, want nil", err)
	}
}
