package data

import (
	"math"
	"slices"
	"strings"
	"testing"
)

// rows returns a 1-feature set whose feature i is i and label i%classes, so
// that a row can be told from its feature.
func rows(n, classes int) Set {
	s := Set{Name: "rows", Features: 1, Classes: classes, X: make([]float32, n), Labels: make([]int, n)}
	for i := range n {
		s.X[i] = float32(i)
		s.Labels[i] = i % classes
	}
	return s
}

func TestValidate(t *testing.T) {
	nan := float32(math.NaN())
	for i, tc := range []struct {
		name string
		set  Set
		want string // "" for valid
	}{
		{"valid", Set{X: []float32{1, 2, 3, 4}, Labels: []int{0, 1}, Features: 2, Classes: 2}, ""},
		{"valid empty", Set{Features: 3, Classes: 1}, ""},
		{"valid names", Set{X: []float32{1}, Labels: []int{1}, Features: 1, Classes: 2, ClassNames: []string{"a", "b"}}, ""},
		{"no features", Set{Features: 0, Classes: 1}, "0 features"},
		{"no classes", Set{Features: 1, Classes: 0}, "0 classes"},
		{"short X", Set{X: []float32{1, 2, 3}, Labels: []int{0, 1}, Features: 2, Classes: 2}, "3 feature values for 2 samples of 2 features, want 4"},
		{"label too big", Set{X: []float32{1, 2}, Labels: []int{0, 2}, Features: 1, Classes: 2}, "sample 1: label 2 outside [0,2)"},
		{"negative label", Set{X: []float32{1}, Labels: []int{-1}, Features: 1, Classes: 2}, "label -1"},
		{"NaN", Set{X: []float32{1, 2, 3, nan}, Labels: []int{0, 1}, Features: 2, Classes: 2}, "sample 1: feature 1 is NaN"},
		{"Inf", Set{X: []float32{float32(math.Inf(-1))}, Labels: []int{0}, Features: 1, Classes: 1}, "feature 0 is -Inf"},
		{"class names", Set{Features: 1, Classes: 2, ClassNames: []string{"a"}}, "1 class names for 2 classes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.set.Validate()
			if tc.want == "" {
				if err != nil {
					t.Errorf("%d: %v", i, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%d: error %v, want one containing %q", i, err, tc.want)
			}
		})
	}
}

func TestSubset(t *testing.T) {
	s := Set{Name: "s", X: []float32{0, 1, 10, 11, 20, 21}, Labels: []int{0, 1, 2}, Features: 2, Classes: 3, ClassNames: []string{"a", "b", "c"}}
	sub, err := s.Subset([]int{2, 0, 2})
	if err != nil {
		t.Fatal(err)
	}
	if want := []float32{20, 21, 0, 1, 20, 21}; !slices.Equal(sub.X, want) {
		t.Errorf("X = %v, want %v", sub.X, want)
	}
	if want := []int{2, 0, 2}; !slices.Equal(sub.Labels, want) {
		t.Errorf("Labels = %v, want %v", sub.Labels, want)
	}
	if sub.Name != "s" || sub.Features != 2 || sub.Classes != 3 || !slices.Equal(sub.ClassNames, s.ClassNames) {
		t.Errorf("subset %+v lost the set's description", sub)
	}
	sub.X[0], sub.ClassNames[0] = -1, "z"
	if s.X[4] != 20 || s.ClassNames[0] != "a" {
		t.Errorf("Subset shares storage with the original")
	}
	if err := sub.Validate(); err != nil {
		t.Error(err)
	}
}

func TestSplit(t *testing.T) {
	for i, tc := range []struct {
		n           int
		frac        float64
		train, vals int
	}{
		{10, 0, 10, 0},
		{10, 0.2, 8, 2},
		{10, 0.25, 7, 3}, // round(2.5) = 3
		{10, 0.04, 10, 0},
		{300, 0.1, 270, 30},
		{0, 0.5, 0, 0},
	} {
		s := rows(tc.n, 3)
		train, val, err := s.Split(tc.frac, 7)
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		if train.Len() != tc.train || val.Len() != tc.vals {
			t.Errorf("%d: split %d at %v: %d+%d, want %d+%d", i, tc.n, tc.frac, train.Len(), val.Len(), tc.train, tc.vals)
		}
		// Together the two halves hold every row once, each in order.
		all := append(slices.Clone(train.X), val.X...)
		if !slices.IsSorted(train.X) || !slices.IsSorted(val.X) {
			t.Errorf("%d: halves not in the original order", i)
		}
		slices.Sort(all)
		if !slices.Equal(all, s.X) {
			t.Errorf("%d: halves hold %v, want every row once", i, all)
		}
		for k, x := range val.X {
			if val.Labels[k] != int(x)%3 {
				t.Errorf("%d: row %v lost its label", i, x)
			}
		}
	}
}

func TestSplitSeeded(t *testing.T) {
	s := rows(100, 2)
	_, a, _ := s.Split(0.2, 1)
	_, b, _ := s.Split(0.2, 1)
	_, c, _ := s.Split(0.2, 2)
	if !slices.Equal(a.X, b.X) {
		t.Errorf("same seed, different splits: %v, %v", a.X, b.X)
	}
	if slices.Equal(a.X, c.X) {
		t.Errorf("seeds 1 and 2 give the same split %v", a.X)
	}
}

func TestSplitErrors(t *testing.T) {
	for i, tc := range []struct {
		set  Set
		frac float64
		want string
	}{
		{rows(10, 2), 1, "validation fraction 1 outside [0,1)"},
		{rows(10, 2), -0.1, "outside [0,1)"},
		{rows(10, 2), math.NaN(), "outside [0,1)"},
		{rows(10, 2), 0.96, "leaves none to train on"},
		{Set{X: []float32{1}, Labels: []int{0, 1}, Features: 1, Classes: 2}, 0.5, "1 feature values for 2 samples"},
	} {
		if _, _, err := tc.set.Split(tc.frac, 0); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%d: error %v, want one containing %q", i, err, tc.want)
		}
	}
}
