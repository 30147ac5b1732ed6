package data

import (
	"fmt"
	"math"
	"slices"
)

// Standardizer maps each feature to zero mean and unit variance:
//
//	x'[j] = (x[j] - Mean[j]) / Std[j]
//
// Fit it on the training split only (FitStandardizer) and Apply it to every
// split, so that no statistic of the validation or test data leaks into
// training.
type Standardizer struct {
	Mean, Std []float32 // one per feature; Std is never 0
}

// FitStandardizer returns the per-feature mean and population standard
// deviation of s (accumulated in float64):
//
//	Mean[j] = Σ_i x[i][j] / n
//	Std[j]  = sqrt(Σ_i (x[i][j] - Mean[j])² / n)
//
// A feature with standard deviation 0 (constant, or an empty set) gets Std 1,
// so Apply only centres it instead of dividing by zero. FitStandardizer
// trusts s to be consistent (see Validate): it panics if X is shorter than
// Len()×Features.
func FitStandardizer(s Set) Standardizer {
	f := s.Features
	sum := make([]float64, f)
	for i := 0; i < s.Len(); i++ {
		for j, v := range s.Row(i) {
			sum[j] += float64(v)
		}
	}
	st := Standardizer{Mean: make([]float32, f), Std: make([]float32, f)}
	n := float64(s.Len())
	mean := make([]float64, f)
	for j := range mean {
		if n > 0 {
			mean[j] = sum[j] / n
		}
		st.Mean[j] = float32(mean[j])
		sum[j] = 0
	}
	for i := 0; i < s.Len(); i++ {
		for j, v := range s.Row(i) {
			d := float64(v) - mean[j]
			sum[j] += d * d
		}
	}
	for j := range st.Std {
		sd := 0.0
		if n > 0 {
			sd = math.Sqrt(sum[j] / n)
		}
		if !(sd > 0) || float32(sd) == 0 {
			sd = 1
		}
		st.Std[j] = float32(sd)
	}
	return st
}

// Apply returns a copy of s with every feature standardised; s is unchanged.
// It panics if st was fitted on a set with a different number of features.
func (st Standardizer) Apply(s Set) Set {
	if len(st.Mean) != s.Features || len(st.Std) != s.Features {
		panic(fmt.Sprintf("data: standardizer of %d features applied to set %q of %d", len(st.Mean), s.Name, s.Features))
	}
	out := s
	out.X = make([]float32, len(s.X))
	for k, v := range s.X {
		j := k % s.Features
		out.X[k] = (v - st.Mean[j]) / st.Std[j]
	}
	out.Labels = slices.Clone(s.Labels)
	out.ClassNames = slices.Clone(s.ClassNames)
	return out
}
