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
	var b bytes.Buffer
	cmd.Stdout, cmd.Stderr = &b, &b
	cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%v: still running after %v (blocked?); output %.500s", args, limit, b.String())
	}
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if ru != nil {
		peak = ru.Maxrss * 1024 // kB on Linux
	}
	return cmd.ProcessState.ExitCode(), b.String(), peak
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

// TestCheckpointFieldsValidated (item 14): every metadata field is checked
// on load, and the error names the file and the field. Before, "abc"
// classes, negative features and deviations, and mismatched class names
// loaded, and a deviation of 0 failed later as an infinite feature.
func TestCheckpointFieldsValidated(t *testing.T) {
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "pts.csv")
	if err := os.WriteFile(csvPath, []byte("a,b,kind\n1,2,x\n2,1,y\n3,3,x\n1,1,y\n0,2,x\n2,0,y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "good.safetensors")
	if code, out, errOut := runTrain(t, "-backend=cpu", "-data="+csvPath, "-epochs=1", "-plot=", "-save="+good); code != 0 {
		t.Fatalf("train: %s%s", out, errOut)
	}
	orig, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	for i, tc := range []struct {
		key, value, want string
	}{
		{"classes", "abc", `"classes": "abc" is not an integer`},
		{"classes", "3", `"classes": 3, but the arch has 2 outputs`},
		{"features", "-2", `"features": -2, want at least 1`},
		{"features", "<delete>", `"features": missing`},
		{"epochs", "-1", `"epochs": -1, want 0 or more`},
		{"data", "cifar", `"data": "cifar" is neither a data set`},
		{"data", "", `"data": empty`},
		{"data", "x\x1b[31m.csv", `"data": "x\x1b[31m.csv" holds control characters`},
		{"class_names", `["x"]`, `"class_names": 1 names for 2 classes`},
		{"class_names", `["x","x"]`, `"class_names": "x" appears twice`},
		{"class_names", `["x",""]`, `"class_names": name 1 is empty`},
		{"standardize", `{"mean":[0,0],"std":[1,0]}`, `"standardize": deviation of feature 1 is 0, want a finite number > 0`},
		{"standardize", `{"mean":[0,0],"std":[-1,1]}`, `"standardize": deviation of feature 0 is -1`},
		{"standardize", `{"mean":[0],"std":[1]}`, `"standardize": 1 means and 1 deviations for 2 features`},
		{"standardize", `{"mean":[0,0],"std":[1,1],"max":[1,1]}`, `"standardize": json: unknown field "max"`},
		{"loss", "l1", `"loss"`},
		{"arch", `{"type":"mlp","inputs":2,"hidden":[0],"outputs":2,"activation":"relu"}`, `"arch"`},
	} {
		path := filepath.Join(dir, "bad.safetensors")
		if err := os.WriteFile(path, orig, 0o644); err != nil {
			t.Fatal(err)
		}
		setMeta(t, path, tc.key, tc.value)
		_, _, err := loadCheckpoint(path)
		if err == nil || !strings.Contains(err.Error(), path+": not a usable gltrain checkpoint") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%d %s=%q: error %v, want one naming the file and containing %q", i, tc.key, tc.value, err, tc.want)
		}
	}
	// What save would write that load refuses is refused on save.
	ck, _, err := loadCheckpoint(good)
	if err != nil {
		t.Fatal(err)
	}
	ck.Std = &data.Standardizer{Mean: []float64{0, 0}, Std: []float64{1, 0}}
	if err := ck.validate(); err == nil {
		t.Error("validate accepts a deviation of 0")
	}
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
		if e.Name() != metricsFile { // written during training, before the pictures
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
	d, err := loadData(context.Background(), c, nil, nil)
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
		{"arch type", "arch", `{"type":"` + long + `"}`},
		{"activation", "arch", `{"type":"mlp","inputs":2,"hidden":[3],"outputs":3,"activation":"` + long + `"}`},
		{"loss", "loss", long},
		{"data", "data", long + ".csv"},
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
		code, _, stderr := runTrain(t, "-backend=cpu", "-load="+path, "-eval")
		if code == 0 || len(stderr) > 500 {
			t.Errorf("%d: %s: exit %d, %d bytes on stderr, want an error under 500 bytes: %.500s", i, tc.name, code, len(stderr), stderr)
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
