package backend

import "fmt"

// BinaryForward checks Binarier.BinaryForward (CheckBinary).
func (ck Checker) BinaryForward(op BinaryOp, dst, a, b Tensor) error {
	if err := ck.own("binary forward", dst, a, b); err != nil {
		return err
	}
	return CheckBinary(op, dst.Shape(), a.Shape(), b.Shape())
}

// BinaryBackward checks Binarier.BinaryBackward: da and db may be nil (not
// both), are not one tensor, and have dy's shape, which is the forward
// output's for a and b.
func (ck Checker) BinaryBackward(op BinaryOp, da, db, a, b, dy Tensor) error {
	const entry = "binary backward"
	if err := ck.own(entry, a, b, dy); err != nil {
		return err
	}
	for _, t := range [...]Tensor{da, db} {
		if err := ck.ownOptional(entry, t); err != nil {
			return err
		}
	}
	if err := CheckBinary(op, dy.Shape(), a.Shape(), b.Shape()); err != nil {
		return fmt.Errorf("%s: dy: %w", entry, err)
	}
	name := op.String() + " backward"
	switch {
	case da == nil && db == nil:
		return fmt.Errorf("%s: neither da nor db is wanted: %w", name, ErrInvalidArgument)
	case da != nil && da == db:
		return fmt.Errorf("%s: da and db are one tensor: %w", name, ErrAlias)
	}
	for _, t := range [...]Tensor{da, db} {
		if t != nil {
			if err := CheckSame(name, dy.Shape(), t.Shape()); err != nil {
				return err
			}
		}
	}
	return nil
}
