package autograd

import "gltrain/backend"

// The unary primitives, each one row of backend's activation table through
// the Activation node: its forward and backward kernels, and PyTorch's
// values at NaN, ±Inf and ±0 (backend/activations.go says which). They
// compose into layers a user writes (a LayerNorm's 1/√(var + ε), a binary
// cross-entropy's log).

// Exp returns exp(x), elementwise.
func (g *Graph) Exp(x *Value) *Value { return g.Activation(backend.Activation{Kind: backend.Exp}, x) }

// Log returns the natural logarithm log(x), elementwise: −Inf at ±0, NaN
// below 0.
func (g *Graph) Log(x *Value) *Value { return g.Activation(backend.Activation{Kind: backend.Log}, x) }

// Sqrt returns √x, elementwise; its gradient 1/(2√x) is ±Inf at ±0.
func (g *Graph) Sqrt(x *Value) *Value { return g.Activation(backend.Activation{Kind: backend.Sqrt}, x) }

// Rsqrt returns 1/√x, elementwise.
func (g *Graph) Rsqrt(x *Value) *Value {
	return g.Activation(backend.Activation{Kind: backend.Rsqrt}, x)
}

// Reciprocal returns 1/x, elementwise.
func (g *Graph) Reciprocal(x *Value) *Value {
	return g.Activation(backend.Activation{Kind: backend.Reciprocal}, x)
}

// Abs returns |x|, elementwise; its gradient is sgn(x), 0 at 0 as in
// PyTorch.
func (g *Graph) Abs(x *Value) *Value { return g.Activation(backend.Activation{Kind: backend.Abs}, x) }

// Square returns x², elementwise.
func (g *Graph) Square(x *Value) *Value {
	return g.Activation(backend.Activation{Kind: backend.Square}, x)
}

// Pow returns x^p, elementwise, as torch.pow(x, p) by a scalar: 1 for p = 0
// (whose gradient is 0), NaN for x < 0 and a p that is not an integer. A p
// that is not finite is an error, recorded in the graph.
func (g *Graph) Pow(x *Value, p float32) *Value {
	return g.Activation(backend.Activation{Kind: backend.Pow, Params: [backend.MaxActivationParams]float32{p}}, x)
}

// Clamp returns x limited to [lo, hi], elementwise, as torch.clamp(x, lo,
// hi): NaN stays NaN, and the gradient passes where lo ≤ x ≤ hi, both ends
// included, and is 0 elsewhere. lo and hi must be finite with lo ≤ hi;
// otherwise the error is recorded in the graph.
func (g *Graph) Clamp(x *Value, lo, hi float32) *Value {
	return g.Activation(backend.Activation{Kind: backend.Clamp, Params: [backend.MaxActivationParams]float32{lo, hi}}, x)
}
