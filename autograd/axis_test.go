package autograd_test

import (
	"encoding/json"
	"errors"
	"math"
	"os/exec"
	"strings"
	"testing"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
)

// distinct is n distinct values 0.1 apart (from −0.1·n/2), shuffled by seed,
// so that no finite-difference step (about 1e-2) changes which element is
// a maximum.
func distinct(n int, seed uint64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = 0.1 * float32(i-n/2)
	}
	r := backend.NewRand(seed)
	for i := n - 1; i > 0; i-- {
		j := r.IntN(i + 1)
		v[i], v[j] = v[j], v[i]
	}
	return v
}

// axisCases cover the reductions along an axis, log-softmax and the shape
// operations, each projected onto random weights, and values used more than
// once. CheckGradients' tolerance is gradTol's (see there); these measure
// below 1e-3 on the CPU backend and 3e-3 on GL (log-softmax, whose exp
// and log the device rounds in float32).
func axisCases() []gradCase {
	x := variable(3, 5, distinct(15, 40))
	y := variable(3, 2, uniform(6, 41, -1, 1))
	type fn = func(g *autograd.Graph, v []*autograd.Value) *autograd.Value
	unary := func(op func(g *autograd.Graph, x *autograd.Value) *autograd.Value) fn {
		return func(g *autograd.Graph, v []*autograd.Value) *autograd.Value { return project(g, op(g, v[0]), v[1]) }
	}
	cs := []struct {
		name string
		op   func(g *autograd.Graph, x *autograd.Value) *autograd.Value
		r, c int
	}{
		{"sum rows", (*autograd.Graph).SumRows, 3, 1},
		{"sum cols", (*autograd.Graph).SumCols, 1, 5},
		{"mean rows", (*autograd.Graph).MeanRows, 3, 1},
		{"mean cols", (*autograd.Graph).MeanCols, 1, 5},
		{"max rows", (*autograd.Graph).MaxRows, 3, 1},
		{"max cols", (*autograd.Graph).MaxCols, 1, 5},
		{"log-softmax", (*autograd.Graph).LogSoftmax, 3, 5},
		{"transpose", (*autograd.Graph).Transpose, 5, 3},
		{"reshape", func(g *autograd.Graph, x *autograd.Value) *autograd.Value { return g.Reshape(x, 5, 3) }, 5, 3},
		{"slice cols", func(g *autograd.Graph, x *autograd.Value) *autograd.Value { return g.SliceCols(x, 1, 4) }, 3, 3},
	}
	var out []gradCase
	for _, c := range cs {
		out = append(out, gradCase{c.name, []autograd.GradInput{x, weights(c.r, c.c, 42)}, unary(c.op)})
	}
	return append(out,
		gradCase{"concat cols x, y, x", []autograd.GradInput{x, y, weights(3, 12, 43)}, func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
			return project(g, g.ConcatCols(v[0], v[1], v[0]), v[2])
		}},
		// x reaches the loss through five reductions and a slice: each
		// contribution must add to the others.
		gradCase{"x reused", []autograd.GradInput{x, weights(3, 1, 44), weights(1, 5, 45)}, func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
			x := v[0]
			rows := g.Add(g.Mul(g.MaxRows(x), g.MeanRows(x)), g.SumRows(g.SliceCols(x, 2, 5)))
			cols := g.Add(g.MaxCols(x), g.SumCols(g.LogSoftmax(x)))
			return g.Add(project(g, rows, v[1]), project(g, cols, v[2]))
		}},
		// log-softmax's upstream gradient a tensor, not a projection's.
		gradCase{"log-softmax squared", []autograd.GradInput{x}, func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
			l := g.LogSoftmax(g.Transpose(v[0]))
			return g.Mean(g.Mul(l, l))
		}},
	)
}

// TestAxisGradients checks the backward steps of axis.go and shape.go
// against centred finite differences, on every backend.
func TestAxisGradients(t *testing.T) {
	checkGradCases(t, axisCases)
}

// axisGraph runs every operation of axis.go and shape.go on b, on inputs
// drawn on the host from fixed seeds, and returns the values and x's
// gradient.
func axisGraph(t *testing.T, b backend.Backend) crossResult {
	g := autograd.NewGraph(b)
	defer g.Reset()
	x := g.Leaf(upload(t, b, shp(7, 19), uniform(133, 46, -3, 3)), true)
	w := g.Input(upload(t, b, shp(19, 7), uniform(133, 47, -1, 1)))
	ls := g.LogSoftmax(x)
	parts := g.ConcatCols(g.SliceCols(ls, 3, 11), g.Transpose(g.Reshape(g.MaxCols(g.SliceCols(x, 0, 14)), 2, 7)), g.SumRows(x))
	loss := g.Add(g.Sum(g.Mul(g.Transpose(x), w)), g.Mean(g.Mul(parts, parts)))
	loss = g.Add(loss, g.Sum(g.Add(g.MeanCols(x), g.Transpose(g.MaxRows(g.Transpose(x))))))
	if err := g.Backward(g.Add(loss, g.Sum(g.MeanRows(ls)))); err != nil {
		t.Fatalf("%s: backward: %v", b.Name(), err)
	}
	var r crossResult
	for _, v := range []struct {
		name string
		t    backend.Tensor
	}{{"log-softmax", ls.Tensor()}, {"parts", parts.Tensor()}, {"loss", loss.Tensor()}, {"∂x", x.Grad()}} {
		r.names = append(r.names, v.name)
		r.shapes = append(r.shapes, v.t.Shape())
		r.data = append(r.data, download(t, b, v.t))
	}
	return r
}

// TestAxisCrossBackend compares axisGraph on every backend with "cpu",
// within crossTol (see there).
func TestAxisCrossBackend(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		if b.Name() == "cpu" {
			t.Skip("cpu is the reference")
		}
		got, want := axisGraph(t, b), axisGraph(t, backendtest.Open(t, "cpu"))
		for j, name := range want.names {
			if d := backendtest.Diff(want.shapes[j], got.data[j], backendtest.To64(want.data[j]), crossTol); d != "" {
				t.Errorf("%s on %s versus cpu: %s", name, b.Name(), d)
			}
		}
	})
}

// axisTorchScript prints torch's max values, indices and gradient along
// both dimensions of x, and log_softmax's values and gradient for dy, as
// JSON (NaN and ±Inf as strings).
const axisTorchScript = `
import json, math, sys, torch
d = json.loads(sys.stdin.read())
x = torch.tensor([float(v) for v in d["x"]], dtype=torch.float32).reshape(d["m"], d["n"])
dy = torch.tensor([float(v) for v in d["dy"]], dtype=torch.float32).reshape(d["m"], d["n"])
def enc(t):
    return [v if math.isfinite(v) else str(v) for v in t.detach().reshape(-1).tolist()]
out = {}
for dim, name in ((1, "rows"), (0, "cols")):
    xr = x.clone().requires_grad_(True)
    v, i = torch.max(xr, dim)
    (v * torch.arange(1, v.numel() + 1, dtype=torch.float32)).sum().backward()
    out[name] = {"max": enc(v), "arg": enc(i.float()), "dx": enc(xr.grad)}
xl = x.clone().requires_grad_(True)
y = torch.log_softmax(xl, 1)
y.backward(dy)
out["logsoftmax"] = {"y": enc(y), "dx": enc(xl.grad)}
print(json.dumps(out))
`

// TestAxisTorch checks MaxRows, MaxCols (ties, NaN, ±Inf) and LogSoftmax
// against PyTorch's values and gradients, on every backend.
func TestAxisTorch(t *testing.T) {
	python := backendtest.PyTorch(t)
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	const m, n = 4, 6
	x := []float32{
		1, 3, 3, 2, -1, 0, // a tie: the first 3
		nan, 5, nan, 1, 2, 9, // the first NaN
		-inf, -inf, -inf, -inf, -inf, -inf, // −Inf throughout
		2, inf, 0.5, -inf, 7, -3, // +Inf
	}
	// log-softmax on finite rows of logits up to ±20 as well: the
	// non-finite rows above, then random ones.
	xl := append(append([]float32{}, x[:n]...), uniform(3*n, 48, -20, 20)...)
	dy := uniform(m*n, 49, -1, 1)
	encode := func(v []float32) []any {
		out := make([]any, len(v))
		for i, f := range v {
			if f != f || math.IsInf(float64(f), 0) {
				out[i] = fmtFloat(f)
			} else {
				out[i] = f
			}
		}
		return out
	}
	run := func(x []float32) map[string]map[string][]any {
		in, _ := json.Marshal(map[string]any{"m": m, "n": n, "x": encode(x), "dy": encode(dy)})
		cmd := exec.Command(python, "-c", axisTorchScript)
		cmd.Stdin = strings.NewReader(string(in))
		out, err := cmd.Output()
		if err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				t.Fatalf("torch: %v: %s", err, ee.Stderr)
			}
			t.Fatalf("torch: %v", err)
		}
		var res map[string]map[string][]any
		if err := json.Unmarshal(out, &res); err != nil {
			t.Fatalf("torch output %q: %v", out, err)
		}
		return res
	}
	want, wantL := run(x), run(xl)["logsoftmax"]
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		for _, dim := range []string{"rows", "cols"} {
			g := autograd.NewGraph(b)
			v := g.Leaf(upload(t, b, shp(m, n), x), true)
			mx := g.MaxRows(v)
			if dim == "cols" {
				mx = g.MaxCols(v)
			}
			k := mx.Shape().Len()
			ramp := make([]float32, k)
			for i := range ramp {
				ramp[i] = float32(i + 1)
			}
			w := g.Input(upload(t, b, mx.Shape(), ramp))
			if err := g.Backward(g.Sum(g.Mul(mx, w))); err != nil {
				t.Fatal(err)
			}
			// Exact: a max and its index are elements of x, and the
			// gradient is 0 or a weight.
			checkTorch(t, dim+" max", download(t, b, mx.Tensor()), want[dim]["max"], 0)
			checkTorch(t, dim+" gradient", download(t, b, v.Grad()), want[dim]["dx"], 0)
			g.Reset()
		}
		g := autograd.NewGraph(b)
		defer g.Reset()
		v := g.Leaf(upload(t, b, shp(m, n), xl), true)
		y := g.LogSoftmax(v)
		if err := g.Backward(g.Sum(g.Mul(y, g.Input(upload(t, b, shp(m, n), dy))))); err != nil {
			t.Fatal(err)
		}
		// 1e-5 relative to max(1, |want|): float32 evaluation of
		// x − max − log Σ exp, with logits up to 20, is within a few ulp
		// of 20 (2e-6 each) in both torch and gltrain.
		checkTorch(t, "log-softmax", download(t, b, y.Tensor()), wantL["y"], 1e-5)
		checkTorch(t, "log-softmax gradient", download(t, b, v.Grad()), wantL["dx"], 1e-5)
	})
}

func fmtFloat(f float32) string {
	switch {
	case f != f:
		return "nan"
	case f > 0:
		return "inf"
	}
	return "-inf"
}

// checkTorch compares got with torch's JSON values, NaN matching NaN,
// within tol·max(1, |want|).
func checkTorch(t *testing.T, what string, got []float32, want []any, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, torch has %d", what, len(got), len(want))
	}
	for i, w := range want {
		var wf float64
		switch w := w.(type) {
		case float64:
			wf = w
		case string:
			wf = map[string]float64{"nan": math.NaN(), "inf": math.Inf(1), "-inf": math.Inf(-1)}[w]
		}
		g := float64(got[i])
		ok := g == wf || math.IsNaN(g) && math.IsNaN(wf) || math.Abs(g-wf) <= tol*math.Max(1, math.Abs(wf))
		if !ok {
			t.Errorf("%s [%d]: got %g, torch %g", what, i, g, wf)
		}
	}
}

// TestAxisErrors checks the shape errors of the shape operations.
func TestAxisErrors(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	for i, tc := range []struct {
		name string
		f    func(g *autograd.Graph, x *autograd.Value) *autograd.Value
		msg  string
	}{
		{"reshape 12 to 5×2", func(g *autograd.Graph, x *autograd.Value) *autograd.Value { return g.Reshape(x, 5, 2) }, "reshape: 3×4 to 5×2"},
		{"reshape to 0×12", func(g *autograd.Graph, x *autograd.Value) *autograd.Value { return g.Reshape(x, 0, 12) }, "reshape: 3×4 to 0×12"},
		{"slice past the end", func(g *autograd.Graph, x *autograd.Value) *autograd.Value { return g.SliceCols(x, 2, 5) }, "slice columns: [2, 5) of 3×4"},
		{"empty slice", func(g *autograd.Graph, x *autograd.Value) *autograd.Value { return g.SliceCols(x, 2, 2) }, "slice columns: [2, 2) of 3×4"},
		{"concat rows differ", func(g *autograd.Graph, x *autograd.Value) *autograd.Value { return g.ConcatCols(x, g.Transpose(x)) }, "value 0 is 3×4, value 1 is 4×3"},
		{"concat nothing", func(g *autograd.Graph, x *autograd.Value) *autograd.Value { return g.ConcatCols() }, "concat columns: no values"},
	} {
		g := autograd.NewGraph(b)
		x := g.Leaf(upload(t, b, shp(3, 4), make([]float32, 12)), true)
		tc.f(g, x)
		err := g.Err()
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%d %s: error %v, want one containing %q", i, tc.name, err, tc.msg)
		}
		g.Reset()
	}
}

// TestAxisUnsupported runs every operation of axis.go and shape.go on a
// backend with none of AxisReducer, LogSoftmaxer and Shaper: each records
// an error naming the op and wrapping errors.ErrUnsupported.
func TestAxisUnsupported(t *testing.T) {
	b := newNullBackend()
	for i, tc := range []struct {
		name string
		f    func(g *autograd.Graph, x *autograd.Value) *autograd.Value
	}{
		{"sum rows", (*autograd.Graph).SumRows}, {"mean cols", (*autograd.Graph).MeanCols},
		{"max rows", (*autograd.Graph).MaxRows}, {"log-softmax", (*autograd.Graph).LogSoftmax},
		{"transpose", (*autograd.Graph).Transpose},
		{"reshape", func(g *autograd.Graph, x *autograd.Value) *autograd.Value { return g.Reshape(x, 3, 2) }},
		{"slice columns", func(g *autograd.Graph, x *autograd.Value) *autograd.Value { return g.SliceCols(x, 0, 1) }},
		{"concat columns", func(g *autograd.Graph, x *autograd.Value) *autograd.Value { return g.ConcatCols(x, x) }},
	} {
		g := autograd.NewGraph(b)
		x := g.Leaf(upload(t, b, shp(2, 3), make([]float32, 6)), true)
		if y := tc.f(g, x); y.Tensor() != nil {
			t.Errorf("%d %s returned a value with a tensor", i, tc.name)
		}
		if err := g.Err(); !errors.Is(err, errors.ErrUnsupported) || !strings.Contains(err.Error(), tc.name) {
			t.Errorf("%d %s: error %v, want one naming the op and wrapping errors.ErrUnsupported", i, tc.name, err)
		}
		g.Reset()
	}
}
