package data

import (
	"strings"
	"testing"
)

func mustFit(t *testing.T, s Set) Standardizer {
	t.Helper()
	st, err := FitStandardizer(s)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func mustApply(t *testing.T, st Standardizer, s Set) Set {
	t.Helper()
	out, err := st.Apply(s)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestOutOfRangeIsAnError: Row, Subset, FitStandardizer and Apply return
// an error for an index out of range, a standardizer of another width and a
// set whose X disagrees with its Features, instead of panicking.
func TestOutOfRangeIsAnError(t *testing.T) {
	s := Set{Name: "s", X: []float32{0, 1, 10, 11}, Labels: []int{0, 1}, Features: 2, Classes: 2}
	short := Set{Name: "short", X: []float32{0, 1, 10}, Labels: []int{0, 1}, Features: 2, Classes: 2}
	st := mustFit(t, s)
	for _, tc := range []struct {
		name string
		f    func() error
		want string
	}{
		{"row 2", func() error { _, err := s.Row(2); return err }, `data: set "s": row 2 of 2`},
		{"row -1", func() error { _, err := s.Row(-1); return err }, `row -1 of 2`},
		{"row of short", func() error { _, err := short.Row(1); return err }, `3 feature values for 2 samples of 2 features`},
		{"subset", func() error { _, err := s.Subset([]int{1, 2}); return err }, `data: subset of "s": index 1 is 2, outside [0,2)`},
		{"subset -1", func() error { _, err := s.Subset([]int{-1}); return err }, `index 0 is -1`},
		{"subset of short", func() error { _, err := short.Subset([]int{0}); return err }, `3 feature values`},
		{"fit short", func() error { _, err := FitStandardizer(short); return err }, `data: fit standardizer: set "short": 3 feature values`},
		{"apply wider", func() error {
			_, err := st.Apply(Set{Name: "w", X: []float32{1, 2, 3}, Labels: []int{0}, Features: 3, Classes: 1})
			return err
		}, `data: standardize "w": the standardizer has 2 means and 2 deviations for 3 features`},
		{"apply short", func() error { _, err := st.Apply(short); return err }, `data: standardize: set "short": 3 feature values`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.f()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	if r, err := s.Row(1); err != nil || r[0] != 10 || r[1] != 11 {
		t.Errorf("Row(1) = %v, %v", r, err)
	}
}
