package autograd_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
)

// batchNormCases cover BatchNorm in training: BatchNorm1d (rows of 3
// features) and BatchNorm2d (2 images of 2 channels of 2×3), every input
// through a projection; x used twice (BatchNorm(x)·x), so x's gradient sums
// two shares; one value as both weight and bias; and evaluation, where the
// running statistics are constants.
func batchNormCases() []gradCase {
	const eps = backend.BatchNormEps
	d1, d2 := backend.BatchNorm{C: 3, HW: 1}, backend.BatchNorm{C: 2, HW: 6}
	ch := func(c int, seed uint64) autograd.GradInput { return variable(1, c, uniform(c, seed, 0.5, 1.5)) }
	bn := func(p backend.BatchNorm, x, w, b *autograd.Value, g *autograd.Graph) *autograd.Value {
		return g.BatchNorm(p, eps, x, w, b, nil, true)
	}
	return []gradCase{
		{"batchnorm1d", []autograd.GradInput{variable(5, 3, uniform(15, 130, -2, 2)), ch(3, 131), ch(3, 132), weights(5, 3, 133)},
			func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
				return project(g, bn(d1, v[0], v[1], v[2], g), v[3])
			}},
		{"batchnorm2d", []autograd.GradInput{variable(2, 12, uniform(24, 134, -2, 2)), ch(2, 135), ch(2, 136), weights(2, 12, 137)},
			func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
				return project(g, bn(d2, v[0], v[1], v[2], g), v[3])
			}},
		{"batchnorm2d(x)·x", []autograd.GradInput{variable(2, 12, uniform(24, 138, -2, 2)), ch(2, 139), ch(2, 140)},
			func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
				return g.Sum(g.Mul(bn(d2, v[0], v[1], v[2], g), v[0]))
			}},
		{"batchnorm2d evaluation", []autograd.GradInput{variable(2, 12, uniform(24, 144, -2, 2)), ch(2, 145), ch(2, 146), weights(2, 12, 147)},
			func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
				run := &autograd.BatchNormRunning{Mean: g.Constant(shp(1, 2), []float32{0.3, -0.2}).Tensor(), Var: g.Constant(shp(1, 2), []float32{0.8, 1.7}).Tensor()}
				return project(g, g.BatchNorm(d2, eps, v[0], v[1], v[2], run, false), v[3])
			}},
		{"batchnorm1d, weight as bias", []autograd.GradInput{variable(4, 3, uniform(12, 141, -2, 2)), ch(3, 142), weights(4, 3, 143)},
			func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
				return project(g, bn(d1, v[0], v[1], v[1], g), v[2])
			}},
	}
}

// TestBatchNormGradients checks BatchNorm's backward step in training
// against centred finite differences on every backend, within gradTol
// (gradcheck_test.go says why).
func TestBatchNormGradients(t *testing.T) {
	checkGradCases(t, batchNormCases)
}

// TestBatchNormRunning: two training forwards move the running statistics
// as PyTorch does (momentum 0.1, the unbiased variance), worked out here
// in float64 (1e-5 relative: float32 sums of 8 values and two updates), and
// an evaluation forward normalises with them.
func TestBatchNormRunning(t *testing.T) {
	p := backend.BatchNorm{C: 2, HW: 2}
	const rows = 2
	xs := [][]float32{uniform(8, 150, -1, 3), uniform(8, 151, -2, 1)}
	w, bias := []float32{1.5, -0.5}, []float32{0.25, 2}
	mean, variance := []float64{0, 0}, []float64{1, 1}
	for _, x := range xs {
		for c := range p.C {
			var s, q float64
			for i := range rows {
				for k := range p.HW {
					s += float64(x[(i*p.C+c)*p.HW+k])
				}
			}
			mu := s / rows / float64(p.HW)
			for i := range rows {
				for k := range p.HW {
					d := float64(x[(i*p.C+c)*p.HW+k]) - mu
					q += d * d
				}
			}
			mean[c] = 0.9*mean[c] + 0.1*mu
			variance[c] = 0.9*variance[c] + 0.1*q/float64(rows*p.HW-1)
		}
	}
	x := xs[1]
	ey := make([]float64, len(x))
	for e := range x {
		c := e / p.HW % p.C
		ey[e] = (float64(x[e])-mean[c])/math.Sqrt(variance[c]+backend.BatchNormEps)*float64(w[c]) + float64(bias[c])
	}
	tol := backendtest.Tol{ATol: 1e-6, RTol: 1e-5}
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		run := &autograd.BatchNormRunning{Mean: upload(t, b, shp(1, 2), []float32{0, 0}), Var: upload(t, b, shp(1, 2), []float32{1, 1}), Momentum: backend.BatchNormMomentum}
		wt, bt := upload(t, b, shp(1, 2), w), upload(t, b, shp(1, 2), bias)
		g := autograd.NewGraph(b)
		defer g.Reset()
		for _, x := range xs {
			g.BatchNorm(p, backend.BatchNormEps, g.Input(upload(t, b, shp(rows, 4), x)), g.Input(wt), g.Input(bt), run, true)
		}
		y := g.BatchNorm(p, backend.BatchNormEps, g.Input(upload(t, b, shp(rows, 4), x)), g.Input(wt), g.Input(bt), run, false)
		if err := g.Err(); err != nil {
			t.Fatal(err)
		}
		for i, c := range []struct {
			name string
			t    backend.Tensor
			want []float64
		}{{"running mean", run.Mean, mean}, {"running var", run.Var, variance}, {"eval y", y.Tensor(), ey}} {
			got, err := backend.ToHost(b, c.t)
			if err != nil {
				t.Fatal(err)
			}
			if msg := backendtest.Diff(shp(1, len(got)), got, c.want, tol); msg != "" {
				t.Errorf("%d %s: %s", i, c.name, msg)
			}
		}
	})
}

// TestBatchNormErrors: one value a channel in training, evaluation
// without running statistics, shapes that do not fit, and a backend without BatchNormer each record an error naming
// batchnorm, without panicking.
func TestBatchNormErrors(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	p := backend.BatchNorm{C: 2, HW: 1}
	w := upload(t, b, shp(1, 2), []float32{1, 1})
	run := &autograd.BatchNormRunning{Mean: upload(t, b, shp(1, 2), []float32{0, 0}), Var: upload(t, b, shp(1, 2), []float32{1, 1})}
	for i, tc := range []struct {
		rows, cols int
		p          backend.BatchNorm
		run        *autograd.BatchNormRunning
		train      bool
		grad       bool
		want       error
	}{
		{1, 2, p, run, true, false, backend.ErrInvalidArgument},
		{3, 2, p, nil, false, false, backend.ErrInvalidArgument},
		{3, 3, p, run, true, false, backend.ErrShape},
		{3, 2, backend.BatchNorm{C: 2, HW: 0}, run, true, false, backend.ErrInvalidArgument},
	} {
		g := autograd.NewGraph(b)
		x := g.Leaf(upload(t, b, shp(tc.rows, tc.cols), make([]float32, tc.rows*tc.cols)), tc.grad)
		g.BatchNorm(tc.p, backend.BatchNormEps, x, g.Input(w), g.Input(w), tc.run, tc.train)
		if err := g.Err(); !errors.Is(err, tc.want) || !strings.Contains(err.Error(), "batchnorm") {
			t.Errorf("%d: error %v, want %v naming batchnorm", i, err, tc.want)
		}
		g.Reset()
	}
	nb := newNullBackend()
	xt, err := nb.New(shp(2, 1))
	if err != nil {
		t.Fatal(err)
	}
	g := autograd.NewGraph(nb)
	g.BatchNorm(backend.BatchNorm{C: 1, HW: 1}, backend.BatchNormEps, g.Input(xt), g.Input(xt), g.Input(xt), nil, true)
	if err := g.Err(); !errors.Is(err, backend.ErrUnsupported) || !strings.Contains(err.Error(), "batchnorm") {
		t.Errorf("null backend: error %v, want ErrUnsupported naming batchnorm", err)
	}
}
