package nn

import (
	"errors"
	"fmt"
	"math"

	"gltrain/autograd"
	"gltrain/backend"
)

// GradClipper clips gradients by their global 2-norm on the device, as
// PyTorch's torch.nn.utils.clip_grad_norm_ (backend.GradNormClipper):
//
//	total = √(Σ over the gradients g of Σ g²)
//	g    ← g · min(1, maxNorm/(total + 1e-6))
//
// It holds the 1×1 tensor the squares sum into, so a step allocates
// nothing, and nothing waits for the device: the coefficient is read on
// it. A NaN or infinite gradient makes the total NaN or +Inf, and the
// gradients NaN or 0 as in PyTorch (error_if_nonfinite=False), so a NaN
// step is still a NaN step.
type GradClipper struct {
	b   backend.Backend
	c   backend.GradNormClipper
	acc backend.Tensor
}

// NewGradClipper returns a clipper on b, or an error wrapping
// errors.ErrUnsupported when b does not implement
// backend.GradNormClipper.
func NewGradClipper(b backend.Backend) (*GradClipper, error) {
	if b == nil {
		return nil, errors.New("nn: gradient clipping: nil backend")
	}
	c, ok := b.(backend.GradNormClipper)
	if !ok {
		return nil, fmt.Errorf("nn: gradient clipping on %s: %w", b.Name(), errors.ErrUnsupported)
	}
	acc, err := b.New(backend.Shape{Rows: 1, Cols: 1})
	if err != nil {
		return nil, fmt.Errorf("nn: gradient clipping: %w", err)
	}
	return &GradClipper{b: b, c: c, acc: acc}, nil
}

// Clip scales grads (tensors of the clipper's backend; nil ones are
// skipped) to a global 2-norm of at most maxNorm, a finite number > 0.
func (g *GradClipper) Clip(grads []backend.Tensor, maxNorm float32) error {
	if !(maxNorm > 0) || math.IsInf(float64(maxNorm), 0) {
		return fmt.Errorf("nn: clip grad norm: max norm %v: want a finite number > 0: %w", maxNorm, backend.ErrInvalidArgument)
	}
	if g.acc == nil {
		return fmt.Errorf("nn: clip grad norm: the clipper was released: %w", backend.ErrReleased)
	}
	if err := g.b.Fill(g.acc, 0); err != nil {
		return fmt.Errorf("nn: clip grad norm: %w", err)
	}
	for _, t := range grads {
		if t != nil {
			if err := g.c.AddSquares(g.acc, t); err != nil {
				return fmt.Errorf("nn: clip grad norm: %w", err)
			}
		}
	}
	for _, t := range grads {
		if t != nil {
			if err := g.c.ClipScale(t, g.acc, maxNorm); err != nil {
				return fmt.Errorf("nn: clip grad norm: %w", err)
			}
		}
	}
	return nil
}

// Norm reads the total norm of the gradients the last Clip saw, before
// clipping. It waits for the device.
func (g *GradClipper) Norm() (float32, error) {
	if g.acc == nil {
		return 0, fmt.Errorf("nn: clip grad norm: the clipper was released: %w", backend.ErrReleased)
	}
	var s [1]float32
	if err := g.b.Download(s[:], g.acc); err != nil {
		return 0, fmt.Errorf("nn: clip grad norm: %w", err)
	}
	return float32(math.Sqrt(float64(s[0]))), nil
}

// Release frees the clipper's tensor.
func (g *GradClipper) Release() error {
	if g.acc == nil {
		return nil
	}
	err := g.b.Release(g.acc)
	g.acc = nil
	return err
}

// ClipGradNorm clips the gradients of params (those that have one) to a
// global 2-norm of at most maxNorm on b, PyTorch's clip_grad_norm_, and
// returns their total norm before clipping. It allocates a tensor and
// waits for the device to read the norm: a training loop keeps a
// GradClipper instead (Trainer.ClipNorm does).
func ClipGradNorm(b backend.Backend, params []*autograd.Value, maxNorm float32) (float32, error) {
	g, err := NewGradClipper(b)
	if err != nil {
		return 0, err
	}
	defer g.Release()
	grads := make([]backend.Tensor, 0, len(params))
	for _, p := range params {
		if p != nil {
			grads = append(grads, p.Grad())
		}
	}
	if err := g.Clip(grads, maxNorm); err != nil {
		return 0, err
	}
	return g.Norm()
}

// packedGrads appends to dst the flat gradient tensors of an optimiser
// whose parameters all hold their views of them — one, or one per group
// with a weight-decay mask — and returns nil otherwise: one clip over them
// covers every gradient, their zero padding adding nothing to the norm.
func packedGrads(o Optimizer, dst []backend.Tensor) []backend.Tensor {
	var gs []group
	switch o := o.(type) {
	case *SGD:
		gs = o.groups
	case *Adam:
		gs = o.groups
	}
	if len(gs) == 0 {
		return nil
	}
	for _, g := range gs {
		if !g.pk.ready(g.params) {
			return nil
		}
		dst = append(dst, g.pk.flat[packGrads])
	}
	return dst
}
