package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"gltrain/nn"
	"gltrain/nn/data"
)

// checkpoint is what the command reads of a saved model before building
// it (nn.ReadInfo): the model's spec, how to prepare its data, and the run's
// hyperparameters. The command keeps its own fields in the model's Meta:
// "data" (the -data it was trained on: a CSV file's absolute path, with its
// size and SHA-256 in "data-size" and "data-sha256", dataid.go) and the
// hyperparameters (hyperKeys).
type checkpoint struct {
	Spec       nn.Spec
	Loss       nn.Loss
	Data       string    // -data: a data set's name, or a CSV file's path (absolute since DataFile is recorded)
	DataFile   *dataFile // the CSV file's size and hash; nil when not recorded (older checkpoints)
	Features   int
	Classes    int
	ClassNames []string
	Std        *data.Standardizer
	Epochs     int // epochs trained
	Steps      int
	Optimizer  bool // optimiser state saved: -resume can continue the run
	Hyper      map[string]string
	OptKind    string // the optimiser state's kind (nn.Info.Optimizer)
	// Regression: the model predicts real-valued targets, named by
	// TargetNames (Meta "task" and "targets", regression.go).
	Regression  bool
	TargetNames []string
	// CrossEntropy is the model's label smoothing and class weights.
	CrossEntropy nn.CrossEntropyOptions
}

// hyperKeys are the hyperparameters a checkpoint records, as flag names.
var hyperKeys = append([]string{"layers", "loss", "opt", "momentum", "lr", "wd", "wd-norms", "schedule", "warmup", "clip", "plateau", "batch", "epochs", "seed", "val", "label-col"}, ceFlags...)

// validate checks the command's own fields (the library checks the rest).
// The error names the field and quotes at most a short excerpt.
func (c checkpoint) validate() error {
	field := func(key, format string, args ...any) error {
		return fmt.Errorf("__metadata__ \"meta\" %q: %s", key, fmt.Sprintf(format, args...))
	}
	switch {
	case c.Data == "":
		return field("data", "missing or empty")
	case len(c.Data) > maxPath:
		return field("data", "%s is %d bytes, longer than a path can be", excerpt(c.Data), len(c.Data))
	case !printablePath(c.Data):
		return field("data", "%s holds control characters or is not UTF-8", excerpt(c.Data))
	case !contains(dataNames, c.Data) && !isCSV(c.Data) && !isText(c.Data):
		return field("data", "%s is neither a data set (%s) nor a .csv file", excerpt(c.Data), strings.Join(dataNames, ", "))
	case c.Classes < 2 && !c.Regression: // the classes are the model's outputs, not a field of "meta"
		return fmt.Errorf("__metadata__ \"model\": %d outputs, want at least 2 (one per class)", c.Classes)
	}
	// The run's recorded flags must agree with what the file holds: a
	// resumed run would train with the state's optimiser and the model's
	// loss while reporting (and saving) the others.
	// Values that are no loss or optimiser at all are refused with the
	// other flags' values (checkAdopted).
	if l, err := nn.ParseLoss(c.Hyper["loss"]); err == nil && l != c.Loss {
		return field("loss", "%s, but the model's loss is %v", excerpt(c.Hyper["loss"]), c.Loss)
	}
	if s := strings.ToLower(c.Hyper["opt"]); contains(nn.OptimizerNames, s) && c.OptKind != "" && s != c.OptKind {
		return field("opt", "%s, but the optimiser state is %s's", excerpt(s), c.OptKind)
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

// saveCheckpoint writes the model, with the run's state when st is set, to
// path atomically (nn.Save): an interrupted save leaves the previous file
// whole, and weights that are NaN or infinite are not saved over it
// (*nn.NonFiniteWeightsError).
func saveCheckpoint(path string, m *nn.Model, st *nn.TrainState) error {
	return nn.Save(path, m, st)
}

// loadCheckpoint reads a checkpoint's header and checks its tensors
// against its layers, building nothing. Errors name the file and the field.
func loadCheckpoint(path string) (checkpoint, error) {
	info, err := nn.ReadInfo(path)
	if err != nil {
		return checkpoint{}, err
	}
	c := checkpoint{Spec: info.Spec, Loss: info.Loss, Data: info.Meta["data"], Features: info.Spec.Inputs,
		Classes: info.Spec.Outputs, ClassNames: info.ClassNames, Std: info.Standardizer,
		Epochs: info.Epochs, Steps: info.Steps, Optimizer: info.HasOptimizer, OptKind: info.Optimizer, Hyper: info.Meta,
		CrossEntropy: info.CrossEntropy}
	if err := errors.Join(c.readTask(info.Meta), c.validate(), c.checkCrossEntropy()); err != nil {
		return c, fmt.Errorf("%s: not a usable gltrain checkpoint: %w", path, err)
	}
	if c.DataFile, err = recordedFile(info.Meta); err == nil && c.DataFile != nil && !isCSV(c.Data) {
		err = fmt.Errorf("__metadata__ \"meta\" %q: recorded for %s, which is not a CSV file", metaDataSHA256, excerpt(c.Data))
	}
	if err != nil {
		return c, fmt.Errorf("%s: not a usable gltrain checkpoint: %w", path, err)
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
