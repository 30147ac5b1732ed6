package autograd

import (
	"fmt"

	"gltrain/backend"
)

// BatchNormRunning is a batch normalisation's running statistics, tensors
// of 1×C its layer owns: evaluation normalises with them, and each training
// forward moves them towards the batch's by Momentum (PyTorch's 0.1,
// backend.BatchNormMomentum; the variance unbiased, see
// backend.BatchNormer.BatchNormUpdate).
type BatchNormRunning struct {
	Mean, Var backend.Tensor
	Momentum  float32
}

// BatchNorm returns the batch normalisation of x (batch×C·HW, C channels of
// HW values a row: p) with the affine weight w and bias b (1×C each),
// PyTorch's BatchNorm1d (HW = 1) and BatchNorm2d (NCHW rows):
//
//	y = (x − μ_c)/√(σ²_c + eps)·w_c + b_c
//
// In training (train true), μ_c and σ²_c are the mean and the biased
// variance of channel c over the batch (batch·HW values, at least 2, as
// PyTorch requires), and run, when not nil, moves towards them; the
// gradient flows into x, w and b through the batch statistics. In
// evaluation they are run's (which must not be nil), constants of the
// gradient; the backward pass reads them, so they must not change (a
// training forward) before it. The backend must
// implement backend.BatchNormer; on one that does not, BatchNorm records an
// error wrapping errors.ErrUnsupported.
func (g *Graph) BatchNorm(p backend.BatchNorm, eps float32, x, w, b *Value, run *BatchNormRunning, train bool) *Value {
	const op = "batchnorm"
	if !g.use(op, x, w, b) {
		return g.bad
	}
	bn, ok := g.b.(backend.BatchNormer)
	if !ok {
		return g.fail(fmt.Errorf("%s: backend %s: %w", op, g.b.Name(), backend.ErrUnsupported))
	}
	var mean, variance backend.Tensor
	if run != nil {
		mean, variance = run.Mean, run.Var
	}
	grad := x.requiresGrad || w.requiresGrad || b.requiresGrad
	chans := []backend.Tensor{w.t, b.t, mean, variance}
	var err error
	if !train && (!grad || g.noGrad) { // elementwise: any batch
		err = backend.CheckBatchNormInference(op, p, x.t, chans, nil)
	} else { // sums over the batch: at most MaxBatchNormCount values a channel
		err = backend.CheckBatchNorm(op, p, x.t, nil, chans)
	}
	if err != nil {
		return g.fail(err)
	}
	count := x.shape.Rows * p.HW
	switch {
	case train && count < 2:
		return g.fail(fmt.Errorf("%s: input %v: expected more than 1 value per channel when training, got %d: %w", op, x.shape, count, backend.ErrInvalidArgument))
	case !train && (run == nil || mean == nil || variance == nil):
		return g.fail(fmt.Errorf("%s: evaluation without running statistics: %w", op, backend.ErrInvalidArgument))
	}
	out := g.node(opBatchNorm, x.shape, x, w, grad)
	if out == g.bad {
		return out
	}
	if out.requiresGrad {
		out.bias = b
	}
	out.geom, out.alpha = backend.Conv2D{C: p.C, H: p.HW}, eps
	if !train {
		out.running = [2]backend.Tensor{mean, variance}
		return g.done(out, bn.BatchNormInference(p, eps, out.t, x.t, w.t, b.t, mean, variance))
	}
	if out.cache = g.alloc(backend.Shape{Rows: 3, Cols: p.C}); out.cache == nil {
		return g.done(out, g.err)
	}
	if err := bn.BatchNormForward(p, eps, out.t, out.cache, x.t, w.t, b.t); err != nil || run == nil {
		return g.done(out, err)
	}
	return g.done(out, bn.BatchNormUpdate(run.Momentum, count, mean, variance, out.cache))
}

// batchNormBackward is the backward step of BatchNorm, from the batch
// statistics its forward pass cached in training, or the running ones in
// evaluation: one fused call gives dx, dw and db (backend.BatchNormer),
// each written to its value's sink, or to a temporary when that value needs
// no gradient.
func batchNormBackward(g *Graph, n *Value) {
	x, w, b, dy := n.in[0], n.in[1], n.bias, g.upstream(n)
	p := backend.BatchNorm{C: n.geom.C, HW: n.geom.H}
	dx, dw, db := affineSinks(g, x, w, b)
	bn := g.b.(backend.BatchNormer)
	if n.cache != nil {
		g.kernel(n, bn.BatchNormBackward(p, dx, dw, db, dy, x.t, w.t, n.cache))
	} else {
		g.kernel(n, bn.BatchNormInferenceBackward(p, n.alpha, dx, dw, db, dy, x.t, w.t, n.running[0], n.running[1]))
	}
	commitAffine(g, x, w, b, dx, dw, db)
}
