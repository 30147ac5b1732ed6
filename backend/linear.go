package backend

import "fmt"

// LinearFuser is implemented by backends that fuse the steps of a fully
// connected layer and its activation, y = f(x·W + b), so that a training
// step dispatches one kernel for the layer's forward pass and two for its
// backward pass, where the unfused path needs three (MatMul, AddBias,
// ActivationForward) and four (ActivationBackward, ColSum, two MatMuls).
// It is optional, found by type assertion in the manner of io/fs: a caller
// whose backend lacks it composes those operations, which compute the same
// values (to float32 rounding where a backend sums in another order; the
// CPU backend gives the same bits).
//
// Shapes use the layer dimensions: x is batch×in, W in×out, b 1×out, and z,
// y and their gradients batch×out. The calls return ErrShape for shapes
// that do not fit, ErrAlias for an output that is another tensor of the
// call (outputs are never computed in place), ErrInvalidArgument for an
// unknown activation, and ErrForeign for a required tensor that is nil or
// another backend's.
type LinearFuser interface {
	// LinearForward computes, in one pass,
	//	z[i,j] = Σ_l x[i,l]·W[l,j] + b[0,j]
	//	y[i,j] = f(z[i,j])
	// the values of MatMul, AddBias and ActivationForward. bias may
	// be nil (no bias). z may be nil when the pre-activation is not
	// wanted: for inference, or when f is the identity and y is z; a
	// training step keeps it for LinearBackward.
	LinearForward(f Activation, y, z, x, w, bias Tensor) error
	// LinearBackward computes the gradients of y = f(x·W + b) given the
	// forward's z and the upstream gradient dy. With
	//	dz = dy ⊙ f'(z)
	// applied as dy is read, never stored, it sets
	//	dW = xᵀ·dz + betaW·dW
	//	db = colsum(dz) + betaB·db   (db[0,j] = Σ_i dz[i,j] + betaB·db[0,j])
	// in one pass (db is the product's extra row, that of a row of ones
	// appended to xᵀ), and
	//	dx = dz·Wᵀ + betaX·dx
	// in another. Each of dx, dw and db may be nil, and its pass or row
	// is then skipped. A beta of 0 ignores the output's prior contents,
	// NaN included; 1 adds to them, which is how a gradient accumulates.
	// z may be nil only when f is the identity, whose f' is 1.
	LinearBackward(f Activation, dx, dw, db, x, w, z, dy Tensor, betaX, betaW, betaB float32) error
}

// CheckLinearForward validates LinearForward's tensors, already resolved by
// the backend (bias and z may be nil): the activation, x·W's inner
// dimension, the shapes of bias, y and z, and that neither output is
// another tensor of the call.
func CheckLinearForward(f Activation, y, z, x, w, bias Tensor) error {
	const op = "linear forward"
	if err := CheckActivation(op, f); err != nil {
		return err
	}
	out, err := LinearShape(op, x.Shape(), w.Shape())
	if err != nil {
		return err
	}
	if bias != nil {
		if err := CheckLinearBias(op, w.Shape(), bias.Shape()); err != nil {
			return err
		}
	}
	if err := checkLinearOut(op, out, x, w, "y", y, "z", z); err != nil {
		return err
	}
	return checkDistinct(op, 2, []string{"y", "z", "x", "w", "bias"}, y, z, x, w, bias)
}

// CheckLinearBackward validates LinearBackward's tensors, already resolved
// by the backend (dx, dw, db, and z for the identity, may be nil): the
// activation, x·W's inner dimension, z and dy of the layer's output shape,
// the gradients of their parameter's shape, and that no output is another
// tensor of the call.
func CheckLinearBackward(f Activation, dx, dw, db, x, w, z, dy Tensor) error {
	const op = "linear backward"
	if err := CheckActivation(op, f); err != nil {
		return err
	}
	out, err := LinearShape(op, x.Shape(), w.Shape())
	if err != nil {
		return err
	}
	if z == nil && f.Kind != Identity {
		return fmt.Errorf("%s: %v needs the pre-activation z: %w", op, f.Kind, ErrForeign)
	}
	if err := checkLinearOut(op, out, x, w, "dy", dy, "z", z); err != nil {
		return err
	}
	for _, g := range []struct {
		name string
		t    Tensor
		want Shape
	}{{"dx", dx, x.Shape()}, {"dw", dw, w.Shape()}, {"db", db, Shape{1, out.Cols}}} {
		if g.t != nil && g.t.Shape() != g.want {
			return fmt.Errorf("%s: x %v · w %v: %s is %v, want %v: %w", op, x.Shape(), w.Shape(), g.name, g.t.Shape(), g.want, ErrShape)
		}
	}
	return checkDistinct(op, 3, []string{"dx", "dw", "db", "x", "w", "z", "dy"}, dx, dw, db, x, w, z, dy)
}

// LinearShape returns the output shape (batch×out) of a layer of op with
// input x (batch×in) and weights w (in×out), or an error naming both shapes
// when the inner dimensions differ.
func LinearShape(op string, x, w Shape) (Shape, error) {
	if x.Cols != w.Rows {
		return Shape{}, fmt.Errorf("%s: x %v · w %v: inner dimensions differ: %w", op, x, w, ErrShape)
	}
	return Shape{x.Rows, w.Cols}, nil
}

// CheckLinearBias validates the bias (1×out) of a layer of op with weights w
// (in×out).
func CheckLinearBias(op string, w, bias Shape) error {
	if bias != (Shape{1, w.Cols}) {
		return fmt.Errorf("%s: w %v, bias %v: want bias 1×%d: %w", op, w, bias, w.Cols, ErrShape)
	}
	return nil
}

// checkLinearOut checks that a (never nil) and b (when not nil) have the
// layer's output shape.
func checkLinearOut(op string, out Shape, x, w Tensor, aName string, a Tensor, bName string, b Tensor) error {
	for _, t := range []struct {
		name string
		t    Tensor
	}{{aName, a}, {bName, b}} {
		if t.t != nil && t.t.Shape() != out {
			return fmt.Errorf("%s: x %v · w %v is %v, %s is %v: %w", op, x.Shape(), w.Shape(), out, t.name, t.t.Shape(), ErrShape)
		}
	}
	return nil
}

// checkDistinct reports an output (one of the first nOut tensors) that is
// also another tensor of the call; nil tensors are skipped.
func checkDistinct(op string, nOut int, names []string, ts ...Tensor) error {
	for i := 0; i < nOut; i++ {
		for j, t := range ts {
			if i != j && ts[i] != nil && t == ts[i] {
				return fmt.Errorf("%s: %s is also %s: %w", op, names[i], names[j], ErrAlias)
			}
		}
	}
	return nil
}

// NoOutputs reports whether a LinearBackward call asks for none of dx, dw
// and db, so that there is nothing to compute.
func NoOutputs(dx, dw, db Tensor) bool { return dx == nil && dw == nil && db == nil }
