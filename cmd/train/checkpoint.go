package main

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"gltrain/backend"
	"gltrain/nn"
	"gltrain/nn/data"
	"gltrain/nn/safetensors"
)

// checkpoint is what a saved model records besides its weights, in the
// safetensors header's __metadata__ (string values): enough to rebuild the
// model and prepare its data without flags.
type checkpoint struct {
	Arch       nn.Arch
	Loss       nn.Loss
	Data       string // the -data it was trained on
	Features   int
	Classes    int
	ClassNames []string
	Std        *data.Standardizer
	Epochs     int // epochs trained
}

const formatName = "gltrain"

func (c checkpoint) metadata() (map[string]string, error) {
	arch, err := json.Marshal(c.Arch)
	if err != nil {
		return nil, err
	}
	md := map[string]string{
		"format":   formatName,
		"arch":     string(arch),
		"loss":     c.Loss.String(),
		"data":     c.Data,
		"features": strconv.Itoa(c.Features),
		"classes":  strconv.Itoa(c.Classes),
		"epochs":   strconv.Itoa(c.Epochs),
	}
	if len(c.ClassNames) > 0 {
		names, _ := json.Marshal(c.ClassNames)
		md["class_names"] = string(names)
	}
	if c.Std != nil {
		std, _ := json.Marshal(map[string][]float32{"mean": c.Std.Mean, "std": c.Std.Std})
		md["standardize"] = string(std)
	}
	return md, nil
}

// nonFiniteWeightsError is a model not saved because a weight is NaN or
// infinite: the last update diverged after the loss was last measured.
type nonFiniteWeightsError struct {
	param string
	epoch int // set by the caller that knows it
}

func (e *nonFiniteWeightsError) Error() string {
	return fmt.Sprintf("%s holds NaN or infinite values", e.param)
}

// saveCheckpoint downloads the model's weights and writes them with the
// metadata, atomically: an interrupted save leaves the previous file whole.
// Weights that are NaN or infinite are not saved over it.
func saveCheckpoint(path string, m *nn.Model, c checkpoint) error {
	state, err := m.State()
	if err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	for _, s := range state {
		for _, v := range s.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return &nonFiniteWeightsError{param: s.Name}
			}
		}
	}
	tensors := make([]safetensors.Tensor, len(state))
	for i, s := range state {
		tensors[i] = safetensors.Tensor{Name: s.Name, Shape: []int{s.Shape.Rows, s.Shape.Cols}, Data: s.Data}
	}
	md, err := c.metadata()
	if err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	return safetensors.WriteFile(path, tensors, md)
}

// loadCheckpoint reads a checkpoint: its metadata and weights.
func loadCheckpoint(path string) (checkpoint, []nn.NamedTensor, error) {
	var c checkpoint
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return c, nil, err
	}
	md := f.Metadata
	bad := func(what string, err error) error {
		if err != nil {
			return fmt.Errorf("%s: not a usable gltrain checkpoint: %s: %v", path, what, err)
		}
		return fmt.Errorf("%s: not a usable gltrain checkpoint: %s", path, what)
	}
	if md["format"] != formatName {
		return c, nil, bad(fmt.Sprintf("__metadata__ format is %q, want %q", md["format"], formatName), nil)
	}
	if err := json.Unmarshal([]byte(md["arch"]), &c.Arch); err != nil {
		return c, nil, bad("arch", err)
	}
	if c.Loss, err = nn.ParseLoss(md["loss"]); err != nil {
		return c, nil, bad("loss", err)
	}
	c.Data = md["data"]
	c.Features, _ = strconv.Atoi(md["features"])
	c.Classes, _ = strconv.Atoi(md["classes"])
	c.Epochs, _ = strconv.Atoi(md["epochs"])
	if s := md["class_names"]; s != "" {
		if err := json.Unmarshal([]byte(s), &c.ClassNames); err != nil {
			return c, nil, bad("class_names", err)
		}
	}
	if s := md["standardize"]; s != "" {
		var st map[string][]float32
		if err := json.Unmarshal([]byte(s), &st); err != nil {
			return c, nil, bad("standardize", err)
		}
		if len(st["mean"]) != len(st["std"]) || len(st["mean"]) != c.Arch.Inputs {
			return c, nil, bad(fmt.Sprintf("standardize has %d means and %d deviations for %d inputs", len(st["mean"]), len(st["std"]), c.Arch.Inputs), nil)
		}
		c.Std = &data.Standardizer{Mean: st["mean"], Std: st["std"]}
	}
	state := make([]nn.NamedTensor, len(f.Tensors))
	for i, t := range f.Tensors {
		if len(t.Shape) != 2 {
			return c, nil, bad(fmt.Sprintf("tensor %s has shape %v, want 2 dimensions", t.Name, t.Shape), nil)
		}
		state[i] = nn.NamedTensor{Name: t.Name, Shape: backend.Shape{Rows: t.Shape[0], Cols: t.Shape[1]}, Data: t.Data}
	}
	return c, state, nil
}
