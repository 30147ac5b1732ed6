package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"gltrain/nn"
	"gltrain/nn/data"
)

// The softmax cross-entropy's options: -label-smoothing=EPS and
// -class-weights=balanced|w0,w1,… (nn.CrossEntropyOptions). A checkpoint
// records them (the model's "cross_entropy", and the flags' text among the
// hyperparameters); -resume trains with the recorded ones, and -load and
// -eval take them, as they take -loss, unless -loss, -label-smoothing or
// -class-weights is given.

// ceFlags are the flags of the options.
var ceFlags = []string{"label-smoothing", "class-weights"}

// checkCrossEntropy checks -label-smoothing and -class-weights, given or
// adopted from a checkpoint, against -loss, and writes -class-weights in
// its normal form ("balanced", or the weights as %g, comma-separated).
func (c *config) checkCrossEntropy() error {
	if e := c.labelSmoothing; !(e >= 0 && float32(e) < 1) {
		return fmt.Errorf("invalid value %v for -label-smoothing: want a number in [0, 1)", e)
	}
	if c.labelSmoothing != 0 && float32(c.labelSmoothing) < minNormal32 {
		return fmt.Errorf("invalid value %v for -label-smoothing: want 0, or a number that float32 holds (at least %g)", c.labelSmoothing, minNormal32)
	}
	w, err := parseClassWeights(c.classWeights)
	if err != nil {
		return fmt.Errorf("invalid value %s for -class-weights: %v", excerpt(c.classWeights), err)
	}
	if w != nil {
		c.classWeights = formatWeights(w)
	} else if strings.EqualFold(strings.TrimSpace(c.classWeights), "balanced") {
		c.classWeights = "balanced"
	}
	if (c.labelSmoothing != 0 || c.classWeights != "") && c.loss != nn.SoftmaxCrossEntropy {
		return fmt.Errorf("-label-smoothing and -class-weights are options of -loss=softmax, not -loss=%v", c.loss)
	}
	return nil
}

// parseClassWeights reads -class-weights: "" (none) and "balanced" give
// nil, a list of numbers, each finite and > 0 as a float32 (not
// subnormal), the weights.
func parseClassWeights(s string) ([]float32, error) {
	if t := strings.TrimSpace(s); t == "" || strings.EqualFold(t, "balanced") {
		return nil, nil
	}
	var w []float32
	for i, f := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || !float32Normal(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("weight %d, %s, is not a finite number > 0 that float32 holds (want balanced, or one weight per class: 1,2.5,1)", i, excerpt(strings.TrimSpace(f)))
		}
		w = append(w, float32(v))
	}
	return w, nil
}

// formatWeights writes weights as -class-weights reads them, each the
// shortest text that parses back to its float32.
func formatWeights(w []float32) string {
	s := make([]string, len(w))
	for i, v := range w {
		s[i] = strconv.FormatFloat(float64(v), 'g', -1, 32)
	}
	return strings.Join(s, ",")
}

// takeCrossEntropy makes the checkpoint's options the run's, as its loss
// is, for -load and -eval when none of -loss, -label-smoothing and
// -class-weights is given.
func (c *config) takeCrossEntropy(ck checkpoint) {
	if c.resume != "" || c.given["loss"] || c.given["label-smoothing"] || c.given["class-weights"] {
		return
	}
	// The shortest decimal of the float32, as the flag would give it: the
	// same float32 again, and "0.2" in the training line, not 0.2000000029.
	c.labelSmoothing, _ = strconv.ParseFloat(strconv.FormatFloat(float64(ck.CrossEntropy.LabelSmoothing), 'g', -1, 32), 64)
	c.classWeights = ""
	if ck.CrossEntropy.ClassWeights != nil {
		c.classWeights = formatWeights(ck.CrossEntropy.ClassWeights)
	}
}

// crossEntropy is the run's options for a model of outputs classes trained
// on train: -resume's recorded ones (ck), else the flags', with balanced
// weights computed from the training set (data.BalancedClassWeights). A
// weight count other than the classes, or a class that has no sample, is
// an error of the command line (exit 2).
func (c config) crossEntropy(ck *checkpoint, train data.Set, outputs int) (nn.CrossEntropyOptions, error) {
	if c.resume != "" && ck != nil {
		return ck.CrossEntropy, nil
	}
	o := nn.CrossEntropyOptions{LabelSmoothing: float32(c.labelSmoothing)}
	var err error
	switch c.classWeights {
	case "":
	case "balanced":
		if o.ClassWeights, err = data.BalancedClassWeights(train); err != nil {
			return o, exitCode{2, fmt.Errorf("-class-weights=balanced: %v", err)}
		}
	default:
		if o.ClassWeights, err = parseClassWeights(c.classWeights); err != nil {
			return o, exitCode{2, err} // checked already: not reached
		}
	}
	if o.ClassWeights != nil && len(o.ClassWeights) != outputs {
		return o, exitCode{2, fmt.Errorf("-class-weights=%s gives %d weights, but the model has %d classes: give one per class", excerpt(c.classWeights), len(o.ClassWeights), outputs)}
	}
	return o, nil
}

// ceHyper formats the options for the training line, as the flags that
// give them; "" for none.
func (c config) ceHyper() string {
	s := ""
	if c.labelSmoothing != 0 {
		s += " -label-smoothing=" + strconv.FormatFloat(c.labelSmoothing, 'g', -1, 64)
	}
	if c.classWeights != "" {
		s += " -class-weights=" + c.classWeights
	}
	return s
}

// evaluateOn is nn.Evaluate, with the model's cross-entropy options when
// it has them and the loss is softmax.
func evaluateOn(m *nn.Model, loss nn.Loss, ds *nn.DeviceSet) (float64, float64, error) {
	if loss == nn.SoftmaxCrossEntropy && !m.CrossEntropy.IsZero() {
		return nn.EvaluateCrossEntropy(m, m.CrossEntropy, ds, 0)
	}
	return nn.Evaluate(m, loss, ds, 0)
}

// describeCE is the options for the model line: " (label smoothing 0.1,
// class weights 0.5,2,1)"; "" for none.
func describeCE(o nn.CrossEntropyOptions) string {
	var parts []string
	if o.LabelSmoothing != 0 {
		parts = append(parts, "label smoothing "+strconv.FormatFloat(float64(o.LabelSmoothing), 'g', -1, 32))
	}
	if o.ClassWeights != nil {
		w := formatWeights(o.ClassWeights)
		if len(o.ClassWeights) > 10 {
			w = formatWeights(o.ClassWeights[:10]) + ",…"
		}
		parts = append(parts, "class weights "+w)
	}
	if parts == nil {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// checkCrossEntropy refuses a checkpoint whose recorded -label-smoothing
// and -class-weights disagree with its model's options, which a resumed
// run trains with: it would report the ones and train with the others.
// Values that are no options at all are refused with the other flags'
// (checkAdopted); balanced weights are not recomputed.
func (c checkpoint) checkCrossEntropy() error {
	field := func(key, format string, args ...any) error {
		return fmt.Errorf("__metadata__ \"meta\" %q: %s", key, fmt.Sprintf(format, args...))
	}
	o := c.CrossEntropy
	if s, ok := c.Hyper["label-smoothing"]; ok {
		if e, err := strconv.ParseFloat(s, 64); err == nil && e >= 0 && float32(e) < 1 && float32(e) != o.LabelSmoothing {
			return field("label-smoothing", "%s, but the model's label smoothing is %v", excerpt(s), o.LabelSmoothing)
		}
	}
	s, ok := c.Hyper["class-weights"]
	if !ok {
		return nil
	}
	w, err := parseClassWeights(s)
	switch {
	case err != nil:
		return nil
	case s == "" && o.ClassWeights != nil, s == "balanced" && o.ClassWeights == nil,
		w != nil && formatWeights(w) != formatWeights(o.ClassWeights):
		return field("class-weights", "%s, but the model's class weights are %s", excerpt(s), excerpt(formatWeights(o.ClassWeights)))
	}
	return nil
}
