package backend

import "fmt"

// The entry checks of AxisReducer, LogSoftmaxer and Shaper.

// checkAxis checks an axis, the reduced shape red of x's, and an optional
// arg of the reduced shape.
func checkAxis(op string, a Axis, x, red Shape) error {
	if a != AlongRows && a != AlongCols {
		return fmt.Errorf("%s: unknown axis %d: %w", op, a, ErrInvalidArgument)
	}
	if want := a.Reduced(x); red != want {
		return fmt.Errorf("%s %v: x %v gives %v, not %v: %w", op, a, x, want, red, ErrShape)
	}
	return nil
}

// ReduceSum checks AxisReducer.ReduceSum: dst is x reduced along a.
func (ck Checker) ReduceSum(a Axis, scale float32, dst, x Tensor) error {
	const op = "reduce sum"
	if err := ck.own(op, dst, x); err != nil {
		return err
	}
	if err := checkAxis(op, a, x.Shape(), dst.Shape()); err != nil {
		return err
	}
	return checkDistinct(op, 1, []string{"dst", "x"}, dst, x)
}

// ReduceMax checks AxisReducer.ReduceMax: dst and arg are x reduced along
// a, distinct, and the reductions no longer than MaxArgLen.
func (ck Checker) ReduceMax(a Axis, dst, arg, x Tensor) error {
	const op = "reduce max"
	if err := ck.own(op, dst, arg, x); err != nil {
		return err
	}
	if err := checkAxis(op, a, x.Shape(), dst.Shape()); err != nil {
		return err
	}
	if arg.Shape() != dst.Shape() {
		return fmt.Errorf("%s: dst %v, arg %v: %w", op, dst.Shape(), arg.Shape(), ErrShape)
	}
	if l := a.length(x.Shape()); l > MaxArgLen {
		return fmt.Errorf("%s %v: x %v: reductions of %d elements, more than %d: %w", op, a, x.Shape(), l, MaxArgLen, ErrShape)
	}
	return checkDistinct(op, 2, []string{"dst", "arg", "x"}, dst, arg, x)
}

// ReduceBackward checks AxisReducer.ReduceBackward: dy (and arg, when not
// nil) is dx reduced along a, and dx is neither.
func (ck Checker) ReduceBackward(a Axis, scale float32, dx, dy, arg Tensor) error {
	const op = "reduce backward"
	if err := ck.own(op, dx, dy); err != nil {
		return err
	}
	if err := ck.ownOptional(op, arg); err != nil {
		return err
	}
	if err := checkAxis(op, a, dx.Shape(), dy.Shape()); err != nil {
		return err
	}
	if arg != nil && arg.Shape() != dy.Shape() {
		return fmt.Errorf("%s: dy %v, arg %v: %w", op, dy.Shape(), arg.Shape(), ErrShape)
	}
	return checkDistinct(op, 1, []string{"dx", "dy", "arg"}, dx, dy, arg)
}

// LogSoftmaxForward checks LogSoftmaxer.LogSoftmaxForward: dst shaped like
// x, and not x.
func (ck Checker) LogSoftmaxForward(dst, x Tensor) error {
	const op = "log-softmax forward"
	if err := ck.own(op, dst, x); err != nil {
		return err
	}
	if err := CheckSame(op, dst.Shape(), x.Shape()); err != nil {
		return err
	}
	return checkDistinct(op, 1, []string{"dst", "x"}, dst, x)
}

// LogSoftmaxBackward checks LogSoftmaxer.LogSoftmaxBackward: dx, y and dy
// of one shape, dx neither y nor dy.
func (ck Checker) LogSoftmaxBackward(dx, y, dy Tensor) error {
	const op = "log-softmax backward"
	if err := ck.own(op, dx, y, dy); err != nil {
		return err
	}
	if err := CheckSame(op, dx.Shape(), y.Shape(), dy.Shape()); err != nil {
		return err
	}
	return checkDistinct(op, 1, []string{"dx", "y", "dy"}, dx, y, dy)
}

// Transpose checks Shaper.Transpose: dst is x's transpose, and not x.
func (ck Checker) Transpose(dst, x Tensor) error {
	const op = "transpose"
	if err := ck.own(op, dst, x); err != nil {
		return err
	}
	if s := x.Shape(); dst.Shape() != (Shape{Rows: s.Cols, Cols: s.Rows}) {
		return fmt.Errorf("%s: x %v, dst %v: %w", op, s, dst.Shape(), ErrShape)
	}
	return checkDistinct(op, 1, []string{"dst", "x"}, dst, x)
}

// Reshape checks Shaper.Reshape: dst has as many elements as x, and is not
// x.
func (ck Checker) Reshape(dst, x Tensor) error {
	const op = "reshape"
	if err := ck.own(op, dst, x); err != nil {
		return err
	}
	if dst.Shape().Len() != x.Shape().Len() {
		return fmt.Errorf("%s: x %v to %v: %w", op, x.Shape(), dst.Shape(), ErrShape)
	}
	return checkDistinct(op, 1, []string{"dst", "x"}, dst, x)
}

// CopyCols checks Shaper.CopyCols: as many rows, width ≥ 1 columns in range
// in both, and dst not src.
func (ck Checker) CopyCols(dst Tensor, dstCol int, src Tensor, srcCol, width int) error {
	const op = "copy columns"
	if err := ck.own(op, dst, src); err != nil {
		return err
	}
	d, s := dst.Shape(), src.Shape()
	if d.Rows != s.Rows {
		return fmt.Errorf("%s: dst %v, src %v: rows differ: %w", op, d, s, ErrShape)
	}
	if width < 1 || dstCol < 0 || srcCol < 0 || dstCol > d.Cols-width || srcCol > s.Cols-width {
		return fmt.Errorf("%s: %d columns from %d of src %v to %d of dst %v: out of range: %w", op, width, srcCol, s, dstCol, d, ErrShape)
	}
	return checkDistinct(op, 1, []string{"dst", "src"}, dst, src)
}
