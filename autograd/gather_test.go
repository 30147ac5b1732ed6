package autograd_test

import (
	"errors"
	"strings"
	"testing"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
)

// gatherCases cover GatherRows of a computed value: repeated ids (2 three
// times, 0 twice), an unused row, and x reached both through the gather and
// directly, so that the scatter-add adds to a gradient already written.
func gatherCases() []gradCase {
	ids := constant(6, 1, []float32{2, 0, 2, 1, 2, 0})
	x := variable(4, 3, uniform(12, 130, -1, 1))
	tanh := backend.Activation{Kind: backend.Tanh}
	return []gradCase{
		{"gather rows of tanh(x)", []autograd.GradInput{x, ids, weights(6, 3, 131)},
			func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
				return project(g, g.GatherRows(g.Activation(tanh, v[0]), v[1]), v[2])
			}},
		{"gather rows + x⊙x", []autograd.GradInput{x, ids, weights(6, 3, 132)},
			func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
				return g.Add(g.Sum(g.Mul(v[0], v[0])), project(g, g.GatherRows(v[0], v[1]), v[2]))
			}},
	}
}

// TestGatherRowsGradients checks GatherRows' scatter-add backward against
// centred finite differences on every backend, within gradTol.
func TestGatherRowsGradients(t *testing.T) {
	checkGradCases(t, gatherCases)
}

// noScatter hides a backend's RowScatterer, so that Embedding's backward
// takes the onehot(ids)ᵀ·dy path.
type noScatter struct{ backend.Backend }

// TestEmbeddingScatterMatchesOneHot: on every backend, the ScatterAddRows
// backward and the onehot(ids)ᵀ·dy one give the same table gradient but
// for the order of the float32 sums. Each is within 1e-6 of the float64
// sum (TestEmbeddingScatter), so they are within 2e-6 (absolute plus
// relative) of each other.
func TestEmbeddingScatterMatchesOneHot(t *testing.T) {
	const n, vocab, dim = 300, 9, 5
	ids := make([]float32, n)
	for i := range ids {
		ids[i] = float32((i * 7) % 8) // row 8 unused
	}
	dy := uniform(n*dim, 133, -1, 1)
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		grad := func(b backend.Backend) []float32 {
			g := autograd.NewGraph(b)
			defer g.Reset()
			w := g.Leaf(upload(t, b, shp(vocab, dim), uniform(vocab*dim, 134, -1, 1)), true)
			y := g.Embedding(g.Input(upload(t, b, shp(n, 1), ids)), w)
			if err := g.Backward(g.Sum(g.Mul(y, g.Constant(y.Shape(), dy)))); err != nil {
				t.Fatal(err)
			}
			dw, err := backend.ToHost(b, w.Grad())
			if err != nil {
				t.Fatal(err)
			}
			return dw
		}
		if _, ok := b.(backend.RowScatterer); !ok {
			t.Fatalf("%s does not implement RowScatterer", b.Name())
		}
		scatter, hot := grad(b), grad(noScatter{b})
		if msg := backendtest.Diff(shp(vocab, dim), scatter, backendtest.To64(hot), backendtest.Tol{RTol: 2e-6, ATol: 2e-6}); msg != "" {
			t.Errorf("scatter against onehot: %s", msg)
		}
		for j := 8 * dim; j < vocab*dim; j++ {
			if scatter[j] != 0 {
				t.Errorf("unused row: dw[%d] = %g, want 0", j, scatter[j])
			}
		}
	})
}

// TestGatherRowsBadIDs: an id that is not a row gives a NaN row forward
// and a NaN gradient for every element of x, on the scatter path; bad
// shapes are an error naming the op, not a panic.
func TestGatherRowsBadIDs(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		g := autograd.NewGraph(b)
		defer g.Reset()
		x := g.Leaf(upload(t, b, shp(3, 2), uniform(6, 135, -1, 1)), true)
		y := g.GatherRows(x, g.Input(upload(t, b, shp(2, 1), []float32{1, 3})))
		if err := g.Backward(g.Sum(y)); err != nil {
			t.Fatal(err)
		}
		dx, err := backend.ToHost(b, x.Grad())
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range dx {
			if v == v {
				t.Errorf("dx[%d] = %g, want NaN", i, v)
			}
		}
		g2 := autograd.NewGraph(b)
		defer g2.Reset()
		g2.GatherRows(g2.Input(x.Tensor()), g2.Input(upload(t, b, shp(2, 2), make([]float32, 4))))
		if err := g2.Err(); !errors.Is(err, backend.ErrShape) {
			t.Errorf("ids 2×2: error %v, want ErrShape", err)
		} else if msg := err.Error(); !strings.Contains(msg, "gather rows") || !strings.Contains(msg, "2×2") {
			t.Errorf("ids 2×2: error %q does not name the op and the shape", msg)
		}
	})
}
