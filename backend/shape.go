package backend

import (
	"fmt"
	"math"
)

// Shape is the size of a 2-D tensor: Rows (the batch) by Cols (the features).
type Shape struct {
	Rows, Cols int
}

// Len is the number of elements, Rows·Cols.
func (s Shape) Len() int { return s.Rows * s.Cols }

// String formats the shape as "rows×cols".
func (s Shape) String() string { return fmt.Sprintf("%d×%d", s.Rows, s.Cols) }

// T is the transposed shape.
func (s Shape) T() Shape { return Shape{s.Cols, s.Rows} }

// Transpose selects op(X) = X or op(X) = Xᵀ for an operand of MatMul.
type Transpose bool

const (
	// NoTrans uses the operand as stored.
	NoTrans Transpose = false
	// Trans uses the transpose of the operand, without copying it.
	Trans Transpose = true
)

// Apply returns the shape of op(X) for an X of shape s.
func (t Transpose) Apply(s Shape) Shape {
	if t {
		return s.T()
	}
	return s
}

// maxElems bounds a tensor's element count so that byte sizes fit in an int32
// offset on every device (2^31 bytes).
const maxElems = 1<<29 - 1

// MaxElems is the most elements a tensor may have, on every backend
// (CheckNew): a batch's rows times its widest row must fit it.
const MaxElems = maxElems

// CheckNew validates the shape of a tensor about to be created.
func CheckNew(s Shape) error {
	if s.Rows < 1 || s.Cols < 1 || s.Rows > maxElems || s.Cols > maxElems || s.Rows*s.Cols > maxElems {
		return fmt.Errorf("new: shape %v: want 1 ≤ rows, cols and rows·cols ≤ %d: %w", s, maxElems, ErrShape)
	}
	return nil
}

// CheckData validates a host slice of n elements against a tensor of shape s
// for Upload or Download.
func CheckData(op string, s Shape, n int) error {
	if n != s.Len() {
		return fmt.Errorf("%s: tensor %v holds %d elements, host slice has %d: %w", op, s, s.Len(), n, ErrShape)
	}
	return nil
}

// MatMulShape returns the shape of op(A)·op(B), or an error naming both
// operand shapes when the inner dimensions differ.
func MatMulShape(tA, tB Transpose, a, b Shape) (Shape, error) {
	oa, ob := tA.Apply(a), tB.Apply(b)
	if oa.Cols != ob.Rows {
		return Shape{}, fmt.Errorf("matmul: op(a) %v × op(b) %v: inner dimensions differ: %w", oa, ob, ErrShape)
	}
	return Shape{oa.Rows, ob.Cols}, nil
}

// CheckMatMul validates C = alpha·op(A)·op(B) + beta·C.
func CheckMatMul(tA, tB Transpose, a, b, c Shape) error {
	want, err := MatMulShape(tA, tB, a, b)
	if err != nil {
		return err
	}
	if c != want {
		return fmt.Errorf("matmul: op(a) %v × op(b) %v is %v, c is %v: %w", tA.Apply(a), tB.Apply(b), want, c, ErrShape)
	}
	return nil
}

// CheckMatMulArgs validates C = alpha·op(A)·op(B) + beta·C on tensors of
// one backend: the shapes (CheckMatMul) and that C is neither operand.
func CheckMatMulArgs(tA, tB Transpose, a, b, c Tensor) error {
	if err := CheckMatMul(tA, tB, a.Shape(), b.Shape(), c.Shape()); err != nil {
		return err
	}
	if c == a || c == b {
		return fmt.Errorf("matmul: c is also an operand: %w", ErrAlias)
	}
	return nil
}

// CheckMargin validates the margin of the hinge loss.
func CheckMargin(op string, margin float32) error {
	if !(margin >= 0) || math.IsInf(float64(margin), 0) {
		return fmt.Errorf("%s: margin %v: want a finite value ≥ 0: %w", op, margin, ErrInvalidArgument)
	}
	return nil
}

// CheckCountCorrect validates a correct-count: dst is 1×1 and labels fit
// the scores.
func CheckCountCorrect(dst, scores, labels Shape) error {
	if err := CheckReduce("count correct", dst, scores, Shape{1, 1}); err != nil {
		return err
	}
	return CheckLabels("count correct", scores, labels)
}

// CheckSGDArgs validates an SGD step on resolved tensors: the configuration,
// grad shaped like param, and a velocity shaped like param when the
// momentum is not 0 (it may be nil otherwise).
func CheckSGDArgs(cfg SGD, param, grad, velocity Tensor) error {
	if err := cfg.Check("sgd step"); err != nil {
		return err
	}
	if err := CheckSame("sgd step", param.Shape(), grad.Shape()); err != nil {
		return err
	}
	if cfg.Momentum == 0 {
		return nil
	}
	if velocity == nil {
		return fmt.Errorf("sgd step: momentum needs a velocity tensor: %w", ErrForeign)
	}
	return CheckSame("sgd step", param.Shape(), velocity.Shape())
}

// CheckSame validates an elementwise operation: every shape equals dst.
func CheckSame(op string, dst Shape, srcs ...Shape) error {
	for _, s := range srcs {
		if s != dst {
			return fmt.Errorf("%s: output %v, input %v: %w", op, dst, s, ErrShape)
		}
	}
	return nil
}

// CheckAddBias validates dst = x + bias with bias broadcast over the rows.
func CheckAddBias(dst, x, bias Shape) error {
	if err := CheckSame("add bias", dst, x); err != nil {
		return err
	}
	if bias != (Shape{1, x.Cols}) {
		return fmt.Errorf("add bias: x %v, bias %v: want bias 1×%d: %w", x, bias, x.Cols, ErrShape)
	}
	return nil
}

// CheckBroadcast validates a broadcast of x (1×1, 1×n or m×1) to dst (m×n).
func CheckBroadcast(dst, x Shape) error {
	ok := x == Shape{1, 1} || x == Shape{1, dst.Cols} || x == Shape{dst.Rows, 1}
	if !ok {
		return fmt.Errorf("broadcast: x %v to %v: want 1×1, 1×%d or %d×1: %w", x, dst, dst.Cols, dst.Rows, ErrShape)
	}
	return nil
}

// CheckReduce validates a reduction of x into dst of the wanted shape; op
// names the reduction.
func CheckReduce(op string, dst, x, want Shape) error {
	if dst != want {
		return fmt.Errorf("%s: x %v, dst %v: want dst %v: %w", op, x, dst, want, ErrShape)
	}
	return nil
}

// CheckLabels validates class labels (batch×1) against scores (batch×classes).
func CheckLabels(op string, scores, labels Shape) error {
	if labels != (Shape{scores.Rows, 1}) {
		return fmt.Errorf("%s: scores %v, labels %v: want labels %d×1: %w", op, scores, labels, scores.Rows, ErrShape)
	}
	return nil
}

// CheckLoss validates the tensors of a loss (Losser), all of one backend
// and resolved by it: loss is 1×1; grad, which may be nil, has the shape of
// pred and is none of the inputs; target is class labels (batch×1) when
// labels is set, else shaped like pred.
func CheckLoss(op string, loss, grad, pred, target Tensor, labels bool) error {
	if s := loss.Shape(); s != (Shape{1, 1}) {
		return fmt.Errorf("%s: loss %v: want 1×1: %w", op, s, ErrShape)
	}
	if grad != nil {
		if grad == pred || grad == target || grad == loss {
			return fmt.Errorf("%s: gradient output is also an input: %w", op, ErrAlias)
		}
		if grad.Shape() != pred.Shape() {
			return fmt.Errorf("%s: predictions %v, gradient %v: %w", op, pred.Shape(), grad.Shape(), ErrShape)
		}
	}
	if labels {
		return CheckLabels(op, pred.Shape(), target.Shape())
	}
	return CheckSame(op, pred.Shape(), target.Shape())
}

// CheckGatherRows validates dst[i,:] = src[index[i],:].
func CheckGatherRows(dst, src, index Shape) error {
	if index != (Shape{dst.Rows, 1}) || dst.Cols != src.Cols {
		return fmt.Errorf("gather rows: src %v, index %v, dst %v: want index %d×1 and dst %d columns: %w",
			src, index, dst, dst.Rows, src.Cols, ErrShape)
	}
	return nil
}

// CheckCopyRows validates dst[row+i,:] = src[i,:].
func CheckCopyRows(dst Shape, row int, src Shape) error {
	if src.Cols != dst.Cols || row < 0 || src.Rows > dst.Rows || row > dst.Rows-src.Rows {
		return fmt.Errorf("copy rows: src %v into dst %v at row %d: %w", src, dst, row, ErrShape)
	}
	return nil
}
