package autograd_test

import (
	"errors"
	"fmt"
	"testing"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
)

// gradCase is a gradient check: f of the inputs, reduced to 1×1.
type gradCase struct {
	name string
	in   []autograd.GradInput
	f    func(g *autograd.Graph, v []*autograd.Value) *autograd.Value
}

// gradTol bounds CheckGradients' relative error (with its default step,
// h = 1e-2, and floor, 1e-2 of the largest gradient element): the usual
// float32 bar. f is evaluated in float32, so the numerical gradient carries
// the rounding of f, about ε·|f|/h ≈ 6e-8·3/1e-2 ≈ 2e-5 in absolute terms
// here, and a truncation error h²·f‴/6 ≈ 2e-5 for O(1) third derivatives
// (see CheckGradients). On the CPU backend the cases measure:
//
//	below 1e-4: identity, ReLU, LeakyReLU, ELU, sigmoid, add, sub, mul, scale,
//	            add bias, z⊙z, a·aᵀ, matmul NT, SVM hinge (linear or nearly,
//	            so that only rounding remains)
//	1e-4–1e-3:  tanh, SiLU, the other matmuls, sum, mean, softmax
//	            cross-entropy, mean squared error, the reused-value, squared-loss
//	            and MLP cases, and the softmax cases
//	1e-3–2e-3:  GELU and GELUTanh (an element near GELU's minimum, where the
//	            gradient is small and the rounding of f is all there is),
//	            the regularised cross-entropy
//	primitives: below 1.3e-4 but for the poles' neighbours at |x| = 0.2,
//	            where the truncation error h²f‴/6 grows: log and pow:3
//	            3.5e-4, rsqrt 6.4e-4, reciprocal 1.0e-3, pow:−2 2.0e-3
//	linear:     1e-4–2.5e-3, the fused layer's cases measuring as the ops
//	            they fuse do, the largest the GELU layers, x as both x and
//	            W, and the two-layer MLP (an element of 2e-4, judged against
//	            the floor, 1e-2 of the gradient's largest element, 0.46)
//
// A gradient overwritten where it should have been summed, or sent to the
// wrong input, errs by O(1).
const gradTol = 1e-2

// variable and constant describe an input of a gradient check.
func variable(r, c int, data []float32) autograd.GradInput {
	return autograd.GradInput{Shape: shp(r, c), Data: data}
}

func constant(r, c int, data []float32) autograd.GradInput {
	return autograd.GradInput{Shape: shp(r, c), Data: data, Const: true}
}

// project returns Σ y ⊙ w, a 1×1 function of y whose gradient is w: random
// weights make every element of y matter differently, where a plain sum
// would hide a permuted or transposed gradient.
func project(g *autograd.Graph, y, w *autograd.Value) *autograd.Value {
	return g.Sum(g.Mul(y, w))
}

// weights is a constant input of shape r×c to project onto.
func weights(r, c int, seed uint64) autograd.GradInput {
	return constant(r, c, uniform(r*c, seed, -1, 1))
}

func gradCases() []gradCase {
	var cases []gradCase
	for _, act := range append(activationCases(), primitiveCases()...) {
		cases = append(cases, gradCase{
			name: "activation/" + act.String(),
			in:   []autograd.GradInput{variable(3, 4, inDomain(act, awayFromZero(12, 1))), weights(3, 4, 2)},
			f: func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
				return project(g, g.Activation(act, v[0]), v[1])
			},
		})
	}
	cases = append(cases, matMulCases()...)
	cases = append(cases, elementwiseCases()...)
	cases = append(cases, lossCases()...)
	cases = append(cases, linearCases()...)
	cases = append(cases, softmaxCases()...)
	cases = append(cases, convCases()...)
	cases = append(cases, binaryCases()...)
	return cases
}

// activationCases are every setting of the activation table's
// activations: each kind with its defaults, and with each parameter at its
// test value.
func activationCases() []backend.Activation { return backend.ActivationSettings() }

// primitiveCases are the primitives' settings (exp, …, pow and clamp at
// their rows' Settings), checked as activations are, but not as a layer's.
func primitiveCases() []backend.Activation {
	var as []backend.Activation
	for _, a := range backend.UnarySettings() {
		if a.Kind.Def().Primitive {
			as = append(as, a)
		}
	}
	return as
}

// inDomain reflects the values outside act's Domain (x ≤ 0 for log, sqrt,
// rsqrt and fractional pow) to −x, so that the check runs where f is
// smooth: awayFromZero's magnitudes, at least 0.2, keep the poles of log,
// 1/x and x^−2 many steps away. clamp's bounds at ±1, 0 and 6 and the
// magnitudes drawn from [0.2, 2) leave each value at least a step from a
// kink, except by chance, which the fixed seed rules out.
func inDomain(act backend.Activation, xs []float32) []float32 {
	dom, p := act.Kind.Def().Domain, act.Float64()
	if dom == nil {
		return xs
	}
	out := make([]float32, len(xs))
	for i, x := range xs {
		out[i] = x
		if !dom(float64(x), p) {
			out[i] = -x
		}
	}
	return out
}

// matMulCases cover every transpose flag: op(a) is 3×4 and op(b) 4×5, stored
// transposed where the flag says so.
func matMulCases() []gradCase {
	var cases []gradCase
	for _, tA := range []backend.Transpose{backend.NoTrans, backend.Trans} {
		for _, tB := range []backend.Transpose{backend.NoTrans, backend.Trans} {
			a, b := tA.Apply(shp(3, 4)), tB.Apply(shp(4, 5))
			cases = append(cases, gradCase{
				name: fmt.Sprintf("matmul/%s%s", flag(tA), flag(tB)),
				in: []autograd.GradInput{
					variable(a.Rows, a.Cols, uniform(12, 3, -1, 1)),
					variable(b.Rows, b.Cols, uniform(20, 4, -1, 1)),
					weights(3, 5, 5),
				},
				f: func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
					return project(g, g.MatMulT(tA, tB, v[0], v[1]), v[2])
				},
			})
		}
	}
	// a·aᵀ: the same value as both operands, so its gradient sums two shares.
	return append(cases, gradCase{
		name: "matmul/a·aᵀ",
		in:   []autograd.GradInput{variable(3, 4, uniform(12, 6, -1, 1)), weights(3, 3, 7)},
		f: func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
			return project(g, g.MatMulT(backend.NoTrans, backend.Trans, v[0], v[0]), v[1])
		},
	})
}

func flag(t backend.Transpose) string {
	if t {
		return "T"
	}
	return "N"
}

// TestGradients checks every operation's backward step against centred
// finite differences, on every backend.
func TestGradients(t *testing.T) {
	checkGradCases(t, gradCases)
}

// checkGradCases checks each case's backward step against centred finite
// differences on every backend, within gradTol.
func checkGradCases(t *testing.T, cases func() []gradCase) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		for i, tc := range cases() {
			t.Run(tc.name, func(t *testing.T) {
				res, err := autograd.CheckGradients(b, tc.f, tc.in, nil)
				if err != nil {
					t.Fatalf("%d %s: %v", i, tc.name, err)
				}
				t.Logf("%s: %v", tc.name, res)
				if !(res.MaxRelErr <= gradTol) {
					t.Errorf("%d %s: %v > %g", i, tc.name, res, gradTol)
				}
			})
		}
	})
}

// TestCheckGradientsErrors checks that CheckGradients reports bad inputs and
// failing functions as errors.
func TestCheckGradientsErrors(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	sum := func(g *autograd.Graph, v []*autograd.Value) *autograd.Value { return g.Sum(v[0]) }
	for i, tc := range []struct {
		name string
		f    func(g *autograd.Graph, v []*autograd.Value) *autograd.Value
		in   []autograd.GradInput
		want error
	}{
		{"data length", sum, []autograd.GradInput{variable(2, 2, make([]float32, 3))}, backend.ErrShape},
		{"output not 1×1", func(g *autograd.Graph, v []*autograd.Value) *autograd.Value { return v[0] },
			[]autograd.GradInput{variable(2, 2, make([]float32, 4))}, backend.ErrShape},
		{"failing graph", func(g *autograd.Graph, v []*autograd.Value) *autograd.Value { return g.Sum(g.MatMul(v[0], v[0])) },
			[]autograd.GradInput{variable(2, 3, make([]float32, 6))}, backend.ErrShape},
	} {
		if _, err := autograd.CheckGradients(b, tc.f, tc.in, nil); !errors.Is(err, tc.want) {
			t.Errorf("%d %s: error %v, want %v", i, tc.name, err, tc.want)
		}
	}
}
