package backendtest

import (
	"gltrain/backend"
)

// Dims is a problem size: outputs are M×N; K is MatMul's inner dimension
// (and the row count of a gathered-from table).
type Dims struct{ M, N, K int }

// Dist is how an input is drawn.
type Dist int

const (
	// Values are N(0, 1) samples, or in the extreme run a mix of ±1e4,
	// ±88, ±1, ±0.5, ±0 and N(0, 1).
	Values Dist = iota
	// Labels are whole numbers in [0, Range): class labels.
	Labels
	// Positive are |N(0, 1)|·0.1 samples: second-moment estimates.
	Positive
)

// In describes one input of a case.
type In struct {
	Shape backend.Shape
	Dist  Dist
	Range int // Labels: the number of classes (or rows)
	// Map, when set, transforms each drawn value (into an op's domain).
	Map func(float32) float32
}

// Out describes one output of a case. An output with From ≥ 0 starts as a
// copy of input From (an in-place operand such as Axpy's y or an optimiser's
// parameter); otherwise it starts filled with NaN.
type Out struct {
	Shape backend.Shape
	From  int
}

func poisoned(s backend.Shape) Out { return Out{Shape: s, From: -1} }

// Mat is a float64 matrix handed to an oracle. Scale, when an oracle sets
// it, gives per element the magnitude the error is relative to (the sum of
// the absolute values of the terms, say), where |want| would be unfair
// because of cancellation.
type Mat struct {
	Shape backend.Shape
	Data  []float64
	Scale []float64
}

func (m *Mat) at(i, j int) float64 { return m.Data[i*m.Shape.Cols+j] }

// setScale sets element i's error scale, allocating Scale on first use.
func (m *Mat) setScale(i int, v float64) {
	if m.Scale == nil {
		m.Scale = make([]float64, len(m.Data))
	}
	m.Scale[i] = v
}

// Case is one operation of the contract under test.
type Case struct {
	Name string
	Dims []Dims
	// Setup gives the inputs and outputs for a problem size.
	Setup func(d Dims) ([]In, []Out)
	// Run calls the operation on b.
	Run func(b backend.Backend, out, in []backend.Tensor) error
	// Oracle computes the expected outputs in float64; out starts as the
	// outputs' initial values.
	Oracle func(out, in []Mat)
	Tol    Tol
	// NoExtreme skips the run on extreme inputs.
	NoExtreme bool
}

// ElementDims are the shapes of the elementwise, reduction, loss and
// optimiser cases: square and not, powers of two and not, down to 1×1.
var ElementDims = []Dims{{1, 1, 1}, {7, 13, 5}, {33, 65, 40}, {64, 64, 64}, {128, 128, 100}, {129, 65, 129}, {257, 129, 300}}

// MatMulDims are the MatMul sizes: m, n, k of 1, primes, non-multiples of
// any tile, and products that are a vector.
var MatMulDims = []Dims{{1, 1, 1}, {7, 13, 5}, {33, 65, 17}, {64, 64, 64}, {128, 128, 128}, {129, 65, 257}, {257, 129, 33}, {1, 257, 129}, {257, 1, 2}}

// Cases returns the conformance cases: every operation of the contract, and
// the optional operations (Softmaxer, Binarier), which a backend without them skips.
func Cases() []Case {
	var cs []Case
	cs = append(cs, matMulCases()...)
	cs = append(cs, elementwiseCases()...)
	cs = append(cs, reductionCases()...)
	cs = append(cs, activationCases()...)
	cs = append(cs, lossCases()...)
	cs = append(cs, optimizerCases()...)
	cs = append(cs, indexCases()...)
	cs = append(cs, softmaxCases()...)
	cs = append(cs, binaryOpCases()...)
	return cs
}
