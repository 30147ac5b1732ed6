package backendtest

import (
	"math"

	"gltrain/backend"
)

// elementTol is the tolerance of operations that round an exact result once
// or twice (a·x + y without a fused multiply-add): relative to the sum of the
// magnitudes of the terms, which the oracles set as Scale, 1e-5 is the
// issue's bound and leaves a wide margin over the 1.2e-7 such rounding costs.
var elementTol = Tol{RTol: 1e-5}

// exactTol compares copies and integers bit for bit.
var exactTol = Tol{}

func shapeOf(d Dims) backend.Shape { return backend.Shape{Rows: d.M, Cols: d.N} }

// binaryCase builds dst = f(a, b) with error scale scale(a, b).
func binaryCase(name string, op func(b backend.Backend, dst, x, y backend.Tensor) error, f, scale func(x, y float64) float64) Case {
	return Case{
		Name: name, Dims: ElementDims, Tol: elementTol,
		Setup: func(d Dims) ([]In, []Out) {
			s := shapeOf(d)
			return []In{{Shape: s}, {Shape: s}}, []Out{poisoned(s)}
		},
		Run: func(b backend.Backend, out, in []backend.Tensor) error { return op(b, out[0], in[0], in[1]) },
		Oracle: func(out, in []Mat) {
			for i := range out[0].Data {
				x, y := in[0].Data[i], in[1].Data[i]
				out[0].Data[i] = f(x, y)
				out[0].setScale(i, scale(x, y))
			}
		},
	}
}

// sumScale is the error scale of x ± y: |x| + |y|.
func sumScale(x, y float64) float64 { return math.Abs(x) + math.Abs(y) }

func elementwiseCases() []Case {
	const alpha = -1.7
	unary := func(s backend.Shape) ([]In, []Out) { return []In{{Shape: s}}, []Out{poisoned(s)} }
	return []Case{
		binaryCase("add", backend.Backend.Add, func(x, y float64) float64 { return x + y }, sumScale),
		binaryCase("sub", backend.Backend.Sub, func(x, y float64) float64 { return x - y }, sumScale),
		binaryCase("mul", backend.Backend.Mul, func(x, y float64) float64 { return x * y },
			func(x, y float64) float64 { return math.Abs(x * y) }),
		{
			Name: "scale", Dims: ElementDims, Tol: elementTol,
			Setup: func(d Dims) ([]In, []Out) { return unary(shapeOf(d)) },
			Run:   func(b backend.Backend, out, in []backend.Tensor) error { return b.Scale(out[0], alpha, in[0]) },
			Oracle: func(out, in []Mat) {
				for i, x := range in[0].Data {
					out[0].Data[i] = float64(float32(alpha)) * x
				}
			},
		},
		{
			Name: "axpy", Dims: ElementDims, Tol: elementTol,
			Setup: func(d Dims) ([]In, []Out) {
				s := shapeOf(d)
				return []In{{Shape: s}, {Shape: s}}, []Out{{Shape: s, From: 1}}
			},
			Run: func(b backend.Backend, out, in []backend.Tensor) error { return b.Axpy(0.3, in[0], out[0]) },
			Oracle: func(out, in []Mat) {
				a := float64(float32(0.3))
				for i, x := range in[0].Data {
					y := out[0].Data[i]
					out[0].Data[i] = a*x + y
					out[0].setScale(i, math.Abs(a*x)+math.Abs(y))
				}
			},
		},
		{
			Name: "fill", Dims: ElementDims, Tol: exactTol, NoExtreme: true,
			Setup: func(d Dims) ([]In, []Out) { return nil, []Out{poisoned(shapeOf(d))} },
			Run:   func(b backend.Backend, out, in []backend.Tensor) error { return b.Fill(out[0], 2.5) },
			Oracle: func(out, in []Mat) {
				for i := range out[0].Data {
					out[0].Data[i] = 2.5
				}
			},
		},
		{
			Name: "add bias", Dims: ElementDims, Tol: elementTol,
			Setup: func(d Dims) ([]In, []Out) {
				s := shapeOf(d)
				return []In{{Shape: s}, {Shape: backend.Shape{Rows: 1, Cols: d.N}}}, []Out{poisoned(s)}
			},
			Run: func(b backend.Backend, out, in []backend.Tensor) error { return b.AddBias(out[0], in[0], in[1]) },
			Oracle: func(out, in []Mat) {
				n := out[0].Shape.Cols
				for i, x := range in[0].Data {
					bias := in[1].Data[i%n]
					out[0].Data[i] = x + bias
					out[0].setScale(i, math.Abs(x)+math.Abs(bias))
				}
			},
		},
		broadcastCase("broadcast/scalar", func(d Dims) backend.Shape { return backend.Shape{Rows: 1, Cols: 1} }),
		broadcastCase("broadcast/row", func(d Dims) backend.Shape { return backend.Shape{Rows: 1, Cols: d.N} }),
		broadcastCase("broadcast/column", func(d Dims) backend.Shape { return backend.Shape{Rows: d.M, Cols: 1} }),
	}
}

func broadcastCase(name string, xShape func(d Dims) backend.Shape) Case {
	return Case{
		Name: name, Dims: ElementDims, Tol: exactTol,
		Setup: func(d Dims) ([]In, []Out) { return []In{{Shape: xShape(d)}}, []Out{poisoned(shapeOf(d))} },
		Run:   func(b backend.Backend, out, in []backend.Tensor) error { return b.Broadcast(out[0], in[0]) },
		Oracle: func(out, in []Mat) {
			s, xs := out[0].Shape, in[0].Shape
			for i := 0; i < s.Rows; i++ {
				for j := 0; j < s.Cols; j++ {
					out[0].Data[i*s.Cols+j] = in[0].at(i%xs.Rows, j%xs.Cols)
				}
			}
		},
	}
}
