package backend

import (
	"fmt"
	"math"
	"strconv"
)

// BinaryOp names an elementwise operation of two tensors: an index into the
// binary table below, whose rows are the whole definition of each op.
type BinaryOp uint8

// The binary operations, the rows of binaryTable in order. Their NaN, ±Inf
// and ±0 results and gradients are PyTorch's (torch 1.13 in float64, the
// golden file backend/backendtest/testdata/binary_golden.json), on every
// backend.
const (
	BinaryAdd BinaryOp = iota
	BinarySub
	BinaryMul
	BinaryDiv
	BinaryMaximum
	BinaryMinimum
)

// Binarier is implemented by backends that compute the binary table's
// operations with broadcasting (the rule in the package doc): a and b are
// each the output's shape m×n, or 1×n, m×1 or 1×1, and at least one of
// them is m×n.
type Binarier interface {
	// BinaryForward sets dst = f(a, b) elementwise, dst m×n, a and b
	// broadcast over it. dst may be a or b when it has their shape.
	BinaryForward(op BinaryOp, dst, a, b Tensor) error
	// BinaryBackward sets, for the upstream gradient dy (m×n, the output's
	// shape),
	//	da[i,j] = dy[i,j]·∂f/∂a(a[i,j], b[i,j])
	//	db[i,j] = dy[i,j]·∂f/∂b(a[i,j], b[i,j])
	// with a and b broadcast as in the forward pass. da and db are m×n,
	// not reduced: the caller sums them over the dimensions a or b was
	// broadcast along (autograd does, with ColSum, Sum or a product with
	// ones). Either may be nil when not wanted, not both; da must not be
	// db, but either may be dy (each element reads its inputs first).
	BinaryBackward(op BinaryOp, da, db, a, b, dy Tensor) error
}

// BinaryDef is one row of the binary table: everything the backends, the
// graph and the tests need to know about one operation. Adding an op is
// adding a row (and its PyTorch counterpart to the golden file's script,
// backend/backendtest/testdata/binary_golden.py).
type BinaryDef struct {
	// Name is the lower-case name, as errors and the golden file say it.
	Name string
	// Formula is the definition, for docs and errors.
	Formula string
	// F is the float64 reference of f(a, b); DA and DB are those of the
	// backward pass, dy·∂f/∂a and dy·∂f/∂b, computed as PyTorch's
	// derivatives.yaml does (a selection where it selects, so that an
	// infinite or NaN dy does not leak through a zero). The CPU backend
	// evaluates them and rounds to float32.
	F      func(a, b float64) float64
	DA, DB func(a, b, dy float64) float64
	// GLSL holds the GPU kernels' forms: the bodies of
	//	float bin_f(float a, float b)
	//	float bin_da(float a, float b, float dy)
	//	float bin_db(float a, float b, float dy)
	// which may call common.glsl's functions and must give PyTorch's NaN,
	// ±Inf and ±0 (test NaN by the bits, is_nan_f). Compilers turn
	// a > b ? a : b into a max that may return either zero of a ±0 tie
	// (Mesa's did, even with the choice made on the bits): maximum and
	// minimum return b for a tie explicitly and choose by the bits
	// (select_bits).
	GLSL GLSLBinary
}

// GLSLBinary is a binary op's GLSL: the bodies of f, dy·∂f/∂a and dy·∂f/∂b.
type GLSLBinary struct{ F, DA, DB string }

// binaryTable is the binary operations, one row each, indexed by BinaryOp.
var binaryTable = [...]BinaryDef{
	BinaryAdd: {
		Name: "add", Formula: "a + b",
		F:    func(a, b float64) float64 { return a + b },
		DA:   func(_, _, dy float64) float64 { return dy },
		DB:   func(_, _, dy float64) float64 { return dy },
		GLSL: GLSLBinary{F: "return a + b;", DA: "return dy;", DB: "return dy;"},
	},
	BinarySub: {
		Name: "sub", Formula: "a − b",
		F:    func(a, b float64) float64 { return a - b },
		DA:   func(_, _, dy float64) float64 { return dy },
		DB:   func(_, _, dy float64) float64 { return -dy },
		GLSL: GLSLBinary{F: "return a - b;", DA: "return dy;", DB: "return -dy;"},
	},
	// PyTorch's backward multiplies: dy·b, so 0·Inf is NaN.
	BinaryMul: {
		Name: "mul", Formula: "a·b",
		F:    func(a, b float64) float64 { return a * b },
		DA:   func(_, b, dy float64) float64 { return dy * b },
		DB:   func(a, _, dy float64) float64 { return dy * a },
		GLSL: GLSLBinary{F: "return a * b;", DA: "return dy * b;", DB: "return dy * a;"},
	},
	// ∂/∂b is PyTorch's −dy·((a/b)/b), which keeps a/b² from overflowing
	// where the quotient does not. GLSL's a / b may be a·(1/b), 2.5 ulp
	// (the conformance tolerance covers it); div_f divides exactly where
	// 1/b would overflow or underflow.
	BinaryDiv: {
		Name: "div", Formula: "a / b",
		F:  func(a, b float64) float64 { return a / b },
		DA: func(_, b, dy float64) float64 { return dy / b },
		DB: func(a, b, dy float64) float64 { return -dy * (a / b / b) },
		GLSL: GLSLBinary{
			F:  "return div_f(a, b);",
			DA: "return div_f(dy, b);",
			DB: "return -dy * div_f(div_f(a, b), b);",
		},
	},
	// NaN in either operand gives NaN, and a tie gives b (so ±0 ties give
	// b's zero), as torch.maximum. The gradient goes to the larger; a tie
	// splits it half and half, and where either is NaN both receive dy
	// (PyTorch 1.13's where(a == b, dy/2, dy).masked_fill(a < b, 0)).
	BinaryMaximum: {
		Name: "maximum", Formula: "max(a, b), NaN if either is NaN",
		F: func(a, b float64) float64 {
			return ifElse(math.IsNaN(a) || math.IsNaN(b), math.NaN(), ifElse(a > b, a, b))
		},
		DA: func(a, b, dy float64) float64 { return ifElse(a < b, 0, ifElse(a == b, dy/2, dy)) },
		DB: func(a, b, dy float64) float64 { return ifElse(a > b, 0, ifElse(a == b, dy/2, dy)) },
		GLSL: GLSLBinary{
			F:  "if (is_nan_f(a) || is_nan_f(b)) return NAN; return a == b ? b : select_bits(a > b, a, b);",
			DA: "if (is_nan_f(a) || is_nan_f(b)) return dy; return a < b ? 0.0 : a == b ? dy * 0.5 : dy;",
			DB: "if (is_nan_f(a) || is_nan_f(b)) return dy; return a > b ? 0.0 : a == b ? dy * 0.5 : dy;",
		},
	},
	// minimum mirrors maximum: NaN wins, a tie gives b, the gradient goes
	// to the smaller and a tie splits it.
	BinaryMinimum: {
		Name: "minimum", Formula: "min(a, b), NaN if either is NaN",
		F: func(a, b float64) float64 {
			return ifElse(math.IsNaN(a) || math.IsNaN(b), math.NaN(), ifElse(a < b, a, b))
		},
		DA: func(a, b, dy float64) float64 { return ifElse(a > b, 0, ifElse(a == b, dy/2, dy)) },
		DB: func(a, b, dy float64) float64 { return ifElse(a < b, 0, ifElse(a == b, dy/2, dy)) },
		GLSL: GLSLBinary{
			F:  "if (is_nan_f(a) || is_nan_f(b)) return NAN; return a == b ? b : select_bits(a < b, a, b);",
			DA: "if (is_nan_f(a) || is_nan_f(b)) return dy; return a > b ? 0.0 : a == b ? dy * 0.5 : dy;",
			DB: "if (is_nan_f(a) || is_nan_f(b)) return dy; return a < b ? 0.0 : a == b ? dy * 0.5 : dy;",
		},
	},
}

// BinaryOps lists every op, in table order.
func BinaryOps() []BinaryOp {
	ops := make([]BinaryOp, len(binaryTable))
	for i := range ops {
		ops[i] = BinaryOp(i)
	}
	return ops
}

// Def is op's row of the binary table; op must be valid.
func (op BinaryOp) Def() *BinaryDef { return &binaryTable[op] }

// Valid reports whether op is one of the table's ops.
func (op BinaryOp) Valid() bool { return int(op) < len(binaryTable) }

// String is the op's lower-case name.
func (op BinaryOp) String() string {
	if op.Valid() {
		return binaryTable[op].Name
	}
	return "binary(" + strconv.Itoa(int(op)) + ")"
}

// BinaryShape returns the output shape of a binary op of a and b under the
// broadcasting rule (package doc): the larger of each dimension, where each
// of a and b is that shape, 1×n, m×1 or 1×1, and one of them is the whole
// shape. Otherwise it is an error naming op and both shapes.
func BinaryShape(op string, a, b Shape) (Shape, error) {
	out := Shape{max(a.Rows, b.Rows), max(a.Cols, b.Cols)}
	fits := func(s Shape) bool {
		return (s.Rows == 1 || s.Rows == out.Rows) && (s.Cols == 1 || s.Cols == out.Cols)
	}
	if !fits(a) || !fits(b) || (a != out && b != out) {
		return Shape{}, fmt.Errorf("%s: %v and %v do not broadcast (each must be m×n, 1×n, m×1 or 1×1, one of them m×n): %w",
			op, a, b, ErrShape)
	}
	return out, nil
}

// CheckBinary validates a binary op's kind and the shapes of its forward
// pass: dst is BinaryShape(a, b).
func CheckBinary(op BinaryOp, dst, a, b Shape) error {
	if !op.Valid() {
		return fmt.Errorf("binary forward: unknown op %v: %w", op, ErrInvalidArgument)
	}
	name := op.String() + " forward"
	out, err := BinaryShape(name, a, b)
	if err != nil {
		return err
	}
	if dst != out {
		return fmt.Errorf("%s: dst %v, want %v for %v and %v: %w", name, dst, out, a, b, ErrShape)
	}
	return nil
}
