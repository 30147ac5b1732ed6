package autograd_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
)

// layerCases cover LayerNorm and AvgPool2D: every input of LayerNorm
// (x, weight and bias) through a projection; x used twice (LayerNorm(x)·x),
// so x's gradient sums two shares; one value as both weight and bias;
// overlapping and strided average pooling, and the global one; and a
// LayerNorm feeding an average pooling.
func layerCases() []gradCase {
	const eps = backend.LayerNormEps
	x := func(seed uint64) autograd.GradInput { return variable(3, 6, uniform(18, seed, -2, 2)) }
	row := func(seed uint64) autograd.GradInput { return variable(1, 6, uniform(6, seed, 0.5, 1.5)) }
	overlap := backend.Pool2D{C: 2, H: 4, W: 5, KH: 3, KW: 2, Stride: 1}
	strided := backend.Pool2D{C: 1, H: 5, W: 7, KH: 2, KW: 3, Stride: 2}
	global := backend.GlobalPool2D(3, 2, 3)
	pool := func(p backend.Pool2D, seed uint64) gradCase {
		return gradCase{"avgpool2d " + p.String(), []autograd.GradInput{variable(2, p.In(), uniform(2*p.In(), seed, -1, 1)), weights(2, p.Out(), seed+1)},
			func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
				return project(g, g.AvgPool2D(p, v[0]), v[1])
			}}
	}
	return []gradCase{
		{"layernorm", []autograd.GradInput{x(90), row(91), row(92), weights(3, 6, 93)},
			func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
				return project(g, g.LayerNorm(eps, v[0], v[1], v[2]), v[3])
			}},
		{"layernorm(x)·x", []autograd.GradInput{x(94), row(95), row(96)},
			func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
				return g.Sum(g.Mul(g.LayerNorm(eps, v[0], v[1], v[2]), v[0]))
			}},
		{"layernorm, weight as bias", []autograd.GradInput{x(97), row(98), weights(3, 6, 99)},
			func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
				return project(g, g.LayerNorm(eps, v[0], v[1], v[1]), v[2])
			}},
		pool(overlap, 100), pool(strided, 102), pool(global, 104),
		// ids 2 and 0 repeat: their rows' gradients sum several shares; row 3
		// is never used and gets zero; the table is reused as a projection.
		{"embedding", []autograd.GradInput{constant(6, 1, []float32{2, 0, 2, 1, 2, 0}), variable(4, 3, uniform(12, 110, -1, 1)), weights(6, 3, 111)},
			func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
				return project(g, g.Embedding(v[0], v[1]), v[2])
			}},
		{"embedding·table", []autograd.GradInput{constant(4, 1, []float32{1, 1, 0, 1}), variable(4, 4, uniform(16, 112, -1, 1))},
			func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
				return g.Sum(g.MatMul(g.Embedding(v[0], v[1]), v[1]))
			}},
		{"layernorm→avgpool2d", []autograd.GradInput{variable(2, overlap.In(), uniform(2*overlap.In(), 106, -1, 1)),
			variable(1, overlap.In(), uniform(overlap.In(), 107, 0.5, 1.5)), variable(1, overlap.In(), uniform(overlap.In(), 108, -1, 1)),
			weights(2, overlap.Out(), 109)},
			func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
				return project(g, g.AvgPool2D(overlap, g.LayerNorm(eps, v[0], v[1], v[2])), v[3])
			}},
	}
}

// TestLayerGradients checks LayerNorm's and AvgPool2D's backward steps
// against centred finite differences on every backend, within gradTol
// (gradcheck_test.go says why).
func TestLayerGradients(t *testing.T) {
	checkGradCases(t, layerCases)
}

// TestEmbeddingScatter: Embedding's weight gradient on every backend is
// the scatter-add of dy by the ids, worked out here in float64 (sums of
// at most 40 products by 0 or 1, exact but for float32 rounding: 1e-6
// relative), with many repeated ids, an unused row, and the same bits on
// a second run; an id out of range gives a row of NaN.
func TestEmbeddingScatter(t *testing.T) {
	const n, vocab, dim = 300, 7, 5
	ids := make([]float32, n)
	for i := range ids {
		ids[i] = float32((i * i) % (vocab - 1)) // row vocab−1 never used
	}
	dy := uniform(n*dim, 120, -1, 1)
	want := make([]float64, vocab*dim)
	for i, id := range ids {
		for j := 0; j < dim; j++ {
			want[int(id)*dim+j] += float64(dy[i*dim+j])
		}
	}
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		run := func(ids []float32) ([]float32, []float32) {
			g := autograd.NewGraph(b)
			defer g.Reset()
			w := g.Leaf(upload(t, b, shp(vocab, dim), uniform(vocab*dim, 121, -1, 1)), true)
			y := g.Embedding(g.Input(upload(t, b, shp(len(ids), 1), ids)), w)
			if err := g.Backward(g.Sum(g.Mul(y, g.Constant(y.Shape(), dy[:len(ids)*dim])))); err != nil {
				t.Fatal(err)
			}
			yh, err := backend.ToHost(b, y.Tensor())
			if err != nil {
				t.Fatal(err)
			}
			dw, err := backend.ToHost(b, w.Grad())
			if err != nil {
				t.Fatal(err)
			}
			return yh, dw
		}
		_, dw := run(ids)
		if msg := backendtest.Diff(shp(vocab, dim), dw, want, backendtest.Tol{RTol: 1e-6, ATol: 1e-6}); msg != "" {
			t.Errorf("dw: %s", msg)
		}
		if _, again := run(ids); !slices.Equal(dw, again) {
			t.Errorf("a second run gave other bits")
		}
		y, _ := run([]float32{1, vocab, -1})
		for j := 0; j < 2*dim; j++ {
			if v := y[dim+j]; v == v {
				t.Errorf("y[%d] = %g for an id out of range, want NaN", dim+j, v)
			}
		}
	})
}

// TestLayersUnsupported: on a backend without the optional interfaces,
// LayerNorm and AvgPool2D record an error wrapping ErrUnsupported that
// names the operation, and nothing panics.
func TestLayersUnsupported(t *testing.T) {
	b := newNullBackend()
	for i, f := range []func(g *autograd.Graph, x *autograd.Value) *autograd.Value{
		func(g *autograd.Graph, x *autograd.Value) *autograd.Value {
			return g.LayerNorm(backend.LayerNormEps, x, x, x)
		},
		func(g *autograd.Graph, x *autograd.Value) *autograd.Value {
			return g.AvgPool2D(backend.GlobalPool2D(1, 1, 1), x)
		},
	} {
		xt, err := b.New(shp(1, 1))
		if err != nil {
			t.Fatal(err)
		}
		g := autograd.NewGraph(b)
		f(g, g.Input(xt))
		if err := g.Err(); !errors.Is(err, backend.ErrUnsupported) || !strings.Contains(err.Error(), []string{"layernorm", "avgpool2d"}[i]) {
			t.Errorf("%d: error %v, want ErrUnsupported naming the op", i, err)
		}
	}
}
