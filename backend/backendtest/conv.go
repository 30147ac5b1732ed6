package backendtest

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gltrain/backend"
)

// ConvGeometries are the convolutions of the suite: odd sizes, non-square
// images and kernels, stride 2, padding 1 and 2, a 1×1 kernel, a kernel as
// large as the padded image, the two layers of the MNIST CNN, and a batch of
// 37 small images, more than the CPU backend's 16 slabs of the filter
// gradient (so that slabs hold two and three images). Batches are small
// otherwise, so that llvmpipe runs them quickly.
var ConvGeometries = []struct {
	N int
	G backend.Conv2D
}{
	{2, backend.Conv2D{C: 1, H: 5, W: 5, K: 2, KH: 3, KW: 3, Stride: 1, Pad: 0}},
	{2, backend.Conv2D{C: 3, H: 9, W: 9, K: 4, KH: 3, KW: 3, Stride: 2, Pad: 1}},
	{3, backend.Conv2D{C: 2, H: 7, W: 5, K: 3, KH: 3, KW: 2, Stride: 1, Pad: 1}},
	{2, backend.Conv2D{C: 2, H: 6, W: 11, K: 5, KH: 4, KW: 3, Stride: 2, Pad: 2}},
	{2, backend.Conv2D{C: 3, H: 4, W: 6, K: 2, KH: 1, KW: 1, Stride: 1, Pad: 0}},
	{2, backend.Conv2D{C: 1, H: 3, W: 4, K: 2, KH: 5, KW: 6, Stride: 1, Pad: 1}},
	{2, backend.Conv2D{C: 1, H: 28, W: 28, K: 32, KH: 3, KW: 3, Stride: 1, Pad: 0}},
	{2, backend.Conv2D{C: 32, H: 13, W: 13, K: 64, KH: 3, KW: 3, Stride: 1, Pad: 0}},
	{37, backend.Conv2D{C: 2, H: 5, W: 4, K: 3, KH: 3, KW: 3, Stride: 1, Pad: 1}},
}

// PoolGeometries are the max poolings of the suite: the usual 2×2 stride 2,
// odd sizes that drop the last row and column, overlapping 3×3 windows of
// stride 1 and 2, and a non-square window.
var PoolGeometries = []struct {
	N int
	P backend.Pool2D
}{
	{2, backend.Pool2D{C: 3, H: 8, W: 8, KH: 2, KW: 2, Stride: 2}},
	{2, backend.Pool2D{C: 2, H: 9, W: 7, KH: 2, KW: 2, Stride: 2}},
	{3, backend.Pool2D{C: 1, H: 6, W: 7, KH: 3, KW: 3, Stride: 1}},
	{2, backend.Pool2D{C: 2, H: 9, W: 9, KH: 3, KW: 3, Stride: 2}},
	{2, backend.Pool2D{C: 2, H: 5, W: 8, KH: 2, KW: 3, Stride: 2}},
}

// convTol: each output is a sum of Patch (or K·KH·KW) float32 products in an
// order each backend chooses (BLAS blocks, a GL tree): float32 rounding of
// sums of up to 300 terms of size ~1 is ~300·6e-8 ≈ 2e-5 of Σ|terms| at
// worst, and the error is measured against Σ|terms| (DiffScaled).
var convTol = Tol{ATol: 1e-6, RTol: 3e-5}

// runConv checks backend.Convolver, when b implements it: every geometry
// against float64 oracles, max pooling's ties and NaN, and the argument
// errors.
func runConv(t *testing.T, b backend.Backend) {
	cv, ok := b.(backend.Convolver)
	if !ok {
		t.Skipf("%s does not implement Convolver", b.Name())
	}
	for i, c := range ConvGeometries {
		t.Run(fmt.Sprintf("conv %d %v", i, c.G), func(t *testing.T) { runConvCase(t, b, cv, c.N, c.G, uint64(i)) })
	}
	for i, c := range PoolGeometries {
		t.Run(fmt.Sprintf("pool %d %v", i, c.P), func(t *testing.T) { runPoolCase(t, b, cv, c.N, c.P, uint64(i)) })
	}
	t.Run("pool ties and NaN", func(t *testing.T) { runPoolSpecial(t, b, cv) })
	t.Run("conv NaN and Inf", func(t *testing.T) { runConvSpecial(t, b, cv) })
	t.Run("errors", func(t *testing.T) { runConvErrors(t, b, cv) })
}

func randomSlice(r *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.Float64()*2 - 1)
	}
	return x
}

// ConvOracle computes the three passes of a convolution in float64 from
// their definitions (backend.Convolver), with Σ|terms| of each output. The
// zero padding takes part in the sums, so that an infinite weight or
// upstream gradient meets its zeros as in PyTorch (Inf·0 = NaN).
func ConvOracle(g backend.Conv2D, n int, x, w, bias, dy []float32) (y, yScale, dx, dxScale, dw, dwScale, db []float64) {
	OH, OW := g.OutH(), g.OutW()
	y, yScale = make([]float64, n*g.Out()), make([]float64, n*g.Out())
	dx, dxScale = make([]float64, n*g.In()), make([]float64, n*g.In())
	dw, dwScale = make([]float64, g.K*g.Patch()), make([]float64, g.K*g.Patch())
	db = make([]float64, g.K)
	for s := 0; s < n; s++ {
		for k := 0; k < g.K; k++ {
			for oy := 0; oy < OH; oy++ {
				for ox := 0; ox < OW; ox++ {
					o := s*g.Out() + (k*OH+oy)*OW + ox
					y[o], yScale[o] = float64(bias[k]), math.Abs(float64(bias[k]))
					d := float64(dy[o])
					db[k] += d
					for c := 0; c < g.C; c++ {
						for i := 0; i < g.KH; i++ {
							for j := 0; j < g.KW; j++ {
								h, v := oy*g.Stride+i-g.Pad, ox*g.Stride+j-g.Pad
								wi := k*g.Patch() + (c*g.KH+i)*g.KW + j
								wv := float64(w[wi])
								if h < 0 || h >= g.H || v < 0 || v >= g.W {
									// Padding is zeros that take part, as in
									// PyTorch: Inf·0 is NaN in y and dw.
									y[o] += wv * 0
									dw[wi] += d * 0
									continue
								}
								xi := s*g.In() + (c*g.H+h)*g.W + v
								xv := float64(x[xi])
								y[o] += wv * xv
								yScale[o] += math.Abs(wv * xv)
								dx[xi] += wv * d
								dxScale[xi] += math.Abs(wv * d)
								dw[wi] += d * xv
								dwScale[wi] += math.Abs(d * xv)
							}
						}
					}
				}
			}
		}
	}
	return
}

// convShapes are the shapes of y, x, w and b for n images.
func convShapes(g backend.Conv2D, n int) [4]backend.Shape {
	return [4]backend.Shape{{Rows: n, Cols: g.Out()}, {Rows: n, Cols: g.In()}, {Rows: g.K, Cols: g.Patch()}, {Rows: 1, Cols: g.K}}
}

// convPasses runs the three passes of a convolution on b into poisoned
// outputs and returns y, dx, dw and db.
func convPasses(b backend.Backend, cv backend.Convolver, g backend.Conv2D, n int, x, w, bias, dy []float32) ([][]float32, error) {
	ss := &session{b: b}
	defer ss.release()
	sh := convShapes(g, n)
	xt, wt, bt, dyt := ss.up(sh[1], x), ss.up(sh[2], w), ss.up(sh[3], bias), ss.up(sh[0], dy)
	yt, dxt, dwt, dbt := ss.poisoned(sh[0]), ss.poisoned(sh[1]), ss.poisoned(sh[2]), ss.poisoned(sh[3])
	if ss.err == nil {
		ss.do(cv.Conv2DForward(g, yt, xt, wt, bt))
		ss.do(cv.Conv2DBackwardData(g, dxt, dyt, wt))
		ss.do(cv.Conv2DBackwardFilter(g, dwt, dbt, xt, dyt))
	}
	got := ss.down(yt, dxt, dwt, dbt)
	return got, ss.err
}

func runConvCase(t *testing.T, b backend.Backend, cv backend.Convolver, n int, g backend.Conv2D, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 77))
	x, w, bias, dy := randomSlice(r, n*g.In()), randomSlice(r, g.K*g.Patch()), randomSlice(r, g.K), randomSlice(r, n*g.Out())
	y, ys, dx, dxs, dw, dws, db := ConvOracle(g, n, x, w, bias, dy)
	got, err := convPasses(b, cv, g, n, x, w, bias, dy)
	if err != nil {
		t.Fatal(err)
	}
	sh := convShapes(g, n)
	for i, c := range []struct {
		name        string
		s           backend.Shape
		want, scale []float64
	}{{"y", sh[0], y, ys}, {"dx", sh[1], dx, dxs}, {"dw", sh[2], dw, dws}, {"db", sh[3], db, nil}} {
		tol := convTol
		if c.scale == nil { // db sums n·OH·OW terms that may nearly cancel: both backends sum in double
			tol.RTol = 1e-5
		}
		if msg := DiffScaled(c.s, got[i], c.want, c.scale, tol); msg != "" {
			t.Errorf("%s: %s", c.name, msg)
		}
	}
}

// PoolOracle is max pooling's forward and backward from the definitions:
// the first maximum (or first NaN) of each window, and dy summed back onto
// it.
func PoolOracle(p backend.Pool2D, n int, x, dy []float32) (y, arg, dx []float32) {
	OH, OW := p.OutH(), p.OutW()
	y, arg, dx = make([]float32, n*p.Out()), make([]float32, n*p.Out()), make([]float32, n*p.In())
	for sc := 0; sc < n*p.C; sc++ {
		for oy := 0; oy < OH; oy++ {
			for ox := 0; ox < OW; ox++ {
				best, at := float32(0), -1
				for i := 0; i < p.KH; i++ {
					for j := 0; j < p.KW; j++ {
						v := x[sc*p.H*p.W+(oy*p.Stride+i)*p.W+ox*p.Stride+j]
						switch {
						case at < 0, isNaN32(v) && !isNaN32(best), v > best:
							best, at = v, i*p.KW+j
						}
					}
				}
				o := sc*OH*OW + oy*OW + ox
				y[o], arg[o] = best, float32(at)
				i, j := at/p.KW, at%p.KW
				dx[sc*p.H*p.W+(oy*p.Stride+i)*p.W+ox*p.Stride+j] += dy[o]
			}
		}
	}
	return
}

func poolPass(b backend.Backend, cv backend.Convolver, p backend.Pool2D, n int, x, dy []float32) ([][]float32, error) {
	ss := &session{b: b}
	defer ss.release()
	xs, ys := backend.Shape{Rows: n, Cols: p.In()}, backend.Shape{Rows: n, Cols: p.Out()}
	xt, dyt := ss.up(xs, x), ss.up(ys, dy)
	yt, argt, dxt := ss.poisoned(ys), ss.poisoned(ys), ss.poisoned(xs)
	if ss.err == nil {
		ss.do(cv.MaxPool2DForward(p, yt, argt, xt))
		ss.do(cv.MaxPool2DBackward(p, dxt, argt, dyt))
	}
	return ss.down(yt, argt, dxt), ss.err
}

func runPoolCase(t *testing.T, b backend.Backend, cv backend.Convolver, n int, p backend.Pool2D, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 78))
	x, dy := randomSlice(r, n*p.In()), randomSlice(r, n*p.Out())
	got, err := poolPass(b, cv, p, n, x, dy)
	if err != nil {
		t.Fatal(err)
	}
	y, arg, dx := PoolOracle(p, n, x, dy)
	// The maxima and their places are exact; dx sums at most ⌈KH/S⌉·⌈KW/S⌉
	// values in a fixed order, exact but for float32 rounding.
	for i, c := range []struct {
		name string
		got  []float32
		want []float32
		tol  Tol
	}{{"y", got[0], y, Tol{}}, {"arg", got[1], arg, Tol{}}, {"dx", got[2], dx, Tol{ATol: 1e-6, RTol: 1e-6}}} {
		if msg := Diff(backend.Shape{Rows: n, Cols: len(c.want) / n}, c.got, To64(c.want), c.tol); msg != "" {
			t.Errorf("%d %s: %s", i, c.name, msg)
		}
	}
}

// runPoolSpecial: ties go to the first maximum in row-major window order
// (and its gradient to it alone), −0 against +0 included; NaN wins at its
// first place, also when it opens a window of larger numbers; −Inf is a
// maximum like any other; a window of −Inf picks its first.
func runPoolSpecial(t *testing.T, b backend.Backend, cv backend.Convolver) {
	nan, inf, negZero := float32(math.NaN()), float32(math.Inf(1)), float32(math.Copysign(0, -1))
	p := backend.Pool2D{C: 1, H: 2, W: 12, KH: 2, KW: 2, Stride: 2}
	x := []float32{
		1, 3, 5, nan, -inf, -inf, 2, 2, nan, 5, negZero, 0,
		3, 3, nan, 9, -inf, -inf, inf, 2, 7, 1, 0, negZero,
	}
	dy := []float32{1, 2, 3, 4, 5, 6}
	got, err := poolPass(b, cv, p, 1, x, dy)
	if err != nil {
		t.Fatal(err)
	}
	wantY, wantArg := []float32{3, nan, -inf, inf, nan, negZero}, []float32{1, 1, 0, 2, 0, 0}
	wantDx := []float32{
		0, 1, 0, 2, 3, 0, 0, 0, 5, 0, 6, 0,
		0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0,
	}
	if msg := sameBits(got[0], wantY); msg != "" {
		t.Errorf("y: %s", msg)
	}
	if msg := sameBits(got[1], wantArg); msg != "" {
		t.Errorf("arg: %s", msg)
	}
	if msg := sameBits(got[2], wantDx); msg != "" {
		t.Errorf("dx: %s", msg)
	}
}

// runConvSpecial: a NaN pixel, a +Inf pixel and a +Inf upstream gradient
// reach exactly the outputs, input gradients and weight gradients whose
// sums hold them, as IEEE arithmetic in the float64 oracle gives them (NaN,
// ±Inf, or finite); finite values are compared as in the random cases. The
// geometry has stride 2 and padding 1, so the padded border takes part.
func runConvSpecial(t *testing.T, b backend.Backend, cv backend.Convolver) {
	g := backend.Conv2D{C: 2, H: 7, W: 6, K: 3, KH: 3, KW: 3, Stride: 2, Pad: 1}
	const n = 2
	r := rand.New(rand.NewPCG(91, 92))
	x, w, bias, dy := randomSlice(r, n*g.In()), randomSlice(r, g.K*g.Patch()), randomSlice(r, g.K), randomSlice(r, n*g.Out())
	x[1*g.In()+0*g.H*g.W+3*g.W+2] = float32(math.NaN())  // image 1, channel 0, row 3, column 2
	x[0*g.In()+1*g.H*g.W+0*g.W+5] = float32(math.Inf(1)) // image 0, channel 1, corner
	dy[1*g.Out()+2] = float32(math.Inf(1))
	y, ys, dx, dxs, dw, dws, db := ConvOracle(g, n, x, w, bias, dy)
	got, err := convPasses(b, cv, g, n, x, w, bias, dy)
	if err != nil {
		t.Fatal(err)
	}
	kind := func(v float64) string {
		switch {
		case math.IsNaN(v):
			return "NaN"
		case math.IsInf(v, 1):
			return "+Inf"
		case math.IsInf(v, -1):
			return "-Inf"
		}
		return "finite"
	}
	for i, c := range []struct {
		name        string
		want, scale []float64
	}{{"y", y, ys}, {"dx", dx, dxs}, {"dw", dw, dws}, {"db", db, nil}} {
		special := 0
		for j, v := range c.want {
			if k := kind(v); k != kind(float64(got[i][j])) {
				t.Fatalf("%s[%d]: %v, want %s (%v)", c.name, j, got[i][j], k, v)
			} else if k != "finite" {
				special++
				continue
			}
			scale := math.Abs(v)
			if c.scale != nil {
				scale = c.scale[j]
			}
			if d := math.Abs(float64(got[i][j]) - v); d > convTol.ATol+convTol.RTol*scale && c.scale != nil {
				t.Errorf("%s[%d]: %v, want %v", c.name, j, got[i][j], v)
			}
		}
		if special == 0 && c.name != "dx" {
			t.Errorf("%s: no NaN or Inf reached it: the case tests nothing there", c.name)
		}
	}
}

func runConvErrors(t *testing.T, b backend.Backend, cv backend.Convolver) {
	g := backend.Conv2D{C: 1, H: 5, W: 5, K: 2, KH: 3, KW: 3, Stride: 1}
	ss := &session{b: b}
	defer ss.release()
	x, w, bias := ss.poisoned(backend.Shape{Rows: 2, Cols: 25}), ss.poisoned(backend.Shape{Rows: 2, Cols: 9}), ss.poisoned(backend.Shape{Rows: 1, Cols: 2})
	y, wrongY := ss.poisoned(backend.Shape{Rows: 2, Cols: 18}), ss.poisoned(backend.Shape{Rows: 3, Cols: 18})
	if ss.err != nil {
		t.Fatal(ss.err)
	}
	big := g
	big.KH = 8
	zero := g
	zero.Stride = 0
	for i, tc := range []struct {
		err  error
		want error
	}{
		{cv.Conv2DForward(g, wrongY, x, w, bias), backend.ErrShape},
		{cv.Conv2DForward(g, y, x, bias, bias), backend.ErrShape},
		{cv.Conv2DForward(big, y, x, w, bias), backend.ErrShape},
		{cv.Conv2DForward(zero, y, x, w, bias), backend.ErrInvalidArgument},
		{cv.Conv2DBackwardData(g, x, wrongY, w), backend.ErrShape},
		{cv.MaxPool2DForward(backend.Pool2D{C: 1, H: 5, W: 5, KH: 6, KW: 2, Stride: 2}, y, y, x), backend.ErrShape},
	} {
		if !errors.Is(tc.err, tc.want) {
			t.Errorf("%d: error %v, want %v", i, tc.err, tc.want)
		}
	}
	if err := b.Sync(); err != nil {
		t.Errorf("the refused calls left an error behind: %v", err)
	}
}
