package main

// Checks of the command line beyond single values: an output that would
// overwrite an input or another output, and flags that have no effect in
// this run.

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gltrain/nn/data"
)

// namedFile is a file a flag names: the flag without its dash ("save",
// "plot") and the path.
type namedFile struct{ flag, path string }

// inputFiles are the files the run reads: the checkpoint of -load or
// -resume, the -data CSV file, -predict's rows and, for MNIST, its four files
// in -data-dir (which need not exist yet: they are downloaded there).
func (c *config) inputFiles() []namedFile {
	var in []namedFile
	add := func(flag, path string) {
		if path != "" {
			in = append(in, namedFile{flag, path})
		}
	}
	add("load", c.load)
	add("resume", c.resume)
	if isCSV(c.data) {
		add("data", c.data)
	}
	add("data", textFile(c.data))
	add("predict", c.predict)
	add("val-data", c.valData)
	add("test-data", c.testData)
	if c.data == "mnist" {
		dir := c.dataDir
		if dir == "" {
			dir, _ = data.DefaultMNISTDir()
		}
		if dir != "" {
			for _, f := range data.MNISTFiles {
				add("data-dir", filepath.Join(dir, f.Name))
			}
		}
	}
	if c.data == "fashion-mnist" {
		dir := c.dataDir
		if dir == "" {
			dir = data.FashionMNISTDir
		}
		for _, f := range data.FashionMNISTFiles {
			add("data-dir", filepath.Join(dir, f.Name))
		}
	}
	return in
}

// outputFiles are the files the run writes, or may write: -save's
// checkpoint, -out's predictions and, with -plot=DIR, every file of the run
// folder. A new output flag adds its files here, and checkOutputs keeps it
// off the inputs and the other outputs.
func (c *config) outputFiles() []namedFile {
	var out []namedFile
	if c.plot != "" && c.given["plot"] && !c.eval && c.predict == "" {
		for _, name := range runFolderFiles {
			out = append(out, namedFile{"plot", filepath.Join(c.plot, name)})
		}
	}
	if c.out != "" {
		out = append(out, namedFile{"out", c.out})
	}
	if c.save != "" {
		out = append(out, namedFile{"save", c.save})
	}
	if c.export != "" {
		out = append(out, namedFile{"export", c.export})
	}
	return out
}

// runFolderFiles are the files a run folder may hold.
var runFolderFiles = []string{metricsFile, decisionBoundaryFile, lossCurveFile, accuracyCurveFile, r2CurveFile}

// checkOutputs refuses an output that is the same file as an input, by any
// path or link (the output, written atomically over it, would replace it),
// or as another output. -save may name -resume's checkpoint: continuing the
// run in its file is the point.
func (c *config) checkOutputs() error {
	outs, ins := c.outputFiles(), c.inputFiles()
	for i, o := range outs {
		for _, in := range ins {
			if o.flag == "save" && in.flag == "resume" {
				continue
			}
			if sameFile(o.path, in.path) {
				what := fmt.Sprintf("the -%s file %s", in.flag, in.path)
				if in.flag == "data-dir" {
					what = fmt.Sprintf("the MNIST file %s", in.path)
					if c.dataDir != "" {
						what += " (-data-dir)"
					}
				}
				return usageError{fmt.Errorf("invalid value %q for -%s: %s %s, which it would replace; write to another name", c.value(o), o.flag, o.describe(), what)}
			}
		}
		for _, o2 := range outs[:i] {
			if o2.flag != o.flag && sameFile(o.path, o2.path) {
				return usageError{fmt.Errorf("invalid value %q for -%s: %s %s of -%s=%s; write to another name", c.value(o), o.flag, o.describe(), o2.what(), o2.flag, c.value(o2))}
			}
		}
	}
	return nil
}

// value is the value given to the flag of output o.
func (c *config) value(o namedFile) string {
	switch o.flag {
	case "save":
		return c.save
	case "out":
		return c.out
	case "plot":
		return c.plot
	}
	return o.path
}

// describe is how checkOutputs names output o: "it is" for a flag's own
// file, "its gltrain-loss.png is" for a file in a -plot folder.
func (o namedFile) describe() string {
	if o.flag == "plot" {
		return fmt.Sprintf("its %s is", filepath.Base(o.path))
	}
	return "it is"
}

// what is how checkOutputs names output o as the other side of a clash.
func (o namedFile) what() string {
	if o.flag == "plot" {
		return fmt.Sprintf("the run folder's %s,", filepath.Base(o.path))
	}
	return "the file"
}

// absPath is path made absolute and cleaned; path itself if that fails.
func absPath(path string) string {
	if p, err := filepath.Abs(path); err == nil {
		return p
	}
	return filepath.Clean(path)
}

// sameFile reports whether paths a and b name the same file: the same
// path once made absolute with its symbolic links resolved (as far as it
// exists: a file not yet written, or a folder not yet made, is compared by
// where it will be), or, when both exist, the same file by os.SameFile (a
// symbolic or hard link). Two -data=text:PATH values compare their paths.
func sameFile(a, b string) bool {
	if ta, tb := textFile(a), textFile(b); ta != "" && tb != "" {
		a, b = ta, tb
	}
	if a == "" || b == "" {
		return false
	}
	if absPath(a) == absPath(b) || resolvedPath(a) == resolvedPath(b) {
		return true
	}
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

// resolvedPath is path made absolute with the symbolic links of its longest
// existing prefix resolved, and the rest appended as it is.
func resolvedPath(path string) string {
	p := absPath(path)
	var rest []string
	for i := 0; i < 256; i++ {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Join(append([]string{r}, rest...)...)
		}
		if target, err := os.Readlink(p); err == nil { // a link to what is not there yet
			if !filepath.IsAbs(target) {
				target = filepath.Join(filepath.Dir(p), target)
			}
			p = target
			continue
		}
		parent := filepath.Dir(p)
		if parent == p {
			break
		}
		rest = append([]string{filepath.Base(p)}, rest...)
		p = parent
	}
	return absPath(path)
}

// ineffective lists, one line each, the flags given that this run ignores.
func (c *config) ineffective() []string {
	var lines []string
	// With -load and no -data the data is the checkpoint's, not yet known.
	dataKnown := c.given["data"] || c.load == ""
	if dataKnown && c.given["label-col"] && !isCSV(c.data) {
		lines = append(lines, fmt.Sprintf("-label-col has no effect: %s is not a CSV file", c.data))
	}
	if dataKnown && c.given["skip-rows"] && c.skipRows > 0 && !isCSV(c.data) && c.predict == "" {
		lines = append(lines, fmt.Sprintf("-skip-rows has no effect: %s is not a CSV file", c.data))
	}
	if dataKnown && c.given["data-dir"] && !isIDX(c.data) {
		lines = append(lines, fmt.Sprintf("-data-dir has no effect: it is where the MNIST files are, and the data is %s", c.data))
	}
	if c.given["wd-norms"] && c.wd == 0 && c.resume == "" && !c.eval && c.predict == "" {
		lines = append(lines, "-wd-norms has no effect without -wd: it says which parameters the weight decay applies to")
	}
	if c.given["data-changed"] && c.load == "" && c.resume == "" {
		lines = append(lines, "-data-changed has no effect without -resume or -load: it says whether their data may differ from the checkpoint's")
	}
	if c.given["act"] && c.given["hidden"] && len(c.hidden) == 0 {
		lines = append(lines, "-act has no effect: without hidden layers the model is linear")
	}
	if c.eval {
		var unused []string
		for _, f := range []string{"save", "opt", "lr", "wd", "wd-norms", "schedule", "epochs", "batch", "plot"} {
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
		for _, f := range []string{"save", "opt", "lr", "wd", "wd-norms", "schedule", "epochs", "batch", "plot", "val", "data", "label-col", "loss", "data-changed"} {
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
