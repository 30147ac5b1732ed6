package backendtest

import (
	"fmt"
	"math"

	"gltrain/backend"
)

// softmaxTol: y = exp(x_j − max)/s. Against the float64 oracle, a float32
// backend has three errors relative to y: the rounding of x_j − max before
// exp, at most 2⁻²⁴·|x_j − max| ≤ 1.9e-6 wherever y is above the 1e-28 or
// so that the absolute floor admits (|x_j − max| < 64); exp, the division
// and 1 + u, a few ulps (3e-7); and the sum s, whose terms carry the same
// argument error weighted by their share of s (below 1e-6: the terms that
// matter have |x_k − max| below about 15) plus at most 2⁻²⁴ per addition in
// its longest chain: 127 for GL's rows of up to 4096 (runs of 64), 48 for
// its trees (16 in a run and 8 tree levels, on each of two levels), 7.6e-6
// at most. The sum of those bounds, 1.1e-5, is below 2e-5; measured, GL is
// within 7e-7 and the CPU within an ulp. The 1e-30 floor admits outputs in
// float32's subnormal range (e^−88), which a GPU may flush to zero.
var softmaxTol = Tol{ATol: 1e-30, RTol: 2e-5}

// softmaxBackwardTol is relative to y_j·(|dy_j| + Σ_k |dy_k|·y_k), the
// Scale the oracle sets, which bounds every term of y_j·(dy_j − s): y comes
// from the backend's own forward pass, within softmaxTol (2e-5) of the
// oracle's, and moves dx by at most that much of the scale through y_j and
// as much again through s; the float32 products and sums of the backward
// pass add about 3e-6 (the chains of softmaxTol). The bound is 4.3e-5;
// measured, GL is within 1e-6 of the scale.
var softmaxBackwardTol = Tol{ATol: 1e-30, RTol: 5e-5}

// softmaxDims are ElementDims and the shapes where a backend may split its
// rows (GL reduces rows longer than 4096 by trees of work groups of 4096):
// one column, the longest unsplit row, rows of two chunks (one tree level
// above the first) and rows of 18 chunks (an inner level of 18 partials,
// and 70,000 elements, more than a llvmpipe loop may run).
var softmaxDims = append(append([]Dims(nil), ElementDims...),
	Dims{M: 5, N: 1}, Dims{M: 2, N: 4096}, Dims{M: 3, N: 5000}, Dims{M: 2, N: 70000})

// softmaxer returns b's backend.Softmaxer, or an error wrapping
// ErrUnsupported for a backend without one (runCase skips it).
func softmaxer(b backend.Backend) (backend.Softmaxer, error) {
	s, ok := b.(backend.Softmaxer)
	if !ok {
		return nil, fmt.Errorf("softmax: %s: %w", b.Name(), backend.ErrUnsupported)
	}
	return s, nil
}

// softmaxCases are SoftmaxForward and SoftmaxBackward against the float64
// oracles. The backward case's inputs are x and dy; y is the backend's own
// forward output, as the contract passes it.
func softmaxCases() []Case {
	return []Case{{
		Name: "softmax forward", Dims: softmaxDims, Tol: softmaxTol,
		Setup: func(d Dims) ([]In, []Out) { return []In{{Shape: shapeOf(d)}}, []Out{poisoned(shapeOf(d))} },
		Run: func(b backend.Backend, out, in []backend.Tensor) error {
			s, err := softmaxer(b)
			if err != nil {
				return err
			}
			return s.SoftmaxForward(out[0], in[0])
		},
		Oracle: func(out, in []Mat) { softmaxOracle(out[0].Data, in[0].Data, in[0].Shape.Cols) },
	}, {
		Name: "softmax backward", Dims: softmaxDims, Tol: softmaxBackwardTol,
		Setup: func(d Dims) ([]In, []Out) {
			s := shapeOf(d)
			return []In{{Shape: s}, {Shape: s}}, []Out{poisoned(s)}
		},
		Run: func(b backend.Backend, out, in []backend.Tensor) error {
			s, err := softmaxer(b)
			if err != nil {
				return err
			}
			y, err := b.New(in[0].Shape())
			if err != nil {
				return err
			}
			defer b.Release(y)
			if err := s.SoftmaxForward(y, in[0]); err != nil {
				return err
			}
			return s.SoftmaxBackward(out[0], y, in[1])
		},
		Oracle: func(out, in []Mat) {
			n := in[0].Shape.Cols
			y := make([]float64, len(in[0].Data))
			softmaxOracle(y, in[0].Data, n)
			softmaxBackwardOracle(&out[0], y, in[1].Data, n)
		},
	}}
}

// softmaxOracle sets y to the softmax of each row of x (rows of n), from the
// definition, with PyTorch's non-finite rows: NaN throughout for a row
// holding NaN or whose maximum is ±Inf.
func softmaxOracle(y, x []float64, n int) {
	for i := 0; i < len(x); i += n {
		row := x[i : i+n]
		mx, nan := math.Inf(-1), false
		for _, v := range row {
			nan = nan || math.IsNaN(v)
			mx = math.Max(mx, v)
		}
		var s float64
		for _, v := range row {
			s += math.Exp(v - mx)
		}
		for j, v := range row {
			y[i+j] = math.Exp(v-mx) / s
			if nan || math.IsInf(mx, 0) {
				y[i+j] = math.NaN()
			}
		}
	}
}

// softmaxBackwardOracle sets dx = y·(dy − Σ_k dy_k·y_k) row by row, and its
// error scale y_j·(|dy_j| + Σ_k |dy_k|·y_k).
func softmaxBackwardOracle(dx *Mat, y, dy []float64, n int) {
	for i := 0; i < len(y); i += n {
		var s, abs float64
		for k := i; k < i+n; k++ {
			s += dy[k] * y[k]
			abs += math.Abs(dy[k]) * y[k]
		}
		for j := i; j < i+n; j++ {
			dx.Data[j] = y[j] * (dy[j] - s)
			dx.setScale(j, y[j]*(math.Abs(dy[j])+abs))
		}
	}
}
