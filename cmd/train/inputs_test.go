package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/backend/backendtest"
	"gltrain/nn"
	"gltrain/nn/data"
	"gltrain/nn/safetensors"
)

// A child run with GLTRAIN_IGNORE_SIGXFSZ=1 ignores SIGXFSZ, so that a write
// past the file-size limit fails with EFBIG instead of killing the process.
func init() {
	if os.Getenv("GLTRAIN_IGNORE_SIGXFSZ") == "1" {
		signal.Ignore(syscall.SIGXFSZ)
	}
}

// runChild runs the command in a child process, killed after limit; it returns
// the exit status, the combined output and the child's peak RSS in bytes.
func runChild(t *testing.T, limit time.Duration, wrap []string, args ...string) (code int, out string, peak int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	argv := append(append(wrap, os.Args[0]), args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "GLTRAIN_TRAIN_MAIN=1", "GLTRAIN_IGNORE_SIGXFSZ=1")
	cmd.Dir = t.TempDir()
	measured := childPeak(t, cmd)
	var b bytes.Buffer
	cmd.Stdout, cmd.Stderr = &b, &b
	cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%v: still running after %v (blocked?); output %.500s", args, limit, b.String())
	}
	return cmd.ProcessState.ExitCode(), b.String(), measured()
}

// sparseFile makes a file of size bytes of zeros (a hole: no disk used),
// after prefix.
func sparseFile(t *testing.T, path string, prefix []byte, size int64) string {
	t.Helper()
	if err := os.WriteFile(path, prefix, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, size); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestBadInputsBounded (items 1, 2, 6): huge, endless and blocking inputs
// are refused with one short line, exit status 1, in bounded memory
// (the child's peak RSS, measured) and without blocking. Before: -load read
// the whole file (1 GiB of RSS) before checking its header; a CSV line was
// read whole; a FIFO blocked in open() for ever; /dev/zero grew until the
// process died.
func TestBadInputsBounded(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.csv")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	fifoCk := filepath.Join(dir, "fifo.safetensors")
	if err := syscall.Mkfifo(fifoCk, 0o644); err != nil {
		t.Fatal(err)
	}
	zeroCSV := filepath.Join(dir, "zero.csv")
	if err := os.Symlink("/dev/zero", zeroCSV); err != nil {
		t.Fatal(err)
	}
	bigCk := sparseFile(t, filepath.Join(dir, "big.safetensors"), nil, 1<<30)
	bigCSV := sparseFile(t, filepath.Join(dir, "big.csv"), []byte("1,0\n2,1\n"), 256<<20)
	const maxRSS = 150 << 20 // the Go runtime, the binary, and a 4 MiB line several times over
	for i, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-load=" + bigCk, "-eval"}, "big.safetensors: header is not a JSON object"},
		{[]string{"-load=/dev/zero", "-eval"}, "/dev/zero: a character device: not a regular file"},
		{[]string{"-load=" + fifoCk, "-eval"}, "fifo.safetensors: a FIFO (named pipe): not a regular file"},
		{[]string{"-data=" + fifo}, "fifo.csv: a FIFO (named pipe): not a regular file"},
		{[]string{"-data=" + zeroCSV}, "zero.csv: a character device: not a regular file"},
		{[]string{"-data=" + bigCSV}, "big.csv:3: the record starting here is longer than 4 MiB"},
	} {
		code, out, peak := runChild(t, 20*time.Second, nil, append([]string{"-backend=cpu"}, tc.args...)...)
		_, msg, _ := strings.Cut(out, "train: ")
		if code != 1 || !strings.Contains(msg, tc.want) || len(msg) > 300 || strings.Count(msg, "\n") != 1 {
			t.Errorf("%d %v: exit %d, output %.400q; want 1 and one short line containing %q", i, tc.args, code, out, tc.want)
		}
		t.Logf("%d %v: peak RSS %d MiB", i, tc.args, peak>>20)
		if peak > maxRSS {
			t.Errorf("%d %v: peak RSS %d MiB, want at most %d", i, tc.args, peak>>20, maxRSS>>20)
		}
	}
}

// setMeta rewrites one __metadata__ value of the checkpoint at path
// (deleting it for value "<delete>"), keeping its tensors.
func setMeta(t *testing.T, path, key, value string) {
	t.Helper()
	f, err := safetensors.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if value == "<delete>" {
		delete(f.Metadata, key)
	} else {
		f.Metadata[key] = value
	}
	if err := safetensors.WriteFile(path, f.Tensors, f.Metadata); err != nil {
		t.Fatal(err)
	}
}

// TestCheckpointFieldsValidated (item 14): every metadata field of a
// version 2 checkpoint is checked on load, and the error names the file and
// the field. Before, "abc" classes, negative features and deviations, and
// mismatched class names loaded, and a deviation of 0 failed later as an
// infinite feature.
func TestCheckpointFieldsValidated(t *testing.T) {
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "pts.csv")
	require.NoError(t, os.WriteFile(csvPath, []byte("a,b,kind\n1,2,x\n2,1,y\n3,3,x\n1,1,y\n0,2,x\n2,0,y\n"), 0o644))
	good := filepath.Join(dir, "good.safetensors")
	code, out, errOut := runTrain(t, "-backend=cpu", "-data="+csvPath, "-epochs=1", "-plot=", "-save="+good)
	require.Equal(t, 0, code, "train: %s%s", out, errOut)
	orig, err := os.ReadFile(good)
	require.NoError(t, err)
	ck, err := loadCheckpoint(good)
	require.NoError(t, err)
	require.Equal(t, "2-64 relu-2", ck.Spec.String()) // the model the cases below tamper with

	const (
		linear0 = `{"type":"linear","in":2,"out":64}`
		linear2 = `{"type":"linear","in":64,"out":2}`
	)
	model := func(layers ...string) string {
		return `{"inputs":2,"outputs":2,"layers":[` + strings.Join(layers, ",") + `]}`
	}
	for i, tc := range []struct {
		key, value, want string
	}{
		{"format", "safetensors", `__metadata__ "format" is "safetensors", want "gltrain"`},
		{"format", "<delete>", `__metadata__ "format" is "", want "gltrain"`},
		{"version", "3", `__metadata__ "version" is "3", want "2"`},
		{"version", "<delete>", `__metadata__ "version" is "", want "2"`},
		{"model", "abc", `__metadata__ "model": invalid character 'a'`},
		{"model", "<delete>", `__metadata__ "model": EOF`},
		{"model", `{"inputs":2,"hidden":[3],"outputs":2}`, `__metadata__ "model": json: unknown field "hidden"`},
		{"model", `{"inputs":0,"outputs":2,"layers":[` + linear0 + `]}`, `__metadata__ "model": 0 inputs, want 1 to`},
		{"model", `{"inputs":2,"outputs":2}`, `__metadata__ "model": no layers`},
		{"model", model(`{"type":"linear","in":2,"out":0}`), `__metadata__ "model": layer 0 ("linear"): 2→0 after a layer of width 2`},
		{"model", model(linear0, `{"type":"swish2"}`, linear2), `__metadata__ "model": layer 1 ("swish2"): unknown layer type`},
		{"model", model(linear0, `{"type":"relu","alpha":0.1}`, linear2), `__metadata__ "model": layer 1 ("relu"): relu takes no parameter (alpha 0.1)`},
		{"model", model(linear0, `{"type":"dropout","p":1.5}`, linear2), `__metadata__ "model": layer 1 ("dropout"): probability 1.5`},
		{"model", model(linear0, `{"type":"relu"}`), `__metadata__ "model": the layers give 64 outputs, the model says 2`},
		// A valid model that is not the file's: its tensors do not fit.
		{"model", model(`{"type":"linear","in":2,"out":32}`, `{"type":"relu"}`, `{"type":"linear","in":32,"out":2}`),
			"0.weight is [64 2] (128 values), the model's is [32 2] (and 2 more mismatches)"},
		{"meta", `{"data":"cifar"}`, `__metadata__ "meta" "data": "cifar" is neither a data set`},
		{"meta", `{"data":""}`, `__metadata__ "meta" "data": missing or empty`},
		{"meta", "<delete>", `__metadata__ "meta" "data": missing or empty`},
		{"meta", `{"data":"x\u001b[31m.csv"}`, `__metadata__ "meta" "data": "x\x1b[31m.csv" holds control characters`},
		{"meta", `{"data":1}`, `__metadata__ "meta": json: cannot unmarshal number`},
		{"meta", `["data"]`, `__metadata__ "meta": json: cannot unmarshal array`},
		{"class_names", `["x"]`, `__metadata__ "class_names": 1 names for 2 outputs`},
		{"class_names", `["x","x"]`, `__metadata__ "class_names": "x" appears twice`},
		{"class_names", `["x",""]`, `__metadata__ "class_names": name 1 is empty`},
		{"class_names", `null`, `__metadata__ "class_names": null, want a list of names`},
		{"class_names", `[1,2]`, `__metadata__ "class_names": json: cannot unmarshal number`},
		{"standardize", `{"mean":[0,0],"std":[1,0]}`, `__metadata__ "standardize": deviation of feature 1 is 0, want a number from 1.1754944e-38 to 3.4028235e+38`},
		{"standardize", `{"mean":[0,0],"std":[1,1e-300]}`, `__metadata__ "standardize": deviation of feature 1 is 1e-300, want a number from`},
		{"standardize", `{"mean":[1e300,0],"std":[1,1]}`, `__metadata__ "standardize": mean of feature 0 is 1e+300, want a finite number within float32's range`},
		{"standardize", `{"mean":[0,0],"std":[-1,1]}`, `__metadata__ "standardize": deviation of feature 0 is -1`},
		{"standardize", `{"mean":[0],"std":[1]}`, `__metadata__ "standardize": 1 means and 1 deviations for 2 inputs`},
		{"standardize", `{"mean":[0,0],"std":[1,1],"max":[1,1]}`, `__metadata__ "standardize": json: unknown field "max"`},
		{"loss", "l2", `__metadata__ "loss"`},
		{"train", `{"epochs":-1,"steps":0}`, `__metadata__ "train": -1 epochs and 0 steps, want 0 or more`},
		{"train", `{"epochs":1,"steps":-5}`, `__metadata__ "train": 1 epochs and -5 steps, want 0 or more`},
		{"train", `{"epoch":3}`, `__metadata__ "train": json: unknown field "epoch"`},
		{"optimizer", `{"kind":"adam"}`, `__metadata__ "optimizer": json: unknown field "kind"`},
		{"optimizer", `"adam"`, `__metadata__ "optimizer": json: cannot unmarshal string`},
	} {
		path := filepath.Join(dir, "bad.safetensors")
		require.NoError(t, os.WriteFile(path, orig, 0o644))
		setMeta(t, path, tc.key, tc.value)
		_, err := loadCheckpoint(path)
		if assert.Error(t, err, "%d %s=%q", i, tc.key, tc.value) {
			assert.True(t, strings.HasPrefix(err.Error(), path+": "), "%d %s=%q: %v does not name the file", i, tc.key, tc.value, err)
			assert.Contains(t, err.Error(), tc.want, "%d %s=%q", i, tc.key, tc.value)
		}
	}

	// The optimiser's state is checked when -resume rebuilds it: exit 1,
	// naming the file and the field.
	for i, value := range []string{
		`{"type":"rmsprop","adam":{"LR":0.01,"Beta1":0.9,"Beta2":0.999,"Eps":1e-8},"steps":[1,1,1,1]}`,
		`{"type":"adam","adam":{"LR":0.01,"Beta1":0.9,"Beta2":0.999,"Eps":1e-8},"steps":[1,1]}`,
		`{"type":"adam","adam":{"LR":0.01,"Beta1":0.9,"Beta2":0.999,"Eps":1e-8},"steps":[1,-1,1,1]}`,
	} {
		path := filepath.Join(dir, fmt.Sprintf("opt%d.safetensors", i))
		require.NoError(t, os.WriteFile(path, orig, 0o644))
		setMeta(t, path, "optimizer", value)
		before, err := os.ReadFile(path)
		require.NoError(t, err)
		code, _, stderr := runTrain(t, "-backend=cpu", "-plot=", "-epochs=2", "-resume="+path)
		assert.Equal(t, 1, code, "%d: %s", i, stderr)
		assert.Contains(t, stderr, path+": not a usable gltrain checkpoint: __metadata__ \"optimizer\": ", "%d", i)
		after, _ := os.ReadFile(path)
		assert.Equal(t, before, after, "%d: the refused checkpoint was rewritten", i)
	}

	// A model with one output is no classifier: refused, naming "model".
	b := backendtest.Open(t, "cpu")
	one, err := nn.Spec{Inputs: 2, Outputs: 1, Layers: []nn.LayerSpec{{Type: "linear", In: 2, Out: 1}}}.Build(b, 1)
	require.NoError(t, err)
	defer one.Release()
	one.Meta = map[string]string{"data": "spiral"}
	onePath := filepath.Join(dir, "one.safetensors")
	require.NoError(t, saveCheckpoint(onePath, one, nil))
	_, err = loadCheckpoint(onePath)
	if assert.Error(t, err) {
		assert.Contains(t, err.Error(), onePath+`: not a usable gltrain checkpoint: __metadata__ "model": 1 outputs, want at least 2`)
	}

	// What save would write that load refuses is refused on save, and the
	// file keeps what it held.
	m, err := nn.Load(good, b)
	require.NoError(t, err)
	defer m.Release()
	m.Standardizer = &data.Standardizer{Mean: []float64{0, 0}, Std: []float64{1, 0}}
	err = saveCheckpoint(good, m, nil)
	if assert.Error(t, err, "save accepts a deviation of 0") {
		assert.Contains(t, err.Error(), `"standardize": deviation of feature 1 is 0`)
	}
	after, err := os.ReadFile(good)
	require.NoError(t, err)
	assert.Equal(t, orig, after, "a refused save changed the file")
}

// TestCheckpointDataIsDefault (item 14): without -data, -load uses the data
// set the checkpoint was trained on (before: the default, spiral).
func TestCheckpointDataIsDefault(t *testing.T) {
	path := filepath.Join(t.TempDir(), "moons.safetensors")
	if code, _, stderr := runTrain(t, "-backend=cpu", "-data=moons", "-epochs=1", "-plot=", "-save="+path); code != 0 {
		t.Fatal(stderr)
	}
	code, stdout, stderr := runTrain(t, "-backend=cpu", "-load="+path, "-eval")
	if code != 0 || !strings.Contains(stdout, "data     moons:") || strings.Contains(stderr, "warning") {
		t.Errorf("-load without -data: exit %d, %s%s; want the moons data set, no warning", code, stdout, stderr)
	}
}

// TestSaveCleansStaleAndLongNames (item 9): a save removes the temporary
// files that killed saves left next to the target (old and new naming), and
// a target name of 250 bytes saves (before, the temporary name embedded it
// and passed the 255-byte limit).
func TestSaveCleansStaleAndLongNames(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	for _, name := range []string{".m.safetensors.2718281.tmp", ".m.safetensors.31415.tmp"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	long := filepath.Join(dir, strings.Repeat("n", 250-len(".safetensors"))+".safetensors")
	for i, p := range []string{path, long} {
		if code, _, stderr := runTrain(t, "-backend=cpu", "-epochs=1", "-plot=", "-save="+p); code != 0 {
			t.Fatalf("%d: save to a %d-byte name: %s", i, len(filepath.Base(p)), stderr)
		}
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 2 {
		t.Errorf("directory holds %q, want only the two checkpoints", names)
	}
}

// TestPlotsAtomic (item 10): a plot write that fails midway (the file-size
// limit of the child, as a full disk would) leaves the previous pictures
// whole and no temporary file. Before, the PNG was truncated in place.
func TestPlotsAtomic(t *testing.T) {
	dir := t.TempDir()
	old := map[string]string{}
	for _, name := range []string{decisionBoundaryFile, lossCurveFile} {
		old[name] = "the previous picture of " + name
		if err := os.WriteFile(filepath.Join(dir, name), []byte(old[name]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// 16 blocks: 8 KiB in dash's 512-byte blocks, 16 KiB in bash's; either
	// is less than a picture.
	wrap := []string{"sh", "-c", `ulimit -f 16 && exec "$0" "$@"`}
	code, out, _ := runChild(t, 60*time.Second, wrap, "-backend=cpu", "-epochs=1", "-plot="+dir)
	if code != 1 || !strings.Contains(out, "file too large") {
		t.Fatalf("exit %d, output %s; want 1 and the write error", code, out)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		if e.Name() != metricsFile && e.Name() != stepsFile { // written during training, before the pictures
			names = append(names, e.Name())
		}
	}
	if len(names) != 2 {
		t.Errorf("the plot folder holds %q, want the 2 pictures and %s (a temporary file left?)", names, metricsFile)
	}
	for name, want := range old {
		if got, _ := os.ReadFile(filepath.Join(dir, name)); string(got) != want {
			t.Errorf("%s: %d bytes, not the previous picture: a failed write damaged it", name, len(got))
		}
	}
}

// TestCSVFullPrecision (item 12): a feature of 1e8 + label is separable
// after loading: parsed and standardised in float64. Before, float32
// parsing made 1e8 and 1e8+1 equal and training reached 51%.
func TestCSVFullPrecision(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.csv")
	var b strings.Builder
	for i := range 300 {
		b.WriteString(ftoa(1e8+float64(i%2)) + "," + ftoa(float64(i%5)) + "," + ftoa(float64(i%2)) + "\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := parseFlags([]string{"-data=" + path}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := loadData(context.Background(), c.dataSource(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []data.Set{d.train, d.held} {
		for k := range s.Len() {
			if v := s.X[2*k]; (v > 0) != (s.Labels[k] == 1) {
				t.Fatalf("sample %d of label %d: standardised feature %v: the classes overlap", k, s.Labels[k], v)
			}
		}
	}
}

// TestCheckpointErrorsShort: a checkpoint whose fields, tensor names or
// shapes are megabytes long is refused with a short message (before, each of
// these repeated the whole value: a megabyte of error).
func TestCheckpointErrorsShort(t *testing.T) {
	dir := t.TempDir()
	good := trainCheckpoint(t, dir)
	orig, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("A", 1<<20)
	// raw writes a checkpoint with one more, empty tensor, of the given name
	// and shape: the JSON of the header is edited, so anything goes.
	raw := func(path, name string, dims int) {
		n := binary.LittleEndian.Uint64(orig)
		var hdr map[string]json.RawMessage
		if err := json.Unmarshal(orig[8:8+n], &hdr); err != nil {
			t.Fatal(err)
		}
		shape := "[" + strings.Repeat("0,", dims-1) + "0]"
		hdr[name] = json.RawMessage(`{"dtype":"F32","shape":` + shape + `,"data_offsets":[0,0]}`)
		h, _ := json.Marshal(hdr)
		for len(h)%8 != 0 {
			h = append(h, ' ')
		}
		out := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
		if err := os.WriteFile(path, append(append(out, h...), orig[8+n:]...), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for i, tc := range []struct{ name, key, value string }{
		{"model", "model", long},
		{"model field", "model", `{"inputs":2,"outputs":3,"` + long + `":1}`},
		{"layer type", "model", `{"inputs":2,"outputs":3,"layers":[{"type":"` + long + `"}]}`},
		{"custom type", "model", `{"inputs":2,"outputs":3,"custom":"` + long + `"}`},
		{"format", "format", long},
		{"version", "version", long},
		{"loss", "loss", long},
		{"data", "meta", `{"data":"` + long + `.csv"}`},
		{"meta", "meta", long},
		{"class names", "class_names", `["` + long + `","` + long + `","c"]`},
		{"train", "train", `{"` + long + `":1}`},
		{"optimizer", "optimizer", `{"type":"` + long + `"}`},
		{"standardize", "standardize", `{"mean":[0,0],"std":[1,1],"` + long + `":1}`},
		{"tensor name", "", ""},
		{"tensor shape", "", ""},
	} {
		path := filepath.Join(dir, fmt.Sprintf("bad%d.safetensors", i))
		switch tc.name {
		case "tensor name":
			raw(path, long, 2)
		case "tensor shape":
			raw(path, "z", 1<<20)
		default:
			if err := os.WriteFile(path, orig, 0o644); err != nil {
				t.Fatal(err)
			}
			setMetadata(t, path, tc.key, tc.value)
		}
		args := []string{"-backend=cpu", "-load=" + path, "-eval"}
		if tc.key == "optimizer" { // read only to resume
			args = []string{"-backend=cpu", "-plot=", "-epochs=3", "-resume=" + path}
		}
		code, _, stderr := runTrain(t, args...)
		if code != 1 || len(stderr) > 500 || !strings.Contains(stderr, path+": ") {
			t.Errorf("%d: %s: exit %d, %d bytes on stderr, want 1 and an error under 500 bytes naming the file: %.500s", i, tc.name, code, len(stderr), stderr)
		}
	}
}

// TestPathsPrintable: a -data, -save or -load path that is not UTF-8 or
// holds control characters is refused at parse time (a checkpoint records
// paths as UTF-8 text, and the command prints them).
func TestPathsPrintable(t *testing.T) {
	for i, args := range [][]string{
		{"-data=\xff\xfe.csv"},
		{"-save=m\x1b]0;x\x07.safetensors"},
		{"-load=\x00.safetensors"},
	} {
		code, _, stderr := runTrain(t, append([]string{"-backend=cpu", "-plot="}, args...)...)
		if code != 2 || !strings.Contains(stderr, "not UTF-8, or holds control characters") {
			t.Errorf("%d: %q: exit %d, stderr %q", i, args, code, stderr)
		}
	}
}
