package nn

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"

	"gltrain/backend"
	"gltrain/nn/data"
	"gltrain/nn/safetensors"
)

// A checkpoint is a safetensors file:
//
//   - the model's tensors in PyTorch's layout and names ("0.weight" Out×In,
//     "0.bias" Out, …), so that a torch.nn.Sequential of the same layers
//     loads them with load_state_dict(…, strict=True);
//   - with a TrainState, the optimiser's tensors under the prefix
//     "optimizer." (Adam's "optimizer.0.weight.exp_avg" and
//     ".exp_avg_sq", SGD's ".momentum_buffer", each in its parameter's
//     layout): leave them out of what you give PyTorch's load_state_dict;
//   - in the header's __metadata__, string values: "format" ("gltrain"),
//     "version" ("2"), "model" (JSON: inputs, outputs and the LayerSpec list),
//     "loss", and when set "class_names", "standardize" (JSON mean and std
//     per feature), "meta" (JSON object of Model.Meta), "train" (JSON:
//     epochs, steps) and "optimizer" (JSON: its type, configuration and
//     Adam's step per parameter).
//
// Version 1 files, written by the train command before the model API (an
// "arch" field, "layers.0.weight" held In×Out), still load.
const (
	checkpointFormat  = "gltrain"
	checkpointVersion = "2"
	optimizerPrefix   = "optimizer."
)

// TrainState is what a run needs, besides the model, to continue as if it
// had not stopped: the optimiser with its state (Adam's moments and steps,
// SGD's velocities), the epochs done (the schedule's position and the next
// epoch's batch order) and the optimiser steps done (the next dropout mask).
type TrainState struct {
	Optimizer Optimizer // made over the model's Parameters(), in order
	Epochs    int
	Steps     int
}

// NonFiniteWeightsError is a model that Save refused because a parameter is
// NaN or infinite: training diverged, and the file keeps what it held.
type NonFiniteWeightsError struct{ Param string }

func (e *NonFiniteWeightsError) Error() string {
	return fmt.Sprintf("nn: %s holds NaN or infinite values; not saved", e.Param)
}

// Save writes the model, and when st is not nil its training state, to path
// (a safetensors file; see the format above), atomically: an interrupted
// save leaves the previous file whole. A model whose weights are NaN or
// infinite is not saved (*NonFiniteWeightsError). A model with a layer of
// your own saves its tensors, and Load then refuses it: build it and use
// LoadInto.
func Save(path string, m *Model, st *TrainState) error {
	if err := m.check("save"); err != nil {
		return err
	}
	tensors, md, err := m.checkpoint(st)
	if err != nil {
		return fmt.Errorf("nn: save %s: %w", path, err)
	}
	return safetensors.WriteFile(path, tensors, md)
}

// checkpoint gathers the tensors and metadata of a save.
func (m *Model) checkpoint(st *TrainState) ([]safetensors.Tensor, map[string]string, error) {
	state, err := m.State()
	if err != nil {
		return nil, nil, err
	}
	var tensors []safetensors.Tensor
	for _, s := range state {
		for _, v := range s.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, nil, &NonFiniteWeightsError{Param: s.Name}
			}
		}
		tensors = append(tensors, safetensors.Tensor{Name: s.Name, Shape: s.Shape, Data: s.Data, Int64: s.Int64})
	}
	h := header{Model: SpecOf(m), Loss: m.Loss, CrossEntropy: m.CrossEntropy, ClassNames: m.ClassNames, Std: m.Standardizer, Meta: m.Meta}
	if st != nil {
		h.Train = &trainJSON{Epochs: st.Epochs, Steps: st.Steps}
		if st.Optimizer != nil {
			opt, ts, err := saveOptimizer(m, st.Optimizer)
			if err == nil {
				if err = opt.check(len(m.Parameters())); err != nil {
					err = fmt.Errorf("Resume would refuse the optimiser: %w", err)
				}
			}
			if err != nil {
				return nil, nil, err
			}
			h.Optimizer = &opt
			for _, t := range ts {
				tensors = append(tensors, safetensors.Tensor{Name: optimizerPrefix + t.Name, Shape: t.Shape, Data: t.Data})
			}
		}
	}
	md, err := h.saveMetadata()
	return tensors, md, err
}

// Load reads a model saved by Save (or a version 1 checkpoint of the train
// command) and builds it on b, with its loss, standardisation, class names
// and Meta, in training mode (as NewModel; SetTraining(false) for inference
// of your own on a graph in autograd.ModeDefault; Predict and Probabilities
// evaluate whatever the mode). Optimiser state in the file is ignored (see
// Resume). A model with a layer of your own is refused: build it and use
// LoadInto. Every field is checked before anything is allocated, and errors
// name the file and the field.
func Load(path string, b backend.Backend) (*Model, error) {
	m, _, err := load(path, b, false)
	return m, err
}

// Resume reads a checkpoint as Load does, and its training state: the
// optimiser, rebuilt over the model's parameters with its state, and the
// epochs and steps done. The state is nil when the file has none (a model
// saved without it); its Optimizer is nil when none was saved.
func Resume(path string, b backend.Backend) (*Model, *TrainState, error) {
	return load(path, b, true)
}

func load(path string, b backend.Backend, resume bool) (*Model, *TrainState, error) {
	if b == nil {
		return nil, nil, fmt.Errorf("nn: load %s: nil backend", path)
	}
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	bad := func(err error) error { return fmt.Errorf("%s: not a usable gltrain checkpoint: %w", path, err) }
	h, err := parseHeader(f.Metadata)
	if err != nil {
		return nil, nil, bad(err)
	}
	if h.Model.Custom != "" {
		return nil, nil, bad(fmt.Errorf("__metadata__ \"model\": the model has a layer of its own type (%s): build the model in code and load the file with nn.LoadInto", excerpt(h.Model.Custom)))
	}
	model, optim := splitTensors(f.Tensors, h.version)
	if h.Model.Net == "gpt" {
		if model, err = untieHead(model, "transformer.wte.weight"); err != nil {
			return nil, nil, bad(err)
		}
	}
	net, err := h.network(model)
	if err != nil {
		return nil, nil, bad(err)
	}
	m, err := newModel(b, net, h.Model.Inputs, h.Model.Image, 1)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	h.apply(m)
	if err := m.LoadState(model); err != nil {
		m.Release()
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if !resume || h.Train == nil {
		return m, nil, nil
	}
	st := &TrainState{Epochs: h.Train.Epochs, Steps: h.Train.Steps}
	if h.Optimizer != nil {
		if st.Optimizer, err = loadOptimizer(m, *h.Optimizer, optim); err != nil {
			m.Release()
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	setDropoutCalls(m.Net, uint64(st.Steps))
	return m, st, nil
}

// LoadInto loads the tensors of a checkpoint into m, a model built in code
// (one with layers of your own, say), with the file's loss,
// standardisation, class names and Meta. Its parameters must be exactly the
// file's model tensors.
func LoadInto(path string, m *Model) error {
	if err := m.check("load into"); err != nil {
		return err
	}
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return err
	}
	h, err := parseHeader(f.Metadata)
	if err != nil {
		return fmt.Errorf("%s: not a usable gltrain checkpoint: %w", path, err)
	}
	if h.Model.Inputs != m.Inputs || h.Model.Outputs != m.Outputs {
		return fmt.Errorf("%s: the saved model maps %d inputs to %d outputs, this one %d to %d", path, h.Model.Inputs, h.Model.Outputs, m.Inputs, m.Outputs)
	}
	model, _ := splitTensors(f.Tensors, h.version)
	if err := m.LoadState(model); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	h.apply(m)
	return nil
}

// splitTensors parts a file's tensors into the model's and the optimiser's
// (their prefix removed), renaming and transposing a version 1 file's.
func splitTensors(ts []safetensors.Tensor, version int) (model, optim []NamedTensor) {
	for _, t := range ts {
		nt := NamedTensor{Name: t.Name, Shape: t.Shape, Data: t.Data, Int64: t.Int64}
		if name, ok := strings.CutPrefix(t.Name, optimizerPrefix); ok {
			nt.Name = name
			optim = append(optim, nt)
			continue
		}
		if version == 1 {
			nt = fromVersion1(nt)
		}
		model = append(model, nt)
	}
	return model, optim
}

// fromVersion1 maps a version 1 tensor to version 2: "layers.N.weight"
// In×Out becomes "N.weight" Out×In, "layers.N.bias" 1×Out "N.bias" Out.
func fromVersion1(t NamedTensor) NamedTensor {
	name, ok := strings.CutPrefix(t.Name, "layers.")
	if !ok || len(t.Shape) != 2 || t.Shape[0]*t.Shape[1] != len(t.Data) {
		return t // refused by LoadState
	}
	switch {
	case strings.HasSuffix(name, ".weight"):
		return NamedTensor{Name: name, Shape: []int{t.Shape[1], t.Shape[0]}, Data: transpose(t.Data, t.Shape[0], t.Shape[1])}
	case strings.HasSuffix(name, ".bias") && t.Shape[0] == 1:
		return NamedTensor{Name: name, Shape: []int{t.Shape[1]}, Data: t.Data}
	}
	return t
}

// setDropoutCalls sets the mask counter of every Dropout and attention
// dropout in mod.
func setDropoutCalls(mod Module, calls uint64) {
	switch l := mod.(type) {
	case *Dropout:
		l.calls = calls
	case *CausalSelfAttention:
		l.calls = calls
	case *Sequential:
		for _, layer := range l.Layers {
			setDropoutCalls(layer, calls)
		}
	case *Residual:
		setDropoutCalls(l.F, calls)
	case *Graph:
		for _, n := range l.Nodes {
			setDropoutCalls(n.Layer, calls)
		}
	}
}

// header is a checkpoint's metadata, parsed.
type header struct {
	version    int
	Model      Spec
	Loss       Loss
	ClassNames []string
	Std        *data.Standardizer
	Meta       map[string]string
	Train      *trainJSON
	Optimizer  *optimizerJSON

	// CrossEntropy is "cross_entropy", absent for the zero value (and in
	// checkpoints older than it).
	CrossEntropy CrossEntropyOptions
}

type trainJSON struct {
	Epochs int `json:"epochs"`
	Steps  int `json:"steps"`
}

// apply gives m the header's loss, standardisation, class names and Meta.
func (h header) apply(m *Model) {
	m.Loss, m.CrossEntropy, m.ClassNames, m.Standardizer, m.Meta = h.Loss, h.CrossEntropy, h.ClassNames, h.Std, h.Meta
}

// network declares the model the header describes, checking that its
// parameters are exactly the model tensors, by name and shape, before
// anything is allocated.
func (h header) network(model []NamedTensor) (Module, error) {
	var want []expect
	seq, err := h.Model.network(func(name string, saved []int) {
		want = append(want, expect{name, saved})
	})
	if err != nil {
		return nil, fmt.Errorf("__metadata__ \"model\": %w", err)
	}
	return seq, checkTensors(model, want)
}

// metadata formats the header as __metadata__.
func (h header) metadata() (map[string]string, error) {
	md := map[string]string{"format": checkpointFormat, "version": checkpointVersion, "loss": h.Loss.String()}
	put := func(key string, v any) error {
		b, err := json.Marshal(v)
		md[key] = string(b)
		return err
	}
	errs := []error{put("model", h.Model)}
	if !h.CrossEntropy.IsZero() {
		errs = append(errs, put("cross_entropy", h.CrossEntropy))
	}
	if h.ClassNames != nil {
		errs = append(errs, put("class_names", h.ClassNames))
	}
	if h.Std != nil {
		errs = append(errs, put("standardize", map[string][]float64{"mean": h.Std.Mean, "std": h.Std.Std}))
	}
	if h.Meta != nil {
		errs = append(errs, put("meta", h.Meta))
	}
	if h.Train != nil {
		errs = append(errs, put("train", h.Train))
	}
	if h.Optimizer != nil {
		errs = append(errs, put("optimizer", h.Optimizer))
	}
	return md, errors.Join(errs...)
}

// Info is what a checkpoint says about its model and run, read and checked
// (the tensors against the layers included) without building anything.
type Info struct {
	Spec         Spec
	Loss         Loss
	CrossEntropy CrossEntropyOptions
	ClassNames   []string
	Standardizer *data.Standardizer
	Meta         map[string]string
	// Epochs and Steps are the training state's (0 without one);
	// HasOptimizer reports saved optimiser state, which Resume restores.
	Epochs, Steps int
	HasOptimizer  bool
	// Optimizer names the saved optimiser's kind as NewOptimizer does
	// (sgd, momentum, nesterov, adam or adamw); "" without one.
	Optimizer string
}

// ReadInfo reads the checkpoint at path without building its model. A
// model with a layer of its own is refused, as Load refuses it.
func ReadInfo(path string) (*Info, error) {
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return nil, err
	}
	bad := func(err error) error { return fmt.Errorf("%s: not a usable gltrain checkpoint: %w", path, err) }
	h, err := parseHeader(f.Metadata)
	if err != nil {
		return nil, bad(err)
	}
	if h.Model.Custom != "" {
		return nil, bad(fmt.Errorf("__metadata__ \"model\": the model has a layer of its own type (%s): build the model in code and load the file with nn.LoadInto", excerpt(h.Model.Custom)))
	}
	model, _ := splitTensors(f.Tensors, h.version)
	if h.Model.Net == "gpt" { // as Load reads it: the tied head is wte's copy
		if model, err = untieHead(model, "transformer.wte.weight"); err != nil {
			return nil, bad(err)
		}
	}
	if _, err := h.network(model); err != nil {
		return nil, bad(err)
	}
	info := &Info{Spec: h.Model, Loss: h.Loss, CrossEntropy: h.CrossEntropy, ClassNames: h.ClassNames, Standardizer: h.Std, Meta: h.Meta, HasOptimizer: h.Optimizer != nil}
	if o := h.Optimizer; o != nil {
		info.Optimizer = o.kind()
	}
	if h.Train != nil {
		info.Epochs, info.Steps = h.Train.Epochs, h.Train.Steps
	}
	return info, nil
}
