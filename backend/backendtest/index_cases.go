package backendtest

import "gltrain/backend"

// indexCases move whole values and must be bit exact.
func indexCases() []Case {
	return []Case{
		{
			Name: "gather rows", Dims: ElementDims, Tol: exactTol,
			Setup: func(d Dims) ([]In, []Out) {
				return []In{{Shape: backend.Shape{Rows: d.K, Cols: d.N}}, {Shape: backend.Shape{Rows: d.M, Cols: 1}, Dist: Labels, Range: d.K}},
					[]Out{poisoned(shapeOf(d))}
			},
			Run: func(b backend.Backend, out, in []backend.Tensor) error { return b.GatherRows(out[0], in[0], in[1]) },
			Oracle: func(out, in []Mat) {
				n := out[0].Shape.Cols
				for i := 0; i < out[0].Shape.Rows; i++ {
					r := int(in[1].Data[i])
					copy(out[0].Data[i*n:(i+1)*n], in[0].Data[r*n:(r+1)*n])
				}
			},
		},
		{
			// Copies a block of about a third of the rows into the end of
			// dst, which starts as a copy of input 0.
			Name: "copy rows", Dims: ElementDims, Tol: exactTol,
			Setup: func(d Dims) ([]In, []Out) {
				return []In{{Shape: shapeOf(d)}, {Shape: backend.Shape{Rows: copyRowsCount(d), Cols: d.N}}},
					[]Out{{Shape: shapeOf(d), From: 0}}
			},
			Run: func(b backend.Backend, out, in []backend.Tensor) error {
				return b.CopyRows(out[0], out[0].Shape().Rows-in[1].Shape().Rows, in[1])
			},
			Oracle: func(out, in []Mat) {
				copy(out[0].Data[len(out[0].Data)-len(in[1].Data):], in[1].Data)
			},
		},
		{
			Name: "one hot", Dims: ElementDims, Tol: exactTol, NoExtreme: true,
			Setup: func(d Dims) ([]In, []Out) { return []In{labelsOf(d)}, []Out{poisoned(shapeOf(d))} },
			Run:   func(b backend.Backend, out, in []backend.Tensor) error { return b.OneHot(out[0], in[0]) },
			Oracle: func(out, in []Mat) {
				n := out[0].Shape.Cols
				for i := range in[0].Data {
					for j := 0; j < n; j++ {
						out[0].Data[i*n+j] = 0
					}
					out[0].Data[i*n+int(in[0].Data[i])] = 1
				}
			},
		},
	}
}

func copyRowsCount(d Dims) int { return max(1, d.M/3) }
