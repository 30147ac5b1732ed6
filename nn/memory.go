package nn

import (
	"strings"

	"gltrain/backend"
)

// Params returns the number of parameters of the architecture, without
// building it: Σ (in·out + out) over its Linear layers. It is a float64 so
// that no architecture overflows it.
func (a Arch) Params() float64 {
	p, _ := a.Spec().Params()
	return p
}

// OptimizerSlots is the number of tensors of the parameters' size that the
// optimiser called name keeps: 0 for sgd, 1 (the velocity) for momentum and
// nesterov, 2 (the moments) for adam and adamw.
func OptimizerSlots(name string) int {
	switch strings.ToLower(name) {
	case "momentum", "nesterov":
		return 1
	case "adam", "adamw":
		return 2
	}
	return 0
}

// MemoryEstimate is what a run of the architecture needs in bytes, at
// least: a bound computed before anything is allocated, so that a model
// that cannot fit is refused rather than half built.
type MemoryEstimate struct {
	Params      float64 // the parameters, their gradients (when training) and a host copy for saving
	Optimizer   float64 // the optimiser's state
	Activations float64 // the tensors of every batch size the run uses, training and evaluation, and the convolutions' scratch
	Data        float64 // the data sets on the device
	HostData    float64 // the data sets on the host, loaded before a run is estimated
}

// Total is the sum of the parts.
func (e MemoryEstimate) Total() float64 {
	return e.Params + e.Optimizer + e.Activations + e.Data + e.HostData
}

// EstimateMemory estimates the memory of training a on samples rows of data
// in batches of batch rows, evaluating them in batches of evalBatch rows,
// with optSlots optimiser tensors per parameter (see OptimizerSlots). It
// is EstimateRun for one set of samples rows, trained and evaluated.
func EstimateMemory(s Spec, batch, evalBatch, samples, optSlots int) MemoryEstimate {
	return EstimateRun(s, MemoryUse{Batch: batch, TrainRows: samples, EvalSets: []int{samples}, EvalBatch: evalBatch, OptSlots: optSlots})
}

// MemoryUse describes a run for EstimateRun.
type MemoryUse struct {
	Batch     int   // the training batch; 0: no training (no gradients, no optimiser)
	TrainRows int   // the rows of the training set: its last batch may be smaller
	EvalSets  []int // the rows of each set evaluated (or predicted)
	EvalBatch int   // the batch of evaluation; 1024 when 0, as Evaluate's
	OptSlots  int   // tensors of the parameters' size the optimiser keeps
	// ConvImages is the number of images whose im2col columns a
	// convolution holds at once: the cpu backend's threads; 0 for a whole
	// batch, as the gl backend holds them (in chunks of convChunkElems).
	ConvImages int
}

// convChunkElems is the most elements of one scratch matrix of a
// convolution on the gl backend (backend/gl's convChunkElems).
const convChunkElems = 1 << 26

// poolRounding is the most a pooled buffer exceeds its request by: the
// size classes (backend.SizeClass) step by an eighth.
const poolRounding = 9.0 / 8

// EstimateRun estimates the memory of a run of s, in bytes: what a
// backend's pool holds at its peak, rounded up to the pool's size classes,
// and the data on the host and the device. A backend's pool keeps every
// buffer it made until the backend closes, so each batch size the run uses
// (a training batch, the smaller last one, an evaluation batch per set and
// its remainder) holds tensors of its own, and the estimate adds them all:
//
//   - per row of a training batch: the batch's inputs and labels, each
//     layer's output and gradient, a fused linear layer's pre-activation, a
//     dropout's mask, a max pool's argmax, and the loss's terms;
//   - per row of an evaluation batch: the inputs, each layer's output and a
//     max pool's argmax (no gradients, dropout passes through);
//   - per convolution: its im2col columns and their product (ConvImages
//     images, or the batch up to convChunkElems), and its filter gradient's
//     16 partial sums;
//   - the parameters, their gradients and the optimiser's state, and a host
//     copy of the parameters for saving;
//   - the data: 4 bytes a feature and 8 a label on the host, and the
//     features and labels as float32 on the device.
func EstimateRun(s Spec, u MemoryUse) MemoryEstimate {
	const f32 = 4
	p, _ := s.Params()
	train, eval, scratch := s.rowCosts()
	sizes := map[int]bool{}
	var act float64
	addBatch := func(rows int, perRow float64, training bool) {
		if rows < 1 {
			return
		}
		act += float64(rows) * perRow
		for _, sc := range scratch {
			images := float64(rows)
			if u.ConvImages > 0 {
				images = min(images, float64(u.ConvImages))
			}
			act += 2 * min(images*sc.perImage, convChunkElems)
			if training {
				act += sc.partials
			}
		}
	}
	if u.Batch > 0 {
		b := min(u.Batch, max(u.TrainRows, 1))
		addBatch(b, train, true)
		if r := u.TrainRows % b; r != 0 {
			addBatch(r, train, true)
		}
	}
	evalBatch := u.EvalBatch
	if evalBatch < 1 {
		evalBatch = 1024
	}
	evalBatch = s.evalRows(evalBatch) // as Evaluate bounds it
	samples := 0
	for _, n := range u.EvalSets {
		samples += n
		for _, rows := range []int{min(n, evalBatch), n % evalBatch * b2i(n > evalBatch)} {
			if rows > 0 && !sizes[rows] {
				sizes[rows] = true
				addBatch(rows, eval, false)
			}
		}
	}
	e := MemoryEstimate{
		Params:      poolRounding * f32 * 2 * p, // the parameters and a host copy
		Activations: poolRounding * f32 * act,
		Data:        poolRounding * f32 * float64(samples) * float64(s.Inputs+1),
		HostData:    float64(samples) * (f32*float64(s.Inputs) + 8),
	}
	if u.Batch > 0 {
		e.Params += poolRounding * f32 * p // the gradients
		e.Optimizer = poolRounding * f32 * float64(u.OptSlots) * p
	}
	return e
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// convScratch is a convolution's scratch: elements per image of its
// columns (or its product, the larger) and of its filter gradient's
// partial sums.
type convScratch struct{ perImage, partials float64 }

// rowCosts returns the elements a row of a training batch and of an
// evaluation batch takes on the device (see EstimateRun), and the scratch
// of each convolution.
func (s Spec) rowCosts() (train, eval float64, scratch []convScratch) {
	in := float64(s.Inputs)
	classes := float64(s.Outputs)
	// The batch: row indices, inputs, labels and one-hot labels.
	train = 2 + in + classes
	eval = train
	var walk func(ls []LayerSpec)
	walk = func(ls []LayerSpec) {
		for _, l := range ls {
			switch l.Type {
			case "sequential", "residual", "graph":
				walk(l.Layers)
			case "flatten":
			case "linear":
				in = float64(l.Out)
				train += 3 * in // output, pre-activation, gradient
				eval += in
			case "dropout":
				train += 3 * in // mask, output, gradient
			case "conv2d":
				g := backend.Conv2D{C: l.C, H: l.H, W: l.W, K: l.Out, KH: l.KH, KW: l.KW, Stride: max(l.Stride, 1), Pad: l.Pad}
				in = float64(g.Out())
				train += 2 * in
				eval += in
				P := float64(g.OutH()) * float64(g.OutW())
				scratch = append(scratch, convScratch{perImage: float64(max(g.Patch(), g.K)) * P, partials: 16 * float64(g.K) * float64(g.Patch())})
			case "maxpool2d":
				p := backend.Pool2D{C: l.C, H: l.H, W: l.W, KH: l.KH, KW: l.KW, Stride: max(l.Stride, 1)}
				in = float64(p.Out())
				train += 3 * in // output, argmax, gradient
				eval += 2 * in
			default: // an activation or softmax: output and gradient
				train += 2 * in
				eval += in
			}
		}
	}
	walk(s.Layers)
	// The loss: probabilities, their gradient and per-row terms.
	train += 3*classes + 2
	eval += 2*classes + 2
	return train, eval, scratch
}

// maxTensorElems is the most elements a tensor may have
// (backend.MaxElems); a variable so that tests can lower it.
var maxTensorElems = backend.MaxElems

// widestRow is the most elements one row of a batch takes in a tensor as
// it passes through s: its inputs, a layer's output, the class scores.
func (s Spec) widestRow() int {
	widest := max(s.Inputs, s.Outputs, 1)
	var walk func(ls []LayerSpec)
	walk = func(ls []LayerSpec) {
		for _, l := range ls {
			switch l.Type {
			case "sequential", "residual", "graph":
				walk(l.Layers)
			case "linear":
				widest = max(widest, l.Out)
			case "conv2d":
				g := backend.Conv2D{C: l.C, H: l.H, W: l.W, K: l.Out, KH: l.KH, KW: l.KW, Stride: max(l.Stride, 1), Pad: l.Pad}
				widest = max(widest, g.Out())
			case "maxpool2d":
				p := backend.Pool2D{C: l.C, H: l.H, W: l.W, KH: l.KH, KW: l.KW, Stride: max(l.Stride, 1)}
				widest = max(widest, p.Out())
			}
		}
	}
	walk(s.Layers)
	return widest
}

// evalRows bounds an evaluation batch of rows rows so that no tensor of it
// exceeds maxTensorElems: a layer wide enough to train in small batches
// (3 million units in batches of 16) evaluates in batches that fit, rather
// than failing in Evaluate's default 1024 rows.
func (s Spec) evalRows(rows int) int {
	return max(1, min(rows, maxTensorElems/s.widestRow()))
}

// evalRows is Spec.evalRows for m's layers; a model with a layer of its
// own type is bounded by its inputs and outputs.
func (m *Model) evalRows(rows int) int {
	ls, _ := specOf(m.Net)
	return Spec{Inputs: m.Inputs, Outputs: m.Outputs, Layers: []LayerSpec{ls}}.evalRows(rows)
}
