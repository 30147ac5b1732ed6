package data

import (
	"fmt"
	"math"
)

// checkTargetShape reports whether the targets agree with Outputs: a set
// of targets (Outputs > 0) has whole rows of them and no labels; a set of
// labels has no targets. The error has no package prefix.
func (s Set) checkTargetShape() error {
	switch {
	case s.Outputs < 0:
		return fmt.Errorf("set %q: %d outputs, want 0 (class labels) or more", s.Name, s.Outputs)
	case s.Outputs == 0 && len(s.Targets) > 0:
		return fmt.Errorf("set %q: %d targets but Outputs 0: a set of targets says how many a row has", s.Name, len(s.Targets))
	case s.Outputs > 0 && len(s.Labels) > 0:
		return fmt.Errorf("set %q: both class labels and %d targets per row: a set holds one or the other", s.Name, s.Outputs)
	case s.Outputs > 0 && len(s.Targets)%s.Outputs != 0:
		return fmt.Errorf("set %q: %d target values are not whole rows of %d", s.Name, len(s.Targets), s.Outputs)
	}
	return nil
}

// validateTargets is Validate for a set of targets: finite features and
// targets, and TargetNames nil or one per output.
func (s Set) validateTargets() error {
	if s.TargetNames != nil && len(s.TargetNames) != s.Outputs {
		return fmt.Errorf("data: set %q: %d target names for %d targets", s.Name, len(s.TargetNames), s.Outputs)
	}
	for k, v := range s.Targets {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("data: set %q: sample %d: target %d is %v", s.Name, k/s.Outputs, k%s.Outputs, v)
		}
	}
	for k, v := range s.X {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("data: set %q: sample %d: feature %d is %v", s.Name, k/s.Features, k%s.Features, v)
		}
	}
	return nil
}

// subsetTargets returns the target rows idx (in range), nil for a set of
// labels.
func (s Set) subsetTargets(idx []int) []float32 {
	if !s.Regression() {
		return nil
	}
	out := make([]float32, 0, len(idx)*s.Outputs)
	for _, i := range idx {
		out = append(out, s.Targets[i*s.Outputs:(i+1)*s.Outputs]...)
	}
	return out
}

// CheckUnitTargets returns an error naming the first target of s outside
// [0, 1], which binary cross-entropy (multi-label targets) needs; nil for a
// set of labels.
func CheckUnitTargets(s Set) error {
	for k, v := range s.Targets {
		if !(v >= 0 && v <= 1) {
			return fmt.Errorf("data: set %q: sample %d: target %d is %v, outside [0,1] (binary cross-entropy takes probabilities: 0/1 labels per column)", s.Name, k/s.Outputs, k%s.Outputs, v)
		}
	}
	return nil
}
