package data

import (
	"fmt"
	"math"
	"slices"

	"gltrain/backend"
)

// Set is a labelled data set: Len() rows of Features float32 features each,
// stored row-major in X, and either one class label per row in Labels or,
// for regression and multi-label data (Outputs > 0), Outputs real-valued
// targets per row in Targets:
//
//	X[i*Features+j] is feature j of sample i, Labels[i] ∈ [0, Classes)
//	Targets[i*Outputs+k] is target k of sample i (Labels nil, Classes 0)
//
// ClassNames, when not nil, names each class id (CSV files with string
// labels fill it). A Set is a plain value: its methods never modify it, and
// the ones returning a Set return fresh slices.
type Set struct {
	Name       string    // what the data is, for messages ("spiral", "mnist-train", "iris.csv")
	X          []float32 // Len()×Features, row-major
	Labels     []int     // class of each row
	Features   int       // columns of X
	Classes    int       // labels lie in [0, Classes)
	ClassNames []string  // optional: ClassNames[c] names class c

	// Targets holds the real-valued targets, Len()×Outputs row-major, of a
	// regression or multi-label set (Outputs > 0), which has no Labels.
	Targets     []float32
	Outputs     int      // target columns; 0 for a set of class labels
	TargetNames []string // optional: TargetNames[k] names target k (a CSV header's)

	// exact, when it has len(X) values, is X before rounding to float32
	// (ParseCSV keeps it): FitStandardizer and Apply use it, so that a
	// feature such as 1e8 + label keeps its spread. Subset and Split carry
	// it; Apply drops it.
	exact []float64
}

// value returns feature k of X (row-major index), in full precision when
// the set has it.
func (s Set) value(k int) float64 {
	if len(s.exact) == len(s.X) {
		return s.exact[k]
	}
	return float64(s.X[k])
}

// Len returns the number of samples: len(s.Labels), or for a set of
// targets (Outputs > 0) len(s.Targets)/Outputs.
func (s Set) Len() int {
	if s.Outputs > 0 {
		return len(s.Targets) / s.Outputs
	}
	return len(s.Labels)
}

// Regression reports whether the set holds real-valued targets (Outputs >
// 0) rather than class labels.
func (s Set) Regression() bool { return s.Outputs > 0 }

// Row returns the features of sample i, a slice of s.X (not a copy). It
// returns an error if i is out of range or X and Labels disagree with
// Features.
func (s Set) Row(i int) ([]float32, error) {
	if err := s.checkShape(); err != nil {
		return nil, fmt.Errorf("data: row: %w", err)
	}
	if i < 0 || i >= s.Len() {
		return nil, fmt.Errorf("data: set %q: row %d of %d", s.Name, i, s.Len())
	}
	return s.row(i), nil
}

// row is Row for an i in range of a consistent set.
func (s Set) row(i int) []float32 {
	return s.X[i*s.Features : (i+1)*s.Features : (i+1)*s.Features]
}

// Validate reports the first inconsistency in s: Features or Classes below 1,
// len(X) ≠ Len()×Features, a label outside [0, Classes), a feature that is NaN
// or infinite, or ClassNames of the wrong length; or Classes above MaxClasses.
func (s Set) Validate() error {
	if err := s.checkShape(); err != nil {
		return fmt.Errorf("data: %w", err)
	}
	if s.Regression() {
		return s.validateTargets()
	}
	if s.Classes < 1 || s.Classes > MaxClasses {
		return fmt.Errorf("data: set %q: %d classes, want 1 to %d (labels travel as float32, whose whole numbers are exact to 2^24)", s.Name, s.Classes, MaxClasses)
	}
	if s.ClassNames != nil && len(s.ClassNames) != s.Classes {
		return fmt.Errorf("data: set %q: %d class names for %d classes", s.Name, len(s.ClassNames), s.Classes)
	}
	for i, l := range s.Labels {
		if l < 0 || l >= s.Classes {
			return fmt.Errorf("data: set %q: sample %d: label %d outside [0,%d)", s.Name, i, l, s.Classes)
		}
	}
	for k, v := range s.X {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("data: set %q: sample %d: feature %d is %v", s.Name, k/s.Features, k%s.Features, v)
		}
	}
	return nil
}

// checkShape reports whether X and Labels agree with Features, in an error
// without the package prefix.
func (s Set) checkShape() error {
	if s.Features < 1 {
		return fmt.Errorf("set %q: %d features, want at least 1", s.Name, s.Features)
	}
	if err := s.checkTargetShape(); err != nil {
		return err
	}
	if len(s.X) != s.Len()*s.Features {
		return fmt.Errorf("set %q: %d feature values for %d samples of %d features, want %d",
			s.Name, len(s.X), s.Len(), s.Features, s.Len()*s.Features)
	}
	return nil
}

// Subset returns a new set holding the samples idx, in that order (indices may
// repeat). It copies the rows (features, and labels or targets); Name,
// Features, Classes, ClassNames, Outputs and TargetNames are kept.
// It returns an error if an index is out of range or X and Labels disagree
// with Features.
func (s Set) Subset(idx []int) (Set, error) {
	if err := s.checkShape(); err != nil {
		return Set{}, fmt.Errorf("data: subset: %w", err)
	}
	for k, i := range idx {
		if i < 0 || i >= s.Len() {
			return Set{}, fmt.Errorf("data: subset of %q: index %d is %d, outside [0,%d)", s.Name, k, i, s.Len())
		}
	}
	out := s
	out.X = make([]float32, 0, len(idx)*s.Features)
	if !s.Regression() {
		out.Labels = make([]int, len(idx))
	}
	for k, i := range idx {
		out.X = append(out.X, s.row(i)...)
		if !s.Regression() {
			out.Labels[k] = s.Labels[i]
		}
	}
	out.Targets = s.subsetTargets(idx)
	out.TargetNames = slices.Clone(s.TargetNames)
	out.exact = nil
	if len(s.exact) == len(s.X) && s.exact != nil {
		out.exact = make([]float64, 0, len(idx)*s.Features)
		for _, i := range idx {
			out.exact = append(out.exact, s.exact[i*s.Features:(i+1)*s.Features]...)
		}
	}
	out.ClassNames = slices.Clone(s.ClassNames)
	return out, nil
}

// Split divides s at random into a training and a validation set: the
// validation set gets round(valFraction·Len()) samples, the training set the
// rest, each kept in the original order. The permutation comes from
// backend.NewRand(seed). valFraction 0 gives an empty validation set (and a
// training set equal to s). It returns an error if valFraction is outside
// [0, 1), if it would leave the training set empty, or if s is inconsistent.
func (s Set) Split(valFraction float64, seed uint64) (train, val Set, err error) {
	if err := s.checkShape(); err != nil {
		return Set{}, Set{}, fmt.Errorf("data: split: %w", err)
	}
	if !(valFraction >= 0 && valFraction < 1) {
		return Set{}, Set{}, fmt.Errorf("data: split %q: validation fraction %v outside [0,1)", s.Name, valFraction)
	}
	n := s.Len()
	nVal := int(math.Round(valFraction * float64(n)))
	if n > 0 && nVal >= n {
		return Set{}, Set{}, fmt.Errorf("data: split %q: validation fraction %v of %d samples leaves none to train on", s.Name, valFraction, n)
	}
	perm := backend.NewRand(seed).Perm(n)
	valIdx, trainIdx := perm[:nVal], perm[nVal:]
	slices.Sort(valIdx)
	slices.Sort(trainIdx)
	if train, err = s.Subset(trainIdx); err == nil {
		val, err = s.Subset(valIdx)
	}
	return train, val, err
}

// MaxClasses bounds a set's classes: labels go to the device as float32,
// which rounds whole numbers above 2^24 (16777217 becomes 16777216).
const MaxClasses = 1 << 24
