package backendtest

import (
	"testing"

	"gltrain/backend"
)

// ExactCase is a hand-computed case: inputs and the answer worked out on
// paper (or in the course notes), in the manner of gonum's DgemmCases.
type ExactCase struct {
	Name string
	In   []Matrix
	Out  []backend.Shape
	Run  func(b backend.Backend, out, in []backend.Tensor) error
	Want [][]float32
}

// Matrix is a host matrix given by its shape and row-major data.
type Matrix struct {
	Shape backend.Shape
	Data  []float32
}

func mat(rows, cols int, data ...float32) Matrix {
	return Matrix{Shape: backend.Shape{Rows: rows, Cols: cols}, Data: data}
}

func shp(rows, cols int) backend.Shape { return backend.Shape{Rows: rows, Cols: cols} }

// ExactCases are the hand-computed cases.
var ExactCases = []ExactCase{
	{
		Name: "matmul 2×2",
		In:   []Matrix{mat(2, 2, 1, 2, 3, 4), mat(2, 2, 5, 6, 7, 8)},
		Out:  []backend.Shape{shp(2, 2)},
		Run: func(b backend.Backend, out, in []backend.Tensor) error {
			return b.MatMul(backend.NoTrans, backend.NoTrans, 1, in[0], in[1], 0, out[0])
		},
		Want: [][]float32{{19, 22, 43, 50}},
	},
	{
		// Aᵀ·B with A = [1 2; 3 4]: [1 3; 2 4]·[5 6; 7 8].
		Name: "matmul Aᵀ·B",
		In:   []Matrix{mat(2, 2, 1, 2, 3, 4), mat(2, 2, 5, 6, 7, 8)},
		Out:  []backend.Shape{shp(2, 2)},
		Run: func(b backend.Backend, out, in []backend.Tensor) error {
			return b.MatMul(backend.Trans, backend.NoTrans, 1, in[0], in[1], 0, out[0])
		},
		Want: [][]float32{{26, 30, 38, 44}},
	},
	{
		// x (1×3) · W (3×2): the notes' linear score function f = x·W.
		Name: "matmul row vector",
		In:   []Matrix{mat(1, 3, 1, -1, 2), mat(3, 2, 0.5, 1, 2, -1, 1, 3)},
		Out:  []backend.Shape{shp(1, 2)},
		Run: func(b backend.Backend, out, in []backend.Tensor) error {
			return b.MatMul(backend.NoTrans, backend.NoTrans, 1, in[0], in[1], 0, out[0])
		},
		Want: [][]float32{{0.5, 8}},
	},
	actExact("relu", backend.ReLU, []float32{-1, 0, 2}, []float32{0, 0, 2}),
	actExact("leaky relu (slope 0.1)", backend.LeakyReLU, []float32{-1, 0, 2}, []float32{-0.1, 0, 2}),
	// e^−1 = 0.36787944: α·(e^−1 − 1) with α = 1.
	actExact("elu", backend.ELU, []float32{-1, 0, 2}, []float32{-0.63212056, 0, 2}),
	// σ(0) = 1/(1+e^0) = 1/2; σ(2) = 1/(1+e^−2) = 0.88079708.
	actExact("sigmoid", backend.Sigmoid, []float32{0, 2, -2}, []float32{0.5, 0.88079708, 0.11920292}),
	actExact("tanh", backend.Tanh, []float32{0, 1, -1}, []float32{0, 0.76159416, -0.76159416}),
	// SiLU(1) = 1·σ(1) = 0.73105858; SiLU(−1) = −σ(−1) = −0.26894142.
	actExact("silu", backend.SiLU, []float32{0, 1, -1}, []float32{0, 0.73105858, -0.26894142}),
	// GELU(1) = Φ(1) = 0.84134475; GELU(−1) = −Φ(−1) = −0.15865525.
	actExact("gelu", backend.GELU, []float32{0, 1, -1}, []float32{0, 0.84134475, -0.15865525}),
	// tanh form at 1: ½(1 + tanh(0.7978846·1.044715)) = 0.84119199.
	actExact("gelu tanh", backend.GELUTanh, []float32{0, 1}, []float32{0, 0.84119199}),
	{
		// Two equal logits: loss ln 2, gradient (½ − 1, ½) for one row.
		Name: "softmax cross-entropy of equal logits",
		In:   []Matrix{mat(1, 2, 3, 3), mat(1, 1, 0)},
		Out:  []backend.Shape{shp(1, 1), shp(1, 2)},
		Run: func(b backend.Backend, out, in []backend.Tensor) error {
			return b.SoftmaxCrossEntropy(out[0], out[1], in[0], in[1])
		},
		Want: [][]float32{{0.69314718}, {-0.5, 0.5}},
	},
	{
		// CS231n's example: scores (3.2, 5.1, −1.7), label 0, margin 1:
		// max(0, 5.1−3.2+1) + max(0, −1.7−3.2+1) = 2.9.
		Name: "svm hinge of the cat example",
		In:   []Matrix{mat(1, 3, 3.2, 5.1, -1.7), mat(1, 1, 0)},
		Out:  []backend.Shape{shp(1, 1), shp(1, 3)},
		Run: func(b backend.Backend, out, in []backend.Tensor) error {
			return b.SVMHinge(out[0], out[1], in[0], in[1], 1)
		},
		Want: [][]float32{{2.9}, {-1, 1, 0}},
	},
	{
		// ((1−0)² + (2−0)²)/2 = 2.5; gradient 2·(p−t)/2 = p−t.
		Name: "mean squared error",
		In:   []Matrix{mat(1, 2, 1, 2), mat(1, 2, 0, 0)},
		Out:  []backend.Shape{shp(1, 1), shp(1, 2)},
		Run: func(b backend.Backend, out, in []backend.Tensor) error {
			return b.MeanSquaredError(out[0], out[1], in[0], in[1])
		},
		Want: [][]float32{{2.5}, {1, 2}},
	},
	{
		Name: "argmax ties go to the lowest index",
		In:   []Matrix{mat(2, 3, 1, 3, 3, -1, -2, -1)},
		Out:  []backend.Shape{shp(2, 1)},
		Run:  func(b backend.Backend, out, in []backend.Tensor) error { return b.Argmax(out[0], in[0]) },
		Want: [][]float32{{1, 0}},
	},
	{
		Name: "sum and column sum",
		In:   []Matrix{mat(2, 2, 1, 2, 3, 4)},
		Out:  []backend.Shape{shp(1, 1), shp(1, 2)},
		Run: func(b backend.Backend, out, in []backend.Tensor) error {
			if err := b.Sum(out[0], in[0]); err != nil {
				return err
			}
			return b.ColSum(out[1], in[0])
		},
		Want: [][]float32{{10}, {4, 6}},
	},
	{
		// Step 1 of Adam: m = 0.1·0.5, v = 0.001·0.25, bias-corrected
		// m̂ = 0.5, v̂ = 0.25, so p = 1 − 0.1·0.5/(0.5 + 1e-8) = 0.9.
		Name: "adam first step",
		In:   []Matrix{mat(1, 1, 1), mat(1, 1, 0.5), mat(1, 1, 0), mat(1, 1, 0)},
		Out:  nil,
		Run: func(b backend.Backend, out, in []backend.Tensor) error {
			return b.AdamStep(backend.DefaultAdam(0.1), 1, in[0], in[1], in[2], in[3])
		},
		Want: [][]float32{{0.9}, {0.5}, {0.05}, {0.00025}},
	},
	{
		// Momentum 0.9 from v = 1: v = 0.9 + 2 = 2.9; p = 1 − 0.1·2.9.
		Name: "sgd momentum step",
		In:   []Matrix{mat(1, 1, 1), mat(1, 1, 2), mat(1, 1, 1)},
		Run: func(b backend.Backend, out, in []backend.Tensor) error {
			return b.SGDStep(backend.SGD{LR: 0.1, Momentum: 0.9}, in[0], in[1], in[2])
		},
		Want: [][]float32{{0.71}, {2}, {2.9}},
	},
}

func actExact(name string, k backend.ActivationKind, x, want []float32) ExactCase {
	return ExactCase{
		Name: name,
		In:   []Matrix{mat(1, len(x), x...)},
		Out:  []backend.Shape{shp(1, len(x))},
		Run: func(b backend.Backend, out, in []backend.Tensor) error {
			return b.ActivationForward(backend.Activation{Kind: k}, out[0], in[0])
		},
		Want: [][]float32{want},
	}
}

// exactTolerance: the hand values carry 8 significant digits, and the
// answer is one float32 rounding (or a few) away from them.
var exactTolerance = Tol{ATol: 1e-7, RTol: 1e-6}

// runExact checks every ExactCase. Want lists the outputs, then (for cases
// that update inputs in place, like optimiser steps) the inputs after the
// call when Out is empty.
func runExact(t *testing.T, b backend.Backend) {
	for _, c := range ExactCases {
		t.Run(c.Name, func(t *testing.T) {
			var live []backend.Tensor
			defer func() {
				for _, x := range live {
					b.Release(x)
				}
			}()
			in := make([]backend.Tensor, len(c.In))
			for i, m := range c.In {
				x, err := backend.FromData(b, m.Shape, m.Data)
				if err != nil {
					t.Fatal(err)
				}
				in[i], live = x, append(live, x)
			}
			out := make([]backend.Tensor, len(c.Out))
			for j, s := range c.Out {
				x, err := backend.FromData(b, s, initialOutput(poisoned(s), nil))
				if err != nil {
					t.Fatal(err)
				}
				out[j], live = x, append(live, x)
			}
			if err := c.Run(b, out, in); err != nil {
				t.Fatal(err)
			}
			check := out
			if len(out) == 0 {
				check = in
			}
			for j, x := range check {
				got, err := backend.ToHost(b, x)
				if err != nil {
					t.Fatal(err)
				}
				if msg := Diff(x.Shape(), got, To64(c.Want[j]), exactTolerance); msg != "" {
					t.Errorf("output %d: %s", j, msg)
				}
			}
		})
	}
}
