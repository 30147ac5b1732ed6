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

func activationCases() []Case {
	var cs []Case
	for _, f := range activationsUnderTest() {
		cs = append(cs, Case{
			Name: f.String() + " forward", Dims: ElementDims, Tol: activationForwardTol,
			Setup: func(d Dims) ([]In, []Out) {
				return []In{{Shape: shapeOf(d), Map: inDomain(f)}}, []Out{poisoned(shapeOf(d))}
			},
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
				return []In{{Shape: s, Map: inDomain(f)}, {Shape: s}}, []Out{poisoned(s)}
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
					out[0].Data[i] = overflow32(dy * d)
					out[0].setScale(i, math.Abs(dy)*(math.Abs(d)+0.05))
				}
			},
		})
	}
	return cs
}

// activationOracle is f(x) in float64: the activation table's reference,
// which TestActivationGolden (package backend) checks against PyTorch's
// golden values, and the golden check here checks the backends against
// directly.
func activationOracle(f backend.Activation, x float64) float64 {
	return f.Kind.Def().F(x, f.Float64())
}

// activationDerivative is f'(x) in float64, the table's reference DF.
func activationDerivative(f backend.Activation, x float64) float64 {
	return f.Kind.Def().DF(x, f.Float64())
}

// inDomain maps a drawn x into f's Domain, for the random cases: x, else
// −x, else 1 (log's ±0). Nil for a row without a Domain. The golden points
// check f outside it.
func inDomain(f backend.Activation) func(float32) float32 {
	dom, p := f.Kind.Def().Domain, f.Float64()
	if dom == nil {
		return nil
	}
	return func(x float32) float32 {
		switch {
		case dom(float64(x), p):
			return x
		case dom(-float64(x), p):
			return -x
		}
		return 1
	}
}

// overflow32 is v, or ±Inf where v is beyond float32's range: a float32
// product such as dy·exp(88) overflows where the float64 oracle does not.
func overflow32(v float64) float64 {
	if math.Abs(v) > math.MaxFloat32 {
		return float64(float32(v))
	}
	return v
}
