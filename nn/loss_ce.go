package nn

import (
	"errors"
	"fmt"
	"math"

	"gltrain/autograd"
	"gltrain/backend"
)

// CrossEntropyOptions are the options of the SoftmaxCrossEntropy loss,
// PyTorch's torch.nn.CrossEntropyLoss(weight=w, label_smoothing=ε): the
// Trainer trains with its CrossEntropy, EvaluateCrossEntropy reports the
// loss with them, and a Model's CrossEntropy is saved and loaded with it.
// The zero value is the plain loss. With lp = log softmax(scores), C
// classes and W = Σ_i w_{y_i} over the batch:
//
//	loss = 1/W · Σ_i [ (1−ε)·w_{y_i}·(−lp_{i,y_i}) + ε/C · Σ_j w_j·(−lp_ij) ]
//
// (autograd's SoftmaxCrossEntropyWeighted; the backend must implement
// backend.WeightedLosser). The other losses refuse non-zero options.
type CrossEntropyOptions struct {
	// LabelSmoothing ε, in [0, 1), mixes the one-hot target with the
	// uniform distribution over the classes: 1−ε+ε/C on the label, ε/C
	// elsewhere.
	LabelSmoothing float32 `json:"label_smoothing,omitempty"`
	// ClassWeights, when not nil, holds one finite weight > 0 per output
	// of the model (data.BalancedClassWeights makes balanced ones); the
	// loss is the weighted mean. Nil weighs every class 1.
	ClassWeights []float32 `json:"class_weights,omitempty"`
}

// IsZero reports whether o is the plain loss: no smoothing, no weights.
func (o CrossEntropyOptions) IsZero() bool { return o.LabelSmoothing == 0 && o.ClassWeights == nil }

// check refuses options that are not the plain loss with a loss other than
// softmax cross-entropy, an ε outside [0, 1), and class weights that are
// not one finite number > 0 per output; op names the caller.
func (o CrossEntropyOptions) check(op string, loss Loss, outputs int) error {
	if o.IsZero() {
		return nil
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("nn: %s: %s: %w", op, fmt.Sprintf(format, args...), backend.ErrInvalidArgument)
	}
	if loss != SoftmaxCrossEntropy {
		return bad("label smoothing and class weights are options of the softmax cross-entropy loss, not of %v", loss)
	}
	if e := o.LabelSmoothing; !(e >= 0 && e < 1) {
		return bad("label smoothing %v: want a number in [0, 1)", e)
	}
	if o.ClassWeights == nil {
		return nil
	}
	if len(o.ClassWeights) != outputs {
		return bad("%d class weights for a model of %d outputs: want one per output", len(o.ClassWeights), outputs)
	}
	for k, w := range o.ClassWeights {
		if !(w > 0) || math.IsInf(float64(w), 0) {
			return bad("class weight %d is %v: want a finite number > 0", k, w)
		}
	}
	return nil
}

// ceLoss is CrossEntropyOptions on a backend, its class weights uploaded
// once for a Fit or an evaluation.
type ceLoss struct {
	b         backend.Backend
	smoothing float32
	weight    backend.Tensor // 1×C; nil without class weights
}

// newCELoss uploads o's class weights to b; it returns nil for the plain
// loss, which keeps the fused SoftmaxCrossEntropyCount path. o is checked.
func newCELoss(op string, b backend.Backend, o CrossEntropyOptions) (*ceLoss, error) {
	if o.IsZero() {
		return nil, nil
	}
	if _, ok := b.(backend.WeightedLosser); !ok {
		return nil, fmt.Errorf("nn: %s: label smoothing and class weights on %s: %w", op, b.Name(), errors.ErrUnsupported)
	}
	c := &ceLoss{b: b, smoothing: o.LabelSmoothing}
	if o.ClassWeights != nil {
		w, err := backend.FromData(b, backend.Shape{Rows: 1, Cols: len(o.ClassWeights)}, o.ClassWeights)
		if err != nil {
			return nil, fmt.Errorf("nn: %s: class weights: %w", op, err)
		}
		c.weight = w
	}
	return c, nil
}

// applyCounting records the weighted, smoothed cross-entropy of scores
// against labels and sets correct (1×1) to the rows whose largest score is
// at the label, as Loss.applyCounting does.
func (c *ceLoss) applyCounting(g *autograd.Graph, scores, labels *autograd.Value, correct backend.Tensor) (*autograd.Value, error) {
	var w *autograd.Value
	if c.weight != nil {
		w = g.Input(c.weight)
	}
	loss := g.SoftmaxCrossEntropyWeighted(scores, labels, w, c.smoothing)
	if g.Err() != nil {
		return loss, nil
	}
	return loss, g.Backend().CountCorrect(correct, scores.Tensor(), labels.Tensor())
}

// release frees the weights; a nil ceLoss has none.
func (c *ceLoss) release() {
	if c != nil && c.weight != nil {
		c.b.Release(c.weight)
	}
}

// EvaluateCrossEntropy is Evaluate with the softmax cross-entropy loss of
// opts (label smoothing, class weights), as a Trainer with that
// CrossEntropy reports its validation loss; the accuracy is Evaluate's.
// With class weights, the loss of a set larger than one batch is the mean
// of each batch's weighted mean, weighted by its rows, as the Trainer's
// epoch loss is (and as a PyTorch loop averaging batch losses computes
// it), not one weighted mean over the whole set. Options that do not fit
// the model (CrossEntropyOptions) are refused with
// backend.ErrInvalidArgument.
func EvaluateCrossEntropy(m *Model, opts CrossEntropyOptions, set *DeviceSet, batchSize int) (meanLoss, accuracy float64, err error) {
	if err := m.check("evaluate"); err != nil {
		return 0, 0, err
	}
	if err := opts.check("evaluate", SoftmaxCrossEntropy, m.Outputs); err != nil {
		return 0, 0, err
	}
	ce, err := newCELoss("evaluate", m.Backend(), opts)
	if err != nil {
		return 0, 0, err
	}
	defer ce.release()
	meanLoss, accuracy, _, err = evaluate(m, SoftmaxCrossEntropy, ce, set, batchSize)
	return meanLoss, accuracy, err
}
