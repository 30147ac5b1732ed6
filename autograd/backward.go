package autograd

import (
	"fmt"

	"gltrain/backend"
)

// Backward computes the gradient of loss, a 1×1 value of this graph, with
// respect to every value it depends on that requires a gradient. It seeds
// ∂loss/∂loss = 1 and runs the backward step of each node, from the loss
// back to the leaves, in reverse recording order, so that a node runs after
// every node that used its value; nodes the loss does not depend on receive
// no gradient and are skipped. Gradients accumulate: parameters and leaves
// add this pass's gradient to what they hold since the last ZeroGrad, and a
// value used several times sums its contributions. The gradients of
// intermediate nodes are released as each backward step finishes.
//
// Backward returns the graph's recorded error, if any, without running; an
// error for a loss that is not 1×1 or does not depend on anything that
// requires a gradient; and the first backend error of the pass. Its errors
// are sticky like the operations'.
func (g *Graph) Backward(loss *Value) error {
	if !g.valid("backward", loss) {
		return g.err
	}
	if loss.shape != (backend.Shape{Rows: 1, Cols: 1}) {
		g.fail(fmt.Errorf("backward: loss %v: want 1×1: %w", loss.shape, backend.ErrShape))
		return g.err
	}
	if !loss.requiresGrad {
		g.fail(fmt.Errorf("backward: the loss (%s) does not depend on any value that requires a gradient (no parameters, or gradients disabled): %w",
			loss.Name(), backend.ErrInvalidArgument))
		return g.err
	}
	if !loss.op.isOp() {
		// A leaf as the loss: its gradient is 1.
		ones := g.alloc(loss.shape)
		g.kernel(loss, g.b.Fill(ones, 1))
		g.contribute(loss, 1, ones, true)
		return g.err
	}
	g.spent = true
	loss.state = gradOne
	for i := loss.idx; i >= 0 && g.err == nil; i-- {
		n := g.nodes[i]
		if n.state == gradNone || !n.op.isOp() {
			continue
		}
		g.backwardOf(n)
		g.release(n.grad)
		n.grad, n.state = nil, gradNone
	}
	return g.err
}

// backwardOf runs node n's backward step, which adds ∂L/∂input to each of its
// inputs that requires a gradient, given n's upstream gradient ∂L/∂n.
func (g *Graph) backwardOf(n *Value) {
	switch n.op {
	case opMatMul:
		matMulBackward(g, n)
	case opAddBias:
		addBiasBackward(g, n)
	case opActivation:
		activationBackward(g, n)
	case opLinear:
		linearBackward(g, n)
	case opAdd, opSub:
		addBackward(g, n)
	case opMul:
		mulBackward(g, n)
	case opScale:
		scaleBackward(g, n)
	case opSum, opMean:
		sumBackward(g, n)
	case opSoftmaxCrossEntropy, opMeanSquaredError, opSVMHinge, opL1Loss, opHuberLoss, opBCEWithLogits,
		opSoftmaxCrossEntropyWeighted:
		lossBackward(g, n)
	case opSoftmax:
		softmaxBackward(g, n)
	case opConv2D:
		conv2DBackward(g, n)
	case opMaxPool2D:
		maxPool2DBackward(g, n)
	case opLayerNorm:
		layerNormBackward(g, n)
	case opAvgPool2D:
		avgPool2DBackward(g, n)
	case opEmbedding, opGatherRows:
		embeddingBackward(g, n)
	case opReduceAxis:
		reduceAxisBackward(g, n)
	case opLogSoftmax:
		logSoftmaxBackward(g, n)
	case opTranspose, opReshape, opSliceCols, opConcatCols:
		shapeBackward(g, n)
	case opBinary:
		binaryBackward(g, n)
	case opCausalSelfAttention:
		causalSelfAttentionBackward(g, n)
	case opBatchNorm:
		batchNormBackward(g, n)
	default:
		panic("autograd: no backward step for " + n.op.String()) // our invariant: every op kind is listed
	}
}

// upstream returns n's upstream gradient as a tensor, writing the seed 1 into
// one when n is the loss.
func (g *Graph) upstream(n *Value) backend.Tensor {
	if n.state == gradOne && g.err == nil {
		t := g.alloc(n.shape)
		g.kernel(n, g.b.Fill(t, 1))
		n.grad, n.state = t, gradLive
	}
	return n.grad
}

// take hands n's upstream gradient tensor over to the caller, who may make it
// an input's gradient: n's step is the last reader, so no copy is needed.
// Only the last use of the upstream gradient in a step may take it.
func (g *Graph) take(n *Value) backend.Tensor {
	t := g.upstream(n)
	n.grad = nil
	return t
}
