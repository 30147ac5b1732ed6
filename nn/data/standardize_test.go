package data

import (
	"math"
	"slices"
	"testing"
)

func TestFitStandardizer(t *testing.T) {
	for i, tc := range []struct {
		name      string
		set       Set
		mean, std []float64
	}{
		{
			// feature 0: 1, 3, 5: mean 3, variance (4+0+4)/3; feature 1 constant.
			name: "hand computed",
			set:  Set{X: []float32{1, 5, 3, 5, 5, 5}, Labels: []int{0, 0, 1}, Features: 2, Classes: 2},
			mean: []float64{3, 5}, std: []float64{math.Sqrt(8.0 / 3), 1},
		},
		{
			name: "one sample",
			set:  Set{X: []float32{-2, 7}, Labels: []int{0}, Features: 2, Classes: 1},
			mean: []float64{-2, 7}, std: []float64{1, 1},
		},
		{
			name: "empty",
			set:  Set{Features: 3, Classes: 1},
			mean: []float64{0, 0, 0}, std: []float64{1, 1, 1},
		},
		{
			name: "constant non-representable value",
			set:  Set{X: []float32{0.1, 0.1, 0.1}, Labels: []int{0, 0, 0}, Features: 1, Classes: 1},
			mean: []float64{float64(float32(0.1))}, std: []float64{1},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := mustFit(t, tc.set)
			if !slices.Equal(st.Mean, tc.mean) || !slices.Equal(st.Std, tc.std) {
				t.Errorf("%d: got mean %v std %v, want %v %v", i, st.Mean, st.Std, tc.mean, tc.std)
			}
		})
	}
}

// TestStandardizerApply checks that the training statistics are applied to
// another split, that the input is untouched, and that the training split
// comes out with mean 0 and standard deviation 1.
func TestStandardizerApply(t *testing.T) {
	train := Set{X: []float32{1, 5, 3, 5, 5, 5}, Labels: []int{0, 0, 1}, Features: 2, Classes: 2}
	val := Set{X: []float32{3, 6}, Labels: []int{1}, Features: 2, Classes: 2}
	st := mustFit(t, train)
	got := mustApply(t, st, val)
	if want := []float32{0, 1}; !slices.Equal(got.X, want) {
		t.Errorf("Apply(val).X = %v, want %v (train statistics)", got.X, want)
	}
	if val.X[1] != 6 {
		t.Errorf("Apply modified its input")
	}
	z := mustApply(t, st, train)
	check := mustFit(t, z)
	for j := range 2 {
		if math.Abs(float64(check.Mean[j])) > 1e-6 || math.Abs(float64(check.Std[j])-1) > 1e-6 {
			t.Errorf("feature %d after standardising: mean %v std %v, want 0 and 1", j, check.Mean[j], check.Std[j])
		}
	}
}
