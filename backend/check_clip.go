package backend

import (
	"fmt"
	"math"
)

// AddSquares checks GradNormClipper.AddSquares: acc is 1×1 and is not x.
func (ck Checker) AddSquares(acc, x Tensor) error {
	const op = "add squares"
	if err := ck.own(op, acc, x); err != nil {
		return err
	}
	if err := CheckReduce(op, acc.Shape(), x.Shape(), Shape{1, 1}); err != nil {
		return err
	}
	if acc == x {
		return fmt.Errorf("%s: the accumulator is x: %w", op, ErrAlias)
	}
	return nil
}

// ClipScale checks GradNormClipper.ClipScale: sumSq is 1×1 and is not x,
// and maxNorm is finite and > 0.
func (ck Checker) ClipScale(x, sumSq Tensor, maxNorm float32) error {
	const op = "clip scale"
	if err := ck.own(op, x, sumSq); err != nil {
		return err
	}
	if s := sumSq.Shape(); s != (Shape{1, 1}) {
		return fmt.Errorf("%s: x %v, sum of squares %v: want a 1×1 sum of squares: %w", op, x.Shape(), s, ErrShape)
	}
	if sumSq == x {
		return fmt.Errorf("%s: the sum of squares is x: %w", op, ErrAlias)
	}
	if !(maxNorm > 0) || math.IsInf(float64(maxNorm), 0) {
		return fmt.Errorf("%s: max norm %v: want a finite number > 0: %w", op, maxNorm, ErrInvalidArgument)
	}
	return nil
}
