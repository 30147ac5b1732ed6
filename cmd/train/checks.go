package main

// Checks of the command line beyond single values: a -save that would
// overwrite an input, and flags that have no effect in this run.

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// checkSave refuses a -save path that is the same file as an input: the
// checkpoint, written atomically over it, would replace the input.
func (c *config) checkSave() error {
	if c.save == "" {
		return nil
	}
	// -resume continues the run in its file: saving over it is the point.
	inputs := []struct{ flag, path string }{{"load", c.load}}
	if isCSV(c.data) {
		inputs = append(inputs, struct{ flag, path string }{"data", c.data})
	}
	for _, in := range inputs {
		if sameFile(c.save, in.path) {
			return usageError{fmt.Errorf("invalid value %q for -save: it is the -%s file %s, which the checkpoint would replace; save to another name", c.save, in.flag, in.path)}
		}
	}
	return nil
}

// sameFile reports whether paths a and b name the same file: the same
// path once cleaned and made absolute, or, when both exist, the same file
// by os.SameFile (a symbolic or hard link).
func sameFile(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	if absPath(a) == absPath(b) {
		return true
	}
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

// absPath is path made absolute and cleaned; path itself if that fails.
func absPath(path string) string {
	if p, err := filepath.Abs(path); err == nil {
		return p
	}
	return filepath.Clean(path)
}

// ineffective lists, one line each, the flags given that this run ignores.
func (c *config) ineffective() []string {
	var lines []string
	// With -load and no -data the data is the checkpoint's, not yet known.
	dataKnown := c.given["data"] || c.load == ""
	if dataKnown && c.given["label-col"] && !isCSV(c.data) {
		lines = append(lines, fmt.Sprintf("-label-col has no effect: %s is not a CSV file", c.data))
	}
	if dataKnown && c.given["data-dir"] && c.data != "mnist" {
		lines = append(lines, fmt.Sprintf("-data-dir has no effect: it is where the MNIST files are, and the data is %s", c.data))
	}
	if c.given["data-changed"] && c.load == "" && c.resume == "" {
		lines = append(lines, "-data-changed has no effect without -resume or -load: it says whether their data may differ from the checkpoint's")
	}
	if c.given["act"] && c.given["hidden"] && len(c.hidden) == 0 {
		lines = append(lines, "-act has no effect: without hidden layers the model is linear")
	}
	if c.eval {
		var unused []string
		for _, f := range []string{"save", "opt", "lr", "wd", "schedule", "epochs", "batch", "plot"} {
			if c.given[f] {
				unused = append(unused, "-"+f)
			}
		}
		if len(unused) > 0 {
			lines = append(lines, fmt.Sprintf("%s %s no effect with -eval, which does not train", list(unused), plural(len(unused), "has", "have")))
		}
		if c.given["val"] {
			lines = append(lines, "-val has no effect with -eval, which evaluates the whole data set (mnist: its test set)")
		}
	}
	if c.predict != "" {
		var unused []string
		for _, f := range []string{"save", "opt", "lr", "wd", "schedule", "epochs", "batch", "plot", "val", "data", "label-col", "loss", "data-changed"} {
			if c.given[f] {
				unused = append(unused, "-"+f)
			}
		}
		if len(unused) > 0 {
			lines = append(lines, fmt.Sprintf("%s %s no effect with -predict, which only runs the -load model on the rows of %s", list(unused), plural(len(unused), "has", "have"), c.predict))
		}
	}
	if c.given["input-shape"] && (c.load != "" || c.resume != "") {
		lines = append(lines, "-input-shape has no effect with -load or -resume: the checkpoint records its layers' shapes")
	}
	return lines
}

// list joins flag names as English: "-a", "-a and -b", "-a, -b and -c".
func list(names []string) string {
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
