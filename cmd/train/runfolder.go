package main

// Where a training run writes: the run folder (pictures and metrics.jsonl,
// runs/<data>-<YYYYmmdd-HHMMSS>/ by default, as Ultralytics and Lightning
// keep runs/) and the -save checkpoint's folder. Both are checked before
// anything is loaded or trained, so that a bad path fails in a second, not
// after an hour of training.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gltrain/internal/safefile"
	"gltrain/nn"
)

// runsDir is the parent of the default run folders, under the current
// directory.
const runsDir = "runs"

// metricsFile is the run folder's record: one JSON object per epoch, the
// lines -json writes.
const metricsFile = "metrics.jsonl"

// runFolder is the folder of one training run. Its Write appends to
// metrics.jsonl, opened (and emptied) at the first epoch.
type runFolder struct {
	dir      string
	created  bool     // made by this run: removed again while empty
	madeRuns bool     // runs/, its parent, made by this run too
	metrics  *os.File // nil until the first epoch
	err      error    // the first error writing metrics.jsonl

	// A resumed run's record (runhistory.go): prior holds its epochs and
	// steps up to the checkpoint, which metrics.jsonl and steps.csv hold
	// and this run appends to (appendMetrics); first is the step number of
	// the first loss drawn when the earlier steps are not at hand (0: 1).
	prior         nn.History
	first         int
	appendMetrics bool
	steps         *os.File // steps.csv; nil until the first epoch
	stepsErr      error    // the first error writing it
	plotErr       error    // the first error drawing the pictures during the run
}

// outputs is what the flags say of the run's files: none (-eval and
// -predict write no run folder), -save, -out, -plot (given or not), -quiet
// and the -data set the default folder is named after.
type outputs struct {
	none             bool
	save, out, plot  string
	plotGiven, quiet bool
	data             string
}

// prepareOutputs checks the -save and -out paths and makes the run folder,
// before the data is loaded (and -predict's predictions computed). -eval writes neither. The folder is nil (no pictures,
// no metrics) with -eval, with -plot= and, unless -plot is given, with
// -quiet. Errors are usageErrors naming the flag and the path.
func prepareOutputs(c outputs, now time.Time) (*runFolder, error) {
	if err := checkOutputFile("out", c.out); err != nil {
		return nil, err
	}
	if c.none {
		return nil, nil
	}
	if err := checkOutputFile("save", c.save); err != nil {
		return nil, err
	}
	switch {
	case c.plotGiven && c.plot == "", !c.plotGiven && c.quiet:
		return nil, nil
	case c.plotGiven:
		if err := os.MkdirAll(c.plot, 0o755); err != nil {
			return nil, usageError{fmt.Errorf("invalid value %q for -plot: cannot make the folder: %v", c.plot, pathReason(err))}
		}
		if err := checkWritable(c.plot); err != nil {
			return nil, usageError{fmt.Errorf("invalid value %q for -plot: cannot write in the folder: %v", c.plot, err)}
		}
		return &runFolder{dir: c.plot}, nil
	}
	_, err := os.Stat(runsDir)
	madeRuns := errors.Is(err, fs.ErrNotExist) // then removed again with the run folder
	dir, err := newRunDir(filepath.Join(runsDir, runName(c.data, now)))
	if err != nil {
		return nil, usageError{fmt.Errorf("cannot make the run folder: %v (-plot=DIR chooses another, -plot= writes none)", err)}
	}
	rf := &runFolder{dir: dir, created: true, madeRuns: madeRuns}
	if err := checkWritable(dir); err != nil {
		rf.close()
		return nil, usageError{fmt.Errorf("cannot write in the run folder %s: %v (-plot=DIR chooses another, -plot= writes none)", dir, err)}
	}
	return rf, nil
}

// runName is a run folder's name: the data set (a CSV or text file's base
// name without its extension, .csv.gz as one) and the time, "spiral-20250102-150405".
func runName(dataName string, now time.Time) string {
	name := dataName
	if p := textFile(dataName); isCSV(dataName) || p != "" {
		base := filepath.Base(dataName)
		if p != "" {
			base = filepath.Base(p)
		}
		if p == "" && strings.EqualFold(filepath.Ext(base), ".gz") {
			base = strings.TrimSuffix(base, filepath.Ext(base)) // train.csv.gz is train
		}
		name = strings.TrimSuffix(base, filepath.Ext(base))
	}
	if name == "" || name == "." || name == ".." {
		name = "data"
	}
	return name + "-" + now.Format("20060102-150405")
}

// newRunDir makes the folder base, or base-2, base-3, … when it exists: two
// runs started in the same second get folders of their own. os.Mkdir fails
// on an existing folder, so two processes cannot take the same one.
func newRunDir(base string) (string, error) {
	parent := filepath.Dir(base)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		if fi, err := os.Stat(parent); err == nil && !fi.IsDir() {
			return "", fmt.Errorf("%s is a file, not a folder", parent)
		}
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return "", fmt.Errorf("%s: %v", pe.Path, pe.Err)
		}
		return "", err
	}
	dir := base
	for i := 2; ; i++ {
		err := os.Mkdir(dir, 0o755)
		if err == nil {
			return dir, nil
		}
		if !errors.Is(err, fs.ErrExist) || i > 1000 {
			return "", fmt.Errorf("%s: %v", dir, pathReason(err))
		}
		dir = fmt.Sprintf("%s-%d", base, i)
	}
}

// checkOutputFile refuses a path for flag (-save, -out) whose folder is
// missing, is not a folder or takes no files, and a path that is a folder
// or another thing than a regular file.
func checkOutputFile(flag, path string) error {
	if path == "" {
		return nil
	}
	bad := func(format string, args ...any) error {
		return usageError{fmt.Errorf("invalid value %q for -%s: %s", path, flag, fmt.Sprintf(format, args...))}
	}
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return bad("the folder %s does not exist", dir)
	case err != nil:
		return bad("%v", err)
	case !fi.IsDir():
		return bad("%s is not a folder", dir)
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return bad("it is a folder; name the file to write")
	} else if err == nil && !fi.Mode().IsRegular() {
		return bad("it is %s, not a regular file", safefile.Kind(fi.Mode()))
	}
	if err := checkWritable(dir); err != nil {
		return bad("cannot write in the folder %s: %v", dir, err)
	}
	return nil
}

// checkWritable creates and removes a file in dir: the one test that
// covers permissions, read-only file systems and quotas alike.
func checkWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".gltrain-write-check-*")
	if err != nil {
		return pathReason(err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// pathReason is a path error's reason ("permission denied"): the messages
// name the path themselves.
func pathReason(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Write appends p to metrics.jsonl, created (or emptied) at the first
// write. The first error is kept for finish to report, and later writes
// are dropped: a full disk must not stop the training, whose checkpoint
// has its own error path.
func (r *runFolder) Write(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	if r.metrics == nil {
		flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
		if r.appendMetrics { // a resumed run's, cut at its checkpoint
			flags = os.O_WRONLY | os.O_APPEND
		}
		r.metrics, r.err = os.OpenFile(filepath.Join(r.dir, metricsFile), flags, 0o644)
		if r.err != nil {
			return 0, r.err
		}
	}
	n, err := r.metrics.Write(p)
	if err != nil {
		r.err = err
	}
	return n, err
}

// finish closes metrics.jsonl and steps.csv, draws the pictures of the
// whole run (a resumed run's earlier epochs included) into the folder and names
// the folder and its files in one line (printed even with -quiet: with it
// there is a folder only when -plot asked for one).
func (r *runFolder) finish(m *nn.Model, d dataset, h *nn.History, title string, u *ui) error {
	if r == nil {
		return nil
	}
	var written []string
	if r.metrics != nil {
		err := r.metrics.Close()
		r.metrics = nil
		if r.err == nil {
			r.err = err
		}
		written = append(written, metricsFile)
	}
	if r.err != nil {
		return fmt.Errorf("%s: %w", filepath.Join(r.dir, metricsFile), r.err)
	}
	if r.steps != nil {
		written = append(written, stepsFile)
	}
	if err := r.closeSteps(); err != nil {
		return err
	}
	files, err := plotAll(r.dir, m, d, r.merged(h), r.firstStep(), title)
	for _, f := range files {
		written = append(written, filepath.Base(f))
	}
	if len(written) > 0 {
		fmt.Fprintf(u.out, "run      %s: %s\n", r.dir, strings.Join(written, ", "))
	}
	return err
}

// close closes metrics.jsonl if finish did not, and removes the folder if
// this run made it and wrote nothing (a run that failed before its first
// epoch), and runs/ too if this run made it and it is left empty.
func (r *runFolder) close() {
	if r == nil {
		return
	}
	if r.metrics != nil {
		r.metrics.Close()
		r.metrics = nil
	}
	r.closeSteps()
	if r.created {
		// Each fails, as it should, unless empty.
		if os.Remove(r.dir) == nil && r.madeRuns {
			os.Remove(filepath.Dir(r.dir))
		}
	}
}
