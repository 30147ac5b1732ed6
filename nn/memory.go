package nn

import "strings"

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

// MemoryEstimate is what training the architecture needs in bytes of
// float32, at least: a bound computed before anything is allocated, so that
// a model that cannot fit is refused rather than half built.
type MemoryEstimate struct {
	Params      float64 // the parameters and their gradients
	Optimizer   float64 // the optimiser's state
	Activations float64 // a training step's activations and their gradients, or an evaluation batch's
	Data        float64 // the data sets on the device
}

// Total is the sum of the parts.
func (e MemoryEstimate) Total() float64 { return e.Params + e.Optimizer + e.Activations + e.Data }

// EstimateMemory estimates the memory of training a on samples rows of data
// (features and a label each) in batches of batch rows, evaluating in
// batches of evalBatch rows, with optSlots optimiser tensors per parameter
// (see OptimizerSlots). Per layer of width w a training step holds its
// output before and after the activation and both gradients (4·batch·w);
// evaluation holds the two outputs (2·evalBatch·w).
//
//	bytes = 4·(P·(2 + optSlots) + max(4·batch, 2·evalBatch)·Σw + samples·(features + 1))
func EstimateMemory(s Spec, batch, evalBatch, samples, optSlots int) MemoryEstimate {
	const f32 = 4
	p, widths := s.Params()
	rows := max(4*float64(batch), 2*float64(evalBatch))
	return MemoryEstimate{
		Params:      f32 * 2 * p,
		Optimizer:   f32 * float64(optSlots) * p,
		Activations: f32 * rows * widths,
		Data:        f32 * float64(samples) * float64(s.Inputs+1),
	}
}
