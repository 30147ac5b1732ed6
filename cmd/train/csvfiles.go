package main

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"gltrain/nn/data"
)

// csvFiles are the flags of CSV files as they come: lines to skip at their
// start, and a validation and a test set in files of their own.
type csvFiles struct {
	skipRows int    // -skip-rows: records skipped at the start of each CSV file
	valData  string // -val-data: the validation set, in place of -val's split
	testData string // -test-data: a test set, evaluated once at the end
	// continued: -resume continues the run's files (adoptCSVFiles), each
	// checked against the identity the run recorded (checkSameCSVFile).
	continued bool
}

func (f *csvFiles) register(fs *flag.FlagSet) {
	fs.IntVar(&f.skipRows, "skip-rows", 0, "CSV: skip this many lines at the start of each file, before its header or first row\n"+
		"(a title, a note, scikit-learn's count line); a checkpoint records it for -load")
	fs.StringVar(&f.valData, "val-data", "", "CSV: the validation set, a file of -data's columns, in place of -val's split of -data")
	fs.StringVar(&f.testData, "test-data", "", "CSV: a test set, a file of -data's columns, evaluated once after training (its scores in the summary)")
}

// metaSkipRows is the checkpoint's "meta" key of -skip-rows, when above 0.
const metaSkipRows = "skip_rows"

// validateCSVFiles checks the flags against the data and the mode: -val-data
// replaces -val, and both files take training on a CSV file.
func (c *config) validateCSVFiles() error {
	bad := func(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }
	switch {
	case c.skipRows < 0:
		return bad("invalid value %d for -skip-rows: want 0 or more", c.skipRows)
	case c.valData == "" && c.testData == "":
		return nil
	case c.eval || c.predict != "":
		return bad("-val-data and -test-data are for training; -eval evaluates -data as one set")
	case c.resume != "": // the checkpoint's data and validation file decide (adoptCSVFiles)
		return c.checkCSVFilePaths()
	case c.given["val"] && c.valData != "":
		return bad("-val and -val-data conflict: -val-data is the validation set, -val the fraction of -data held out for one")
	case !isCSV(c.data) && (c.given["data"] || c.load == ""):
		return bad("-val-data and -test-data take a CSV file's columns, and -data=%s is not a CSV file", c.data)
	}
	if err := c.checkCSVFilePaths(); err != nil {
		return err
	}
	if c.valData != "" {
		c.val, c.given["val"] = 0, true // nothing of -data is held out
	}
	return nil
}

// checkCSVFilePaths checks that -val-data and -test-data name CSV files.
func (c *config) checkCSVFilePaths() error {
	for _, p := range []struct{ flag, path string }{{"val-data", c.valData}, {"test-data", c.testData}} {
		if p.path != "" && (!isCSV(p.path) || !printablePath(p.path)) {
			return usageError{fmt.Errorf("invalid value %s for -%s: want a .csv or .csv.gz file", excerpt(p.path), p.flag)}
		}
	}
	return nil
}

// The checkpoint's "meta" keys of -val-data and -test-data, by absolute
// path, when given.
const (
	metaValData  = "val_data"
	metaTestData = "test_data"
)

// adoptCSVFiles makes -resume continue with the run's validation and test
// files: those it recorded, unless given. The validation file decides
// -save-best, -patience and -plateau, so another one, or one where the run
// held out -val's split, is refused; the test set, scored once at the
// end, may be another.
func (c *config) adoptCSVFiles(ck checkpoint) error {
	val := ck.Hyper[metaValData]
	switch {
	case c.valData == "":
		c.valData = val
	case val == "":
		return usageError{fmt.Errorf("-val-data=%s: the run in %s validated on -val's split of its data, which a resumed run keeps; drop -val-data", c.valData, c.resume)}
	case !sameFile(c.valData, val):
		if !printablePath(val) {
			val = excerpt(val)
		}
		return usageError{fmt.Errorf("-val-data=%s disagrees with the run in %s (-val-data=%s): a resumed run keeps its validation set; drop -val-data", c.valData, c.resume, val)}
	}
	if c.testData == "" {
		c.testData = ck.Hyper[metaTestData]
	}
	c.continued = true
	return nil
}

// adoptSkipRows takes -skip-rows from a checkpoint when not given, so that
// -load reads its data file as it was read in training.
func (c *config) adoptSkipRows(ck checkpoint) {
	if n, err := strconv.Atoi(ck.Hyper[metaSkipRows]); err == nil && n > 0 && !c.given["skip-rows"] {
		c.skipRows = n
	}
}

// record writes -skip-rows into a checkpoint's Meta.
func (f csvFiles) record(meta map[string]string) {
	if f.skipRows > 0 {
		meta[metaSkipRows] = strconv.Itoa(f.skipRows)
	}
	for key, path := range map[string]string{metaValData: f.valData, metaTestData: f.testData} {
		if path != "" {
			meta[key] = absPath(path)
		}
	}
}

// csvOptions are how the run reads its CSV files.
func (src dataSource) csvOptions() data.CSVOptions {
	return data.CSVOptions{Targets: labelItems(src.labelCol), Real: src.regression, SkipRows: src.skipRows}
}

// loadFiles reads -val-data into d.held and -test-data into d.test, once
// d.train holds -data's training set (unstandardised): each must have its
// columns, and its labels are numbered as d.train's. Their identities go
// into d.files, for the checkpoint; on -resume they are checked against
// those ck recorded.
func (src dataSource) loadFiles(d *dataset, ck *checkpoint) error {
	load := func(flag, key, path string) (data.Set, error) {
		opts := src.csvOptions()
		opts.OneClass = true // a held-out set may hold one class; -data's names them
		s, file, err := loadCSV(path, opts)
		if err != nil {
			return s, fmt.Errorf("%s: %w", flag, err)
		}
		if err := src.checkSameCSVFile(flag, key, path, file, ck); err != nil {
			return s, err
		}
		if d.files == nil {
			d.files = make(map[string]dataFile, 2)
		}
		d.files[key] = file
		return matchColumns(s, path, d.train, src.name)
	}
	var err error
	if src.valData != "" {
		if d.held, err = load("-val-data", metaValData, src.valData); err != nil {
			return err
		}
	}
	if src.testData != "" {
		d.test, err = load("-test-data", metaTestData, src.testData)
	}
	return err
}

// checkSameCSVFile refuses, on -resume, a -val-data or -test-data file
// (flag, at path, read as now) that has changed since the run in ck
// recorded it under key, unless -data-changed=ok: a changed validation set
// would change the resumed run's scores, -save-best, -plateau and
// -patience without a word. A checkpoint that records no identity (older)
// is not checked, nor a -test-data of another file, which a resumed run
// may take (adoptCSVFiles).
func (src dataSource) checkSameCSVFile(flag, key, path string, now dataFile, ck *checkpoint) error {
	if ck == nil || !src.continued || src.changedOK {
		return nil
	}
	was, err := recordedFileAt(ck.Hyper, key)
	if err != nil {
		return fmt.Errorf("%s: not a usable gltrain checkpoint: %w", src.checkpoint, err)
	}
	if was == nil || !sameFile(path, was.path) || (now.size == was.size && now.sha256 == was.sha256) {
		return nil
	}
	if !printablePath(path) {
		path = excerpt(path)
	}
	return exitCode{2, fmt.Errorf("%s=%s changed since the run in %s was saved (%s then; %s now); use -data-changed=ok to continue with it",
		flag, path, src.checkpoint, was.describe(), now.describe())}
}

// recordCSVFiles writes -val-data's and -test-data's identities into a
// checkpoint's metadata (after csvFiles.record, whose paths they replace).
func (d dataset) recordCSVFiles(meta map[string]string) {
	for key, f := range d.files {
		f.recordAs(meta, key)
	}
}

// matchColumns checks that s, read from path, has the features and targets
// of train, read from trainPath, and numbers its class labels as train's.
func matchColumns(s data.Set, path string, train data.Set, trainPath string) (data.Set, error) {
	switch {
	case s.Features != train.Features:
		return s, fmt.Errorf("%s has %d features, %s %d", path, s.Features, trainPath, train.Features)
	case s.Outputs != train.Outputs:
		return s, fmt.Errorf("%s has %d targets, %s %d", path, s.Outputs, trainPath, train.Outputs)
	case train.Regression():
		return s, nil
	}
	s, err := relabel(s, path, checkpoint{ClassNames: train.ClassNames, Classes: train.Classes})
	if err != nil { // relabel's words are for a checkpoint's classes
		return s, errors.New(strings.ReplaceAll(err.Error(), "the checkpoint", trainPath))
	}
	return s, nil
}

// evalClasses is -eval's warning when the data's classes are not the
// model's: it holds labels of only some of them (the width is checked, and
// a label the model does not know refused, as the data is prepared). A
// file of another name, a held-out test file, is the normal case and
// warned of no more.
func evalClasses(c config, ck *checkpoint, d dataset) string {
	if !c.eval || ck == nil || d.text != nil || d.train.Regression() {
		return ""
	}
	seen := make(map[int]bool, ck.Classes)
	for _, l := range d.train.Labels {
		seen[l] = true
	}
	if len(seen) == ck.Classes {
		return ""
	}
	return fmt.Sprintf("%s holds labels of %d of the %d classes %s was trained on (on %s)", c.data, len(seen), ck.Classes, checkpointPath(c), ck.Data)
}
