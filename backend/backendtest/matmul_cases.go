package backendtest

import (
	"fmt"
	"math"

	"gltrain/backend"
)

// matMulCases covers C = alpha·op(A)·op(B) + beta·C for the four transposes
// and three (alpha, beta) pairs: plain, scaled into a poisoned C (beta = 0
// must ignore NaN), and accumulating into a random C.
func matMulCases() []Case {
	var cs []Case
	for _, tr := range [][2]backend.Transpose{{false, false}, {true, false}, {false, true}, {true, true}} {
		for _, ab := range [][2]float32{{1, 0}, {0.5, 0}, {-1.5, 0.7}} {
			tA, tB, alpha, beta := tr[0], tr[1], ab[0], ab[1]
			cs = append(cs, Case{
				Name: fmt.Sprintf("matmul/%s%s/alpha=%g,beta=%g", transName(tA), transName(tB), alpha, beta),
				Dims: MatMulDims,
				Setup: func(d Dims) ([]In, []Out) {
					a := tA.Apply(backend.Shape{Rows: d.M, Cols: d.K})
					b := tB.Apply(backend.Shape{Rows: d.K, Cols: d.N})
					c := backend.Shape{Rows: d.M, Cols: d.N}
					if beta == 0 {
						return []In{{Shape: a}, {Shape: b}}, []Out{poisoned(c)}
					}
					return []In{{Shape: a}, {Shape: b}, {Shape: c}}, []Out{{Shape: c, From: 2}}
				},
				Run: func(b backend.Backend, out, in []backend.Tensor) error {
					return b.MatMul(tA, tB, alpha, in[0], in[1], beta, out[0])
				},
				Oracle: func(out, in []Mat) { matMulOracle(tA, tB, float64(alpha), &in[0], &in[1], float64(beta), &out[0]) },
				// ‖Δ‖/‖C‖ ≤ 1e-5 is the bound; float32 accumulation
				// over k ≤ 257 terms gives about √k·6e-8 ≈ 1e-6.
				Tol: Tol{RTol: 1e-5, Norm: true},
			})
		}
	}
	return cs
}

func transName(t backend.Transpose) string {
	if t {
		return "T"
	}
	return "N"
}

// matMulOracle is C = alpha·op(A)·op(B) + beta·C in float64; beta = 0 does not
// read C.
func matMulOracle(tA, tB backend.Transpose, alpha float64, a, b *Mat, beta float64, c *Mat) {
	m, n := c.Shape.Rows, c.Shape.Cols
	k := tA.Apply(a.Shape).Cols
	opA := func(i, l int) float64 {
		if tA {
			return a.at(l, i)
		}
		return a.at(i, l)
	}
	opB := func(l, j int) float64 {
		if tB {
			return b.at(j, l)
		}
		return b.at(l, j)
	}
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for l := 0; l < k; l++ {
				s += opA(i, l) * opB(l, j)
			}
			v := alpha * s
			if beta != 0 {
				v += beta * c.Data[i*n+j]
			}
			c.Data[i*n+j] = v
		}
	}
}

// absSum returns Σ|x| of a slice: the error scale of a sum.
func absSum(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += math.Abs(v)
	}
	return s
}
