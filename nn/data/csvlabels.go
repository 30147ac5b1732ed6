package data

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
)

// maxClasses bounds integer labels, so that a stray large number in the
// label column is an error rather than a one-hot matrix nobody can allocate.
const maxClasses = 1 << 16

// errNotInts says that some label is not an integer.
var errNotInts = errors.New("labels are not all integers")

// intLabels parses the labels as class ids; errNotInts if one is not an
// integer.
func (p *csvParser) intLabels() (labels []int, classes int, err error) {
	labels = make([]int, len(p.labels))
	for i, s := range p.labels {
		v, err := strconv.Atoi(s)
		if err != nil {
			return nil, 0, errNotInts
		}
		labels[i] = v
	}
	for i, v := range labels {
		if v < 0 || v >= maxClasses {
			return nil, 0, fmt.Errorf("%s:%d: column %d: label %d outside [0,%d)", p.name, p.lines[i], p.label+1, v, maxClasses)
		}
		classes = max(classes, v+1)
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
