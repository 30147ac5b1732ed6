package backend

import (
	"fmt"
	"math"
)

// The activation functions: the rows of activationTable, in order. σ(x) =
// 1/(1+exp(−x)) is the logistic sigmoid (note the plus sign: the course
// notes' "1−" is a slip) and Φ the standard normal CDF. Each row's Formula
// gives its definition; NaN, ±Inf and ±0 give PyTorch's results (torch
// 1.13 in float64, the golden file backend/backendtest/testdata/
// activation_golden.json), on every backend.
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
	Softplus
	Mish
	HardSwish
	HardSigmoid
	SELU
	LogSigmoid

	// The elementwise primitives (rows with Primitive set; see
	// ActivationDef), after the activations so that the activations' kinds
	// keep their numbers.
	Exp
	Log
	Sqrt
	Rsqrt
	Reciprocal
	Abs
	Square
	Pow
	Clamp
)

// DefaultLeakySlope is LeakyReLU's negative slope when none is given: 0.1, as
// in the course notes (PyTorch's default is 0.01).
const DefaultLeakySlope = 0.1

// DefaultELUAlpha is ELU's α when none is given.
const DefaultELUAlpha = 1

// SELU's constants, as PyTorch's (Klambauer et al., 2017).
const (
	seluAlpha = 1.6732632423543772848170429916717
	seluScale = 1.0507009873554804934193349852946
)

// activationTable is the activation functions, one row each, indexed by
// ActivationKind. Everything else (kernels, graph, command line,
// checkpoints, tests, help) iterates it.
var activationTable = [...]ActivationDef{
	Identity: {
		Name: "identity", Aliases: []string{"linear", "none"}, Formula: "x",
		F:    func(x float64, _ ActivationParams) float64 { return x },
		DF:   func(float64, ActivationParams) float64 { return 1 },
		GLSL: GLSLActivation{Forward: "return x;", Grad: "return 1.0;"},
		Init: InitXavier, Cost: 1,
	},
	// PyTorch's relu is x < 0 ? +0 : x (NaN and −0 pass); its backward
	// selects dy where x > 0 or x is NaN (relu'(0) = 0).
	ReLU: {
		Name: "relu", Formula: "max(0, x)",
		F:  func(x float64, _ ActivationParams) float64 { return ifElse(x < 0, 0, x) },
		DF: func(x float64, _ ActivationParams) float64 { return ifElse(x <= 0, 0, 1) },
		GLSL: GLSLActivation{
			// x < 0 exactly when its bits are in [0x80000001, 0xff800000].
			Forward: "return floatBitsToUint(x) - 0x80000001u < 0x7f800000u ? 0.0 : x;",
			Grad:    "return x > 0.0 || is_nan_f(x) ? 1.0 : 0.0;",
			Gate:    "return x > 0.0 || is_nan_f(x);",
		},
		Gate: func(x float64, _ ActivationParams) bool { return !(x <= 0) },
		Init: InitHe, Cost: 1,
	},
	// NaN's slope is the slope (PyTorch's test is x > 0).
	LeakyReLU: {
		Name: "leakyrelu", Formula: "x if x > 0, else slope·x",
		Params: []ParamDef{{Name: "slope", Default: DefaultLeakySlope, Min: math.Inf(-1), Max: math.Inf(1), Test: 0.2,
			Note: "PyTorch's default is 0.01, so leakyrelu:0.01 matches torch.nn.LeakyReLU()"}},
		F:  func(x float64, p ActivationParams) float64 { return ifElse(x > 0, x, p[0]*x) },
		DF: func(x float64, p ActivationParams) float64 { return ifElse(x > 0, 1, p[0]) },
		GLSL: GLSLActivation{
			Forward: "return x > 0.0 ? x : slope * x;",
			Grad:    "return x > 0.0 && !is_nan_f(x) ? 1.0 : slope;",
		},
		Init: InitHe, Gain: func(p ActivationParams) float64 { return math.Sqrt(2 / (1 + p[0]*p[0])) }, Cost: 1,
	},
	// NaN gives NaN, and ±0 give +0·α (PyTorch's exp(x) − 1 is +0 at −0
	// too).
	ELU: {
		Name: "elu", Formula: "x if x > 0, else alpha·(exp(x) − 1)",
		Params: []ParamDef{{Name: "alpha", Default: DefaultELUAlpha, Min: math.Inf(-1), Max: math.Inf(1), Test: 0.5}},
		F:      func(x float64, p ActivationParams) float64 { return eluRef(x, p[0], 1) },
		DF:     func(x float64, p ActivationParams) float64 { return ifElse(x > 0, 1, p[0]*math.Exp(x)) },
		GLSL: GLSLActivation{
			Forward: "if (x > 0.0 || is_nan_f(x)) return x; return alpha * (x == 0.0 ? 0.0 : expm1_f(x));",
			Grad:    "if (is_nan_f(x)) return x; return x > 0.0 ? 1.0 : alpha * exp_f(x);",
		},
		Init: InitHe, Cost: 16,
	},
	// GELU(−Inf) = −Inf·0 and GELU'(±Inf) = ±Inf·0 are NaN, as in PyTorch.
	GELU: {
		Name: "gelu", Aliases: []string{"gelu_exact"}, Formula: "x·Φ(x) = x/2·(1 + erf(x/√2)) (exact, PyTorch's default)",
		F:  func(x float64, _ ActivationParams) float64 { return x * normalCDF(x) },
		DF: func(x float64, _ ActivationParams) float64 { return normalCDF(x) + x*normalPDF(x) },
		GLSL: GLSLActivation{
			Forward: "if (!is_finite_f(x)) return x > 0.0 ? x : NAN; return x * normal_cdf(x);",
			Grad:    "if (!is_finite_f(x)) return NAN; return normal_cdf(x) + x * normal_pdf(x);",
		},
		Init: InitHe, Cost: 16,
	},
	// x/2·(1 + tanh u) = x·σ(2u), u = √(2/π)(x + 0.044715x³), with GELU's
	// values at ±Inf. Where σ'(2u) is 0 the derivative is σ(2u): the term
	// x·σ'(2u)·u' is 0 even where x² overflows u' (PyTorch's float32
	// kernel gives NaN there, for |x| ≳ 7e12; its float64 one gives 1 or 0).
	GELUTanh: {
		Name: "gelu-tanh", Formula: "x/2·(1 + tanh(√(2/π)·(x + 0.044715·x³)))",
		F: geluTanhForward, DF: geluTanhBackward,
		GLSL: GLSLActivation{
			Forward: "if (!is_finite_f(x)) return x > 0.0 ? x : NAN; return x * sigmoid_f(2.0 * gelu_tanh_u(x));",
			Grad: `if (!is_finite_f(x)) return NAN;
	float u2 = 2.0 * gelu_tanh_u(x);
	float s = sigmoid_f(u2), g = sigmoid_grad(u2);
	if (g == 0.0) return s;
	float du = 0.79788456080 * (1.0 + 3.0 * 0.044715 * x * x);
	return s + x * 2.0 * g * du;`,
		},
		Init: InitHe, Cost: 16,
	},
	Sigmoid: {
		Name: "sigmoid", Formula: "σ(x) = 1/(1 + exp(−x))",
		F:    func(x float64, _ ActivationParams) float64 { return sigmoid(x) },
		DF:   func(x float64, _ ActivationParams) float64 { return sigmoidGrad(x) },
		GLSL: GLSLActivation{Forward: "return sigmoid_f(x);", Grad: "return sigmoid_grad(x);"},
		Init: InitXavier, Cost: 16,
	},
	Tanh: {
		Name: "tanh", Formula: "tanh(x)",
		F:    func(x float64, _ ActivationParams) float64 { return math.Tanh(x) },
		DF:   func(x float64, _ ActivationParams) float64 { return tanhGrad(x) },
		GLSL: GLSLActivation{Forward: "return tanh_f(x);", Grad: "return tanh_grad(x);"},
		Init: InitXavier, Cost: 16,
	},
	// SiLU(−Inf) = −Inf·0 and SiLU'(±Inf) are NaN, as in PyTorch.
	SiLU: {
		Name: "silu", Aliases: []string{"swish"}, Formula: "x·σ(x) (also called swish)",
		F:  func(x float64, _ ActivationParams) float64 { return x * sigmoid(x) },
		DF: func(x float64, _ ActivationParams) float64 { s := sigmoid(x); return s * (1 + x*(1-s)) },
		GLSL: GLSLActivation{
			Forward: "if (!is_finite_f(x)) return x > 0.0 ? x : NAN; return x * sigmoid_f(x);",
			Grad:    "if (!is_finite_f(x)) return NAN; return sigmoid_f(x) * (1.0 + x * sigmoid_f(-x));",
		},
		Init: InitHe, Cost: 16,
	},
	// PyTorch's Softplus: x where beta·x > threshold (also at +Inf), and
	// softplus'(x) = σ(beta·x) below it.
	Softplus: {
		Name: "softplus", Formula: "log(1 + exp(beta·x))/beta, x where beta·x > threshold",
		Params: []ParamDef{
			{Name: "beta", Default: 1, Min: 0, Max: math.Inf(1), Test: 2},
			{Name: "threshold", Default: 20, Min: 0, Max: math.Inf(1), Test: 5},
		},
		F: func(x float64, p ActivationParams) float64 {
			if p[0]*x > p[1] {
				return x
			}
			return math.Log1p(math.Exp(p[0]*x)) / p[0]
		},
		DF: func(x float64, p ActivationParams) float64 { return ifElse(p[0]*x > p[1], 1, sigmoid(p[0]*x)) },
		GLSL: GLSLActivation{
			Forward: "if (is_nan_f(x)) return x; float bx = beta * x; if (bx > threshold) return x; return log1p_f(exp_f(bx)) / beta;",
			Grad:    "if (is_nan_f(x)) return x; float bx = beta * x; return bx > threshold ? 1.0 : sigmoid_f(bx);",
		},
		Init: InitHe, Cost: 16,
	},
	// Mish(−Inf) = −Inf·0 and Mish'(±Inf) = ±Inf·0 are NaN, as in PyTorch.
	Mish: {
		Name: "mish", Formula: "x·tanh(softplus(x))",
		F: func(x float64, _ ActivationParams) float64 { return x * math.Tanh(math.Log1p(math.Exp(x))) },
		DF: func(x float64, _ ActivationParams) float64 {
			t := math.Tanh(math.Log1p(math.Exp(x)))
			return t + x*sigmoid(x)*(1-t*t)
		},
		GLSL: GLSLActivation{
			Forward: "if (!is_finite_f(x)) return x > 0.0 ? x : NAN; return x * tanh_f(log1p_f(exp_f(x)));",
			Grad:    "if (!is_finite_f(x)) return NAN; float t = tanh_f(log1p_f(exp_f(x))); return t + x * sigmoid_f(x) * (1.0 - t * t);",
		},
		Init: InitHe, Cost: 24,
	},
	// PyTorch's hardswish backward is a selection of +0 below −3, then
	// dy·(x/3 + ½) below 3 and dy from 3 on; NaN's is NaN.
	HardSwish: {
		Name: "hardswish", Formula: "x·min(max(x + 3, 0), 6)/6",
		F: func(x float64, _ ActivationParams) float64 {
			return ifElse(math.IsNaN(x), x, x*math.Min(math.Max(x+3, 0), 6)/6)
		},
		DF: func(x float64, _ ActivationParams) float64 {
			return ifElse(math.IsNaN(x), x, ifElse(x < -3, 0, ifElse(x < 3, x/3+0.5, 1)))
		},
		GLSL: GLSLActivation{
			Forward: "if (is_nan_f(x)) return x; return x * clamp(x + 3.0, 0.0, 6.0) / 6.0;",
			Grad:    "if (is_nan_f(x)) return x; return x < -3.0 ? 0.0 : x < 3.0 ? x / 3.0 + 0.5 : 1.0;",
			Gate:    "return is_nan_f(x) || x >= -3.0;",
		},
		Gate: func(x float64, _ ActivationParams) bool { return !(x < -3) },
		Init: InitHe, Cost: 2,
	},
	// PyTorch's hardsigmoid backward is 1/6 strictly inside (−3, 3) and a
	// selection of +0 elsewhere (NaN included).
	HardSigmoid: {
		Name: "hardsigmoid", Formula: "min(max(x + 3, 0), 6)/6",
		F: func(x float64, _ ActivationParams) float64 {
			return ifElse(math.IsNaN(x), x, math.Min(math.Max(x+3, 0), 6)/6)
		},
		DF: func(x float64, _ ActivationParams) float64 { return ifElse(x > -3 && x < 3, 1.0/6, 0) },
		GLSL: GLSLActivation{
			Forward: "if (is_nan_f(x)) return x; return clamp(x + 3.0, 0.0, 6.0) / 6.0;",
			Grad:    "return x > -3.0 && x < 3.0 && !is_nan_f(x) ? 1.0 / 6.0 : 0.0;",
			Gate:    "return x > -3.0 && x < 3.0 && !is_nan_f(x);",
		},
		Gate: func(x float64, _ ActivationParams) bool { return x > -3 && x < 3 },
		Init: InitXavier, Cost: 2,
	},
	// SELU is ELU with PyTorch's fixed α and a scale; NaN gives NaN and ±0
	// give +0, as ELU's.
	SELU: {
		Name: "selu", Formula: "scale·(x if x > 0, else α·(exp(x) − 1)), α ≈ 1.6733, scale ≈ 1.0507",
		F: func(x float64, _ ActivationParams) float64 { return eluRef(x, seluAlpha, seluScale) },
		DF: func(x float64, _ ActivationParams) float64 {
			return ifElse(x > 0, seluScale, seluAlpha*seluScale*math.Exp(x))
		},
		GLSL: GLSLActivation{
			Forward: "if (x > 0.0 || is_nan_f(x)) return 1.05070098735548 * x; return 1.75809934084738 * (x == 0.0 ? 0.0 : expm1_f(x));",
			Grad:    "if (is_nan_f(x)) return x; return x > 0.0 ? 1.05070098735548 : 1.75809934084738 * exp_f(x);",
		},
		Init: InitLeCun, Cost: 16,
	},
	// log σ(x) = min(x, 0) − log(1 + exp(−|x|)), PyTorch's form, which
	// neither overflows nor cancels; its derivative is σ(−x).
	LogSigmoid: {
		Name: "logsigmoid", Formula: "log σ(x) = −softplus(−x)",
		F: func(x float64, _ ActivationParams) float64 {
			return ifElse(math.IsNaN(x), x, math.Min(x, 0)-math.Log1p(math.Exp(-math.Abs(x))))
		},
		DF: func(x float64, _ ActivationParams) float64 { return sigmoid(-x) },
		GLSL: GLSLActivation{
			Forward: "if (is_nan_f(x)) return x; return min(x, 0.0) - log1p_f(exp_f(-abs(x)));",
			Grad:    "return sigmoid_f(-x);",
		},
		Init: InitXavier, Cost: 16,
	},

	// The primitives. Their derivatives are PyTorch's backward formulas
	// (derivatives.yaml), whose IEEE products and quotients give the values
	// at NaN, ±Inf and ±0: log'(±0) = ±Inf, sqrt'(−0) = −Inf, abs'(0) = 0.
	Exp: {
		Name: "exp", Formula: "exp(x)", Primitive: true,
		F:    func(x float64, _ ActivationParams) float64 { return math.Exp(x) },
		DF:   func(x float64, _ ActivationParams) float64 { return math.Exp(x) },
		GLSL: GLSLActivation{Forward: "if (is_nan_f(x)) return x; return exp_f(x);", Grad: "return act_f(x);"},
		Init: InitXavier, Cost: 16,
	},
	// log' is 1/x everywhere, NaN's own and negative x's included (PyTorch's
	// dy/x does not look at log's NaN).
	Log: {
		Name: "log", Formula: "log(x)", Primitive: true, Domain: positive,
		F:    func(x float64, _ ActivationParams) float64 { return math.Log(x) },
		DF:   func(x float64, _ ActivationParams) float64 { return 1 / x },
		GLSL: GLSLActivation{Forward: "if (is_nan_f(x)) return x; return log_f(x);", Grad: reciprocalGLSL},
		Init: InitXavier, Cost: 16,
	},
	// sqrt(−0) = −0, so sqrt'(−0) = 1/(2·−0) = −Inf, as PyTorch's dy/(2y).
	Sqrt: {
		Name: "sqrt", Formula: "√x", Primitive: true, Domain: positive,
		F:  func(x float64, _ ActivationParams) float64 { return math.Sqrt(x) },
		DF: func(x float64, _ ActivationParams) float64 { return 1 / (2 * math.Sqrt(x)) },
		GLSL: GLSLActivation{Forward: sqrtGLSL, Grad: `float r = act_f(x);
	if (r == 0.0) return uintBitsToFloat(floatBitsToUint(r) | 0x7f800000u);
	if (!is_finite_f(r)) return is_nan_f(r) ? r : 0.0;
	return 0.5 / r;`},
		Init: InitXavier, Cost: 4,
	},
	// rsqrt(±0) = ±Inf; rsqrt' = −y³/2, PyTorch's form in y.
	Rsqrt: {
		Name: "rsqrt", Formula: "1/√x", Primitive: true, Domain: positive,
		F:    func(x float64, _ ActivationParams) float64 { return 1 / math.Sqrt(x) },
		DF:   func(x float64, _ ActivationParams) float64 { r := 1 / math.Sqrt(x); return -0.5 * r * r * r },
		GLSL: GLSLActivation{Forward: rsqrtGLSL, Grad: "float r = act_f(x); return -0.5 * r * r * r;"},
		Init: InitXavier, Cost: 4,
	},
	// reciprocal' = −y², PyTorch's form in y: −Inf at ±0, −0 at ±Inf.
	Reciprocal: {
		Name: "reciprocal", Formula: "1/x", Primitive: true,
		F:    func(x float64, _ ActivationParams) float64 { return 1 / x },
		DF:   func(x float64, _ ActivationParams) float64 { r := 1 / x; return -(r * r) },
		GLSL: GLSLActivation{Forward: reciprocalGLSL, Grad: "float r = act_f(x); return -(r * r);"},
		Init: InitXavier, Cost: 2,
	},
	// abs' is PyTorch's sgn(x): 0 at ±0 and at NaN.
	Abs: {
		Name: "abs", Formula: "|x|", Primitive: true,
		F: func(x float64, _ ActivationParams) float64 { return math.Abs(x) },
		DF: func(x float64, _ ActivationParams) float64 {
			return ifElse(x > 0, 1, ifElse(x < 0, -1, 0))
		},
		GLSL: GLSLActivation{
			Forward: "return uintBitsToFloat(floatBitsToUint(x) & 0x7fffffffu);",
			// ±1 by the sign bit: a compiler may turn the select chain
			// x > 0 ? 1 : x < 0 ? −1 : 0 into a negation that gives −0
			// (Mesa's llvmpipe does).
			Grad: "if (is_nan_f(x) || x == 0.0) return 0.0; return uintBitsToFloat(floatBitsToUint(x) & 0x80000000u | 0x3f800000u);",
		},
		Init: InitXavier, Cost: 1,
	},
	Square: {
		Name: "square", Formula: "x²", Primitive: true,
		F:    func(x float64, _ ActivationParams) float64 { return x * x },
		DF:   func(x float64, _ ActivationParams) float64 { return 2 * x },
		GLSL: GLSLActivation{Forward: "return x * x;", Grad: "return 2.0 * x;"},
		Init: InitXavier, Cost: 1,
	},
	// PyTorch's torch.pow(x, p) by a scalar: 1 for p = 0 (NaN included), x
	// for p = 1, sqrt and rsqrt for p = ±½ (so pow(−0, ½) = −0 and
	// pow(−Inf, ½) = NaN), C's pow otherwise. Its gradient is p·pow(x, p−1)
	// by the same rules, and a selection of +0 for p = 0.
	Pow: {
		Name: "pow", Formula: "x^exponent (torch.pow by a scalar)", Primitive: true,
		Params:   []ParamDef{{Name: "exponent", Required: true, Min: math.Inf(-1), Max: math.Inf(1)}},
		Settings: [][]float64{{2}, {3}, {0.5}, {1.5}, {-1}, {-0.5}, {-2}, {0}, {1}},
		Domain:   func(x float64, p ActivationParams) bool { return p[0] == math.Trunc(p[0]) || x > 0 },
		F:        func(x float64, p ActivationParams) float64 { return torchPow(x, p[0]) },
		DF: func(x float64, p ActivationParams) float64 {
			return ifElse(p[0] == 0, 0, p[0]*torchPow(x, p[0]-1))
		},
		Gate: func(_ float64, p ActivationParams) bool { return p[0] != 0 },
		GLSL: GLSLActivation{Forward: powGLSL,
			Grad: "if (exponent == 0.0) return 0.0; return exponent * act_f(x, exponent - 1.0);",
			Gate: "return exponent != 0.0;"},
		Init: InitXavier, Cost: 16,
	},
	// torch.clamp(x, lo, hi), lo ≤ hi finite: NaN stays NaN and x (−0
	// included) stays x from lo to hi; the gradient selects dy where
	// lo ≤ x ≤ hi, both ends included, and +0 elsewhere and at NaN.
	Clamp: {
		Name: "clamp", Formula: "min(max(x, lo), hi) (torch.clamp)", Primitive: true,
		Params: []ParamDef{
			{Name: "lo", Required: true, Min: math.Inf(-1), Max: math.Inf(1)},
			{Name: "hi", Required: true, Min: math.Inf(-1), Max: math.Inf(1)},
		},
		Settings: [][]float64{{-1, 1}, {0, 6}, {-3, 0}, {2, 2}},
		Check: func(p ActivationParams) string {
			if p[0] > p[1] {
				return fmt.Sprintf("lo %g > hi %g", p[0], p[1])
			}
			return ""
		},
		F: func(x float64, p ActivationParams) float64 {
			return ifElse(x < p[0], p[0], ifElse(x > p[1], p[1], x))
		},
		DF:   func(x float64, p ActivationParams) float64 { return ifElse(x >= p[0] && x <= p[1], 1, 0) },
		Gate: func(x float64, p ActivationParams) bool { return x >= p[0] && x <= p[1] },
		GLSL: GLSLActivation{
			// Not x < lo ? lo : x > hi ? hi : x, which a compiler may make
			// min and max, whose zeros' signs are unspecified (llvmpipe's
			// clamp(−0, −3, 0) is +0).
			Forward: "if (is_nan_f(x) || (x >= lo && x <= hi)) return x; return x < lo ? lo : hi;",
			Grad:    "return x >= lo && x <= hi && !is_nan_f(x) ? 1.0 : 0.0;",
			Gate:    "return x >= lo && x <= hi && !is_nan_f(x);",
		},
		Init: InitXavier, Cost: 1,
	},
}

// positive is the domain of log, sqrt and rsqrt, for the random tests.
func positive(x float64, _ ActivationParams) bool { return x > 0 }

// torchPow is PyTorch's pow(x, e) by a scalar in float64: sqrt and 1/sqrt
// for e = ±½ (its kernel's special cases whose values differ from C's
// pow: at −0 and −Inf), C's pow (Go's math.Pow, the same special values)
// otherwise.
func torchPow(x, e float64) float64 {
	switch e {
	case 0.5:
		return math.Sqrt(x)
	case -0.5:
		return 1 / math.Sqrt(x)
	}
	return math.Pow(x, e)
}

// The GLSL bodies the primitives share. A GPU's 1/x, sqrt and inversesqrt
// are accurate to a few ulp only for finite, nonzero, non-negative x, so
// zeros, infinities, NaN and negative x are decided by hand, sign bits
// included.
const (
	reciprocalGLSL = `if (is_nan_f(x)) return x;
	if (x == 0.0) return uintBitsToFloat(floatBitsToUint(x) | 0x7f800000u);
	if (!is_finite_f(x)) return uintBitsToFloat(floatBitsToUint(x) & 0x80000000u);
	return 1.0 / x;`
	sqrtGLSL = `if (is_nan_f(x) || x == 0.0) return x;
	if (x < 0.0) return NAN;
	if (!is_finite_f(x)) return x;
	return sqrt(x);`
	rsqrtGLSL = `if (is_nan_f(x)) return x;
	if (x == 0.0) return uintBitsToFloat(floatBitsToUint(x) | 0x7f800000u);
	if (x < 0.0) return NAN;
	if (!is_finite_f(x)) return 0.0;
	return inversesqrt(x);`
	// powGLSL is torchPow: C's pow special values by hand, then
	// exp(p·log|x|) with common.glsl's exp_f and log_f (relative error
	// about |p·log x|·2⁻²⁴, below 5e-6 wherever the result is finite).
	powGLSL = `if (exponent == 0.0) return 1.0;
	if (is_nan_f(x)) return x;
	if (exponent == 1.0) return x;
	if (exponent == 2.0) return x * x;
	if (exponent == 3.0) return x * x * x;
	if (exponent == 0.5) {
		` + "if (is_nan_f(x) || x == 0.0) return x; if (x < 0.0) return NAN; if (!is_finite_f(x)) return x; return sqrt(x);" + `
	}
	if (exponent == -0.5) {
		` + "if (x == 0.0) return uintBitsToFloat(floatBitsToUint(x) | 0x7f800000u); if (x < 0.0) return NAN; if (!is_finite_f(x)) return 0.0; return inversesqrt(x);" + `
	}
	bool integer = floor(exponent) == exponent;
	bool odd = integer && abs(exponent) < 16777216.0 && fract(exponent * 0.5) != 0.0;
	float s = odd && floatBitsToUint(x) >= 0x80000000u ? -1.0 : 1.0;
	float ax = abs(x);
	if (ax == 0.0) return s * (exponent > 0.0 ? 0.0 : INF);
	if (!is_finite_f(ax)) return s * (exponent > 0.0 ? INF : 0.0);
	if (x < 0.0 && !integer) return NAN;
	return s * exp_f(exponent * log_f(ax));`
)

func ifElse(c bool, a, b float64) float64 {
	if c {
		return a
	}
	return b
}

// eluRef is scale·x for x > 0 or NaN, else scale·α·expm1(x), +0 at ±0 (its
// expm1 keeps small negative x's digits).
func eluRef(x, alpha, scale float64) float64 {
	switch {
	case !(x <= 0):
		return scale * x
	case x == 0:
		return alpha * scale * 0
	}
	return alpha * scale * math.Expm1(x)
}

// normalCDF is Φ(x) = erfc(−x/√2)/2, written with erfc so that the far left
// tail keeps its relative precision.
func normalCDF(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }

// normalPDF is φ(x) = exp(−x²/2)/√(2π).
func normalPDF(x float64) float64 { return math.Exp(-0.5*x*x) / math.Sqrt(2*math.Pi) }

const geluTanhC = 0.044715

// geluTanhForward is x/2·(1 + tanh(u)) with u = √(2/π)·(x + 0.044715·x³),
// evaluated as x·σ(2u), the same value without the cancellation of 1 + tanh
// for negative u.
func geluTanhForward(x float64, _ ActivationParams) float64 {
	u := math.Sqrt(2/math.Pi) * (x + geluTanhC*x*x*x)
	return x * sigmoid(2*u)
}

// geluTanhBackward is σ(2u) + x·2σ(2u)(1−σ(2u))·u', u' = √(2/π)(1 + 3·0.044715·x²).
// At ±Inf it is NaN, as in PyTorch (±Inf·0 in the second term).
func geluTanhBackward(x float64, _ ActivationParams) float64 {
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

// sigmoidGrad is σ'(x) = σ(x)·σ(−x) = e/(1+e)², e = exp(−|x|), without the
// cancellation of 1 − σ(x) (in float64 σ(50) is 1, σ'(50) 1.9e−22), as
// common.glsl's sigmoid_grad.
func sigmoidGrad(x float64) float64 {
	e := math.Exp(-math.Abs(x))
	return e / ((1 + e) * (1 + e))
}

// tanhGrad is 1 − tanh²(x) = 4e/(1+e)², e = exp(−2|x|), as common.glsl's
// tanh_grad.
func tanhGrad(x float64) float64 {
	e := math.Exp(-2 * math.Abs(x))
	return 4 * e / ((1 + e) * (1 + e))
}
