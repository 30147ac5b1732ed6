package autograd_test

import (
	"fmt"
	"log"
	"math"
	"strings"
	"testing"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
)

// binaryForm is a broadcast form of Binary: the shapes of a and b for a
// 3×4 output.
type binaryForm struct {
	name string
	a, b backend.Shape
}

var binaryForms = []binaryForm{
	{"m×n,m×n", shp(3, 4), shp(3, 4)}, {"m×n,1×n", shp(3, 4), shp(1, 4)}, {"m×n,m×1", shp(3, 4), shp(3, 1)},
	{"m×n,1×1", shp(3, 4), shp(1, 1)}, {"1×n,m×n", shp(1, 4), shp(3, 4)}, {"m×1,m×n", shp(3, 1), shp(3, 4)},
	{"1×1,m×n", shp(1, 1), shp(3, 4)},
}

// binaryInputs returns a and b for op in form f, drawn from seed, where
// the finite differences of CheckGradients (h = 1e-2) see a smooth
// function: div's divisor has magnitude in [0.5, 2), and maximum's and
// minimum's operands differ by at least 0.1 everywhere (the smaller
// operand is drawn first; the larger, element by element, is the other's
// broadcast element ± [0.1, 0.6)).
func binaryInputs(op backend.BinaryOp, f binaryForm, seed uint64) (a, b []float32) {
	a, b = uniform(f.a.Len(), seed, -1, 1), uniform(f.b.Len(), seed+1, -1, 1)
	switch op {
	case backend.BinaryDiv:
		for i, v := range awayFromZero(len(b), seed+2) {
			b[i] = v/2*0.75 + 0.5*sign(v)
		}
	case backend.BinaryMaximum, backend.BinaryMinimum:
		out := shp(3, 4)
		small, big, ss := b, a, f.b // big is m×n, small broadcast over it (or m×n too)
		if f.a.Len() < f.b.Len() {
			small, big, ss = a, b, f.a
		}
		off := awayFromZero(len(big), seed+3)
		for i := range big {
			r, c := i/out.Cols, i%out.Cols
			if ss.Rows == 1 {
				r = 0
			}
			if ss.Cols == 1 {
				c = 0
			}
			big[i] = small[r*ss.Cols+c] + off[i]/2*0.25 + 0.1*sign(off[i])
		}
	}
	return a, b
}

func sign(v float32) float32 {
	if v < 0 {
		return -1
	}
	return 1
}

// binaryCases cover every op of the binary table in every broadcast form,
// and reused values: f(x, x) (whose two shares land on x one after the
// other; maximum(x, x) ties everywhere and splits dy into halves that sum
// to dy; x − x's gradient is exactly 0), and a broadcast row used by two
// ops, whose reduced gradients must add up.
func binaryCases() []gradCase {
	var cases []gradCase
	for _, op := range backend.BinaryOps() {
		for fi, f := range binaryForms {
			a, b := binaryInputs(op, f, uint64(100+10*int(op)+fi))
			cases = append(cases, gradCase{
				name: fmt.Sprintf("binary/%s/%s", op, f.name),
				in:   []autograd.GradInput{variable(f.a.Rows, f.a.Cols, a), variable(f.b.Rows, f.b.Cols, b), weights(3, 4, 90)},
				f: func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
					return project(g, g.Binary(op, v[0], v[1]), v[2])
				},
			})
		}
	}
	x := []autograd.GradInput{variable(3, 4, awayFromZero(12, 91)), weights(3, 4, 92)}
	for _, op := range backend.BinaryOps() {
		if op == backend.BinaryDiv {
			continue // x/x is 1: its gradient is 0, and a float32 residue of 1e-8 has no relative error to judge
		}
		cases = append(cases, gradCase{
			name: fmt.Sprintf("binary/%s(x, x)", op), in: x,
			f: func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
				return project(g, g.Binary(op, v[0], v[0]), v[1])
			},
		})
	}
	row := []autograd.GradInput{variable(3, 4, uniform(12, 93, -1, 1)), variable(1, 4, awayFromZero(4, 94)), weights(3, 4, 95)}
	return append(cases, gradCase{
		name: "binary/a row in two ops", in: row,
		f: func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
			return project(g, g.Add(g.Mul(v[0], v[1]), g.Div(v[0], v[1])), v[2])
		},
	})
}

// TestBinaryCrossBackend runs every op in every broadcast form, forward and
// backward, on every backend other than "cpu" and on "cpu", and requires
// the same values and gradients within crossTol (each is one or two
// kernels and a reduction of at most 4 terms: a few ulps), and the same
// bits when run again (the reductions are deterministic).
func TestBinaryCrossBackend(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		if b.Name() == "cpu" {
			t.Skip("cpu is the reference")
		}
		ref := backendtest.Open(t, "cpu")
		for _, op := range backend.BinaryOps() {
			for fi, f := range binaryForms {
				a, bv := binaryInputs(op, f, uint64(200+10*int(op)+fi))
				run := func(be backend.Backend) [][]float32 {
					g := autograd.NewGraph(be)
					defer g.Reset()
					x := g.Leaf(upload(t, be, f.a, a), true)
					y := g.Leaf(upload(t, be, f.b, bv), true)
					w := g.Input(upload(t, be, shp(3, 4), uniform(12, 96, -1, 1)))
					out := g.Binary(op, x, y)
					if err := g.Backward(project(g, out, w)); err != nil {
						t.Fatalf("%s %s on %s: %v", op, f.name, be.Name(), err)
					}
					return [][]float32{download(t, be, out.Tensor()), download(t, be, x.Grad()), download(t, be, y.Grad())}
				}
				got, want, again := run(b), run(ref), run(b)
				for j := range got {
					for i := range got[j] {
						if math.Float32bits(got[j][i]) != math.Float32bits(again[j][i]) {
							t.Errorf("%s %s: output %d element %d: %g, then %g in a second run", op, f.name, j, i, got[j][i], again[j][i])
						}
					}
				}
				for j, s := range []backend.Shape{shp(3, 4), f.a, f.b} {
					if d := backendtest.Diff(s, got[j], backendtest.To64(want[j]), crossTol); d != "" {
						t.Errorf("%s %s: %s on %s versus cpu: %s", op, f.name, [...]string{"y", "∂a", "∂b"}[j], b.Name(), d)
					}
				}
			}
		}
	})
}

// TestBinaryErrors checks Binary's errors: shapes that do not broadcast
// name the op and both shapes.
func TestBinaryErrors(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	g := autograd.NewGraph(b)
	defer g.Reset()
	x := g.Input(upload(t, b, shp(3, 4), make([]float32, 12)))
	y := g.Input(upload(t, b, shp(1, 3), make([]float32, 3)))
	if out := g.Div(x, y); out.Tensor() != nil {
		t.Fatal("div of 3×4 by 1×3 gave a value")
	}
	err := g.Err()
	if err == nil {
		t.Fatal("no error")
	}
	for _, w := range []string{"div", "3×4", "1×3"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
}

// ExampleGraph_Div divides each row of x by its own scale, an m×1 column
// broadcast over the row: the scale's gradient sums its row's shares,
// −Σ_j x[i,j]/s[i]².
func ExampleGraph_Div() {
	b, err := backend.Open("cpu")
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	value := func(r, c int, v ...float32) *autograd.Value {
		t, err := backend.FromData(b, backend.Shape{Rows: r, Cols: c}, v)
		if err != nil {
			log.Fatal(err)
		}
		return autograd.NewParameter(b, "", t)
	}
	x, s := value(2, 3, 1, 2, 3, 4, 6, 8), value(2, 1, 2, 4)
	g := autograd.NewGraph(b)
	defer g.Reset()
	y := g.Div(x, s)
	if err := g.Backward(g.Sum(y)); err != nil {
		log.Fatal(err)
	}
	for _, t := range []backend.Tensor{y.Tensor(), x.Grad(), s.Grad()} {
		v, err := backend.ToHost(b, t)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(v)
	}
	// Output:
	// [0.5 1 1.5 1 1.5 2]
	// [0.5 0.5 0.5 0.25 0.25 0.25]
	// [-1.5 -1.125]
}
