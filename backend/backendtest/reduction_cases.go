package backendtest

import (
	"math"

	"gltrain/backend"
)

// reductionTol bounds float32 sums: a pairwise tree over n ≤ 33153 terms
// errs by at most about log2(n)·6e-8 ≈ 1e-6 of Σ|x|, the Scale the oracles
// set; 1e-5 leaves room for any fixed summation order.
var reductionTol = Tol{RTol: 1e-5}

func reductionCases() []Case {
	return []Case{
		{
			Name: "sum", Dims: ElementDims, Tol: reductionTol,
			Setup: func(d Dims) ([]In, []Out) {
				return []In{{Shape: shapeOf(d)}}, []Out{poisoned(backend.Shape{Rows: 1, Cols: 1})}
			},
			Run: func(b backend.Backend, out, in []backend.Tensor) error { return b.Sum(out[0], in[0]) },
			Oracle: func(out, in []Mat) {
				var s float64
				for _, v := range in[0].Data {
					s += v
				}
				out[0].Data[0] = s
				out[0].setScale(0, absSum(in[0].Data))
			},
		},
		{
			Name: "column sum", Dims: ElementDims, Tol: reductionTol,
			Setup: func(d Dims) ([]In, []Out) {
				return []In{{Shape: shapeOf(d)}}, []Out{poisoned(backend.Shape{Rows: 1, Cols: d.N})}
			},
			Run: func(b backend.Backend, out, in []backend.Tensor) error { return b.ColSum(out[0], in[0]) },
			Oracle: func(out, in []Mat) {
				x := &in[0]
				for j := 0; j < x.Shape.Cols; j++ {
					var s, scale float64
					for i := 0; i < x.Shape.Rows; i++ {
						s += x.at(i, j)
						scale += math.Abs(x.at(i, j))
					}
					out[0].Data[j] = s
					out[0].setScale(j, scale)
				}
			},
		},
		{
			Name: "argmax", Dims: ElementDims, Tol: exactTol,
			Setup: func(d Dims) ([]In, []Out) {
				return []In{{Shape: shapeOf(d)}}, []Out{poisoned(backend.Shape{Rows: d.M, Cols: 1})}
			},
			Run: func(b backend.Backend, out, in []backend.Tensor) error { return b.Argmax(out[0], in[0]) },
			Oracle: func(out, in []Mat) {
				for i := 0; i < in[0].Shape.Rows; i++ {
					out[0].Data[i] = float64(argmaxOracle(&in[0], i))
				}
			},
		},
		{
			Name: "count correct", Dims: ElementDims, Tol: exactTol,
			Setup: func(d Dims) ([]In, []Out) {
				return []In{{Shape: shapeOf(d)}, {Shape: backend.Shape{Rows: d.M, Cols: 1}, Dist: Labels, Range: d.N}},
					[]Out{poisoned(backend.Shape{Rows: 1, Cols: 1})}
			},
			Run: func(b backend.Backend, out, in []backend.Tensor) error { return b.CountCorrect(out[0], in[0], in[1]) },
			Oracle: func(out, in []Mat) {
				n := 0
				for i := 0; i < in[0].Shape.Rows; i++ {
					if float64(argmaxOracle(&in[0], i)) == in[1].Data[i] {
						n++
					}
				}
				out[0].Data[0] = float64(n)
			},
		},
	}
}

// argmaxOracle is the first index of row i's maximum (inputs hold no NaN).
func argmaxOracle(x *Mat, i int) int {
	best := 0
	for j := 1; j < x.Shape.Cols; j++ {
		if x.at(i, j) > x.at(i, best) {
			best = j
		}
	}
	return best
}
