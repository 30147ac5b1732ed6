package backendtest

import (
	"math"

	"gltrain/backend"
)

// activationForwardTol: each activation is one float32 rounding of a value
// whose transcendental parts (exp, erfc, tanh) a GPU computes to a few ulp,
// so relative error stays far below 1e-5; the absolute floor of 1e-30 only
// admits results in float32's subnormal range (σ(−88) ≈ 6e-39), which GPUs
// may flush to zero.
var activationForwardTol = Tol{ATol: 1e-30, RTol: 1e-5}

// activationBackwardTol is relative to |dy|·(|f'(x)| + 0.05), the Scale the
// oracle sets: near a zero of f' (GELU' at −0.75, SiLU' at −1.28) its float32
// evaluation as a sum of O(0.3) terms keeps only about 1e-7 absolute, which
// the 0.05 floor (5e-7·|dy|) admits.
var activationBackwardTol = Tol{ATol: 1e-30, RTol: 1e-5}

// activationsUnderTest are every kind with its default parameter, and the two
// parametrised kinds with another value.
func activationsUnderTest() []backend.Activation {
	var as []backend.Activation
	for _, k := range backend.ActivationKinds() {
		as = append(as, backend.Activation{Kind: k})
	}
	return append(as, backend.Activation{Kind: backend.LeakyReLU, Alpha: 0.2}, backend.Activation{Kind: backend.ELU, Alpha: 0.5})
}

func activationCases() []Case {
	var cs []Case
	for _, f := range activationsUnderTest() {
		cs = append(cs, Case{
			Name: f.String() + " forward", Dims: ElementDims, Tol: activationForwardTol,
			Setup: func(d Dims) ([]In, []Out) { return []In{{Shape: shapeOf(d)}}, []Out{poisoned(shapeOf(d))} },
			Run: func(b backend.Backend, out, in []backend.Tensor) error {
				return b.ActivationForward(f, out[0], in[0])
			},
			Oracle: func(out, in []Mat) {
				for i, x := range in[0].Data {
					out[0].Data[i] = activationOracle(f, x)
				}
			},
		}, Case{
			Name: f.String() + " backward", Dims: ElementDims, Tol: activationBackwardTol,
			Setup: func(d Dims) ([]In, []Out) {
				s := shapeOf(d)
				return []In{{Shape: s}, {Shape: s}}, []Out{poisoned(s)}
			},
			// in[0] is x, in[1] is dy; y = f(x) comes from the backend's
			// own forward kernel, as the contract passes it.
			Run: func(b backend.Backend, out, in []backend.Tensor) error {
				y, err := b.New(in[0].Shape())
				if err != nil {
					return err
				}
				defer b.Release(y)
				if err := b.ActivationForward(f, y, in[0]); err != nil {
					return err
				}
				return b.ActivationBackward(f, out[0], in[0], y, in[1])
			},
			Oracle: func(out, in []Mat) {
				for i, x := range in[0].Data {
					dy, d := in[1].Data[i], activationDerivative(f, x)
					out[0].Data[i] = dy * d
					out[0].setScale(i, math.Abs(dy)*(math.Abs(d)+0.05))
				}
			},
		})
	}
	return cs
}

// activationOracle is f(x) in float64, straight from the definitions.
func activationOracle(f backend.Activation, x float64) float64 {
	a := float64(f.Param())
	sigma := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	switch f.Kind {
	case backend.ReLU:
		return math.Max(0, x)
	case backend.LeakyReLU:
		return math.Max(0, x) + a*math.Min(0, x)
	case backend.ELU:
		return math.Max(0, x) + a*math.Expm1(math.Min(0, x))
	case backend.GELU:
		return x * 0.5 * math.Erfc(-x/math.Sqrt2)
	case backend.GELUTanh:
		// x/2·(1 + tanh u) = x·σ(2u): the same number, without the
		// cancellation of 1 + tanh u that float64 suffers below x ≈ −6.
		return x * sigma(2*math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x))
	case backend.Sigmoid:
		return sigma(x)
	case backend.Tanh:
		return math.Tanh(x)
	case backend.SiLU:
		return x * sigma(x)
	}
	return x
}

// activationDerivative is f'(x) by a second-order one-sided difference of the
// float64 oracle, taken on the side of x that the kernels' convention uses at
// a kink (f'(0) is the left derivative: relu'(0) = 0). It checks the
// kernels' derivative formulas without repeating them; its error, about
// h²·|f⁽³⁾|/3 + 1e-16·|f|/h, is below 1e-8 with h = 1e-4·max(1, |x|).
func activationDerivative(f backend.Activation, x float64) float64 {
	h := 1e-4 * math.Max(1, math.Abs(x))
	if x > 0 {
		h = -h // step to the right: the points x, x+|h|, x+2|h|
	}
	fx, f1, f2 := activationOracle(f, x), activationOracle(f, x-h), activationOracle(f, x-2*h)
	return (3*fx - 4*f1 + f2) / (2 * h)
}
