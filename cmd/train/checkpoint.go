package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

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
		std, err := json.Marshal(map[string][]float64{"mean": c.Std.Mean, "std": c.Std.Std})
		if err != nil {
			return nil, err
		}
		md["standardize"] = string(std)
	}
	return md, nil
}

// validate checks every field as loadCheckpoint does after parsing them:
// saveCheckpoint calls it too, so that what saves also loads. The error
// names the field (its __metadata__ key) and quotes at most a short excerpt.
func (c checkpoint) validate() error {
	field := func(key, format string, args ...any) error {
		return fmt.Errorf("__metadata__ %q: %s", key, fmt.Sprintf(format, args...))
	}
	if err := c.Arch.Validate(); err != nil {
		return field("arch", "%v", err)
	}
	switch {
	case c.Data == "":
		return field("data", "empty")
	case len(c.Data) > maxPath:
		return field("data", "%s is %d bytes, longer than a path can be", excerpt(c.Data), len(c.Data))
	case !printablePath(c.Data):
		return field("data", "%s holds control characters or is not UTF-8", excerpt(c.Data))
	case !contains(dataNames, c.Data) && !isCSV(c.Data):
		return field("data", "%s is neither a data set (%s) nor a .csv file", excerpt(c.Data), strings.Join(dataNames, ", "))
	case c.Features < 1:
		return field("features", "%d, want at least 1", c.Features)
	case c.Features != c.Arch.Inputs:
		return field("features", "%d, but the arch takes %d inputs", c.Features, c.Arch.Inputs)
	case c.Classes < 2:
		return field("classes", "%d, want at least 2", c.Classes)
	case c.Classes != c.Arch.Outputs:
		return field("classes", "%d, but the arch has %d outputs", c.Classes, c.Arch.Outputs)
	case c.Epochs < 0:
		return field("epochs", "%d, want 0 or more", c.Epochs)
	case c.ClassNames != nil && len(c.ClassNames) != c.Classes:
		return field("class_names", "%d names for %d classes", len(c.ClassNames), c.Classes)
	}
	seen := make(map[string]bool, len(c.ClassNames))
	for i, n := range c.ClassNames {
		switch {
		case n == "":
			return field("class_names", "name %d is empty", i)
		case seen[n]:
			return field("class_names", "%s appears twice", excerpt(n))
		}
		seen[n] = true
	}
	if c.Std == nil {
		return nil
	}
	if len(c.Std.Mean) != c.Features || len(c.Std.Std) != c.Features {
		return field("standardize", "%d means and %d deviations for %d features", len(c.Std.Mean), len(c.Std.Std), c.Features)
	}
	for j := range c.Std.Mean {
		if m, s := c.Std.Mean[j], c.Std.Std[j]; math.IsNaN(m) || math.IsInf(m, 0) {
			return field("standardize", "mean of feature %d is %v, want a finite number", j, m)
		} else if !(s > 0) || math.IsInf(s, 0) {
			return field("standardize", "deviation of feature %d is %v, want a finite number > 0", j, s)
		}
	}
	return nil
}

// excerpt quotes s for a message, cut to 32 bytes: a checkpoint's field
// can be long.
func excerpt(s string) string {
	if len(s) <= 32 {
		return strconv.Quote(s)
	}
	return strconv.Quote(strings.ToValidUTF8(s[:32], "")) + "…"
}

// maxPath is the longest path a file can be opened by (Linux's PATH_MAX).
const maxPath = 4096

// shorten cuts the message of err, which may quote a field of a checkpoint,
// to 120 bytes.
func shorten(err error) error {
	if msg := err.Error(); len(msg) > 120 {
		return errors.New(strings.ToValidUTF8(msg[:120], "") + "…")
	}
	return err
}

// defaults makes the checkpoint's data set the default of -data, with that
// data set's presets for the flags left unset (they were set from the
// default -data when the flags were parsed).
func (c checkpoint) defaults(cfg *config) {
	if cfg.given["data"] {
		return
	}
	cfg.data = c.Data
	p := presetFor(cfg.data)
	if !cfg.given["epochs"] {
		cfg.epochs = p.epochs
	}
	if !cfg.given["batch"] {
		cfg.batch = p.batch
	}
	if !cfg.given["lr"] {
		cfg.lr = p.lr
	}
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
	if err := c.validate(); err != nil { // what saves must load
		return fmt.Errorf("save %s: %w", path, err)
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

// loadCheckpoint reads a checkpoint: its metadata and weights. Every
// metadata field is parsed strictly and validated (see validate); errors name
// the file and the field.
func loadCheckpoint(path string) (checkpoint, []nn.NamedTensor, error) {
	var c checkpoint
	f, err := safetensors.ReadFile(path)
	if err != nil {
		return c, nil, err
	}
	bad := func(err error) error {
		return fmt.Errorf("%s: not a usable gltrain checkpoint: %w", path, err)
	}
	if c, err = parseMetadata(f.Metadata); err != nil {
		return c, nil, bad(err)
	}
	if err := c.validate(); err != nil {
		return c, nil, bad(err)
	}
	state := make([]nn.NamedTensor, len(f.Tensors))
	for i, t := range f.Tensors {
		if len(t.Shape) != 2 {
			return c, nil, bad(fmt.Errorf("tensor %s has %d dimensions, want 2", excerpt(t.Name), len(t.Shape)))
		}
		state[i] = nn.NamedTensor{Name: t.Name, Shape: backend.Shape{Rows: t.Shape[0], Cols: t.Shape[1]}, Data: t.Data}
	}
	return c, state, nil
}

// parseMetadata parses the fields of a checkpoint's __metadata__; validate
// checks their values.
func parseMetadata(md map[string]string) (checkpoint, error) {
	var c checkpoint
	field := func(key string, err error) error {
		return fmt.Errorf("__metadata__ %q: %w", key, err)
	}
	if md["format"] != formatName {
		return c, fmt.Errorf("__metadata__ format is %s, want %q", excerpt(md["format"]), formatName)
	}
	if err := json.Unmarshal([]byte(md["arch"]), &c.Arch); err != nil {
		return c, field("arch", shorten(err))
	}
	var err error
	if c.Loss, err = nn.ParseLoss(md["loss"]); err != nil {
		return c, field("loss", err)
	}
	c.Data = md["data"]
	for _, f := range []struct {
		key string
		v   *int
	}{{"features", &c.Features}, {"classes", &c.Classes}, {"epochs", &c.Epochs}} {
		s, ok := md[f.key]
		if !ok {
			return c, field(f.key, errors.New("missing"))
		}
		if *f.v, err = strconv.Atoi(s); err != nil {
			return c, field(f.key, fmt.Errorf("%s is not an integer", excerpt(s)))
		}
	}
	if s, ok := md["class_names"]; ok {
		if err := json.Unmarshal([]byte(s), &c.ClassNames); err != nil {
			return c, field("class_names", shorten(err))
		}
		if c.ClassNames == nil {
			return c, field("class_names", errors.New("null, want a list of names"))
		}
	}
	if s, ok := md["standardize"]; ok {
		var st struct{ Mean, Std []float64 }
		dec := json.NewDecoder(strings.NewReader(s))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&st); err != nil {
			return c, field("standardize", shorten(err)) // an unknown field is quoted whole
		}
		c.Std = &data.Standardizer{Mean: st.Mean, Std: st.Std}
	}
	return c, nil
}

// printablePath reports whether p is valid UTF-8 without control
// characters: a path the command may print, and store in a checkpoint's
// metadata (which must be UTF-8), without a terminal acting on it.
func printablePath(p string) bool {
	if !utf8.ValidString(p) {
		return false
	}
	for _, r := range p {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}
