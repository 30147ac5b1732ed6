package backend

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ActivationKind names an activation function.
type ActivationKind uint8

// The activation functions, with σ(x) = 1/(1+exp(−x)) the logistic sigmoid
// (note the plus sign: the course notes' "1−" is a slip) and Φ the standard
// normal CDF:
//
//	Identity   f(x) = x
//	ReLU       f(x) = max(0, x)
//	LeakyReLU  f(x) = x if x > 0, else α·x            (α = slope, default 0.1)
//	ELU        f(x) = x if x > 0, else α·(exp(x) − 1) (α default 1)
//	GELU       f(x) = x·Φ(x) = x/2·(1 + erf(x/√2))     (exact, PyTorch's default)
//	GELUTanh   f(x) = x/2·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
//	Sigmoid    f(x) = σ(x)
//	Tanh       f(x) = tanh(x)
//	SiLU       f(x) = x·σ(x)                          (also called swish)
//
// NaN, ±Inf and ±0 give PyTorch's results on every backend (torch 1.13's
// torch.nn.functional and torch.autograd in float32; the conformance suite,
// backendtest, checks them). The backward pass is the IEEE product
// dx = dy·f'(x), so ±Inf·0 is NaN, except ReLU's, which like PyTorch's
// selects: dx = dy where x > 0 or x is NaN, +0 elsewhere, whatever dy is.
// "±0" is the input's zero; "+0·α" is +0 for α > 0.
//
//	          f(NaN) f(+Inf) f(−Inf) f(±0)   f'(NaN) f'(+Inf) f'(−Inf) f'(±0)
//	Identity  NaN    +Inf    −Inf    ±0      1       1        1        1
//	ReLU      NaN    +Inf    +0      ±0      1       1        0        0
//	LeakyReLU NaN    +Inf    −Inf    ±0      α       1        α        α
//	ELU       NaN    +Inf    −α      +0·α    1       1        +0·α     α
//	GELU      NaN    +Inf    NaN     ±0      NaN     NaN      NaN      ½
//	GELUTanh  NaN    +Inf    NaN     ±0      NaN     NaN      NaN      ½
//	Sigmoid   NaN    1       +0      ½       NaN     +0       +0       ¼
//	Tanh      NaN    1       −1      ±0      NaN     +0       +0       1
//	SiLU      NaN    +Inf    NaN     ±0      NaN     NaN      NaN      ½
//
// (f'(NaN) = 1 or α comes from PyTorch's comparisons: NaN fails x ≤ 0 in
// ReLU's and ELU's backward and x > 0 in LeakyReLU's.) Finite inputs never
// overflow to NaN: GELUTanh'(x) for |x| ≳ 7e12 is 1 or +0, PyTorch's
// float64 values, where its float32 kernel overflows x³ and gives NaN.
const (
	Identity ActivationKind = iota
	ReLU
	LeakyReLU
	ELU
	GELU
	GELUTanh
	Sigmoid
	Tanh
	SiLU
	numActivations
)

var activationNames = [numActivations]string{
	Identity: "identity", ReLU: "relu", LeakyReLU: "leakyrelu", ELU: "elu",
	GELU: "gelu", GELUTanh: "gelu-tanh", Sigmoid: "sigmoid", Tanh: "tanh", SiLU: "silu",
}

// ActivationKinds lists every kind, in declaration order.
func ActivationKinds() []ActivationKind {
	ks := make([]ActivationKind, numActivations)
	for i := range ks {
		ks[i] = ActivationKind(i)
	}
	return ks
}

// String is the kind's lower-case name, as ParseActivation accepts it.
func (k ActivationKind) String() string {
	if k < numActivations {
		return activationNames[k]
	}
	return "activation(" + strconv.Itoa(int(k)) + ")"
}

// Valid reports whether k is one of the declared kinds.
func (k ActivationKind) Valid() bool { return k < numActivations }

// Activation is an activation function with its parameter: the negative
// slope of LeakyReLU or the α of ELU. A zero Alpha means the default.
type Activation struct {
	Kind  ActivationKind
	Alpha float32
}

// DefaultLeakySlope is LeakyReLU's negative slope when none is given: 0.1, as
// in the course notes (PyTorch's default is 0.01).
const DefaultLeakySlope = 0.1

// DefaultELUAlpha is ELU's α when none is given.
const DefaultELUAlpha = 1

// Param returns the parameter the kernels use: Alpha, or the kind's default
// when Alpha is zero (0 for kinds without a parameter).
func (a Activation) Param() float32 {
	switch {
	case a.Alpha != 0:
		return a.Alpha
	case a.Kind == LeakyReLU:
		return DefaultLeakySlope
	case a.Kind == ELU:
		return DefaultELUAlpha
	}
	return 0
}

// String formats the activation as ParseActivation reads it: "relu", or
// "leakyrelu:0.2" when the parameter is not the default.
func (a Activation) String() string {
	if a.Alpha != 0 && (a.Kind == LeakyReLU || a.Kind == ELU) {
		return a.Kind.String() + ":" + strconv.FormatFloat(float64(a.Alpha), 'g', -1, 32)
	}
	return a.Kind.String()
}

// ParseActivation reads an activation name, optionally followed by ":" and
// the parameter of LeakyReLU or ELU ("leakyrelu:0.2"). Names are
// case-insensitive; "leaky_relu", "swish" and "gelu_tanh" are accepted too.
func ParseActivation(s string) (Activation, error) {
	name, param, hasParam := strings.Cut(strings.ToLower(strings.TrimSpace(s)), ":")
	name = strings.NewReplacer("_", "", "-", "").Replace(name)
	aliases := map[string]ActivationKind{"linear": Identity, "none": Identity, "swish": SiLU, "geluexact": GELU}
	kind, ok := aliases[name]
	for k, n := range activationNames {
		if strings.ReplaceAll(n, "-", "") == name {
			kind, ok = ActivationKind(k), true
		}
	}
	if !ok {
		return Activation{}, fmt.Errorf("unknown activation %q (valid: %s)", s, strings.Join(activationNames[:], ", "))
	}
	a := Activation{Kind: kind}
	if hasParam {
		if kind != LeakyReLU && kind != ELU {
			return Activation{}, fmt.Errorf("activation %q: only leakyrelu and elu take a parameter", s)
		}
		v, err := strconv.ParseFloat(param, 32)
		switch {
		case err != nil:
			return Activation{}, fmt.Errorf("activation %q: parameter: %w", s, err)
		case math.IsNaN(v) || math.IsInf(v, 0):
			return Activation{}, fmt.Errorf("activation %q: the parameter must be a finite number", s)
		case v == 0 && kind == LeakyReLU:
			return Activation{}, fmt.Errorf("activation %q: a slope of 0 is relu", s)
		case v == 0:
			return Activation{}, fmt.Errorf("activation %q: α must not be 0", s)
		}
		a.Alpha = float32(v)
	}
	return a, nil
}
