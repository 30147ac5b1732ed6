package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"gltrain/nn/data"
)

// dataset is the data of a run: training and held-out sets, and what a
// checkpoint must remember to prepare the same data again.
type dataset struct {
	train, held data.Set
	heldName    string // "validation" or "test"
	source      string // the -data value
	std         *data.Standardizer
	twoD        bool // a generated 2-D set: a decision boundary can be drawn
}

// loadData loads, splits and (for CSV) standardises the data set. A
// checkpoint, when given, fixes how a CSV file is prepared: its
// standardisation replaces the statistics fitted on the training split, and
// its class names number the file's labels.
func loadData(ctx context.Context, c config, ck *checkpoint, log io.Writer) (dataset, error) {
	d := dataset{source: c.data, heldName: "validation"}
	switch {
	case c.data == "mnist":
		dir := c.dataDir
		if dir == "" {
			var err error
			if dir, err = data.DefaultMNISTDir(); err != nil {
				return d, err
			}
		}
		if err := data.EnsureMNIST(ctx, dir, log); err != nil {
			return d, fmt.Errorf("%w\n(without internet access, `make mnist` copies the files from the Go module proxy into %s)", err, dir)
		}
		var err error
		if d.train, err = data.LoadMNIST(dir, true); err != nil {
			return d, err
		}
		if d.held, err = data.LoadMNIST(dir, false); err != nil {
			return d, err
		}
		d.heldName = "test"
		return d, nil
	case isCSV(c.data):
		set, err := data.LoadCSV(c.data, data.CSVOptions{LabelCol: c.labelCol})
		if err != nil {
			return d, err
		}
		var std *data.Standardizer
		if ck != nil {
			if set, err = relabel(set, c.data, *ck); err != nil {
				return d, err
			}
			std = ck.Std
		}
		if d.train, d.held, err = set.Split(c.val, c.seed); err != nil {
			return d, fmt.Errorf("%s: %w", c.data, err)
		}
		if std == nil {
			fitted := data.FitStandardizer(d.train)
			std = &fitted
		}
		if len(std.Mean) != d.train.Features {
			return d, fmt.Errorf("%s has %d features, the checkpoint's standardisation %d", c.data, d.train.Features, len(std.Mean))
		}
		d.std = std
		d.train = std.Apply(d.train)
		if d.held.Len() > 0 {
			d.held = std.Apply(d.held)
		}
		return d, nil
	}
	set, err := data.Generate(c.data, c.seed)
	if err != nil {
		return d, err
	}
	d.twoD = set.Features == 2
	d.train, d.held, err = set.Split(c.val, c.seed)
	return d, err
}

// relabel numbers a CSV file's labels as the checkpoint did. A file labels
// its classes by sorting its own names, so a file without one of the
// checkpoint's classes, or with another, would shift every label: names are
// mapped to the checkpoint's numbers instead, and a name it does not know
// is an error. Integer labels must be classes of the checkpoint.
func relabel(s data.Set, path string, ck checkpoint) (data.Set, error) {
	switch {
	case len(ck.ClassNames) == 0 && len(s.ClassNames) > 0:
		return s, fmt.Errorf("%s labels its classes by name (%s), the checkpoint by number", path, strings.Join(s.ClassNames, ", "))
	case len(ck.ClassNames) == 0:
		if s.Classes > ck.Classes {
			return s, fmt.Errorf("%s has labels up to %d; the checkpoint knows classes 0 to %d", path, s.Classes-1, ck.Classes-1)
		}
		s.Classes = ck.Classes
		return s, nil
	case len(s.ClassNames) == 0:
		return s, fmt.Errorf("%s labels its classes by number, the checkpoint by name (%s)", path, strings.Join(ck.ClassNames, ", "))
	}
	index := make(map[string]int, len(ck.ClassNames))
	for i, n := range ck.ClassNames {
		index[n] = i
	}
	mapping := make([]int, len(s.ClassNames))
	for i, n := range s.ClassNames {
		j, ok := index[n]
		if !ok {
			return s, fmt.Errorf("%s has the label %q, which is not a class of the checkpoint (%s)", path, n, strings.Join(ck.ClassNames, ", "))
		}
		mapping[i] = j
	}
	labels := make([]int, len(s.Labels))
	for i, l := range s.Labels {
		labels[i] = mapping[l]
	}
	s.Labels, s.Classes, s.ClassNames = labels, len(ck.ClassNames), ck.ClassNames
	return s, nil
}
