package gl

import (
	"gltrain/backend"
	"gltrain/backend/gl/internal/glrt"
)

var _ backend.CausalSoftmaxer = (*Backend)(nil)

// softmaxRows is the rows a work group of causal_softmax_*.comp takes: WG
// invocations, LANES = 32 a row.
const softmaxRows = glrt.WorkGroup / 32

// CausalSoftmaxForward computes the causal softmax of each row of s (see
// backend.CausalSoftmaxer) in one dispatch of causal_softmax_forward.comp,
// 32 invocations a row.
func (be *Backend) CausalSoftmaxForward(p, s backend.Tensor) error {
	const op = "causal softmax forward"
	if err := backend.Check(be).CausalSoftmaxForward(p, s); err != nil {
		return err
	}
	return be.causalSoftmax(op, "causal_softmax_forward.comp", s.(*Tensor), s.(*Tensor).in(), p.(*Tensor).out())
}

// CausalSoftmaxBackward computes the gradient of the causal softmax's
// scores (see backend.CausalSoftmaxer) in one dispatch of
// causal_softmax_backward.comp, 32 invocations a row.
func (be *Backend) CausalSoftmaxBackward(ds, p, dp backend.Tensor) error {
	const op = "causal softmax backward"
	if err := backend.Check(be).CausalSoftmaxBackward(ds, p, dp); err != nil {
		return err
	}
	pt := p.(*Tensor)
	return be.causalSoftmax(op, "causal_softmax_backward.comp", pt, pt.in(), dp.(*Tensor).in(), ds.(*Tensor).out())
}

// causalSoftmax queues shader over the rows of x's shape with args.
func (be *Backend) causalSoftmax(op, shader string, x *Tensor, args ...glrt.Arg) error {
	if err := be.ready(op, shader); err != nil {
		return err
	}
	rows, n := x.shape.Rows, x.shape.Cols
	return be.enqueue(op, func() error {
		prog, err := be.program(shader)
		if err != nil {
			return err
		}
		prog.SetInt("rows", rows)
		prog.SetInt("t_len", n)
		return be.dev.Dispatch(prog, glrt.Cap((rows+softmaxRows-1)/softmaxRows), 1, 1, args...)
	})
}
