package nn

import (
	"fmt"
	"math"

	"gltrain/backend"
)

// Init is a weight initialiser: a distribution scaled by a gain. Weights are
// drawn on the host from a seed and uploaded (backend.InitNormal,
// backend.InitUniform), so the same seed gives the same weights on every
// backend.
type Init struct {
	Dist Dist
	Gain float64
}

// Dist is the distribution of an initialiser.
type Dist int

const (
	// HeNormal (Kaiming) draws N(0, gain²/in), which keeps the variance
	// of ReLU-like activations constant through the layers (He et al.,
	// 2015); the gain is √2 for ReLU.
	HeNormal Dist = iota
	// XavierUniform (Glorot) draws U(−a, a), a = gain·√(6/(in+out)), for
	// tanh, sigmoid and linear outputs (Glorot & Bengio, 2010).
	XavierUniform
)

// The initialisers InitFor picks.
var (
	He     = Init{Dist: HeNormal, Gain: math.Sqrt2}
	Xavier = Init{Dist: XavierUniform, Gain: 1}
)

// String names the initialiser.
func (i Init) String() string {
	switch i.Dist {
	case HeNormal:
		return fmt.Sprintf("he-normal(gain %.3g)", i.Gain)
	case XavierUniform:
		return fmt.Sprintf("xavier-uniform(gain %.3g)", i.Gain)
	}
	return fmt.Sprintf("init(%d)", int(i.Dist))
}

// InitFor is the initialiser for the weights of a layer followed by f, as
// its row of the activation table says (backend.ActivationDef.Init): He for
// the ReLU family (ReLU, ELU, GELU, SiLU, …; LeakyReLU with gain
// √(2/(1+α²)), as PyTorch's calculate_gain), Xavier for tanh, sigmoid and
// the identity, and N(0, 1/in) for SELU.
func InitFor(f backend.Activation) Init {
	d := f.Kind.Def()
	var i Init
	switch d.Init {
	case backend.InitXavier:
		i = Xavier
	case backend.InitLeCun:
		i = Init{Dist: HeNormal, Gain: 1}
	default:
		i = He
	}
	if d.Gain != nil {
		i.Gain = d.Gain(f.Float64())
	}
	return i
}

// fill draws t (in×out) from the initialiser's distribution.
func (i Init) fill(b backend.Backend, t backend.Tensor, in, out int, seed uint64) error {
	switch i.Dist {
	case HeNormal:
		return backend.InitNormal(b, t, seed, 0, i.Gain/math.Sqrt(float64(in)))
	case XavierUniform:
		a := i.Gain * math.Sqrt(6/float64(in+out))
		return backend.InitUniform(b, t, seed, -a, a)
	}
	return fmt.Errorf("nn: unknown initialiser %v", i)
}

// paramSeed derives the seed of layer i from the model's seed (SplitMix64's
// finaliser), so that layers draw independent weights.
func paramSeed(seed uint64, i int) uint64 {
	z := seed + uint64(i+1)*0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// chooseInit is a layer's initialiser: set, when it is not nil, else the
// one InitFor gives the activation of next, the layer after it (Xavier when
// next is no activation, as for an output layer).
func chooseInit(set *Init, next Module) Init {
	if set != nil {
		return *set
	}
	if f, ok := activationOf(next); ok {
		return InitFor(f)
	}
	return InitFor(Identity)
}
