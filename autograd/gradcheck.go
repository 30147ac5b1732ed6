package autograd

import (
	"errors"
	"fmt"
	"math"

	"gltrain/backend"
	"gonum.org/v1/gonum/diff/fd"
)

// GradInput is one input of CheckGradients: a tensor's shape and contents.
type GradInput struct {
	Shape backend.Shape
	Data  []float32 // row-major, Shape.Len() elements
	// Const marks a constant (class labels, a fixed target): it is neither
	// perturbed nor given a gradient.
	Const bool
}

// GradCheckOptions tunes CheckGradients. Zero fields take the defaults.
type GradCheckOptions struct {
	// Step is the relative finite-difference step h: element x is moved to
	// x ± h·max(|x|, 1). Default 1e-2 (see CheckGradients).
	Step float64
	// Floor bounds the relative error's denominator from below, as a
	// fraction of the gradient's scale (its largest numerical element), so
	// that elements near zero, where the finite difference is rounding
	// noise, are judged by their error relative to the whole gradient.
	// Default 1e-2.
	Floor float64
}

// GradCheck is the outcome of CheckGradients: the largest relative error
// between the analytic and the numerical gradient, and where it is.
type GradCheck struct {
	MaxRelErr         float64
	Input, Index      int // the input and element of the largest error; -1 when no input varies
	Analytic, Numeric float64
}

// String reports the worst element.
func (c GradCheck) String() string {
	return fmt.Sprintf("max relative error %.3g at input %d element %d: analytic %.6g, numeric %.6g",
		c.MaxRelErr, c.Input, c.Index, c.Analytic, c.Numeric)
}

// CheckGradients compares the gradients Backward computes for f with centred
// finite differences of f (gonum's fd.Gradient with fd.Central). f builds a
// 1×1 value from in, the inputs uploaded to b as graph leaves (those marked
// Const require no gradient); it is called once with gradients enabled, then
// twice per element of every non-constant input with gradients disabled.
//
// The relative error of an element with analytic gradient a and numerical
// gradient n is
//
//	|a − n| / max(|a|, |n|, Floor·G)
//
// where G is the largest |n| over every input: each element must be close
// relative to itself or, if it is tiny, relative to the gradient's scale.
// Scaling f scales the error's numerator and denominator alike.
//
// f is evaluated in float32 on the device, so the step is larger than in
// float64 work. The central difference's truncation error grows as h²·f‴
// and its rounding error as ε·|f|/h with ε = 2⁻²⁴; their sum is least near
// h = (3ε)^⅓ ≈ 7e-3. The default h = 1e-2 keeps both near 1e-5·|f| for O(1)
// inputs, three orders below the usual float32 bar of 1e-2,
// while staying small next to the distance inputs are kept from a kink
// (ReLU's 0, a hinge's margin). The step is relative so that large inputs
// move by more than their float32 spacing.
//
// CheckGradients returns an error when f's graph fails, when f's output is
// not 1×1, or when an input does not match its shape.
func CheckGradients(b backend.Backend, f func(g *Graph, in []*Value) *Value, inputs []GradInput, opts *GradCheckOptions) (GradCheck, error) {
	h, floor := 1e-2, 1e-2
	if opts != nil && opts.Step > 0 {
		h = opts.Step
	}
	if opts != nil && opts.Floor > 0 {
		floor = opts.Floor
	}
	ts := make([]backend.Tensor, len(inputs))
	defer func() {
		for _, t := range ts {
			if t != nil {
				b.Release(t)
			}
		}
	}()
	for i, in := range inputs {
		t, err := backend.FromData(b, in.Shape, in.Data)
		if err != nil {
			return GradCheck{}, fmt.Errorf("autograd: check gradients: input %d: %w", i, err)
		}
		ts[i] = t
	}
	analytic, err := analyticGradients(b, f, inputs, ts)
	if err != nil {
		return GradCheck{}, err
	}
	eval := func() (float64, error) { return evalLoss(b, f, inputs, ts) }
	numeric := make([][]float64, len(inputs))
	for i, in := range inputs {
		if in.Const {
			continue
		}
		if numeric[i], err = numericGradient(b, eval, ts[i], in.Data, h); err != nil {
			return GradCheck{}, fmt.Errorf("autograd: check gradients: input %d: %w", i, err)
		}
	}
	return compareGradients(analytic, numeric, floor), nil
}

// compareGradients finds the largest relative error between the analytic and
// numerical gradients (nil for constant inputs), with denominators at least
// floor times the largest numerical element.
func compareGradients(analytic, numeric [][]float64, floor float64) GradCheck {
	scale := 0.0
	for _, ns := range numeric {
		for _, n := range ns {
			scale = math.Max(scale, math.Abs(n))
		}
	}
	res := GradCheck{Input: -1, Index: -1}
	for i, ns := range numeric {
		for j, n := range ns {
			a, rel := analytic[i][j], 0.0
			if d := math.Abs(a - n); d != 0 || math.IsNaN(d) {
				rel = d / math.Max(math.Max(math.Abs(a), math.Abs(n)), floor*scale)
			}
			if rel > res.MaxRelErr || res.Input < 0 || math.IsNaN(rel) {
				res = GradCheck{MaxRelErr: rel, Input: i, Index: j, Analytic: a, Numeric: n}
			}
		}
	}
	return res
}

// leaves builds f's inputs on g from the uploaded tensors.
func leaves(g *Graph, inputs []GradInput, ts []backend.Tensor) []*Value {
	vs := make([]*Value, len(ts))
	for i, t := range ts {
		vs[i] = g.Leaf(t, !inputs[i].Const)
	}
	return vs
}

// analyticGradients runs f and Backward once and downloads every input's
// gradient (zeros where none reached it).
func analyticGradients(b backend.Backend, f func(*Graph, []*Value) *Value, inputs []GradInput, ts []backend.Tensor) ([][]float64, error) {
	g := NewGraph(b)
	defer g.Reset()
	vs := leaves(g, inputs, ts)
	if err := g.Backward(f(g, vs)); err != nil {
		return nil, fmt.Errorf("autograd: check gradients: %w", err)
	}
	out := make([][]float64, len(ts))
	for i, v := range vs {
		out[i] = make([]float64, v.shape.Len())
		if v.Grad() == nil {
			continue
		}
		host := make([]float32, v.shape.Len())
		if err := b.Download(host, v.Grad()); err != nil {
			return nil, fmt.Errorf("autograd: check gradients: input %d gradient: %w", i, err)
		}
		for j, x := range host {
			out[i][j] = float64(x)
		}
	}
	return out, nil
}

// evalLoss runs f with gradients disabled and downloads its value.
func evalLoss(b backend.Backend, f func(*Graph, []*Value) *Value, inputs []GradInput, ts []backend.Tensor) (float64, error) {
	g := NewGraph(b)
	defer g.Reset()
	g.SetGrad(false)
	out := f(g, leaves(g, inputs, ts))
	if err := g.Err(); err != nil {
		return 0, err
	}
	if out.shape != (backend.Shape{Rows: 1, Cols: 1}) {
		return 0, fmt.Errorf("f returned %v, want 1×1: %w", out.shape, backend.ErrShape)
	}
	var v [1]float32
	err := b.Download(v[:], out.t)
	return float64(v[0]), err
}

// numericGradient estimates ∂f/∂x for the input tensor t holding x by centred
// differences, uploading each perturbed x into t, and restores t. fd varies u
// in x_j = x0_j + u_j·s_j with s_j = max(|x0_j|, 1), so its absolute step h
// is relative in x, and ∂f/∂x_j = (∂f/∂u_j)/s_j.
func numericGradient(b backend.Backend, eval func() (float64, error), t backend.Tensor, x0 []float32, h float64) ([]float64, error) {
	scale := make([]float64, len(x0))
	for j, x := range x0 {
		scale[j] = math.Max(math.Abs(float64(x)), 1)
	}
	x := make([]float32, len(x0))
	var firstErr error
	fu := func(u []float64) float64 {
		for j := range x {
			x[j] = float32(float64(x0[j]) + u[j]*scale[j])
		}
		err := b.Upload(t, x)
		var v float64
		if err == nil {
			v, err = eval()
		}
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			return math.NaN()
		}
		return v
	}
	grad := fd.Gradient(nil, fu, make([]float64, len(x0)), &fd.Settings{Formula: fd.Central, Step: h})
	if err := errors.Join(firstErr, b.Upload(t, x0)); err != nil {
		return nil, err
	}
	for j := range grad {
		grad[j] /= scale[j]
	}
	return grad, nil
}
