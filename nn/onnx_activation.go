package nn

import (
	"fmt"
	"math"

	"gltrain/backend"
)

// activation adds the nodes of f on x (elementwise: any shape) and returns
// the result: an ONNX operator where opset 13 has one, else the formula of
// backend's table in its operators.
func (g *onnxGraph) activation(f backend.Activation, x, path string) (string, error) {
	op := func(name string, ins ...string) string { return g.node(name, path, ins) }
	c := g.scalar
	p0, p1 := f.Param(0), f.Param(1)
	switch f.Kind {
	case backend.Identity:
		return x, nil
	case backend.ReLU:
		return op("Relu", x), nil
	case backend.LeakyReLU:
		return g.node("LeakyRelu", path, []string{x}, attrFloat("alpha", p0)), nil
	case backend.ELU:
		return g.node("Elu", path, []string{x}, attrFloat("alpha", p0)), nil
	case backend.GELU: // x/2·(1 + erf(x/√2))
		e := op("Erf", op("Div", x, c(math.Sqrt2)))
		return op("Mul", op("Mul", x, c(0.5)), op("Add", e, c(1))), nil
	case backend.GELUTanh: // x/2·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
		x3 := op("Mul", op("Mul", x, x), x)
		inner := op("Mul", op("Add", x, op("Mul", x3, c(0.044715))), c(float32(math.Sqrt(2/math.Pi))))
		return op("Mul", op("Mul", x, c(0.5)), op("Add", op("Tanh", inner), c(1))), nil
	case backend.Sigmoid:
		return op("Sigmoid", x), nil
	case backend.Tanh:
		return op("Tanh", x), nil
	case backend.SiLU: // x·σ(x)
		return op("Mul", x, op("Sigmoid", x)), nil
	case backend.Softplus: // log(1 + exp(beta·x))/beta, x where beta·x > threshold
		bx := op("Mul", x, c(p0))
		sp := op("Div", op("Softplus", bx), c(p0))
		return op("Where", op("Greater", bx, c(p1)), x, sp), nil
	case backend.Mish: // x·tanh(softplus(x))
		return op("Mul", x, op("Tanh", op("Softplus", x))), nil
	case backend.HardSwish: // x·hardsigmoid(x) (ONNX's HardSwish is opset 14)
		return op("Mul", x, g.hardSigmoid(x, path)), nil
	case backend.HardSigmoid:
		return g.hardSigmoid(x, path), nil
	case backend.SELU:
		return g.node("Selu", path, []string{x}, attrFloat("alpha", seluAlpha), attrFloat("gamma", seluScale)), nil
	case backend.LogSigmoid: // −softplus(−x)
		return op("Neg", op("Softplus", op("Neg", x))), nil
	case backend.Exp:
		return op("Exp", x), nil
	case backend.Log:
		return op("Log", x), nil
	case backend.Sqrt:
		return op("Sqrt", x), nil
	case backend.Rsqrt:
		return op("Reciprocal", op("Sqrt", x)), nil
	case backend.Reciprocal:
		return op("Reciprocal", x), nil
	case backend.Abs:
		return op("Abs", x), nil
	case backend.Square:
		return op("Mul", x, x), nil
	case backend.Pow:
		return op("Pow", x, c(p0)), nil
	case backend.Clamp:
		return op("Clip", x, c(p0), c(p1)), nil
	}
	return "", fmt.Errorf("activation %v: %w", f, ErrNotExported)
}

// hardSigmoid is min(max(x + 3, 0), 6)/6, ONNX's HardSigmoid with α 1/6,
// β 1/2.
func (g *onnxGraph) hardSigmoid(x, path string) string {
	return g.node("HardSigmoid", path, []string{x}, attrFloat("alpha", 1.0/6), attrFloat("beta", 0.5))
}

// SELU's constants as float32, as ONNX's Selu takes them.
const (
	seluAlpha = 1.6732632423543772848170429916717
	seluScale = 1.0507009873554804934193349852946
)
