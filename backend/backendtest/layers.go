package backendtest

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gltrain/backend"
)

// runLayers checks the layers' optional interfaces, for those b implements:
// LayerNorm (backend.Normalizer) and average pooling (backend.AvgPooler)
// against float64 oracles on random inputs, on NaN and ±Inf inputs, for
// repeatable bits, and their argument errors.
func runLayers(t *testing.T, b backend.Backend) {
	if ln, ok := b.(backend.Normalizer); ok {
		// 300 and 5000 features are not multiples of a work group, and
		// 5000 makes each invocation of a GPU row take 20 elements; the
		// widest rows, MaxLayerNormWidth, 64.
		for i, s := range []backend.Shape{{Rows: 3, Cols: 5}, {Rows: 7, Cols: 300}, {Rows: 2, Cols: 1}, {Rows: 3, Cols: 5000}, {Rows: 2, Cols: backend.MaxLayerNormWidth}} {
			t.Run(fmt.Sprintf("layernorm %v", s), func(t *testing.T) { runLayerNormCase(t, b, ln, s, uint64(i)) })
		}
		t.Run("layernorm NaN and Inf", func(t *testing.T) { runLayerNormSpecial(t, b, ln) })
		t.Run("layernorm errors", func(t *testing.T) { runLayerNormErrors(t, b, ln) })
	}
	if ap, ok := b.(backend.AvgPooler); ok {
		for i, c := range []struct {
			n int
			p backend.Pool2D
		}{
			{2, backend.Pool2D{C: 2, H: 5, W: 7, KH: 2, KW: 2, Stride: 2}},  // the last row and column left out
			{1, backend.Pool2D{C: 1, H: 6, W: 6, KH: 3, KW: 2, Stride: 1}},  // overlapping windows
			{3, backend.Pool2D{C: 3, H: 9, W: 11, KH: 3, KW: 3, Stride: 2}}, // overlapping, strided
			{5, backend.GlobalPool2D(67, 4, 3)},                             // global, 5·67 planes: not a work group
		} {
			t.Run(fmt.Sprintf("avgpool %v", c.p), func(t *testing.T) { runAvgPoolCase(t, b, ap, c.n, c.p, uint64(i)) })
		}
		t.Run("avgpool NaN and Inf", func(t *testing.T) { runAvgPoolSpecial(t, b, ap) })
		t.Run("avgpool errors", func(t *testing.T) { runAvgPoolErrors(t, b, ap) })
	}
}

// LayerNormOracle is LayerNorm's forward and backward in float64 from the
// definitions (backend.Normalizer), x and dy m×n, with the scales (sums of
// magnitudes of the terms) that bound each output's float32 rounding.
func LayerNormOracle(eps float64, m, n int, x, w, bias, dy []float32) (y, ys, stats, dx, dxs, dw, dws, db, dbs []float64) {
	y, ys, dx, dxs = make([]float64, m*n), make([]float64, m*n), make([]float64, m*n), make([]float64, m*n)
	stats, dw, dws, db, dbs = make([]float64, 2*m), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range m {
		row, g := x[i*n:(i+1)*n], dy[i*n:(i+1)*n]
		var mu, v float64
		for _, e := range row {
			mu += float64(e)
		}
		mu /= float64(n)
		for _, e := range row {
			v += (float64(e) - mu) * (float64(e) - mu)
		}
		r := 1 / math.Sqrt(v/float64(n)+eps)
		stats[2*i], stats[2*i+1] = mu, r
		xh := make([]float64, n)
		var sg, sgx, ag, agx float64
		for j, e := range row {
			xh[j] = (float64(e) - mu) * r
			gw := float64(g[j]) * float64(w[j])
			sg, sgx, ag, agx = sg+gw, sgx+gw*xh[j], ag+math.Abs(gw), agx+math.Abs(gw*xh[j])
		}
		for j := range row {
			o := i*n + j
			y[o] = xh[j]*float64(w[j]) + float64(bias[j])
			ys[o] = math.Abs(xh[j]*float64(w[j])) + math.Abs(float64(bias[j]))
			gw := float64(g[j]) * float64(w[j])
			dx[o] = r * (gw - sg/float64(n) - xh[j]*sgx/float64(n))
			dxs[o] = r * (math.Abs(gw) + ag/float64(n) + math.Abs(xh[j])*agx/float64(n))
			dw[j] += float64(g[j]) * xh[j]
			dws[j] += math.Abs(float64(g[j]) * xh[j])
			db[j] += float64(g[j])
			dbs[j] += math.Abs(float64(g[j]))
		}
	}
	return
}

// layerNormPass runs the forward and backward passes into poisoned outputs
// and returns y, stats, dx, dw, db.
func layerNormPass(b backend.Backend, ln backend.Normalizer, m, n int, x, w, bias, dy []float32) ([][]float32, error) {
	ss := &session{b: b}
	defer ss.release()
	xs, rs := backend.Shape{Rows: m, Cols: n}, backend.Shape{Rows: 1, Cols: n}
	xt, wt, bt, dyt := ss.up(xs, x), ss.up(rs, w), ss.up(rs, bias), ss.up(xs, dy)
	yt, st, dxt, dwt, dbt := ss.poisoned(xs), ss.poisoned(backend.Shape{Rows: m, Cols: 2}), ss.poisoned(xs), ss.poisoned(rs), ss.poisoned(rs)
	if ss.err == nil {
		ss.do(ln.LayerNormForward(backend.LayerNormEps, yt, st, xt, wt, bt))
		ss.do(ln.LayerNormBackward(dxt, dwt, dbt, dyt, xt, wt, st))
	}
	return ss.down(yt, st, dxt, dwt, dbt), ss.err
}

// layerNormTol: every output is a float32 result of sums of at most n
// terms (a tree of them on a GPU), so its error is a few ulp of the sum of
// the terms' magnitudes (the oracle's scales) times log n: 1e-5 of the
// scale, with 1e-6 absolute for the outputs whose scale underflows.
var layerNormTol = Tol{ATol: 1e-6, RTol: 1e-5}

func runLayerNormCase(t *testing.T, b backend.Backend, ln backend.Normalizer, s backend.Shape, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 79))
	m, n := s.Rows, s.Cols
	x, w, bias, dy := randomSlice(r, m*n), randomSlice(r, n), randomSlice(r, n), randomSlice(r, m*n)
	for i := range x { // an offset per row, as real activations have: the mean must not cancel the variance
		x[i] += float32(i / n)
	}
	got, err := layerNormPass(b, ln, m, n, x, w, bias, dy)
	if err != nil {
		t.Fatal(err)
	}
	y, ys, stats, dx, dxs, dw, dws, db, dbs := LayerNormOracle(backend.LayerNormEps, m, n, x, w, bias, dy)
	for i, c := range []struct {
		name        string
		want, scale []float64
	}{{"y", y, ys}, {"stats", stats, nil}, {"dx", dx, dxs}, {"dw", dw, dws}, {"db", db, dbs}} {
		if msg := DiffScaled(backend.Shape{Rows: 1, Cols: len(c.want)}, got[i], c.want, c.scale, layerNormTol); msg != "" {
			t.Errorf("%s: %s", c.name, msg)
		}
	}
	again, err := layerNormPass(b, ln, m, n, x, w, bias, dy)
	if err != nil {
		t.Fatal(err)
	}
	if msg := linearSameBits(got, again); msg != "" {
		t.Errorf("a second run gave other bits: %s", msg)
	}
}

// runLayerNormSpecial: a row holding NaN, +Inf or −Inf normalises to NaN
// (PyTorch's: the mean or x − μ is NaN), and so do its gradients dx; dw
// and db take the NaN of the columns that meet it; the other rows are
// untouched. A constant row has σ² = 0 and r = 1/√eps: y = b and dx = 0·…
// finite.
func runLayerNormSpecial(t *testing.T, b backend.Backend, ln backend.Normalizer) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	const m, n = 5, 4
	x := []float32{
		1, 2, 3, 4,
		1, nan, 3, 4,
		inf, 2, 3, 4,
		1, 2, -inf, 4,
		7, 7, 7, 7,
	}
	w, bias := []float32{1, 2, -1, 0.5}, []float32{0, 1, 2, 3}
	dy := []float32{1, -1, 2, 0.5, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, -2, 1, 4}
	got, err := layerNormPass(b, ln, m, n, x, w, bias, dy)
	if err != nil {
		t.Fatal(err)
	}
	y, _, _, dx, _, dw, _, db, _ := LayerNormOracle(backend.LayerNormEps, m, n, x, w, bias, dy)
	for j := 0; j < n; j++ { // the oracle's x̂ = (Inf − Inf)·r is NaN already; make the rows' NaN explicit
		for i := 1; i <= 3; i++ {
			y[i*n+j], dx[i*n+j] = math.NaN(), math.NaN()
		}
		dw[j] = math.NaN()
	}
	for i, c := range []struct {
		name string
		want []float64
	}{{"y", y}, {"dx", dx}, {"dw", dw}, {"db", db}} {
		if msg := Diff(backend.Shape{Rows: 1, Cols: len(c.want)}, got[[]int{0, 2, 3, 4}[i]], c.want, layerNormTol); msg != "" {
			t.Errorf("%s: %s", c.name, msg)
		}
	}
}

func runLayerNormErrors(t *testing.T, b backend.Backend, ln backend.Normalizer) {
	ss := &session{b: b}
	defer ss.release()
	x, y, st := ss.poisoned(backend.Shape{Rows: 2, Cols: 3}), ss.poisoned(backend.Shape{Rows: 2, Cols: 3}), ss.poisoned(backend.Shape{Rows: 2, Cols: 2})
	w, wide := ss.poisoned(backend.Shape{Rows: 1, Cols: 3}), ss.poisoned(backend.Shape{Rows: 1, Cols: backend.MaxLayerNormWidth + 1})
	bb := ss.poisoned(backend.Shape{Rows: 1, Cols: 3})
	if ss.err != nil {
		t.Fatal(ss.err)
	}
	for i, tc := range []struct {
		err  error
		want error
	}{
		{ln.LayerNormForward(backend.LayerNormEps, y, st, x, st, w), backend.ErrShape},
		{ln.LayerNormForward(backend.LayerNormEps, y, w, x, w, w), backend.ErrShape},
		{ln.LayerNormForward(backend.LayerNormEps, wide, st, wide, wide, wide), backend.ErrInvalidArgument},
		{ln.LayerNormForward(-1, y, st, x, w, w), backend.ErrInvalidArgument},
		{ln.LayerNormForward(backend.LayerNormEps, x, st, x, w, w), backend.ErrInvalidArgument},
		{ln.LayerNormBackward(y, w, w, x, x, w, st), backend.ErrInvalidArgument},
		{ln.LayerNormBackward(y, st, w, y, x, w, st), backend.ErrShape},
		{ln.LayerNormBackward(x, w, bb, y, x, w, st), backend.ErrInvalidArgument},
	} {
		if !errors.Is(tc.err, tc.want) {
			t.Errorf("%d: error %v, want %v", i, tc.err, tc.want)
		}
	}
	if err := b.Sync(); err != nil {
		t.Errorf("the refused calls left an error behind: %v", err)
	}
}

// AvgPoolOracle is average pooling's forward and backward in float64 from
// the definitions (backend.AvgPooler): each window's mean, and dy/(KH·KW)
// added onto each element of its window.
func AvgPoolOracle(p backend.Pool2D, n int, x, dy []float32) (y, dx []float64) {
	OH, OW, area := p.OutH(), p.OutW(), float64(p.KH*p.KW)
	y, dx = make([]float64, n*p.Out()), make([]float64, n*p.In())
	for q := 0; q < n*p.C; q++ {
		for oy := 0; oy < OH; oy++ {
			for ox := 0; ox < OW; ox++ {
				o := q*OH*OW + oy*OW + ox
				for i := 0; i < p.KH; i++ {
					for j := 0; j < p.KW; j++ {
						e := q*p.H*p.W + (oy*p.Stride+i)*p.W + ox*p.Stride + j
						y[o] += float64(x[e]) / area
						dx[e] += float64(dy[o]) / area
					}
				}
			}
		}
	}
	return
}

func avgPoolPass(b backend.Backend, ap backend.AvgPooler, p backend.Pool2D, n int, x, dy []float32) ([][]float32, error) {
	ss := &session{b: b}
	defer ss.release()
	xs, ys := backend.Shape{Rows: n, Cols: p.In()}, backend.Shape{Rows: n, Cols: p.Out()}
	xt, dyt := ss.up(xs, x), ss.up(ys, dy)
	yt, dxt := ss.poisoned(ys), ss.poisoned(xs)
	if ss.err == nil {
		ss.do(ap.AvgPool2DForward(p, yt, xt))
		ss.do(ap.AvgPool2DBackward(p, dxt, dyt))
	}
	return ss.down(yt, dxt), ss.err
}

// avgPoolTol: a mean of at most KH·KW float32 terms (12 in the global
// case, 9 else) summed in float32 on a GPU: a few ulp of the sum of their
// magnitudes, well within 1e-6 relative to that sum, which the inputs in
// [−1, 1] bound by the window; 1e-6 absolute on the mean covers it.
var avgPoolTol = Tol{ATol: 1e-6, RTol: 1e-6}

func runAvgPoolCase(t *testing.T, b backend.Backend, ap backend.AvgPooler, n int, p backend.Pool2D, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 80))
	x, dy := randomSlice(r, n*p.In()), randomSlice(r, n*p.Out())
	got, err := avgPoolPass(b, ap, p, n, x, dy)
	if err != nil {
		t.Fatal(err)
	}
	y, dx := AvgPoolOracle(p, n, x, dy)
	if msg := Diff(backend.Shape{Rows: n, Cols: p.Out()}, got[0], y, avgPoolTol); msg != "" {
		t.Errorf("y: %s", msg)
	}
	if msg := Diff(backend.Shape{Rows: n, Cols: p.In()}, got[1], dx, avgPoolTol); msg != "" {
		t.Errorf("dx: %s", msg)
	}
}

// runAvgPoolSpecial: NaN, +Inf and −Inf reach exactly the means of the
// windows that hold them (+Inf with −Inf gives NaN), and a NaN or +Inf
// upstream gradient reaches exactly the elements under its window.
func runAvgPoolSpecial(t *testing.T, b backend.Backend, ap backend.AvgPooler) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	p := backend.Pool2D{C: 1, H: 3, W: 8, KH: 2, KW: 2, Stride: 1}
	x := []float32{
		1, nan, 3, 4, 5, 6, 7, 8,
		1, 2, 3, inf, 5, 6, -inf, 8,
		1, 2, 3, 4, 5, 6, 7, 8,
	}
	dy := make([]float32, p.Out())
	for i := range dy {
		dy[i] = float32(i)
	}
	dy[3], dy[12] = nan, -inf
	got, err := avgPoolPass(b, ap, p, 1, x, dy)
	if err != nil {
		t.Fatal(err)
	}
	y, dx := AvgPoolOracle(p, 1, x, dy)
	if msg := Diff(backend.Shape{Rows: 1, Cols: p.Out()}, got[0], y, avgPoolTol); msg != "" {
		t.Errorf("y: %s", msg)
	}
	if msg := Diff(backend.Shape{Rows: 1, Cols: p.In()}, got[1], dx, avgPoolTol); msg != "" {
		t.Errorf("dx: %s", msg)
	}
}

func runAvgPoolErrors(t *testing.T, b backend.Backend, ap backend.AvgPooler) {
	p := backend.Pool2D{C: 1, H: 4, W: 4, KH: 2, KW: 2, Stride: 2}
	ss := &session{b: b}
	defer ss.release()
	x, y, same := ss.poisoned(backend.Shape{Rows: 2, Cols: 16}), ss.poisoned(backend.Shape{Rows: 2, Cols: 4}), ss.poisoned(backend.Shape{Rows: 3, Cols: 4})
	one := ss.poisoned(backend.Shape{Rows: 3, Cols: 1})
	if ss.err != nil {
		t.Fatal(ss.err)
	}
	for i, tc := range []struct {
		err  error
		want error
	}{
		{ap.AvgPool2DForward(p, same, x), backend.ErrShape},
		{ap.AvgPool2DForward(p, x, x), backend.ErrShape},
		{ap.AvgPool2DForward(backend.Pool2D{C: 1, H: 4, W: 4, KH: 5, KW: 1, Stride: 1}, y, x), backend.ErrShape},
		{ap.AvgPool2DForward(backend.Pool2D{C: 1, H: 4, W: 4, KH: 2, KW: 2, Stride: 0}, y, x), backend.ErrInvalidArgument},
		{ap.AvgPool2DBackward(backend.GlobalPool2D(1, 1, 1), one, one), backend.ErrInvalidArgument},
		{ap.AvgPool2DBackward(p, y, x), backend.ErrShape},
	} {
		if !errors.Is(tc.err, tc.want) {
			t.Errorf("%d: error %v, want %v", i, tc.err, tc.want)
		}
	}
	if err := b.Sync(); err != nil {
		t.Errorf("the refused calls left an error behind: %v", err)
	}
}
