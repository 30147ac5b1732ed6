package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"gltrain/nn"
	"gltrain/nn/data"
)

// dataset is the data of a run: training, validation and test sets, and
// what a checkpoint must remember to prepare the same data again.
//
// With -eval there is one set, the one evaluated, in train (so that the
// model's fit and memory are checked against it as for training), named by
// evalName; held and test are empty.
type dataset struct {
	train, held data.Set
	heldName    string   // "validation"; empty with -eval
	test        data.Set // MNIST's test set, evaluated once after training
	evalName    string   // -eval: what train holds: "test" (mnist) or the -data value
	source      string   // the -data value
	std         *data.Standardizer
	file        *dataFile // a CSV file's identity, for the checkpoint; nil for others
	twoD        bool      // a generated 2-D set: a decision boundary can be drawn
	text        *textData // text data (text.go); nil for others

	// files: -val-data's and -test-data's identities, by their "meta" key (csvfiles.go)
	files map[string]dataFile
}

// describe is the "data" line: the sets and their sizes.
func (d dataset) describe() string {
	if d.text != nil {
		return d.text.describe(d.source)
	}
	shape := fmt.Sprintf("%d features, %d classes", d.train.Features, d.train.Classes)
	if d.train.Regression() {
		shape = fmt.Sprintf("%d features, %d %s (%s)", d.train.Features, d.train.Outputs, plural(d.train.Outputs, "target", "targets"),
			nameList(targetNames(d.train.TargetNames, d.train.Outputs)))
	}
	switch {
	case d.evalName == "test":
		return fmt.Sprintf("%s: %d test samples, %s", d.source, d.train.Len(), shape)
	case d.evalName != "":
		return fmt.Sprintf("%s: %d samples, evaluated as one set, %s", d.source, d.train.Len(), shape)
	}
	line := fmt.Sprintf("%s: %d training and %d %s samples, %s", d.source, d.train.Len(), d.held.Len(), d.heldName, shape)
	if d.test.Len() > 0 {
		line += fmt.Sprintf("; %d test samples, evaluated at the end", d.test.Len())
	}
	return line
}

// dataSource is what the flags say of the data: the -data set (and
// -data-dir for MNIST, -label-col for CSV), the fraction held out for
// validation split by seed, and -eval's one set.
type dataSource struct {
	name, dir string
	labelCol  string // -label-col: "0", "14", "12,13", "MEDV"
	// regression: read the -label-col columns as real-valued targets
	// (a regression loss, or mse on a CSV file; or the checkpoint's task).
	regression bool
	loss       nn.Loss
	val        float64
	seed       uint64
	eval       bool
	// checkpoint is the -resume or -load file ("" without). sameData: the
	// data must be the one it was trained on (-resume, or no -data given),
	// unless changedOK (-data-changed=ok); fromCheckpoint: its path is the
	// checkpoint's (no -data given).
	checkpoint               string
	sameData, fromCheckpoint bool
	changedOK                bool
	maxMemory                float64 // -max-memory: bounds the memory of reading a CSV file too
	ctx                      int     // text: the GPT's context, the length of a sequence and a window
	csvFiles                         // -skip-rows, -val-data, -test-data
}

// loadData loads, splits and (for CSV) standardises the data set. A
// checkpoint, when given, fixes how a CSV file is prepared: its
// standardisation replaces the statistics fitted on the training split, and
// its class names number the file's labels.
//
// Training holds out src.val of the training data for validation, split by
// src.seed; MNIST's test set is kept apart. With src.eval the whole data
// set is one set, and for MNIST it is the test set.
func loadData(ctx context.Context, src dataSource, ck *checkpoint, log io.Writer) (dataset, error) {
	if isText(src.name) {
		return loadText(src, ck)
	}
	d := dataset{source: src.name, heldName: "validation"}
	split := func(s data.Set) (train, held data.Set, err error) {
		if src.eval {
			return s, data.Set{}, nil
		}
		return s.Split(src.val, src.seed)
	}
	if src.eval {
		d.heldName, d.evalName = "", src.name
	}
	if src.regression && !isCSV(src.name) {
		return d, notRegressionData(src)
	}
	switch {
	case src.name == "mnist":
		dir := src.dir
		if dir == "" {
			var err error
			if dir, err = data.DefaultMNISTDir(); err != nil {
				return d, err
			}
		}
		if err := data.EnsureMNIST(ctx, dir, log); err != nil {
			return d, fmt.Errorf("%w\n(without internet access, `make mnist` copies the files from the Go module proxy into %s)", err, dir)
		}
		test, err := data.LoadMNIST(dir, false)
		if err != nil {
			return d, err
		}
		if src.eval {
			d.train, d.evalName = test, "test"
			return d, nil
		}
		all, err := data.LoadMNIST(dir, true)
		if err != nil {
			return d, err
		}
		d.test = test
		if d.train, d.held, err = split(all); err != nil {
			return d, fmt.Errorf("mnist: %w", err)
		}
		return d, nil
	case src.name == "fashion-mnist":
		test, err := data.LoadFashionMNIST(ctx, src.dir, false)
		if err != nil {
			return d, err
		}
		if src.eval {
			d.train, d.evalName = test, "test"
			return d, nil
		}
		all, err := data.LoadFashionMNIST(ctx, src.dir, true)
		if err != nil {
			return d, err
		}
		d.test = test
		if d.train, d.held, err = split(all); err != nil {
			return d, fmt.Errorf("fashion-mnist: %w", err)
		}
		return d, nil
	case isCSV(src.name):
		if err := checkCSVMemory("-data", src.name, 0, src.maxMemory, csvDataBytes); err != nil {
			return d, err
		}
		opts := src.csvOptions()
		opts.OneClass = src.eval && ck != nil // -eval: the checkpoint names the classes
		set, file, err := loadCSV(src.name, opts)
		if err != nil {
			return d, realLabels(missingData(err, src, src.checkpoint))
		}
		if src.regression {
			if err := prepareTargets(src, set, ck); err != nil {
				return d, err
			}
		}
		d.file = &file
		if ck != nil && src.sameData {
			if err := checkSameData(src, src.checkpoint, ck.DataFile, file); err != nil {
				return d, err
			}
		}
		var std *data.Standardizer
		if ck != nil {
			if !set.Regression() {
				if set, err = relabel(set, src.name, *ck); err != nil {
					return d, err
				}
			}
			std = ck.Std
		}
		if d.train, d.held, err = split(set); err != nil {
			return d, fmt.Errorf("%s: %w", src.name, err)
		}
		if err := src.loadFiles(&d, ck); err != nil { // -val-data, -test-data
			return d, err
		}
		if std == nil {
			fitted, err := data.FitStandardizer(d.train)
			if err != nil {
				return d, fmt.Errorf("%s: %w", src.name, err)
			}
			std = &fitted
		}
		if len(std.Mean) != d.train.Features {
			return d, fmt.Errorf("%s has %d features, the checkpoint's standardisation %d", src.name, d.train.Features, len(std.Mean))
		}
		d.std = std
		if d.train, err = std.Apply(d.train); err != nil {
			return d, fmt.Errorf("%s: %w", src.name, err)
		}
		if d.held.Len() > 0 {
			if d.held, err = std.Apply(d.held); err != nil {
				return d, fmt.Errorf("%s: %w", src.name, err)
			}
		}
		if d.test.Len() > 0 {
			if d.test, err = std.Apply(d.test); err != nil {
				return d, fmt.Errorf("%s: %w", src.testData, err)
			}
		}
		return d, nil
	}
	set, err := data.Generate(src.name, src.seed)
	if err != nil {
		return d, err
	}
	d.twoD = set.Features == 2
	d.train, d.held, err = split(set)
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
		return s, fmt.Errorf("%s labels its classes by name (%s), the checkpoint by number", path, nameList(s.ClassNames))
	case len(ck.ClassNames) == 0:
		if s.Classes > ck.Classes {
			return s, fmt.Errorf("%s has labels up to %d; the checkpoint knows classes 0 to %d", path, s.Classes-1, ck.Classes-1)
		}
		s.Classes = ck.Classes
		return s, nil
	case len(s.ClassNames) == 0:
		return s, fmt.Errorf("%s labels its classes by number, the checkpoint by name (%s)", path, nameList(ck.ClassNames))
	}
	index := make(map[string]int, len(ck.ClassNames))
	for i, n := range ck.ClassNames {
		index[n] = i
	}
	mapping := make([]int, len(s.ClassNames))
	for i, n := range s.ClassNames {
		j, ok := index[n]
		if !ok {
			return s, fmt.Errorf("%s has the label %s, which is not a class of the checkpoint (%s)", path, excerpt(n), nameList(ck.ClassNames))
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

// nameList is class names for a message: each as displayName prints it,
// the first 10 of more.
func nameList(names []string) string {
	const most = 10
	shown := make([]string, 0, most)
	for _, n := range names[:min(len(names), most)] {
		shown = append(shown, displayName(n))
	}
	list := strings.Join(shown, ", ")
	if len(names) > most {
		list += fmt.Sprintf(", … (%d in all)", len(names))
	}
	return list
}
