package nn

import (
	"math"

	"gltrain/autograd"
)

// Dropout zeroes each input with probability P while training and scales
// the others by 1/(1−P), so that the expected output is the input (PyTorch's
// torch.nn.Dropout); in evaluation mode it is the identity. The mode is the
// graph's (autograd.Graph.SetMode: the Trainer's graph trains, those of
// Evaluate, Predict and Probabilities evaluate), or the layer's own
// (SetTraining) on a graph left in autograd.ModeDefault.
//
// The mask is drawn on the host and uploaded: the mask of the c-th training
// forward is a function of (Seed, c) alone, so a seed gives the same masks
// on every backend, and a resumed run (TrainState.Steps) draws the masks the
// uninterrupted run would have. NewModel sets a zero Seed from the model's
// seed and the layer's place.
type Dropout struct {
	P        float64
	Seed     uint64
	training bool
	calls    uint64 // training forwards so far
	host     []float32
}

// SetTraining switches the mask on (training) or off (evaluation) on graphs
// that leave the mode to the layer (autograd.ModeDefault).
func (d *Dropout) SetTraining(training bool) { d.training = training }

// Forward multiplies x by the next mask in training mode and returns x
// unchanged otherwise: the mode is g's, or the layer's own when g leaves it
// to the layer. In evaluation mode it reads and writes nothing of d, so
// evaluations may run at once on one layer.
func (d *Dropout) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	if !d.trains(g) || d.P == 0 || g.Err() != nil {
		return x
	}
	n := x.Shape().Len()
	if cap(d.host) < n {
		d.host = make([]float32, n)
	}
	d.host = d.host[:n]
	dropoutMask(d.host, d.P, d.Seed, d.calls)
	d.calls++
	return g.Mul(x, g.Constant(x.Shape(), d.host))
}

// trains reports whether a forward pass on g draws a mask.
func (d *Dropout) trains(g *autograd.Graph) bool {
	switch g.Mode() {
	case autograd.ModeTrain:
		return true
	case autograd.ModeEval:
		return false
	}
	return d.training
}

// Parameters returns none.
func (d *Dropout) Parameters() []*autograd.Value { return nil }

// dropoutMask fills mask with 0 (probability p) or 1/(1−p), element k of
// call c from SplitMix64 seeded by (seed, c): u_k = mix(s + (k+1)·γ),
// s = mix(seed + (c+1)·γ), kept when u_k/2⁶⁴ ≥ p.
func dropoutMask(mask []float32, p float64, seed, call uint64) {
	const gamma = 0x9e3779b97f4a7c15
	s := mix64(seed + (call+1)*gamma)
	threshold := uint64(p * (1 << 53)) // compare the top 53 bits, exactly
	scale := float32(1 / (1 - p))
	for k := range mask {
		if mix64(s+uint64(k+1)*gamma)>>11 < threshold {
			mask[k] = 0
		} else {
			mask[k] = scale
		}
	}
}

// mix64 is SplitMix64's finaliser.
func mix64(z uint64) uint64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// validDropout reports whether p is a dropout probability: in [0, 1).
func validDropout(p float64) bool { return p >= 0 && p < 1 && !math.IsNaN(p) }

// Softmax is the softmax of each row as a layer,
//
//	y[i,j] = exp(x[i,j]) / Σ_k exp(x[i,k])
//
// computed stably (backend.Softmaxer). A model that ends in Softmax outputs
// probabilities; train it with the cross-entropy loss on the scores before
// it instead (a model without it), as PyTorch's CrossEntropyLoss expects, and
// use Probabilities for probabilities.
type Softmax struct{}

// Forward applies the row softmax.
func (Softmax) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value { return g.Softmax(x) }

// Parameters returns none.
func (Softmax) Parameters() []*autograd.Value { return nil }

// Flatten turns each sample into one row. Samples already travel as rows
// (images as C·H·W values), so on these 2-D tensors it is the identity; it
// marks where a convolutional stack meets the dense layers, as
// torch.nn.Flatten does.
type Flatten struct{}

// Forward returns x.
func (Flatten) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value { return x }

// Parameters returns none.
func (Flatten) Parameters() []*autograd.Value { return nil }
