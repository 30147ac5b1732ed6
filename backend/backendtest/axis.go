package backendtest

import (
	"fmt"
	"math"
	"testing"

	"gltrain/backend"
)

// runAxis checks backend.AxisReducer and backend.LogSoftmaxer, when b
// implements them, against float64 oracles on random inputs, on rows and
// columns longer than a work group's chunk (4096) so that a backend's
// partials and finishing pass run, on NaN, ±Inf and ties against PyTorch's
// values, and on reruns that must give the same bits.
func runAxis(t *testing.T, b backend.Backend) {
	r, ok := b.(backend.AxisReducer)
	if !ok {
		t.Skipf("%s does not implement AxisReducer", b.Name())
	}
	// 1×1; not multiples of 16 or 256; rows and columns of 5000 (two
	// levels of a 4096-input chunk), and 5000 short reductions.
	shapes := []backend.Shape{shp(1, 1), shp(3, 5), shp(37, 300), shp(2, 5000), shp(5000, 3)}
	for _, sh := range shapes {
		for _, a := range []backend.Axis{backend.AlongRows, backend.AlongCols} {
			t.Run(fmt.Sprintf("%v %v", a, sh), func(t *testing.T) { runAxisRandom(t, b, r, a, sh) })
		}
	}
	t.Run("max specials", func(t *testing.T) { runMaxSpecials(t, b, r) })
	t.Run("determinism", func(t *testing.T) { runAxisDeterminism(t, b, r) })
	t.Run("errors", func(t *testing.T) { runAxisErrors(t, b, r) })
	ls, ok := b.(backend.LogSoftmaxer)
	if !ok {
		t.Skipf("%s does not implement LogSoftmaxer", b.Name())
	}
	for _, sh := range shapes {
		t.Run(fmt.Sprintf("log-softmax %v", sh), func(t *testing.T) { runLogSoftmaxRandom(t, b, ls, sh) })
	}
	t.Run("log-softmax torch values", func(t *testing.T) { runLogSoftmaxTorch(t, b, ls) })
}

// reduction returns the indices of x's elements that reduction r along a
// takes, in order.
func reduction(a backend.Axis, sh backend.Shape, r int) []int {
	var idx []int
	if a == backend.AlongCols {
		for i := 0; i < sh.Rows; i++ {
			idx = append(idx, i*sh.Cols+r)
		}
		return idx
	}
	for j := 0; j < sh.Cols; j++ {
		idx = append(idx, r*sh.Cols+j)
	}
	return idx
}

// axisPass runs ReduceSum (scale), ReduceMax and both ReduceBackwards on x
// and dy, returning sum, max, arg, dx of the sum and dx of the max.
func axisPass(b backend.Backend, r backend.AxisReducer, a backend.Axis, sh backend.Shape, scale float32, x, dy []float32) ([][]float32, error) {
	ss := &session{b: b}
	defer ss.release()
	red := a.Reduced(sh)
	xt, dyt := ss.up(sh, x), ss.up(red, dy)
	sum, mx, arg := ss.poisoned(red), ss.poisoned(red), ss.poisoned(red)
	dxs, dxm := ss.poisoned(sh), ss.poisoned(sh)
	if ss.err == nil {
		ss.do(r.ReduceSum(a, scale, sum, xt))
		ss.do(r.ReduceMax(a, mx, arg, xt))
		ss.do(r.ReduceBackward(a, scale, dxs, dyt, nil))
		ss.do(r.ReduceBackward(a, 0, dxm, dyt, arg))
	}
	return ss.down(sum, mx, arg, dxs, dxm), ss.err
}

// randomData is n values uniform in [−1, 1) from seed.
func randomData(seed uint64, n int) []float32 {
	rng := backend.NewRand(seed)
	v := make([]float32, n)
	for i := range v {
		v[i] = 2*rng.Float32() - 1
	}
	return v
}

func runAxisRandom(t *testing.T, b backend.Backend, r backend.AxisReducer, a backend.Axis, sh backend.Shape) {
	red := a.Reduced(sh)
	x, dy := randomData(uint64(sh.Len()), sh.Len()), randomData(uint64(red.Len()+7), red.Len())
	scale := float32(0.75)
	out, err := axisPass(b, r, a, sh, scale, x, dy)
	if err != nil {
		t.Fatal(err)
	}
	sum, mx, arg, dxs, dxm := out[0], out[1], out[2], out[3], out[4]
	for k := 0; k < red.Len(); k++ {
		idx := reduction(a, sh, k)
		var s, abs float64
		best := 0
		for p, e := range idx {
			s += float64(x[e])
			abs += math.Abs(float64(x[e]))
			if x[e] > x[idx[best]] {
				best = p
			}
		}
		// A float32 sum of L terms in any order is within L·2^−24·Σ|x|
		// of the exact one; the tree's depth is far below L, and 1e-6·Σ|x|
		// is well above its bound for these sizes while far below a
		// missing or doubled term (≈ 0.5 on average).
		if want := float64(scale) * s; math.Abs(float64(sum[k])-want) > 1e-6*abs+1e-7 {
			t.Errorf("sum %d: got %g, want %g", k, sum[k], want)
		}
		if mx[k] != x[idx[best]] || arg[k] != float32(best) {
			t.Errorf("max %d: got %g at %g, want %g at %d", k, mx[k], arg[k], x[idx[best]], best)
		}
		for p, e := range idx {
			// Exact: one float32 product, rounded once, in both.
			if want := float32(float64(scale) * float64(dy[k])); dxs[e] != want {
				t.Errorf("sum backward %d,%d: got %g, want %g", k, p, dxs[e], want)
			}
			want := float32(0)
			if p == best {
				want = dy[k]
			}
			if dxm[e] != want {
				t.Errorf("max backward %d,%d: got %g, want %g", k, p, dxm[e], want)
			}
		}
		if t.Failed() {
			return
		}
	}
}

// maxSpecials are rows whose max torch.max(x, 1) gives (torch 1.13): ties
// go to the first, the first NaN wins, −Inf throughout gives index 0, +Inf
// beats numbers, and −0 ties +0 (the first kept).
var maxSpecials = []struct {
	row  []float32
	max  float32
	arg  float32
	nanM bool
}{
	{row: []float32{1, 3, 3, 2}, max: 3, arg: 1},
	{row: []float32{nan32, 5, nan32, 1}, arg: 0, nanM: true},
	{row: []float32{1, 5, nan32, nan32}, arg: 2, nanM: true},
	{row: []float32{-inf32, -inf32, -inf32, -inf32}, max: -inf32, arg: 0},
	{row: []float32{2, inf32, inf32, 1}, max: inf32, arg: 1},
	{row: []float32{negZero32, 0, -1, -2}, max: negZero32, arg: 0},
}

// runMaxSpecials checks maxSpecials along rows and, transposed, along
// columns, each also padded to 5000 elements with −Inf so that a backend's
// chunks split it, and the max gradient's place.
func runMaxSpecials(t *testing.T, b backend.Backend, r backend.AxisReducer) {
	for _, width := range []int{4, 5000} {
		m := len(maxSpecials)
		x := make([]float32, m*width)
		xt := make([]float32, m*width) // the transpose: width×m
		for i, tc := range maxSpecials {
			for j := 0; j < width; j++ {
				v := -inf32
				if j < len(tc.row) {
					v = tc.row[j]
				}
				x[i*width+j], xt[j*m+i] = v, v
			}
		}
		dy := make([]float32, m)
		for i := range dy {
			dy[i] = float32(i + 1)
		}
		for _, a := range []backend.Axis{backend.AlongRows, backend.AlongCols} {
			sh, data := shp(m, width), x
			if a == backend.AlongCols {
				sh, data = shp(width, m), xt
			}
			out, err := axisPass(b, r, a, sh, 1, data, dy)
			if err != nil {
				t.Fatal(err)
			}
			for i, tc := range maxSpecials {
				got, at := out[1][i], out[2][i]
				okMax := math.Float32bits(got) == math.Float32bits(tc.max) || tc.nanM && got != got
				if !okMax || at != tc.arg {
					t.Errorf("%v width %d row %d %v: got %g at %g, want %g at %g", a, width, i, tc.row, got, at, tc.max, tc.arg)
				}
				for p, e := range reduction(a, sh, i) {
					want := float32(0)
					if float32(p) == tc.arg {
						want = dy[i]
					}
					if out[4][e] != want {
						t.Errorf("%v width %d row %d: max backward at %d: got %g, want %g", a, width, i, p, out[4][e], want)
					}
				}
			}
		}
	}
}

func runAxisDeterminism(t *testing.T, b backend.Backend, r backend.AxisReducer) {
	x, dy := randomData(11, 27000), randomData(12, 27000)
	for _, a := range []backend.Axis{backend.AlongRows, backend.AlongCols} {
		sh := shp(3, 9000) // reductions of 9000: a partial level, then the finishing one
		if a == backend.AlongCols {
			sh = shp(9000, 3)
		}
		first, err := axisPass(b, r, a, sh, 1, x, dy[:a.Reduced(sh).Len()])
		if err != nil {
			t.Fatal(err)
		}
		again, err := axisPass(b, r, a, sh, 1, x, dy[:a.Reduced(sh).Len()])
		if err != nil {
			t.Fatal(err)
		}
		if d := linearSameBits(again, first); d != "" {
			t.Errorf("%v: rerun differs: %s", a, d)
		}
	}
	if ls, ok := b.(backend.LogSoftmaxer); ok {
		sh := shp(3, 9000)
		first, err := logSoftmaxPass(b, ls, sh, x, dy)
		if err != nil {
			t.Fatal(err)
		}
		again, err := logSoftmaxPass(b, ls, sh, x, dy)
		if err != nil {
			t.Fatal(err)
		}
		if d := linearSameBits(again, first); d != "" {
			t.Errorf("log-softmax: rerun differs: %s", d)
		}
	}
}

func runAxisErrors(t *testing.T, b backend.Backend, r backend.AxisReducer) {
	newT := func(rows, cols int) backend.Tensor {
		t.Helper()
		x, err := backend.FromData(b, shp(rows, cols), make([]float32, rows*cols))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Release(x) })
		return x
	}
	x, col, row, col2 := newT(3, 4), newT(3, 1), newT(1, 4), newT(3, 1)
	checkErrors(t, []errorCase{
		{"sum along rows into 1×4", func() error { return r.ReduceSum(backend.AlongRows, 1, row, x) }, backend.ErrShape, []string{"reduce sum", "3×4", "3×1", "1×4"}},
		{"max along columns into 3×1", func() error { return r.ReduceMax(backend.AlongCols, col, col2, x) }, backend.ErrShape, []string{"reduce max", "3×4"}},
		{"max arg is dst", func() error { return r.ReduceMax(backend.AlongRows, col, col, x) }, backend.ErrAlias, []string{"reduce max", "dst", "arg"}},
		{"backward dy of x's shape", func() error { return r.ReduceBackward(backend.AlongRows, 1, x, row, nil) }, backend.ErrShape, []string{"reduce backward", "1×4"}},
		{"backward arg 1×4", func() error { return r.ReduceBackward(backend.AlongRows, 1, x, col, row) }, backend.ErrShape, []string{"reduce backward", "arg"}},
		{"unknown axis", func() error { return r.ReduceSum(7, 1, col, x) }, backend.ErrInvalidArgument, []string{"reduce sum", "axis"}},
		{"foreign", func() error { return r.ReduceSum(backend.AlongRows, 1, col, foreignTensor{}) }, backend.ErrForeign, []string{"reduce sum"}},
	})
}

// logSoftmaxPass runs the forward pass on x and the backward pass on its
// output and dy, returning y and dx.
func logSoftmaxPass(b backend.Backend, ls backend.LogSoftmaxer, sh backend.Shape, x, dy []float32) ([][]float32, error) {
	ss := &session{b: b}
	defer ss.release()
	xt, dyt := ss.up(sh, x), ss.up(sh, dy)
	y, dx := ss.poisoned(sh), ss.poisoned(sh)
	if ss.err == nil {
		ss.do(ls.LogSoftmaxForward(y, xt))
		ss.do(ls.LogSoftmaxBackward(dx, y, dyt))
	}
	return ss.down(y, dx), ss.err
}

func runLogSoftmaxRandom(t *testing.T, b backend.Backend, ls backend.LogSoftmaxer, sh backend.Shape) {
	x, dy := randomData(uint64(sh.Len()+1), sh.Len()), randomData(uint64(sh.Len()+2), sh.Len())
	for i := range x {
		x[i] *= 20 // exp's range matters: logits up to ±20
	}
	out, err := logSoftmaxPass(b, ls, sh, x, dy)
	if err != nil {
		t.Fatal(err)
	}
	y, dx := out[0], out[1]
	n := sh.Cols
	for i := 0; i < sh.Rows; i++ {
		row := x[i*n : (i+1)*n]
		mx := math.Inf(-1)
		for _, v := range row {
			mx = math.Max(mx, float64(v))
		}
		var s, sdy, absDy float64
		for j, v := range row {
			s += math.Exp(float64(v) - mx)
			sdy += float64(dy[i*n+j])
			absDy += math.Abs(float64(dy[i*n+j]))
		}
		lse := mx + math.Log(s)
		for j, v := range row {
			e := i*n + j
			// Forward: x − lse loses at most an ulp of |x| + |lse|, and
			// the device's sum of exps and log add a few ulp of lse:
			// 4e-6 of |x| + |lse| covers both (float32's ulp is 6e-8).
			want := float64(v) - lse
			if math.Abs(float64(y[e])-want) > 4e-6*(math.Abs(float64(v))+math.Abs(lse))+1e-6 {
				t.Fatalf("row %d col %d: log-softmax %g, want %g", i, j, y[e], want)
			}
			// Backward, from the device's own y: dy − exp(y)·Σdy, whose
			// error is a few ulp of |dy| + exp(y)·Σ|dy| plus exp(y)'s
			// relative error (≈ |y|·ulp from y's rounding) times Σ|dy|.
			p := math.Exp(float64(y[e]))
			wantDx := float64(dy[e]) - p*sdy
			tol := 1e-5*(math.Abs(float64(dy[e]))+p*absDy) + 1e-6*p*absDy*math.Abs(float64(y[e]))
			if math.Abs(float64(dx[e])-wantDx) > tol {
				t.Fatalf("row %d col %d: log-softmax backward %g, want %g", i, j, dx[e], wantDx)
			}
		}
	}
}

// logSoftmaxTorch are rows and torch.log_softmax(x, 1)'s values and
// gradient for dy = 1 (torch 1.13, printed to 4 decimals; the test checks
// them to 1e-4): +Inf, NaN and −Inf throughout make NaN rows; −Inf with a
// finite max gives −Inf there and gradient 1.
var logSoftmaxTorch = []struct{ x, y, dx []float32 }{
	{x: []float32{1, inf32, 2}, y: []float32{nan32, nan32, nan32}, dx: []float32{nan32, nan32, nan32}},
	{x: []float32{1, -inf32, 2}, y: []float32{-1.3133, -inf32, -0.3133}, dx: []float32{0.1932, 1, -1.1932}},
	{x: []float32{-inf32, -inf32, -inf32}, y: []float32{nan32, nan32, nan32}, dx: []float32{nan32, nan32, nan32}},
	{x: []float32{nan32, 1, 2}, y: []float32{nan32, nan32, nan32}, dx: []float32{nan32, nan32, nan32}},
	{x: []float32{1e30, -1e30, 0}, y: []float32{0, -2e30, -1e30}, dx: []float32{-2, 1, 1}},
}

func runLogSoftmaxTorch(t *testing.T, b backend.Backend, ls backend.LogSoftmaxer) {
	for _, width := range []int{3, 5000} {
		m := len(logSoftmaxTorch)
		x, dy := make([]float32, m*width), make([]float32, m*width)
		for i, tc := range logSoftmaxTorch {
			copy(x[i*width:], tc.x)
			for j := 3; j < width; j++ {
				x[i*width+j] = -inf32 // −Inf adds exp(−Inf) = 0: the row's values stay torch's
			}
			for j := 0; j < 3; j++ {
				dy[i*width+j] = 1
			}
		}
		out, err := logSoftmaxPass(b, ls, shp(m, width), x, dy)
		if err != nil {
			t.Fatal(err)
		}
		for i, tc := range logSoftmaxTorch {
			for j := 0; j < 3; j++ {
				for k, pair := range [][2]float32{{out[0][i*width+j], tc.y[j]}, {out[1][i*width+j], tc.dx[j]}} {
					got, want := pair[0], pair[1]
					ok := got == want || want != want && got != got || math.Abs(float64(got-want)) <= 1e-4*math.Max(1, math.Abs(float64(want)))
					if !ok {
						t.Errorf("width %d row %d %v col %d output %d: got %g, want %g", width, i, tc.x, j, k, got, want)
					}
				}
			}
		}
	}
}
