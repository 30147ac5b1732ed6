package autograd

import (
	"errors"

	"gltrain/backend"
)

// opKind is what a Value is: a leaf kind or the operation that computed it.
// The backward pass switches on it (backward.go), so a node needs no closure.
type opKind uint8

const (
	opFree    opKind = iota // recycled by Reset, waiting for reuse
	opInvalid               // the placeholder returned after an error
	opParam
	opInput
	opLeaf
	opConstant // a graph-owned leaf: isOp, so Reset releases its tensor; never needs a gradient
	opMatMul
	opAddBias
	opActivation
	opLinear
	opAdd
	opSub
	opMul
	opScale
	opSum
	opMean
	opSoftmaxCrossEntropy
	opMeanSquaredError
	opSVMHinge
	opSoftmax
	opConv2D
	opMaxPool2D
	opL1Loss
	opHuberLoss
	opBCEWithLogits
	opSoftmaxCrossEntropyWeighted
	opLayerNorm
	opAvgPool2D
	opEmbedding
	opGatherRows // embedding.go: GatherRows, an Embedding by another name
	opReduceAxis // SumRows … MaxCols (axis.go)
	opLogSoftmax
	opTranspose // shape.go
	opReshape
	opSliceCols
	opConcatCols
	opBinary
	opCausalSelfAttention // attention.go
	opBatchNorm
	numOps
)

// opNames are the operations' names, as the backend's Check functions spell
// them in errors.
var opNames = [numOps]string{
	opFree: "released value", opInvalid: "invalid", opParam: "parameter", opInput: "input", opLeaf: "leaf", opConstant: "constant",
	opMatMul: "matmul", opAddBias: "add bias", opActivation: "activation", opLinear: "linear",
	opAdd: "add", opSub: "sub", opMul: "mul", opScale: "scale", opSum: "sum", opMean: "mean",
	opSoftmaxCrossEntropy: "softmax cross-entropy", opMeanSquaredError: "mean squared error", opSVMHinge: "svm hinge",
	opSoftmax: "softmax", opConv2D: "conv2d", opMaxPool2D: "maxpool2d",
	opL1Loss: "l1 loss", opHuberLoss: "huber loss", opBCEWithLogits: "bce with logits",
	opSoftmaxCrossEntropyWeighted: "weighted softmax cross-entropy",
	opLayerNorm:                   "layernorm", opAvgPool2D: "avgpool2d", opEmbedding: "embedding", opGatherRows: "gather rows",
	opReduceAxis: "reduce", opLogSoftmax: "log-softmax",
	opTranspose: "transpose", opReshape: "reshape", opSliceCols: "slice columns", opConcatCols: "concat columns",
	opBinary: "binary", opCausalSelfAttention: "causal self-attention", opBatchNorm: "batchnorm",
}

func (k opKind) String() string { return opNames[k] }

// isOp reports whether values of kind k are computed by an operation, and so
// own their tensor and have a backward step.
func (k opKind) isOp() bool { return k > opLeaf }

// gradState says what a Value's gradient holds.
type gradState uint8

const (
	// gradNone: no gradient. The next contribution overwrites the tensor,
	// which may be kept from an earlier step (a stale parameter gradient).
	gradNone gradState = iota
	// gradOne: the seed of Backward, ∂L/∂L = 1, not yet written to a tensor.
	gradOne
	// gradLive: the tensor holds the sum of the contributions so far.
	gradLive
)

// Value is the output of a node of a graph, or a leaf: a parameter or an
// input. It holds the value's tensor and, after Backward, its gradient.
//
// A node stores its operation's kind and small parameters rather than a
// closure, and graphs recycle Value structs across Reset, so a steady-state
// step allocates no Values.
type Value struct {
	t, grad backend.Tensor
	cache   backend.Tensor  // a loss's ∂loss/∂predictions, from the forward kernel; opLinear's z
	graph   *Graph          // the graph that made the value; nil for a parameter
	b       backend.Backend // a parameter's backend
	in      [2]*Value       // the inputs, when the node needs a gradient
	name    string
	shape   backend.Shape
	idx     int                // position in graph.nodes
	act     backend.Activation // opActivation, opLinear
	bias    *Value             // opLinear's third input, its bias (nil without one); opSoftmaxCrossEntropyWeighted's class weights; opBCEWithLogits' pos_weight (nil without one)
	alpha   float32            // opScale's factor, opSum's or opMean's 1/n, opSVMHinge's margin, opHuberLoss's delta, the label smoothing
	tA, tB  backend.Transpose  // opMatMul
	geom    backend.Conv2D     // opConv2D's geometry; opMaxPool2D's as C, H, W, KH, KW, Stride
	at      int                // opReduceAxis' backend.Axis; opSliceCols' first column; opCausalSelfAttention's T
	binOp   backend.BinaryOp   // opBinary's operation
	heads   int                // opCausalSelfAttention's heads (its T is at)
	running [2]backend.Tensor  // opBatchNorm in evaluation: the running mean and variance (the layer's)
	op      opKind
	state   gradState
	// lentGrad: grad was given by SetTensors and belongs to the caller, so
	// ReleaseGrad drops it rather than releasing it.
	lentGrad bool
	// requiresGrad: the value is a parameter or a leaf that asked for a
	// gradient, or depends on one and was computed with gradients enabled.
	requiresGrad bool
}

// NewParameter returns a persistent leaf holding t, a tensor of b owned by the
// caller (a model's weights), that requires a gradient. Its gradient tensor
// is allocated on b by the first Backward that reaches it, persists across
// graphs and steps, accumulates until ZeroGrad, and is released by
// ReleaseGrad. The parameter can be used in any Graph on b. A nil t gives a
// parameter that every operation rejects with an error.
func NewParameter(b backend.Backend, name string, t backend.Tensor) *Value {
	v := &Value{t: t, b: b, name: name, op: opParam, requiresGrad: true}
	if t != nil {
		v.shape = t.Shape()
	}
	return v
}

// Tensor is the value's tensor; nil for the placeholder of a failed operation.
// It belongs to the graph for a node (valid until Reset) and to the caller
// for a parameter or an input.
func (v *Value) Tensor() backend.Tensor { return v.t }

// Grad is the gradient of the last Backward's loss with respect to the value,
// summed over every Backward since the last ZeroGrad for a parameter. It is
// nil when there is none: for values that require no gradient, before the
// first Backward, after ZeroGrad, and for intermediate nodes, whose
// gradients are released as soon as their backward step has run.
func (v *Value) Grad() backend.Tensor {
	if v.state != gradLive {
		return nil
	}
	return v.grad
}

// Shape is the shape of the value's tensor (0×0 for a failed operation).
func (v *Value) Shape() backend.Shape { return v.shape }

// Name is a parameter's name, or else what made the value: "input", "leaf",
// or the operation ("matmul", "relu", "softmax cross-entropy", …).
func (v *Value) Name() string {
	switch {
	case v.name != "":
		return v.name
	case v.op == opActivation:
		return v.act.Kind.String()
	}
	return v.op.String()
}

// RequiresGrad reports whether Backward computes a gradient for the value: it
// is a parameter, a leaf made with requiresGrad, or a node computed from one
// while gradients were enabled.
func (v *Value) RequiresGrad() bool { return v.requiresGrad }

// ZeroGrad clears the gradients of params (parameters, or any values) without
// dispatching anything: each is marked stale, so that the next contribution
// overwrites its tensor instead of adding to it, and Grad returns nil until
// then. The tensors are kept for reuse. Nil entries are skipped.
func ZeroGrad(params ...*Value) {
	for _, p := range params {
		if p != nil {
			p.state = gradNone
		}
	}
}

// ReleaseGrad returns the gradient tensors of parameters to their backend's
// pool, when a model is done with them; a later Backward allocates them
// anew. A gradient tensor given by SetTensors is its owner's: it is
// dropped, not released. Values that are not parameters, and nil entries,
// are skipped: a graph's tensors are released by its Reset. It returns the
// backends' release errors, joined.
func ReleaseGrad(params ...*Value) error {
	var errs []error
	for _, p := range params {
		if p == nil || p.op != opParam || p.grad == nil || p.b == nil {
			continue
		}
		if p.lentGrad {
			p.grad, p.state, p.lentGrad = nil, gradNone, false
			continue
		}
		if err := p.b.Release(p.grad); err != nil {
			errs = append(errs, err)
		}
		p.grad, p.state = nil, gradNone
	}
	return errors.Join(errs...)
}
