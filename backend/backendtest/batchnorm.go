package backendtest

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gltrain/backend"
)

// runBatchNorm checks backend.BatchNormer, when b implements it: the
// training forward, backward, running-statistics update and evaluation
// forward and backward against float64 oracles on random inputs, a constant channel
// (σ² = 0), NaN and ±Inf channels, repeatable bits, and the argument
// errors.
func runBatchNorm(t *testing.T, b backend.Backend) {
	bn, ok := b.(backend.BatchNormer)
	if !ok {
		return
	}
	for i, c := range []struct {
		rows int
		p    backend.BatchNorm
	}{
		{5, backend.BatchNorm{C: 3, HW: 1}},    // BatchNorm1d
		{300, backend.BatchNorm{C: 2, HW: 1}},  // 1d, 300 values a channel: not a work group
		{3, backend.BatchNorm{C: 4, HW: 35}},   // BatchNorm2d of 7×5 images
		{2, backend.BatchNorm{C: 3, HW: 5000}}, // 10000 values a channel: three GPU blocks, the last partial
	} {
		t.Run(fmt.Sprintf("batchnorm %dx%v", c.rows, c.p), func(t *testing.T) { runBatchNormCase(t, b, bn, c.rows, c.p, uint64(i)) })
	}
	t.Run("batchnorm NaN and Inf", func(t *testing.T) { runBatchNormSpecial(t, b, bn) })
	t.Run("batchnorm errors", func(t *testing.T) { runBatchNormErrors(t, b, bn) })
}

// BatchNormOracle is the training forward and backward of a batch
// normalisation in float64 from the definitions (backend.BatchNormer), x
// and dy rows×(C·HW), with the scales (sums of magnitudes of the terms)
// that bound each output's float32 rounding. stats is (μ, σ², r) by
// channel, 3×C.
type BatchNormOracle struct {
	Y, YS, Stats, DX, DXS, DW, DWS, DB, DBS []float64
}

// NewBatchNormOracle computes the oracle of x, w, bias and dy.
func NewBatchNormOracle(eps float64, rows int, p backend.BatchNorm, x, w, bias, dy []float32) BatchNormOracle {
	n, C := rows*p.C*p.HW, p.C
	o := BatchNormOracle{Y: make([]float64, n), YS: make([]float64, n), DX: make([]float64, n), DXS: make([]float64, n),
		Stats: make([]float64, 3*C), DW: make([]float64, C), DWS: make([]float64, C), DB: make([]float64, C), DBS: make([]float64, C)}
	count := float64(rows * p.HW)
	each := func(c int, f func(e int)) {
		for i := range rows {
			for s := range p.HW {
				f((i*C+c)*p.HW + s)
			}
		}
	}
	for c := range C {
		var mu, v, ag, agx float64
		each(c, func(e int) { mu += float64(x[e]) })
		mu /= count
		each(c, func(e int) { v += (float64(x[e]) - mu) * (float64(x[e]) - mu) })
		v /= count
		r := 1 / math.Sqrt(v+eps)
		o.Stats[c], o.Stats[C+c], o.Stats[2*C+c] = mu, v, r
		wc, bc := float64(w[c]), float64(bias[c])
		each(c, func(e int) {
			xh, g := (float64(x[e])-mu)*r, float64(dy[e])
			o.Y[e], o.YS[e] = xh*wc+bc, math.Abs(xh*wc)+math.Abs(bc)
			o.DB[c], o.DBS[c], ag = o.DB[c]+g, o.DBS[c]+math.Abs(g), ag+math.Abs(g)
			o.DW[c], o.DWS[c], agx = o.DW[c]+g*xh, o.DWS[c]+math.Abs(g*xh), agx+math.Abs(g*xh)
		})
		each(c, func(e int) {
			xh, g := (float64(x[e])-mu)*r, float64(dy[e])
			o.DX[e] = wc * r * (g - o.DB[c]/count - xh*o.DW[c]/count)
			o.DXS[e] = math.Abs(wc*r) * (math.Abs(g) + ag/count + math.Abs(xh)*agx/count)
		})
	}
	return o
}

// batchNormPass runs the training forward and backward, the running
// update from mean0 and var0, and the evaluation forward and backward with
// the updated statistics, into poisoned outputs, and returns y, stats, dx,
// dw, db, the running mean and variance, and the evaluation's y, dx, dw
// and db.
func batchNormPass(b backend.Backend, bn backend.BatchNormer, rows int, p backend.BatchNorm, x, w, bias, dy, mean0, var0 []float32) ([][]float32, error) {
	ss := &session{b: b}
	defer ss.release()
	xs, cs := backend.Shape{Rows: rows, Cols: p.C * p.HW}, backend.Shape{Rows: 1, Cols: p.C}
	xt, wt, bt, dyt, mt, vt := ss.up(xs, x), ss.up(cs, w), ss.up(cs, bias), ss.up(xs, dy), ss.up(cs, mean0), ss.up(cs, var0)
	yt, st, dxt, dwt, dbt, et := ss.poisoned(xs), ss.poisoned(backend.Shape{Rows: 3, Cols: p.C}), ss.poisoned(xs), ss.poisoned(cs), ss.poisoned(cs), ss.poisoned(xs)
	edx, edw, edb := ss.poisoned(xs), ss.poisoned(cs), ss.poisoned(cs)
	if ss.err == nil {
		ss.do(bn.BatchNormForward(p, backend.BatchNormEps, yt, st, xt, wt, bt))
		ss.do(bn.BatchNormBackward(p, dxt, dwt, dbt, dyt, xt, wt, st))
		ss.do(bn.BatchNormUpdate(backend.BatchNormMomentum, rows*p.HW, mt, vt, st))
		ss.do(bn.BatchNormInference(p, backend.BatchNormEps, et, xt, wt, bt, mt, vt))
		ss.do(bn.BatchNormInferenceBackward(p, backend.BatchNormEps, edx, edw, edb, dyt, xt, wt, mt, vt))
	}
	return ss.down(yt, st, dxt, dwt, dbt, mt, vt, et, edx, edw, edb), ss.err
}

// batchNormTol: y, dx, dw and db are float32 results of sums of up to
// count terms (trees of 4096-value blocks on a GPU), so their error is a
// few ulp of the sum of the terms' magnitudes (the oracle's scales) times
// log count: 1e-5 of the scale, with 1e-6 absolute for the outputs whose
// scale underflows. The statistics are compared against |want| (a mean of
// one sign's offsets, a variance and its rsqrt: no cancellation) at 1e-5,
// with 1e-6 absolute for a mean near 0.
var batchNormTol = Tol{ATol: 1e-6, RTol: 1e-5}

func runBatchNormCase(t *testing.T, b backend.Backend, bn backend.BatchNormer, rows int, p backend.BatchNorm, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 81))
	n := rows * p.C * p.HW
	x, w, bias, dy := randomSlice(r, n), randomSlice(r, p.C), randomSlice(r, p.C), randomSlice(r, n)
	mean0, var0 := randomSlice(r, p.C), randomSlice(r, p.C)
	for c := range var0 {
		var0[c] += 1.5 // a variance
	}
	for e := range x { // an offset per channel, as real activations have; channel 1 constant (σ² = 0)
		c := e / p.HW % p.C
		x[e] += float32(c)
		if c == 1 {
			x[e] = 7
		}
	}
	got, err := batchNormPass(b, bn, rows, p, x, w, bias, dy, mean0, var0)
	if err != nil {
		t.Fatal(err)
	}
	o := NewBatchNormOracle(backend.BatchNormEps, rows, p, x, w, bias, dy)
	count := float64(rows * p.HW)
	mean, variance, ey, edx := make([]float64, p.C), make([]float64, p.C), make([]float64, n), make([]float64, n)
	edw, edws, edb, edbs := make([]float64, p.C), make([]float64, p.C), make([]float64, p.C), make([]float64, p.C)
	for c := range p.C {
		m := float64(backend.BatchNormMomentum)
		mean[c] = (1-m)*float64(mean0[c]) + m*o.Stats[c]
		variance[c] = (1-m)*float64(var0[c]) + m*o.Stats[p.C+c]*count/(count-1)
	}
	for e := range ey { // from the backend's own running statistics: the update is checked above
		c := e / p.HW % p.C
		r := 1 / math.Sqrt(float64(got[6][c])+backend.BatchNormEps)
		xh, g := (float64(x[e])-float64(got[5][c]))*r, float64(dy[e])
		ey[e] = xh*float64(w[c]) + float64(bias[c])
		edx[e] = g * float64(w[c]) * r
		edw[c], edws[c], edb[c], edbs[c] = edw[c]+g*xh, edws[c]+math.Abs(g*xh), edb[c]+g, edbs[c]+math.Abs(g)
	}
	for i, c := range []struct {
		name        string
		want, scale []float64
	}{{"y", o.Y, o.YS}, {"stats", o.Stats, nil}, {"dx", o.DX, o.DXS}, {"dw", o.DW, o.DWS}, {"db", o.DB, o.DBS},
		{"running mean", mean, nil}, {"running var", variance, nil}, {"eval y", ey, nil},
		{"eval dx", edx, nil}, {"eval dw", edw, edws}, {"eval db", edb, edbs}} {
		if msg := DiffScaled(backend.Shape{Rows: 1, Cols: len(c.want)}, got[i], c.want, c.scale, batchNormTol); msg != "" {
			t.Errorf("%s: %s", c.name, msg)
		}
	}
	if got[1][p.C+1] != 0 {
		t.Errorf("σ² of the constant channel %g, want 0", got[1][p.C+1])
	}
	again, err := batchNormPass(b, bn, rows, p, x, w, bias, dy, mean0, var0)
	if err != nil {
		t.Fatal(err)
	}
	if msg := linearSameBits(got, again); msg != "" {
		t.Errorf("a second run gave other bits: %s", msg)
	}
}

// runBatchNormSpecial: a channel holding NaN, +Inf or −Inf normalises to
// NaN (PyTorch's: its mean or x − μ is NaN), and so do its dx and dw; its
// db (Σ dy) stays finite; the other channels are untouched.
func runBatchNormSpecial(t *testing.T, b backend.Backend, bn backend.BatchNormer) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	const rows = 3
	p := backend.BatchNorm{C: 4, HW: 2}
	x := []float32{
		1, 2, 1, nan, inf, 3, 4, 5,
		3, 4, 2, 2, 1, 1, -inf, 6,
		5, 0, 3, 3, 2, 2, 1, 7,
	}
	dy := []float32{1, -1, 2, 0.5, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, -2, 1, 4, 0, 2, 1, -1}
	w, bias := []float32{1, 2, -1, 0.5}, []float32{0, 1, 2, 3}
	ones := []float32{1, 1, 1, 1}
	got, err := batchNormPass(b, bn, rows, p, x, w, bias, dy, ones, ones)
	if err != nil {
		t.Fatal(err)
	}
	o := NewBatchNormOracle(backend.BatchNormEps, rows, p, x, w, bias, dy)
	for e := range o.Y {
		if c := e / p.HW % p.C; c > 0 && !math.IsNaN(o.Y[e]) {
			t.Fatalf("the oracle's y[%d] = %g in a channel with NaN or Inf", e, o.Y[e])
		}
	}
	for i, c := range []struct {
		name string
		want []float64
	}{{"y", o.Y}, {"dx", o.DX}, {"dw", o.DW}, {"db", o.DB}} {
		if msg := Diff(backend.Shape{Rows: 1, Cols: len(c.want)}, got[[]int{0, 2, 3, 4}[i]], c.want, batchNormTol); msg != "" {
			t.Errorf("%s: %s", c.name, msg)
		}
	}
}

func runBatchNormErrors(t *testing.T, b backend.Backend, bn backend.BatchNormer) {
	p := backend.BatchNorm{C: 2, HW: 3}
	ss := &session{b: b}
	defer ss.release()
	x, y := ss.poisoned(backend.Shape{Rows: 2, Cols: 6}), ss.poisoned(backend.Shape{Rows: 2, Cols: 6})
	w, bb, st := ss.poisoned(backend.Shape{Rows: 1, Cols: 2}), ss.poisoned(backend.Shape{Rows: 1, Cols: 2}), ss.poisoned(backend.Shape{Rows: 3, Cols: 2})
	odd := ss.poisoned(backend.Shape{Rows: 2, Cols: 5})
	if ss.err != nil {
		t.Fatal(ss.err)
	}
	for i, tc := range []struct {
		err  error
		want error
	}{
		{bn.BatchNormForward(p, backend.BatchNormEps, odd, st, odd, w, bb), backend.ErrShape},       // 5 columns for 2×3
		{bn.BatchNormForward(p, backend.BatchNormEps, y, w, x, w, bb), backend.ErrShape},            // stats 1×2
		{bn.BatchNormForward(p, backend.BatchNormEps, x, st, x, w, bb), backend.ErrInvalidArgument}, // y is x
		{bn.BatchNormForward(p, float32(math.NaN()), y, st, x, w, bb), backend.ErrInvalidArgument},  // eps
		{bn.BatchNormForward(backend.BatchNorm{C: 0, HW: 3}, 1e-5, y, st, x, w, bb), backend.ErrInvalidArgument},
		{bn.BatchNormForward(backend.BatchNorm{C: 2, HW: backend.MaxBatchNormCount}, 1e-5, y, st, x, w, bb), backend.ErrShape},
		{bn.BatchNormBackward(p, y, w, w, x, x, bb, st), backend.ErrInvalidArgument}, // dw is db
		{bn.BatchNormBackward(p, y, st, bb, x, x, w, st), backend.ErrShape},          // dw 3×2
		{bn.BatchNormUpdate(0.1, 1, w, bb, st), backend.ErrInvalidArgument},          // one value a channel
		{bn.BatchNormUpdate(1.5, 4, w, bb, st), backend.ErrInvalidArgument},
		{bn.BatchNormUpdate(0.1, 4, w, w, st), backend.ErrInvalidArgument},
		{bn.BatchNormUpdate(0.1, 4, w, bb, x), backend.ErrShape},
		{bn.BatchNormInference(p, 1e-5, y, x, w, bb, st, bb), backend.ErrShape},
		{bn.BatchNormInference(p, -1, y, x, w, bb, w, bb), backend.ErrInvalidArgument},
		{bn.BatchNormInferenceBackward(p, 1e-5, y, w, w, x, x, bb, w, bb), backend.ErrInvalidArgument}, // dw is db
		{bn.BatchNormInferenceBackward(p, 1e-5, y, st, bb, x, x, w, w, bb), backend.ErrShape},          // dw 3×2
	} {
		if !errors.Is(tc.err, tc.want) {
			t.Errorf("%d: error %v, want %v", i, tc.err, tc.want)
		}
	}
	if err := b.Sync(); err != nil {
		t.Errorf("the refused calls left an error behind: %v", err)
	}
}
