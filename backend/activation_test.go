package backend_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/backend"
	"gltrain/backend/backendtest"
)

// sameAs32 reports whether got and want agree as float32 results: NaN with
// NaN, the same infinity or signed zero, or finite values within 2e-7
// relative (a float32 rounding each; PyTorch's float64 kernels hold some
// constants in float32, hardsigmoid's 1/6 among them) or below float32's
// normal range. Both may also differ by 1e-14: PyTorch's float64 GELU
// forms 1 + erf(x/√2), which cancels in the left tail (its GELU(−10) is
// −0, the exact value −7.6e−23), where the table's reference uses erfc.
func sameAs32(got, want float64) bool {
	g, w := float64(float32(got)), float64(float32(want))
	switch {
	case math.IsNaN(g) || math.IsNaN(w):
		return math.IsNaN(g) && math.IsNaN(w)
	case got == 0 && want == 0: // zeros in float64, not by rounding
		return math.Signbit(got) == math.Signbit(want)
	case math.IsInf(g, 0) || math.IsInf(w, 0):
		return g == w
	}
	return math.Abs(g-w) <= 2e-7*math.Abs(w)+1e-14
}

// TestActivationGolden checks every setting of the activation table's
// float64 references, F and DF and the backward pass's selection, against
// PyTorch's values in the golden file, and fails for a setting the file
// lacks: the table's GLSL and its CPU reference could share a wrong
// formula, PyTorch is the independent truth.
func TestActivationGolden(t *testing.T) {
	golden, err := backendtest.ActivationGolden()
	require.NoError(t, err)
	xs, dys := backendtest.GoldenXs(), backendtest.GoldenDys()
	for _, a := range backend.UnarySettings() {
		g, ok := golden[a.String()]
		if !assert.True(t, ok, "activation_golden.json has no %s: run backend/backendtest/testdata/activation_golden.py", a) {
			continue
		}
		d, p := a.Kind.Def(), a.Float64()
		for i, x32 := range xs {
			x := float64(x32)
			assert.True(t, sameAs32(d.F(x, p), g.F[i]), "%s f(%g) = %g, PyTorch %g", a, x, d.F(x, p), g.F[i])
			df := d.DF(x, p)
			assert.True(t, sameAs32(df, g.DF[i]), "%s f'(%g) = %g, PyTorch %g", a, x, df, g.DF[i])
			for j, dy := range dys {
				if backendtest.GoldenTail(g.DF[i], df) {
					continue
				}
				dx := float64(dy) * df
				if d.Gate != nil && !d.Gate(x, p) {
					dx = 0
				}
				assert.True(t, sameAs32(dx, g.DX[i][j]), "%s dx(x=%g, dy=%g) = %g, PyTorch %g", a, x, dy, dx, g.DX[i][j])
			}
		}
	}
}

// TestActivationDerivatives checks each reference DF against a central
// difference of F on a fine grid, away from the kinks the golden file
// pins (0, ±3, Softplus's threshold), where a formula slip between the
// golden points would show.
func TestActivationDerivatives(t *testing.T) {
	for _, a := range backend.UnarySettings() {
		d, p := a.Kind.Def(), a.Float64()
		bad := 0
		for i := -1200; i <= 1200; i++ {
			x := float64(i)/100 + 0.003
			if nearKink(a, x) || (d.Domain != nil && !d.Domain(x, p)) {
				continue
			}
			h := 1e-5 * math.Max(1, math.Abs(x))
			fd := (d.F(x+h, p) - d.F(x-h, p)) / (2 * h)
			// The central difference's error is h²·|f'''|/6 + 1e-16·|f|/h,
			// below 1e-6 here.
			if math.Abs(fd-d.DF(x, p)) > 1e-6*math.Max(1, math.Abs(fd)) {
				if bad++; bad <= 3 {
					t.Errorf("%s f'(%g) = %g, central difference %g", a, x, d.DF(x, p), fd)
				}
			}
		}
	}
}

// nearKink reports whether x is within 0.01 of a point where a's f' jumps,
// or, for a primitive, within 0.1 of 0, where the poles of log, 1/x and
// their kin make a central difference of step 1e-5 err by more than 1e-6.
func nearKink(a backend.Activation, x float64) bool {
	kinks := []float64{0, -3, 3}
	p := a.Float64()
	switch {
	case a.Kind == backend.Softplus:
		kinks = append(kinks, p[1]/p[0])
	case a.Kind == backend.Clamp:
		kinks = append(kinks, p[0], p[1])
	case a.Kind.Def().Primitive && math.Abs(x) < 0.1:
		return true
	}
	for _, k := range kinks {
		if math.Abs(x-k) < 0.01 {
			return true
		}
	}
	return false
}

// TestParseActivation: every name, alias and parameter form parses to its
// setting, and String reads back; bad parameters are refused by name.
func TestParseActivation(t *testing.T) {
	for _, a := range backend.ActivationSettings() {
		got, err := backend.ParseActivation(a.String())
		require.NoError(t, err, a.String())
		assert.Equal(t, a, got)
	}
	for _, a := range backend.UnarySettings() {
		got, err := backend.ParseUnary(a.String())
		require.NoError(t, err, a.String())
		assert.Equal(t, a, got)
	}
	for in, want := range map[string]string{
		"Swish": "silu", "leaky_relu:0.2": "leakyrelu:0.2", "GELU_TANH": "gelu-tanh", "linear": "identity",
		"softplus:2": "softplus:2", "softplus:1:10": "softplus:1:10", "Hard-Swish": "hardswish",
	} {
		a, err := backend.ParseActivation(in)
		if assert.NoError(t, err, in) {
			assert.Equal(t, want, a.String(), in)
		}
	}
	for in, msg := range map[string]string{
		"relu:2":           `activation "relu:2": relu takes no parameter`,
		"softplus:1:2:3":   `activation "softplus:1:2:3": softplus takes beta and threshold`,
		"softplus:-1":      `activation "softplus:-1": beta -1: want > 0`,
		"leakyrelu:0":      `activation "leakyrelu:0": slope 0: want a finite number ≠ 0`,
		"elu:nan":          `activation "elu:nan": alpha NaN: want a finite number ≠ 0`,
		"elu:x":            `activation "elu:x": alpha "x" is not a number`,
		"softplus:1:1e-50": `activation "softplus:1:1e-50": threshold 1e-50: want > 0`,
		"nope":             `unknown activation "nope" (valid: identity, relu,`,
	} {
		_, err := backend.ParseActivation(in)
		if assert.Error(t, err, in) {
			assert.Contains(t, err.Error(), msg)
		}
	}
}

// TestPrimitiveParams: a primitive is no activation (ParseActivation,
// ActivationNames and the help refuse or omit it), and its required
// parameters take 0 as a value, must be given, are always written, and
// pass CheckActivation at 0; clamp wants lo ≤ hi. The activations' forms
// and their zero-means-default rule are unchanged.
func TestPrimitiveParams(t *testing.T) {
	for _, k := range backend.PrimitiveKinds() {
		_, err := backend.ParseActivation(k.String())
		if assert.Error(t, err, k.String()) {
			assert.Contains(t, err.Error(), "is an elementwise primitive, not an activation (valid: identity, relu,")
		}
		assert.NotContains(t, backend.ActivationNames(), k.String())
		assert.NotContains(t, backend.ActivationHelp(), k.String()+",")
		got, ok := backend.LookupActivation(k.String())
		assert.True(t, ok && got == k, k.String())
	}
	assert.Equal(t, append(backend.ActivationKinds(), backend.PrimitiveKinds()...), backend.UnaryKinds())
	for in, want := range map[string]backend.Activation{
		"pow:0":         {Kind: backend.Pow},
		"pow:-0.5":      {Kind: backend.Pow, Params: [2]float32{-0.5}},
		"clamp:0:0":     {Kind: backend.Clamp},
		"Clamp:-1:6":    {Kind: backend.Clamp, Params: [2]float32{-1, 6}},
		"exp":           {Kind: backend.Exp},
		"leakyrelu:0.1": {Kind: backend.LeakyReLU}, // the default, stored as 0 as before
	} {
		a, err := backend.ParseUnary(in)
		if assert.NoError(t, err, in) {
			assert.Equal(t, want, a, in)
			assert.NoError(t, backend.CheckActivation("op", a), in)
		}
	}
	assert.Equal(t, "pow:0", backend.Activation{Kind: backend.Pow}.String())
	assert.Equal(t, "clamp:0:0", backend.Activation{Kind: backend.Clamp}.String())
	assert.Equal(t, "clamp:0:6", backend.Activation{Kind: backend.Clamp, Params: [2]float32{0, 6}}.String())
	assert.Equal(t, float32(0), backend.Activation{Kind: backend.Pow}.Param(0), "0 is pow's exponent, not a default")
	for in, msg := range map[string]string{
		"pow":         `activation "pow": pow takes exponent (1 required)`,
		"clamp:1":     `activation "clamp:1": clamp takes lo and hi (2 required)`,
		"pow:1:2":     `activation "pow:1:2": pow takes exponent (1 required)`,
		"pow:inf":     `activation "pow:inf": exponent +Inf: want a finite number`,
		"clamp:2:1":   `activation "clamp:2:1": lo 2 > hi 1`,
		"clamp:nan:1": `activation "clamp:nan:1": lo NaN: want a finite number`,
		"exp:1":       `activation "exp:1": exp takes no parameter`,
		"nope":        `unknown activation or primitive "nope" (valid: identity, relu,`,
	} {
		_, err := backend.ParseUnary(in)
		if assert.Error(t, err, in) {
			assert.Contains(t, err.Error(), msg)
		}
	}
	for _, a := range []backend.Activation{
		{Kind: backend.Clamp, Params: [2]float32{2, 1}},
		{Kind: backend.Pow, Params: [2]float32{float32(math.Inf(1))}},
		{Kind: backend.Exp, Params: [2]float32{1}},
	} {
		err := backend.CheckActivation("op", a)
		assert.ErrorIs(t, err, backend.ErrInvalidArgument, a.String())
	}
}
