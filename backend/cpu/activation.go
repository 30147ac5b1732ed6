package cpu

import (
	"math"

	"gltrain/backend"
)

// Each activation has a forward function f(x) and a backward function giving
// its local gradient f'(x), both in float64 with the kind's parameter alpha.
// The kernels below apply them elementwise: dst = f(x), dx = dy·f'(x).
type activationFuncs struct {
	forward, backward func(x, alpha float64) float64
}

var activations = [...]activationFuncs{
	backend.Identity:  {identityForward, identityBackward},
	backend.ReLU:      {reluForward, reluBackward},
	backend.LeakyReLU: {leakyReLUForward, leakyReLUBackward},
	backend.ELU:       {eluForward, eluBackward},
	backend.GELU:      {geluForward, geluBackward},
	backend.GELUTanh:  {geluTanhForward, geluTanhBackward},
	backend.Sigmoid:   {sigmoidForward, sigmoidBackward},
	backend.Tanh:      {tanhForward, tanhBackward},
	backend.SiLU:      {siluForward, siluBackward},
}

// ActivationForward sets dst = f(x).
func (be *Backend) ActivationForward(f backend.Activation, dst, x backend.Tensor) error {
	var t [2]*Tensor
	if err := be.tensors("activation forward", t[:], dst, x); err != nil {
		return err
	}
	if err := backend.CheckActivation("activation forward", f); err != nil {
		return err
	}
	if err := backend.CheckSame(f.Kind.String()+" forward", t[0].shape, t[1].shape); err != nil {
		return err
	}
	d, s := t[0].data, t[1].data
	parallelFor(len(d), activationCost(f), func(lo, hi int) { activationForward(f, d[lo:hi], s[lo:hi]) })
	return nil
}

// activationForward sets d = f(s); d and s are (n). ReLU and the identity,
// exact in float32, run as float32 loops; the others through the float64
// reference functions.
func activationForward(f backend.Activation, d, s []float32) {
	switch f.Kind {
	case backend.Identity:
		copy(d, s)
	case backend.ReLU:
		reluChunk(d, s)
	default:
		fn, alpha := activations[f.Kind].forward, float64(f.Param())
		for i, x := range s[:len(d)] {
			d[i] = float32(fn(float64(x), alpha))
		}
	}
}

// activationCost is the work of one element of f relative to an addition,
// for parallelFor: ReLU and the identity cost about as much, the others a
// few exponentials.
func activationCost(f backend.Activation) int {
	if f.Kind == backend.ReLU || f.Kind == backend.Identity {
		return 1
	}
	return 16
}

// reluGo sets d = relu32(s), with d no longer than s; with cgo on amd64,
// reluChunk runs it eight elements at a time with AVX2, to the same bits.
func reluGo(d, s []float32) {
	for i, x := range s[:len(d)] {
		d[i] = relu32(x)
	}
}

// reluBackwardGo sets d = reluBackward32(g, x) elementwise, as reluGo does.
func reluBackwardGo(d, g, x []float32) {
	g = g[:len(d)]
	for i, xi := range x[:len(d)] {
		d[i] = reluBackward32(g[i], xi)
	}
}

// relu32 is PyTorch's relu(x) = x < 0 ? +0 : x — NaN stays NaN and −0 stays
// −0, as torch.relu gives them — without a branch: x < 0 exactly when its
// bits are in [0x80000001, 0xff800000] (−Inf's), and those are the ones
// cleared.
func relu32(x float32) float32 {
	b := math.Float32bits(x)
	clearing := uint32((int64(b-0x80000001) - 0x7f800000) >> 63) // all ones when b−0x80000001 < 0x7f800000, unsigned
	return math.Float32frombits(b &^ clearing)
}

// reluBackward32 is PyTorch's ReLU backward, g where x > 0 or x is NaN and
// +0 elsewhere: a selection, not the product g·relu'(x), so that a unit at
// x ≤ 0 passes no gradient even when g is ±Inf or NaN. It runs without a
// branch: x > 0 exactly when its bits are in [1, 0x7f800000] (+Inf's), and
// x is NaN when its magnitude's bits exceed 0x7f800000.
func reluBackward32(g, x float32) float32 {
	b := math.Float32bits(x)
	pos := uint32((int64(b-1) - 0x7f800000) >> 63)          // all ones when b−1 < 0x7f800000, unsigned
	nan := uint32((0x7f800000 - int64(b&0x7fffffff)) >> 63) // all ones when |x|'s bits > 0x7f800000
	return math.Float32frombits(math.Float32bits(g) & (pos | nan))
}

// activationBackward sets d = g ⊙ f'(x); d, g and x are (n). ReLU (a
// selection, see reluBackward32) and the identity run as float32 loops,
// which give the float64 reference's bits.
func activationBackward(f backend.Activation, d, g, x []float32) {
	switch f.Kind {
	case backend.Identity:
		copy(d, g)
	case backend.ReLU:
		reluBackwardChunk(d, g, x)
	default:
		fn, alpha := activations[f.Kind].backward, float64(f.Param())
		for i, xi := range x[:len(d)] {
			d[i] = float32(float64(g[i]) * fn(float64(xi), alpha))
		}
	}
}

// ActivationBackward sets dx = dy ⊙ f'(x). The CPU reference recomputes f'
// from x in float64 and does not read y.
func (be *Backend) ActivationBackward(f backend.Activation, dx, x, y, dy backend.Tensor) error {
	var t [4]*Tensor
	if err := be.tensors("activation backward", t[:], dx, x, y, dy); err != nil {
		return err
	}
	if err := backend.CheckActivation("activation backward", f); err != nil {
		return err
	}
	if err := backend.CheckSame(f.Kind.String()+" backward", t[0].shape, t[1].shape, t[2].shape, t[3].shape); err != nil {
		return err
	}
	d, xs, g := t[0].data, t[1].data, t[3].data
	parallelFor(len(d), activationCost(f), func(lo, hi int) { activationBackward(f, d[lo:hi], g[lo:hi], xs[lo:hi]) })
	return nil
}

func identityForward(x, _ float64) float64  { return x }
func identityBackward(_, _ float64) float64 { return 1 }

// reluForward is x < 0 ? +0 : x, so that NaN and −0 pass, as in PyTorch;
// reluBackward takes relu'(0) = 0 and relu'(NaN) = 1, as PyTorch does (its
// backward selects dy where not x ≤ 0; the kernels use reluBackward32).
func reluForward(x, _ float64) float64 {
	if x < 0 {
		return 0
	}
	return x
}
func reluBackward(x, _ float64) float64 {
	if x <= 0 {
		return 0
	}
	return 1
}

func leakyReLUForward(x, slope float64) float64 {
	if x > 0 {
		return x
	}
	return slope * x
}
func leakyReLUBackward(x, slope float64) float64 {
	if x > 0 {
		return 1
	}
	return slope
}

// eluForward uses expm1 so that small negative x keep their digits. As in
// PyTorch, whose test is x ≤ 0, NaN takes the x > 0 branch (elu'(NaN) = 1),
// and ±0 gives +0·α, its exp(x) − 1 being +0 at −0 too.
func eluForward(x, alpha float64) float64 {
	switch {
	case !(x <= 0):
		return x
	case x == 0:
		return alpha * 0
	}
	return alpha * math.Expm1(x)
}
func eluBackward(x, alpha float64) float64 {
	if !(x <= 0) {
		return 1
	}
	return alpha * math.Exp(x)
}

// normalCDF is Φ(x) = erfc(−x/√2)/2, written with erfc so that the far left
// tail keeps its relative precision.
func normalCDF(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }

// normalPDF is φ(x) = exp(−x²/2)/√(2π).
func normalPDF(x float64) float64 { return math.Exp(-0.5*x*x) / math.Sqrt(2*math.Pi) }

// geluForward is x·Φ(x); geluBackward is Φ(x) + x·φ(x). At ±Inf, IEEE
// arithmetic gives PyTorch's values: GELU(−Inf) = −Inf·0 = NaN, and
// GELU'(±Inf) = NaN (the term ±Inf·φ(±Inf) = ±Inf·0).
func geluForward(x, _ float64) float64  { return x * normalCDF(x) }
func geluBackward(x, _ float64) float64 { return normalCDF(x) + x*normalPDF(x) }

const geluTanhC = 0.044715

// geluTanhForward is x/2·(1 + tanh(u)) with u = √(2/π)·(x + 0.044715·x³),
// evaluated as x·σ(2u), the same value without the cancellation of 1 + tanh
// for negative u.
func geluTanhForward(x, _ float64) float64 {
	u := math.Sqrt(2/math.Pi) * (x + geluTanhC*x*x*x)
	return x * sigmoid(2*u)
}

// geluTanhBackward is σ(2u) + x·2σ(2u)(1−σ(2u))·u', u' = √(2/π)(1 + 3·0.044715·x²).
// At ±Inf it is NaN, as in PyTorch (±Inf·0 in the second term).
func geluTanhBackward(x, _ float64) float64 {
	if math.IsInf(x, 0) {
		return math.NaN()
	}
	u := math.Sqrt(2/math.Pi) * (x + geluTanhC*x*x*x)
	du := math.Sqrt(2/math.Pi) * (1 + 3*geluTanhC*x*x)
	s := sigmoid(2 * u)
	if s == 0 || s == 1 {
		return s // the second term is 0·finite (PyTorch's float32 kernel overflows to NaN for |x| ≳ 7e12)
	}
	return s + x*2*s*(1-s)*du
}

// sigmoid is 1/(1+exp(−x)), evaluated as exp(x)/(1+exp(x)) for negative x so
// that neither side overflows.
func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

func sigmoidForward(x, _ float64) float64 { return sigmoid(x) }
func sigmoidBackward(x, _ float64) float64 {
	s := sigmoid(x)
	return s * (1 - s)
}

func tanhForward(x, _ float64) float64 { return math.Tanh(x) }
func tanhBackward(x, _ float64) float64 {
	t := math.Tanh(x)
	return 1 - t*t
}

// siluForward is x·σ(x); siluBackward is σ(x)·(1 + x·(1 − σ(x))). As in
// PyTorch, SiLU(−Inf) = −Inf·0 = NaN and SiLU'(±Inf) = NaN.
func siluForward(x, _ float64) float64 { return x * sigmoid(x) }
func siluBackward(x, _ float64) float64 {
	s := sigmoid(x)
	return s * (1 + x*(1-s))
}
