package cpu

import (
	"math"

	"gltrain/backend"
)

// ActivationForward sets dst = f(x).
func (be *Backend) ActivationForward(f backend.Activation, dst, x backend.Tensor) error {
	if err := backend.Check(be).ActivationForward(f, dst, x); err != nil {
		return err
	}
	d, s := dst.(*Tensor).data, x.(*Tensor).data // checked: trust
	parallelFor(len(d), activationCost(f), func(lo, hi int) { activationForward(f, d[lo:hi], s[lo:hi]) })
	return nil
}

// activationForward sets d = f(s); d and s are (n), through the activation
// table's float64 reference F, rounded to float32:
//
//	for i := range d { d[i] = float32(F(float64(s[i]), params)) }
//
// ReLU and the identity, exact in float32, run as float32 loops instead,
// which give the same bits; GELU runs a vectorised float64 path within 1 ulp
// of it (gelu.go).
func activationForward(f backend.Activation, d, s []float32) {
	switch f.Kind {
	case backend.Identity:
		copy(d, s)
	case backend.ReLU:
		reluChunk(d, s)
	case backend.GELU:
		geluChunk(d, s)
	default:
		fn, p := f.Kind.Def().F, f.Float64()
		for i, x := range s[:len(d)] {
			d[i] = float32(fn(float64(x), p))
		}
	}
}

// activationCost is the work of one element of f relative to an addition,
// for parallelFor: the table's Cost.
func activationCost(f backend.Activation) int { return f.Kind.Def().Cost }

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

// activationBackward sets d = g ⊙ f'(x); d, g and x are (n), through the
// table's float64 reference DF: the IEEE product g·f'(x) rounded to
// float32, or +0 where the kind's Gate is false. ReLU (see reluBackward32) and the identity
// run as float32 loops, which give the same bits; GELU as in
// activationForward.
func activationBackward(f backend.Activation, d, g, x []float32) {
	switch f.Kind {
	case backend.Identity:
		copy(d, g)
	case backend.ReLU:
		reluBackwardChunk(d, g, x)
	case backend.GELU:
		geluBackwardChunk(d, g, x)
	default:
		def, p := f.Kind.Def(), f.Float64()
		for i, xi := range x[:len(d)] {
			if def.Gate != nil && !def.Gate(float64(xi), p) {
				d[i] = 0
				continue
			}
			d[i] = float32(float64(g[i]) * def.DF(float64(xi), p))
		}
	}
}

// ActivationBackward sets dx = dy ⊙ f'(x). The CPU reference recomputes f'
// from x in float64 and does not read y.
func (be *Backend) ActivationBackward(f backend.Activation, dx, x, y, dy backend.Tensor) error {
	if err := backend.Check(be).ActivationBackward(f, dx, x, y, dy); err != nil {
		return err
	}
	d, xs, g := dx.(*Tensor).data, x.(*Tensor).data, dy.(*Tensor).data // checked: trust
	parallelFor(len(d), activationCost(f), func(lo, hi int) { activationBackward(f, d[lo:hi], g[lo:hi], xs[lo:hi]) })
	return nil
}
