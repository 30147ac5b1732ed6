package data

import (
	"fmt"
	"math"
	"slices"
)

// Standardizer maps each feature to zero mean and unit variance, in float64:
//
//	x'[j] = float32((x[j] - Mean[j]) / Std[j])
//
// Fit it on the training split only (FitStandardizer) and Apply it to every
// split, so that no statistic of the validation or test data leaks into
// training.
type Standardizer struct {
	Mean, Std []float64 // one per feature; Std is never 0
}

// FitStandardizer returns the per-feature mean and population standard
// deviation of s, computed in float64 from the set's full-precision values
// when it has them (a CSV file's), else from X:
//
//	Mean[j] = Σ_i x[i][j] / n
//	Std[j]  = sqrt(Σ_i (x[i][j] - Mean[j])² / n)
//
// A feature with standard deviation 0 (constant, or an empty set) gets Std 1,
// so Apply only centres it instead of dividing by zero. It returns an error
// if X and Labels disagree with Features.
func FitStandardizer(s Set) (Standardizer, error) {
	if err := s.checkShape(); err != nil {
		return Standardizer{}, fmt.Errorf("data: fit standardizer: %w", err)
	}
	f, n := s.Features, s.Len()
	st := Standardizer{Mean: make([]float64, f), Std: make([]float64, f)}
	for k := range n * f {
		st.Mean[k%f] += s.value(k)
	}
	for j := range st.Mean {
		if n > 0 {
			st.Mean[j] /= float64(n)
		}
	}
	for k := range n * f {
		d := s.value(k) - st.Mean[k%f]
		st.Std[k%f] += d * d
	}
	for j, sq := range st.Std {
		sd := 0.0
		if n > 0 {
			sd = math.Sqrt(sq / float64(n))
		}
		if !(sd > 0) {
			sd = 1
		}
		st.Std[j] = sd
	}
	return st, nil
}

// Apply returns a copy of s with every feature standardised, computed in
// float64 from the set's full-precision values when it has them and rounded
// to float32 last; s is unchanged. It returns an error if st does not
// have one mean and one deviation per feature of s (it was fitted on a set
// of another width), or if X and Labels disagree with Features.
func (st Standardizer) Apply(s Set) (Set, error) {
	if err := s.checkShape(); err != nil {
		return Set{}, fmt.Errorf("data: standardize: %w", err)
	}
	if len(st.Mean) != s.Features || len(st.Std) != s.Features {
		return Set{}, fmt.Errorf("data: standardize %q: the standardizer has %d means and %d deviations for %d features", s.Name, len(st.Mean), len(st.Std), s.Features)
	}
	out := s
	out.X = make([]float32, len(s.X))
	for k := range s.X {
		j := k % s.Features
		out.X[k] = float32((s.value(k) - st.Mean[j]) / st.Std[j])
	}
	out.exact = nil
	out.Labels = slices.Clone(s.Labels)
	out.Targets = slices.Clone(s.Targets) // targets stay raw
	out.TargetNames = slices.Clone(s.TargetNames)
	out.ClassNames = slices.Clone(s.ClassNames)
	return out, nil
}
