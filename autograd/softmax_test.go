package autograd_test

import (
	"errors"
	"fmt"
	"log"
	"math"
	"strings"
	"testing"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
)

// softmaxCases check Softmax's backward step: projected onto random
// weights, as a value used twice (y⊙y, where an overwritten gradient shows),
// with its input used again beside it, and under a loss whose upstream
// gradient is a tensor. The logits span [−3, 3], so the probabilities range
// over two orders of magnitude and no row is one-hot. Measured on the CPU
// backend, the cases are within 1e-4 to 7e-4 of gradTol's 1e-2 (the largest
// under the mean squared error, whose gradient elements are small).
func softmaxCases() []gradCase {
	x := variable(4, 5, uniform(20, 41, -3, 3))
	w := weights(4, 5, 42)
	return []gradCase{
		{"softmax", []autograd.GradInput{x, w}, func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
			return project(g, g.Softmax(v[0]), v[1])
		}},
		{"softmax y⊙y", []autograd.GradInput{x, w}, func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
			y := g.Softmax(v[0])
			return project(g, g.Mul(y, y), v[1])
		}},
		{"softmax beside its input", []autograd.GradInput{x, w}, func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
			return project(g, g.Add(g.Softmax(v[0]), g.Scale(0.1, v[0])), v[1])
		}},
		{"softmax of a softmax", []autograd.GradInput{x, w}, func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
			return project(g, g.Softmax(g.Scale(4, g.Softmax(v[0]))), v[1])
		}},
		{"softmax mean squared error", []autograd.GradInput{x, constant(4, 5, uniform(20, 43, 0, 0.4))},
			func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
				return g.MeanSquaredError(g.Softmax(v[0]), v[1])
			}},
	}
}

// TestSoftmaxUnsupported runs Softmax on a backend without
// backend.Softmaxer: the graph records an error naming the op and wrapping
// errors.ErrUnsupported, and dispatches nothing.
func TestSoftmaxUnsupported(t *testing.T) {
	b := newNullBackend()
	g := autograd.NewGraph(b)
	x := g.Leaf(upload(t, b, shp(2, 3), make([]float32, 6)), true)
	if y := g.Softmax(x); y.Tensor() != nil {
		t.Errorf("Softmax on %s returned a value with a tensor", b.Name())
	}
	err := g.Err()
	if !errors.Is(err, errors.ErrUnsupported) {
		t.Fatalf("error %v, want one wrapping errors.ErrUnsupported", err)
	}
	if !strings.Contains(err.Error(), "softmax") {
		t.Errorf("error %q does not name the op", err)
	}
}

// softmaxCrossGraph runs Softmax forward and backward on b in a small
// graph, on rows of n (GL splits rows longer than 4096), and returns y and
// the gradients of x and W. The objective uses y twice and its input
// once more, and has a tensor upstream gradient (the mean squared error).
func softmaxCrossGraph(t *testing.T, b backend.Backend, rows, n int) [][]float32 {
	w := autograd.NewParameter(b, "W", upload(t, b, shp(5, n), uniform(5*n, 51, -1, 1)))
	t.Cleanup(func() { autograd.ReleaseGrad(w) })
	g := autograd.NewGraph(b)
	defer g.Reset()
	x := g.Leaf(upload(t, b, shp(rows, 5), uniform(rows*5, 52, -2, 2)), true)
	target := g.Input(upload(t, b, shp(rows, n), uniform(rows*n, 53, 0, 2/float64(n))))
	z := g.MatMul(x, w)
	y := g.Softmax(z)
	loss := g.Add(g.MeanSquaredError(y, target), g.Sum(g.Mul(g.Mul(y, y), z)))
	if err := g.Backward(loss); err != nil {
		t.Fatalf("%s: %v", b.Name(), err)
	}
	return [][]float32{download(t, b, y.Tensor()), download(t, b, x.Grad()), download(t, b, w.Grad())}
}

// TestSoftmaxCrossBackend compares Softmax's value and gradients on every
// backend other than "cpu" with the CPU reference's, under crossTol, on
// rows that GL reduces in one invocation and rows it reduces by trees.
func TestSoftmaxCrossBackend(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		if b.Name() == "cpu" {
			t.Skip("cpu is the reference")
		}
		ref := backendtest.Open(t, "cpu")
		for i, d := range []struct{ rows, n int }{{6, 7}, {3, 5000}} {
			got, want := softmaxCrossGraph(t, b, d.rows, d.n), softmaxCrossGraph(t, ref, d.rows, d.n)
			for j, name := range []string{"y", "∂x", "∂W"} {
				s := shp(d.rows, d.n)
				switch j {
				case 1:
					s = shp(d.rows, 5)
				case 2:
					s = shp(5, d.n)
				}
				if msg := backendtest.Diff(s, got[j], backendtest.To64(want[j]), crossTol); msg != "" {
					t.Errorf("%d %d×%d: %s on %s versus cpu: %s", i, d.rows, d.n, name, b.Name(), msg)
				}
			}
		}
	})
}

// Softmax turns logits into probabilities, row by row: softmax(0, ln 3) =
// (1/4, 3/4) and softmax(0, 0) = (1/2, 1/2). With the loss Σ p⊙p the gradient of
// the first row is y·(dy − Σ dy·y) with dy = 2y: (1/4·(1/2 − 5/4),
// 3/4·(3/2 − 5/4)) = (−3/16, 3/16).
func ExampleGraph_Softmax() {
	b, err := backend.Open("cpu")
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	logits, err := backend.FromData(b, backend.Shape{Rows: 2, Cols: 2}, []float32{0, float32(math.Log(3)), 0, 0})
	if err != nil {
		log.Fatal(err)
	}
	g := autograd.NewGraph(b)
	x := g.Leaf(logits, true)
	p := g.Softmax(x)
	if err := g.Backward(g.Sum(g.Mul(p, p))); err != nil {
		log.Fatal(err)
	}
	for _, t := range []backend.Tensor{p.Tensor(), x.Grad()} {
		v, err := backend.ToHost(b, t)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%.4f\n", v)
	}
	if err := g.Reset(); err != nil {
		log.Fatal(err)
	}
	// Output:
	// [0.2500 0.7500 0.5000 0.5000]
	// [-0.1875 0.1875 0.0000 0.0000]
}
