package data

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// CheckClassName says what is wrong with a class name (nil: nothing). A
// name is printed, and written to CSV files: it must be valid UTF-8 without
// control characters (C0, DEL, C1: a terminal acts on an escape sequence,
// and CR or LF splits a line). ParseCSV refuses such labels, and a
// checkpoint such class names (nn.Save and nn.Load), so that no command
// prints one. The error quotes a short excerpt.
func CheckClassName(name string) error {
	if !utf8.ValidString(name) {
		return fmt.Errorf("%s is not valid UTF-8", excerpt(name))
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return fmt.Errorf("%s holds control characters (%U)", excerpt(name), r)
		}
	}
	return nil
}

// ErrRealLabels is wrapped by ParseCSV's error for a label that is a
// number but not a whole one: the column holds real-valued targets, which
// CSVOptions.Real reads (a regression).
var ErrRealLabels = errors.New("real-valued targets are read as such for a regression (CSVOptions.Real)")

// maxClasses bounds integer labels, so that a stray large number in the
// label column is an error rather than a one-hot matrix nobody can allocate.
const maxClasses = 1 << 16

// intLabels parses the labels, all numbers (see allNumbers), as class ids:
// each must be an integer in [0, maxClasses).
func (p *csvParser) intLabels() (labels []int, classes int, err error) {
	labels = make([]int, len(p.labels))
	for i, s := range p.labels {
		v, err := strconv.ParseFloat(s, 64)
		if len(s) > 32 {
			s = excerpt(s) // a number, but a long one
		}
		switch {
		case err != nil || !(v >= 0 && v < maxClasses): // NaN and infinities too
			return nil, 0, fmt.Errorf("%s:%d: column %d: label %s outside [0,%d)", p.name, p.lines[i], p.label+1, s, maxClasses)
		case v != math.Trunc(v):
			return nil, 0, fmt.Errorf("%s:%d: column %d: label %s is a number but not an integer: labels are class ids (0, 1, …) or names; is the label column right? (%w)",
				p.name, p.lines[i], p.label+1, s, ErrRealLabels)
		}
		labels[i] = int(v)
		classes = max(classes, labels[i]+1)
	}
	return labels, classes, nil
}

// nameLabels maps the labels to their ranks among the sorted distinct names.
func (p *csvParser) nameLabels() (labels []int, names []string) {
	names = slices.Compact(slices.Sorted(slices.Values(p.labels)))
	labels = make([]int, len(p.labels))
	for i, s := range p.labels {
		labels[i], _ = slices.BinarySearch(names, s)
	}
	return labels, names
}
