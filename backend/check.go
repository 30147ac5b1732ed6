package backend

import (
	"errors"
	"fmt"
)

// The checked entry of every operation, shared by the implementations.
//
// An implementation validates once, at its exported entry, and then trusts
// its arguments (gonum's Dgemm, llm.c's launchers). The validation is the
// same for every backend except for one question, whether a handle is one of
// its own live tensors, so the Owner answers that and Checker does the rest:
//
//	func (be *Backend) Add(dst, a, b backend.Tensor) error {
//		if err := backend.Check(be).Add(dst, a, b); err != nil {
//			return err
//		}
//		d, x, y := dst.(*Tensor), a.(*Tensor), b.(*Tensor) // checked: trust
//		…
//	}
//
// Each Checker method takes the arguments of the contract method of its
// name and checks, in this order: the scalar configuration where it comes
// first (AdamStep's), that every tensor is the backend's own and live (in
// argument order; a nil optional tensor is skipped), then the shapes,
// aliasing and the remaining scalars. Every message names the operation.

// Owner is the one backend-specific part of the entry checks.
type Owner interface {
	// Own returns nil when t is a live tensor of this backend, else an
	// error naming op that wraps ErrForeign (t is nil or another
	// backend's), ErrReleased or ErrClosed. It is called on the caller's
	// goroutine and must not allocate when t is good.
	Own(op string, t Tensor) error
}

// OwnError is the error of an Owner's Own for op on a backend called name
// ("cpu: add: …"): ErrForeign when the tensor is not mine (nil, or
// another backend's), else ErrReleased when it was released, else nil.
func OwnError(name, op string, mine, released bool) error {
	switch {
	case !mine:
		return fmt.Errorf("%s: %s: %w", name, op, ErrForeign)
	case released:
		return fmt.Errorf("%s: %s: %w", name, op, ErrReleased)
	}
	return nil
}

// Checker checks the arguments of one backend's operations; Check(be)
// makes it. Its methods do every argument check of the operation of their
// name, so that an implementation's entry is one call.
type Checker struct{ o Owner }

// Check returns the entry checks of the backend o.
func Check(o Owner) Checker { return Checker{o} }

// own checks that each of ts is a live tensor of the backend.
func (ck Checker) own(op string, ts ...Tensor) error {
	for _, t := range ts {
		if err := ck.o.Own(op, t); err != nil {
			return err
		}
	}
	return nil
}

// ownOptional checks t as own does, unless it is nil (an output the
// caller does not want).
func (ck Checker) ownOptional(op string, t Tensor) error {
	if t == nil {
		return nil
	}
	return ck.o.Own(op, t)
}

// Upload checks Allocator.Upload: dst holds len(src) elements.
func (ck Checker) Upload(dst Tensor, src []float32) error {
	if err := ck.own("upload", dst); err != nil {
		return err
	}
	return CheckData("upload", dst.Shape(), len(src))
}

// Download checks Allocator.Download: src holds len(dst) elements.
func (ck Checker) Download(dst []float32, src Tensor) error {
	if err := ck.own("download", src); err != nil {
		return err
	}
	return CheckData("download", src.Shape(), len(dst))
}

// MatMul checks MatMuler.MatMul (CheckMatMulArgs).
func (ck Checker) MatMul(tA, tB Transpose, alpha float32, a, b Tensor, beta float32, c Tensor) error {
	if err := ck.own("matmul", a, b, c); err != nil {
		return err
	}
	return CheckMatMulArgs(tA, tB, a, b, c)
}

// same checks an elementwise op: every tensor the backend's, every shape
// dst's.
func (ck Checker) same(op string, dst, a, b Tensor) error {
	if err := ck.own(op, dst, a, b); err != nil {
		return err
	}
	return CheckSame(op, dst.Shape(), a.Shape(), b.Shape())
}

// Add checks Elementwise.Add.
func (ck Checker) Add(dst, a, b Tensor) error { return ck.same("add", dst, a, b) }

// Sub checks Elementwise.Sub.
func (ck Checker) Sub(dst, a, b Tensor) error { return ck.same("sub", dst, a, b) }

// Mul checks Elementwise.Mul.
func (ck Checker) Mul(dst, a, b Tensor) error { return ck.same("mul", dst, a, b) }

// Scale checks Elementwise.Scale.
func (ck Checker) Scale(dst Tensor, alpha float32, x Tensor) error {
	if err := ck.own("scale", dst, x); err != nil {
		return err
	}
	return CheckSame("scale", dst.Shape(), x.Shape())
}

// Axpy checks Elementwise.Axpy.
func (ck Checker) Axpy(alpha float32, x, y Tensor) error {
	if err := ck.own("axpy", x, y); err != nil {
		return err
	}
	return CheckSame("axpy", y.Shape(), x.Shape())
}

// Fill checks Elementwise.Fill.
func (ck Checker) Fill(dst Tensor, value float32) error { return ck.own("fill", dst) }

// AddBias checks Broadcaster.AddBias (CheckAddBias).
func (ck Checker) AddBias(dst, x, bias Tensor) error {
	if err := ck.own("add bias", dst, x, bias); err != nil {
		return err
	}
	return CheckAddBias(dst.Shape(), x.Shape(), bias.Shape())
}

// Broadcast checks Broadcaster.Broadcast (CheckBroadcast).
func (ck Checker) Broadcast(dst, x Tensor) error {
	if err := ck.own("broadcast", dst, x); err != nil {
		return err
	}
	return CheckBroadcast(dst.Shape(), x.Shape())
}

// Sum checks Reducer.Sum: dst is 1×1.
func (ck Checker) Sum(dst, x Tensor) error {
	if err := ck.own("sum", dst, x); err != nil {
		return err
	}
	return CheckReduce("sum", dst.Shape(), x.Shape(), Shape{1, 1})
}

// ColSum checks Reducer.ColSum: dst is 1×n for x m×n.
func (ck Checker) ColSum(dst, x Tensor) error {
	if err := ck.own("column sum", dst, x); err != nil {
		return err
	}
	return CheckReduce("column sum", dst.Shape(), x.Shape(), Shape{1, x.Shape().Cols})
}

// Argmax checks Reducer.Argmax: dst is m×1 for x m×n.
func (ck Checker) Argmax(dst, x Tensor) error {
	if err := ck.own("argmax", dst, x); err != nil {
		return err
	}
	return CheckReduce("argmax", dst.Shape(), x.Shape(), Shape{x.Shape().Rows, 1})
}

// CountCorrect checks Reducer.CountCorrect (CheckCountCorrect).
func (ck Checker) CountCorrect(dst, scores, labels Tensor) error {
	if err := ck.own("count correct", dst, scores, labels); err != nil {
		return err
	}
	return CheckCountCorrect(dst.Shape(), scores.Shape(), labels.Shape())
}

// loss checks a Losser call (CheckLoss); grad may be nil.
func (ck Checker) loss(op string, loss, grad, pred, target Tensor, labels bool) error {
	if err := ck.own(op, loss, pred, target); err != nil {
		return err
	}
	if err := ck.ownOptional(op, grad); err != nil {
		return err
	}
	return CheckLoss(op, loss, grad, pred, target, labels)
}

// SoftmaxCrossEntropy checks Losser.SoftmaxCrossEntropy.
func (ck Checker) SoftmaxCrossEntropy(loss, dlogits, logits, labels Tensor) error {
	return ck.loss("softmax cross-entropy", loss, dlogits, logits, labels, true)
}

// MeanSquaredError checks Losser.MeanSquaredError.
func (ck Checker) MeanSquaredError(loss, dpred, pred, target Tensor) error {
	return ck.loss("mean squared error", loss, dpred, pred, target, false)
}

// SVMHinge checks Losser.SVMHinge, the margin last (CheckMargin).
func (ck Checker) SVMHinge(loss, dscores, scores, labels Tensor, margin float32) error {
	if err := ck.loss("svm hinge", loss, dscores, scores, labels, true); err != nil {
		return err
	}
	return CheckMargin("svm hinge", margin)
}

// SoftmaxCrossEntropyCount checks
// SoftmaxCrossEntropyCounter.SoftmaxCrossEntropyCount
// (CheckSoftmaxCrossEntropyCount).
func (ck Checker) SoftmaxCrossEntropyCount(loss, dlogits, correct, logits, labels Tensor) error {
	const op = "softmax cross-entropy count"
	if err := ck.own(op, loss, correct, logits, labels); err != nil {
		return err
	}
	if err := ck.ownOptional(op, dlogits); err != nil {
		return err
	}
	return CheckSoftmaxCrossEntropyCount(loss, dlogits, correct, logits, labels)
}

// SGDStep checks Optimizer.SGDStep (CheckSGDArgs): velocity must be the
// backend's when cfg has momentum, and is not looked at otherwise.
func (ck Checker) SGDStep(cfg SGD, param, grad, velocity Tensor) error {
	const op = "sgd step"
	if err := ck.own(op, param, grad); err != nil {
		return err
	}
	if cfg.Momentum != 0 {
		if err := ck.o.Own(op, velocity); err != nil {
			return fmt.Errorf("%w (momentum needs a velocity tensor)", err)
		}
	}
	return CheckSGDArgs(cfg, param, grad, velocity)
}

// AdamStep checks Optimizer.AdamStep: the configuration and step first
// (Adam.Check), then param, grad, m and v of one shape.
func (ck Checker) AdamStep(cfg Adam, step int, param, grad, m, v Tensor) error {
	const op = "adam step"
	if err := cfg.Check(op, step); err != nil {
		return err
	}
	if err := ck.own(op, param, grad, m, v); err != nil {
		return err
	}
	return CheckSame(op, param.Shape(), grad.Shape(), m.Shape(), v.Shape())
}

// GatherRows checks Indexer.GatherRows (CheckGatherRows).
func (ck Checker) GatherRows(dst, src, index Tensor) error {
	if err := ck.own("gather rows", dst, src, index); err != nil {
		return err
	}
	return CheckGatherRows(dst.Shape(), src.Shape(), index.Shape())
}

// CopyRows checks Indexer.CopyRows (CheckCopyRows).
func (ck Checker) CopyRows(dst Tensor, row int, src Tensor) error {
	if err := ck.own("copy rows", dst, src); err != nil {
		return err
	}
	return CheckCopyRows(dst.Shape(), row, src.Shape())
}

// OneHot checks Indexer.OneHot: labels are dst.rows×1 (CheckLabels).
func (ck Checker) OneHot(dst, labels Tensor) error {
	if err := ck.own("one hot", dst, labels); err != nil {
		return err
	}
	return CheckLabels("one hot", dst.Shape(), labels.Shape())
}

// SoftmaxForward checks Softmaxer.SoftmaxForward (CheckSoftmaxForward).
func (ck Checker) SoftmaxForward(dst, x Tensor) error {
	if err := ck.own("softmax forward", dst, x); err != nil {
		return err
	}
	return CheckSoftmaxForward(dst, x)
}

// SoftmaxBackward checks Softmaxer.SoftmaxBackward (CheckSoftmaxBackward).
func (ck Checker) SoftmaxBackward(dx, y, dy Tensor) error {
	if err := ck.own("softmax backward", dx, y, dy); err != nil {
		return err
	}
	return CheckSoftmaxBackward(dx, y, dy)
}

// Conv2DForward checks Convolver.Conv2DForward (CheckConv2D).
func (ck Checker) Conv2DForward(g Conv2D, y, x, w, b Tensor) error {
	const op = "conv2d forward"
	if err := ck.own(op, y, x, w, b); err != nil {
		return err
	}
	return CheckConv2D(op, g, x, w, b, y)
}

// Conv2DBackwardData checks Convolver.Conv2DBackwardData (CheckConv2D).
func (ck Checker) Conv2DBackwardData(g Conv2D, dx, dy, w Tensor) error {
	const op = "conv2d backward data"
	if err := ck.own(op, dx, dy, w); err != nil {
		return err
	}
	return CheckConv2D(op, g, dx, w, nil, dy)
}

// Conv2DBackwardFilter checks Convolver.Conv2DBackwardFilter (CheckConv2D).
func (ck Checker) Conv2DBackwardFilter(g Conv2D, dw, db, x, dy Tensor) error {
	const op = "conv2d backward filter"
	if err := ck.own(op, dw, db, x, dy); err != nil {
		return err
	}
	return CheckConv2D(op, g, x, dw, db, dy)
}

// MaxPool2DForward checks Convolver.MaxPool2DForward (CheckPool2D).
func (ck Checker) MaxPool2DForward(p Pool2D, y, arg, x Tensor) error {
	const op = "maxpool2d forward"
	if err := ck.own(op, y, arg, x); err != nil {
		return err
	}
	return CheckPool2D(op, p, x, y, arg)
}

// MaxPool2DBackward checks Convolver.MaxPool2DBackward (CheckPool2D).
func (ck Checker) MaxPool2DBackward(p Pool2D, dx, arg, dy Tensor) error {
	const op = "maxpool2d backward"
	if err := ck.own(op, dx, arg, dy); err != nil {
		return err
	}
	return CheckPool2D(op, p, dx, dy, arg)
}

// ActivationForward checks Activator.ActivationForward.
func (ck Checker) ActivationForward(f Activation, dst, x Tensor) error {
	if err := ck.own("activation forward", dst, x); err != nil {
		return err
	}
	if err := CheckActivation("activation forward", f); err != nil {
		return err
	}
	return CheckSame(f.Kind.String()+" forward", dst.Shape(), x.Shape())
}

// ActivationBackward checks Activator.ActivationBackward.
func (ck Checker) ActivationBackward(f Activation, dx, x, y, dy Tensor) error {
	if err := ck.own("activation backward", dx, x, y, dy); err != nil {
		return err
	}
	if err := CheckActivation("activation backward", f); err != nil {
		return err
	}
	return CheckSame(f.Kind.String()+" backward", dx.Shape(), x.Shape(), y.Shape(), dy.Shape())
}

// LinearForward checks LinearFuser.LinearForward; z and bias may be nil.
func (ck Checker) LinearForward(f Activation, y, z, x, w, bias Tensor) error {
	const op = "linear forward"
	if err := ck.own(op, y, x, w); err != nil {
		return err
	}
	for _, t := range [...]Tensor{z, bias} {
		if err := ck.ownOptional(op, t); err != nil {
			return err
		}
	}
	return CheckLinearForward(f, y, z, x, w, bias)
}

// LinearBackward checks LinearFuser.LinearBackward; z (for the identity)
// and the outputs dx, dw and db may be nil.
func (ck Checker) LinearBackward(f Activation, dx, dw, db, x, w, z, dy Tensor) error {
	const op = "linear backward"
	if err := ck.own(op, x, w, dy); err != nil {
		return err
	}
	for _, t := range [...]Tensor{z, dx, dw, db} {
		if err := ck.ownOptional(op, t); err != nil {
			return err
		}
	}
	return CheckLinearBackward(f, dx, dw, db, x, w, z, dy)
}

// Release checks Allocator.Release and reports whether t is a live tensor
// to release: nil, an already released tensor and any tensor of a closed
// backend are not (releasing them does nothing); another backend's tensor
// is an error.
func (ck Checker) Release(t Tensor) (bool, error) {
	if t == nil {
		return false, nil
	}
	err := ck.o.Own("release", t)
	if errors.Is(err, ErrReleased) || errors.Is(err, ErrClosed) {
		return false, nil
	}
	return err == nil, err
}
