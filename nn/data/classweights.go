package data

import "fmt"

// BalancedClassWeights returns one weight per class of s that balances the
// classes in a weighted loss (nn.CrossEntropyOptions.ClassWeights), as
// scikit-learn's compute_class_weight("balanced") and Keras's habit make
// them: with n samples, C = s.Classes and count_c the samples of class c,
//
//	w_c = n / (C · count_c)
//
// computed in float64 and rounded once to float32. A class with no sample
// in s is an error naming it, as scikit-learn's ("classes should have
// valid labels that are in y"): its weight would be infinite. So is a set
// of real-valued targets, an empty set, or a label outside [0, Classes).
func BalancedClassWeights(s Set) ([]float32, error) {
	switch {
	case s.Regression():
		return nil, fmt.Errorf("data: balanced class weights: set %q holds real-valued targets, not class labels", s.Name)
	case len(s.Labels) == 0 || s.Classes < 1:
		return nil, fmt.Errorf("data: balanced class weights: set %q has no samples or no classes (%d samples, %d classes)", s.Name, len(s.Labels), s.Classes)
	}
	counts := make([]int, s.Classes)
	for i, y := range s.Labels {
		if y < 0 || y >= s.Classes {
			return nil, fmt.Errorf("data: balanced class weights: set %q: sample %d has label %d, want 0 to %d", s.Name, i, y, s.Classes-1)
		}
		counts[y]++
	}
	n, c := float64(len(s.Labels)), float64(s.Classes)
	w := make([]float32, s.Classes)
	for k, count := range counts {
		if count == 0 {
			return nil, fmt.Errorf("data: balanced class weights: set %q has no sample of class %s, whose weight n/(C·count) would be infinite", s.Name, s.className(k))
		}
		w[k] = float32(n / (c * float64(count)))
	}
	return w, nil
}

// className is class k's name, quoted, with its number, or its number alone.
func (s Set) className(k int) string {
	if k < len(s.ClassNames) && s.ClassNames[k] != "" {
		return fmt.Sprintf("%d (%q)", k, s.ClassNames[k])
	}
	return fmt.Sprint(k)
}
