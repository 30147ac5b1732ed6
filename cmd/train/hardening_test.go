package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"gltrain/backend/gl"
)

// Tests of issue 15's items on the command line: limits checked before
// anything is allocated, nothing the user has lost to a save, every flag
// value checked, and every signal that ends a run saving first.

// trainCheckpoint trains the spiral briefly on the CPU and saves it.
func trainCheckpoint(t *testing.T, dir string, args ...string) string {
	t.Helper()
	path := filepath.Join(dir, "m.safetensors")
	args = append([]string{"-backend=cpu", "-epochs=2", "-plot=", "-save=" + path}, args...)
	if code, _, stderr := runTrain(t, args...); code != 0 {
		t.Fatalf("train %v: exit %d: %s", args, code, stderr)
	}
	return path
}

// readHeader reads a safetensors file: its bytes, its header's length and
// the header's entries.
func readHeader(t *testing.T, path string) (b []byte, n uint64, hdr map[string]json.RawMessage) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n = binary.LittleEndian.Uint64(b)
	if err := json.Unmarshal(b[8:8+n], &hdr); err != nil {
		t.Fatal(err)
	}
	return b, n, hdr
}

// setMetadata rewrites one __metadata__ value of a safetensors file, keeping
// its tensors: the tampered checkpoints of the tests.
func setMetadata(t *testing.T, path, key, value string) {
	t.Helper()
	b, n, hdr := readHeader(t, path)
	var md map[string]string
	if err := json.Unmarshal(hdr["__metadata__"], &md); err != nil {
		t.Fatal(err)
	}
	md[key] = value
	hdr["__metadata__"], _ = json.Marshal(md)
	h, _ := json.Marshal(hdr)
	for len(h)%8 != 0 {
		h = append(h, ' ')
	}
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
	out = append(append(out, h...), b[8+n:]...)
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

// child runs the command as a child process and returns its exit status,
// its output and its peak resident memory in bytes (getrusage's maxrss).
func child(t *testing.T, cmd *exec.Cmd) (code int, out string, peak int64) {
	t.Helper()
	measured := childPeak(t, cmd)
	b, _ := cmd.CombinedOutput()
	if cmd.ProcessState == nil {
		t.Fatalf("%v did not run: %s", cmd.Args, b)
	}
	return cmd.ProcessState.ExitCode(), string(b), measured()
}

// underAddressLimit wraps cmd to run under RLIMIT_AS of limit bytes, with
// prlimit(1); it skips without prlimit.
func underAddressLimit(t *testing.T, cmd *exec.Cmd, limit int64) {
	t.Helper()
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		t.Skip("no prlimit to set a memory limit:", err)
	}
	cmd.Args = append([]string{prlimit, fmt.Sprintf("--as=%d", limit), "--"}, cmd.Args...)
	cmd.Path = prlimit
}

// TestCheckpointArchCheckedBeforeAllocating (item 3): a checkpoint whose
// "model" metadata claims layers its tensors do not have is refused before
// the model is built, in one line naming the first mismatch and counting
// the rest, whatever size or depth it claims.
func TestCheckpointArchCheckedBeforeAllocating(t *testing.T) {
	dir := t.TempDir()
	good := trainCheckpoint(t, dir, "-hidden=10")
	// n Linear layers of one unit, each but the last followed by a ReLU.
	deep := func(n int) string {
		ls := []string{`{"type":"linear","in":2,"out":1}`}
		for range n - 2 {
			ls = append(ls, `{"type":"relu"}`, `{"type":"linear","in":1,"out":1}`)
		}
		ls = append(ls, `{"type":"relu"}`, `{"type":"linear","in":1,"out":3}`)
		return `{"inputs":2,"outputs":3,"layers":[` + strings.Join(ls, ",") + `]}`
	}
	for i, tc := range []struct {
		name, model string
		want        []string
	}{
		// 7.3 GB if built: 2×170M + 170M×3 weights, then refused.
		{"huge", `{"inputs":2,"outputs":3,"layers":[{"type":"linear","in":2,"out":170000000},{"type":"relu"},{"type":"linear","in":170000000,"out":3}]}`,
			[]string{"0.weight is [10 2] (20 values), the model's is [170000000 2]", "(and 2 more mismatches)"}},
		// 9,999 layers, within the bound: 10,000 mismatched tensors, counted.
		{"deep", deep(5000), []string{"0.weight is [10 2] (20 values), the model's is [1 2]", "(and 9999 more mismatches)"}},
		// 100,001 layers, past the bound: refused before they are declared.
		{"deeper", deep(50_001), []string{`__metadata__ "model": 100002 JSON objects, more than the 10000 layers a model may have`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name+".safetensors")
			b, _ := os.ReadFile(good)
			os.WriteFile(path, b, 0o644)
			setMetadata(t, path, "model", tc.model)
			start := time.Now()
			code, out, peak := child(t, command(t, "-backend=cpu", "-load="+path, "-eval"))
			took := time.Since(start)
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if code != 1 || len(lines) != 1 || len(out) > 500 {
				t.Fatalf("%d: exit %d, %d lines (%d bytes): %.500s; want exit 1 and one line", i, code, len(lines), len(out), out)
			}
			for _, w := range append([]string{path + ": "}, tc.want...) {
				if !strings.Contains(out, w) {
					t.Errorf("%d: %q lacks %q", i, out, w)
				}
			}
			// The process's own peak memory: the checkpoint and the runtime,
			// nothing of the claimed model.
			if peak > 200<<20 || took > 10*time.Second {
				t.Errorf("%d: peak RSS %s, %v; want under 200 MiB and 10 s", i, bytesize(float64(peak)), took)
			}
		})
	}
}

// TestModelTooLargeIsRefused (item 4): a model whose parameters and
// activations cannot fit is refused before anything is allocated, naming
// its size and the limit; measured by the child's own peak memory, under
// an address-space limit and without one.
func TestModelTooLargeIsRefused(t *testing.T) {
	t.Run("ulimit", func(t *testing.T) {
		// Before the fix: 4.3 GB allocated, then a Go fatal error under the
		// limit (or "shape mismatch" at step 1 without it).
		cmd := command(t, "-backend=cpu", "-hidden=100000000", "-epochs=1", "-plot=")
		underAddressLimit(t, cmd, 3<<30)
		code, out, peak := child(t, cmd)
		if code != 1 || strings.Contains(out, "fatal error") || !strings.Contains(out, "the model 2-100000000 relu-3 needs about") ||
			!strings.Contains(out, "available under the address-space limit, ulimit -v") {
			t.Errorf("under a 3 GiB address-space limit: exit %d, %.800s", code, out)
		}
		if peak > 300<<20 {
			t.Errorf("peak RSS %s; want under 300 MiB: nothing of the model allocated", bytesize(float64(peak)))
		}
	})
	t.Run("host", func(t *testing.T) {
		// 10¹² parameters: more than any host has.
		code, out, peak := child(t, command(t, "-backend=cpu", "-hidden=1000000,1000000", "-epochs=1", "-plot="))
		if code != 1 || !strings.Contains(out, "needs about 20.5 TiB to train (1 trillion parameters") || !strings.Contains(out, "available ") {
			t.Errorf("a 10¹²-parameter model: exit %d, %.800s", code, out)
		}
		if peak > 300<<20 {
			t.Errorf("peak RSS %s; want under 300 MiB", bytesize(float64(peak)))
		}
	})
	t.Run("max-memory", func(t *testing.T) {
		code, _, stderr := runTrain(t, "-backend=cpu", "-epochs=1", "-plot=", "-max-memory=64K")
		if code != 1 || !strings.Contains(stderr, "more than the 64.0 KiB available by -max-memory") {
			t.Errorf("-max-memory=64K: exit %d, %q", code, stderr)
		}
		if code, _, stderr := runTrain(t, "-backend=cpu", "-epochs=1", "-plot=", "-max-memory=1G"); code != 0 {
			t.Errorf("-max-memory=1G: exit %d, %q", code, stderr)
		}
	})
	t.Run("gl", func(t *testing.T) {
		glOr(t)
		code, _, stderr := runTrain(t, "-backend=gl", "-hidden=1000000,1000000", "-epochs=1", "-plot=")
		if code != 1 || !strings.Contains(stderr, "needs about") {
			t.Errorf("gl: exit %d, %q", code, stderr)
		}
	})
}

// TestClassCap (item 5): a label column with a class per sample (here an id
// column) is refused past -max-classes, naming the column, and warned about
// below it.
func TestClassCap(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, rows int) string {
		var b strings.Builder
		b.WriteString("x,y,id\n")
		for i := 0; i < rows; i++ {
			fmt.Fprintf(&b, "%d,%d,s%d\n", i%7, i%5, i)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	big, small := write("big.csv", defaultMaxClasses+1), write("small.csv", 200)
	code, _, stderr := runTrain(t, "-backend=cpu", "-plot=", "-epochs=1", "-data="+big)
	if code != 1 || !strings.Contains(stderr, "big.csv: the labels, the last column (3), make 10001 classes, more than -max-classes=10000") {
		t.Errorf("10,001 classes: exit %d, %q", code, stderr)
	}
	code, _, stderr = runTrain(t, "-backend=cpu", "-plot=", "-epochs=1", "-data="+small, "-label-col=3", "-max-classes=100")
	if code != 1 || !strings.Contains(stderr, "the labels, column 3, make 200 classes, more than -max-classes=100") {
		t.Errorf("-max-classes=100: exit %d, %q", code, stderr)
	}
	code, _, stderr = runTrain(t, "-backend=cpu", "-plot=", "-epochs=1", "-data="+small)
	if code != 0 || strings.Count(stderr, "warning: ") != 1 || !strings.Contains(stderr, "200 of the 200 classes of "+small+" (labels in the last column (3)) have a single sample") {
		t.Errorf("200 single-sample classes: exit %d, %q; want a warning", code, stderr)
	}
	if code, _, stderr := runTrain(t, "-backend=cpu", "-plot=", "-epochs=1"); code != 0 || stderr != "" {
		t.Errorf("spiral: exit %d, %q; want no warning", code, stderr)
	}
}

// TestInterruptBeforeFirstStepKeepsCheckpoint (item 7): an interrupt before
// any training step writes nothing: an existing checkpoint stays as it was.
func TestInterruptBeforeFirstStepKeepsCheckpoint(t *testing.T) {
	dir := t.TempDir()
	path := trainCheckpoint(t, dir)
	before, _ := os.ReadFile(path)
	fresh := filepath.Join(dir, "fresh.safetensors")
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // Ctrl-C before the first step
	for i, args := range [][]string{
		{"-save=" + path},                   // a new model built over a trained one
		{"-load=" + path, "-save=" + fresh}, // a loaded one, not trained since
	} {
		var out, errOut bytes.Buffer
		code := run(ctx, append([]string{"-backend=cpu", "-plot=", "-epochs=1"}, args...), &out, &errOut)
		if code != 130 || !strings.Contains(errOut.String(), "interrupted before the first training step") {
			t.Errorf("%d %v: exit %d, %q", i, args, code, errOut.String())
		}
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Errorf("the checkpoint was overwritten by an untrained model")
	}
	if _, err := os.Stat(fresh); !os.IsNotExist(err) {
		t.Errorf("an untrained model was saved: %v", err)
	}
}

// TestSaveMustNotBeAnInput (item 8): -save naming the -data or -load file,
// by any path or link, is refused before anything is written.
func TestSaveMustNotBeAnInput(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "d.csv")
	os.WriteFile(csv, []byte("1,2,a\n3,4,b\n5,6,a\n7,8,b\n"), 0o644)
	ck := trainCheckpoint(t, dir)
	os.Symlink(csv, filepath.Join(dir, "link.safetensors"))
	os.Link(ck, filepath.Join(dir, "hard.safetensors"))
	sub := filepath.Join(dir, "sub")
	os.Mkdir(sub, 0o755)
	csvBefore, _ := os.ReadFile(csv)
	ckBefore, _ := os.ReadFile(ck)
	for i, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-data=" + csv, "-save=" + csv}, "it is the -data file"},
		{[]string{"-data=" + csv, "-save=" + sub + "/../d.csv"}, "it is the -data file"},
		{[]string{"-data=" + csv, "-save=" + filepath.Join(dir, "link.safetensors")}, "it is the -data file"},
		{[]string{"-load=" + ck, "-save=" + ck}, "it is the -load file"},
		{[]string{"-load=" + ck, "-save=" + filepath.Join(dir, "hard.safetensors")}, "it is the -load file"},
	} {
		code, _, stderr := runTrain(t, append([]string{"-backend=cpu", "-plot=", "-epochs=1"}, tc.args...)...)
		if code != 2 || !strings.Contains(stderr, "for -save: "+tc.want) {
			t.Errorf("%d %v: exit %d, %q; want 2 and %q", i, tc.args, code, stderr, tc.want)
		}
	}
	// Without -data the checkpoint's data set is used, and is an input too.
	csvCk := filepath.Join(sub, "csv.safetensors")
	if code, _, stderr := runTrain(t, "-backend=cpu", "-plot=", "-epochs=1", "-data="+csv, "-val=0", "-save="+csvCk); code != 0 {
		t.Fatal(stderr)
	}
	if code, _, stderr := runTrain(t, "-backend=cpu", "-plot=", "-epochs=1", "-load="+csvCk, "-save="+csv); code != 2 || !strings.Contains(stderr, "it is the -data file") {
		t.Errorf("-save naming the checkpoint's data: exit %d, %q", code, stderr)
	}
	csvAfter, _ := os.ReadFile(csv)
	ckAfter, _ := os.ReadFile(ck)
	if !bytes.Equal(csvBefore, csvAfter) || !bytes.Equal(ckBefore, ckAfter) {
		t.Error("an input was overwritten")
	}
}

// TestFlagValuesInFloat32 (item 15): values are checked as the device will
// hold them, and options are honoured or refused, never ignored: exit 2
// naming the flag.
func TestFlagValuesInFloat32(t *testing.T) {
	for i, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-lr=1e-50"}, "invalid value 1e-50 for -lr: want a number > 0 that float32 holds"}, // 0 in float32
		{[]string{"-lr=1e-40"}, "invalid value 1e-40 for -lr"},                                       // subnormal: flushed to 0 on GPUs
		{[]string{"-lr=1e39"}, "invalid value 1e+39 for -lr"},                                        // +Inf in float32
		{[]string{"-wd=1e39"}, "invalid value 1e+39 for -wd"},
		{[]string{"-schedule=step:1:NaN"}, `invalid value "step:1:NaN" for -schedule`},
		{[]string{"-schedule=step:1:1e39"}, `invalid value "step:1:1e39" for -schedule`},
		{[]string{"-schedule=cosine:5"}, `invalid value "cosine:5" for -schedule: schedule "cosine:5": cosine takes no parameters`},
		{[]string{"-backend=gl:device=999"}, `invalid value "gl:device=999" for -backend: gl options: "device=999": want device=N with 0 ≤ N < 16`},
		{[]string{"-backend=gl:egl-device,glfw"}, `invalid value "gl:egl-device,glfw" for -backend: gl options: egl-device, glfw: give one context path`},
		{[]string{"-backend=gl:glfw,device=0"}, `for -backend: gl options: device=0 picks an EGL device, which the glfw path does not use`},
		{[]string{"-act=leakyrelu:1e-40"}, `invalid value "leakyrelu:1e-40" for -act: the parameter is too small for float32`},
		{[]string{"-threads=3000000000"}, "invalid value 3000000000 for -threads"},
		{[]string{"-threads=1025"}, "invalid value 1025 for -threads: want 0 (every core) to 1024"},
		{[]string{"-threads=40000"}, "invalid value 40000 for -threads: want 0 (every core) to 1024"},
		{[]string{"-backend=cpu:threads=1025"}, `cpu options: "threads=1025": want threads=N with 1 ≤ N ≤ 1024`},
		{[]string{"-max-classes=1"}, "invalid value 1 for -max-classes"},
		{[]string{"-max-memory=lots"}, `invalid value "lots" for -max-memory`},
	} {
		code, stdout, stderr := runTrain(t, tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) || stdout != "" {
			t.Errorf("%d %v: exit %d, stderr %q; want 2 and %q", i, tc.args, code, stderr, tc.want)
		}
	}
	// device=N alone means the egl-device path, so that a missing device
	// fails instead of silently training on another path.
	if o, err := gl.ParseOptions("device=1"); err != nil || o.Context != "egl-device" || o.Device == nil || *o.Device != 1 {
		t.Errorf("gl:device=1: %+v, %v; want the egl-device path and device 1", o, err)
	}
	for i, tc := range []struct {
		in   string
		want float64
	}{{"512M", 512 << 20}, {"8G", 8 << 30}, {"1.5GiB", 1.5 * (1 << 30)}, {"100", 100}, {"2kb", 2048}, {"", 0}} {
		if got, err := parseSize(tc.in); err != nil || got != tc.want {
			t.Errorf("%d parseSize(%q) = %v, %v; want %v", i, tc.in, got, err, tc.want)
		}
	}
}

// TestIneffectiveFlagsWarn (item 16): a flag that has no effect, and a
// checkpoint evaluated on data without some of its classes, are warned
// about in one line each.
func TestIneffectiveFlagsWarn(t *testing.T) {
	ck := trainCheckpoint(t, t.TempDir())
	rows := filepath.Join(t.TempDir(), "rows.csv")
	if err := os.WriteFile(rows, []byte("0.1,0.2\n-0.3,0.4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for i, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-plot=", "-epochs=1", "-label-col=2"}, "warning: -label-col has no effect: spiral is not a CSV file\n"},
		{[]string{"-plot=", "-epochs=1", "-skip-rows=1"}, "warning: -skip-rows has no effect: spiral is not a CSV file\n"},
		{[]string{"-plot=", "-epochs=1", "-data-dir=/tmp"}, "warning: -data-dir has no effect"},
		{[]string{"-plot=", "-epochs=1", "-hidden=", "-act=tanh"}, "warning: -act has no effect: without hidden layers the model is linear\n"},
		{[]string{"-load=" + ck, "-eval", "-save=x.safetensors", "-opt=sgd", "-lr=0.1"}, "warning: -save, -opt and -lr have no effect with -eval, which does not train\n"},
		{[]string{"-load=" + ck, "-eval", "-opt=adamw"}, "warning: -opt has no effect with -eval, which does not train\n"},
		{[]string{"-load=" + ck, "-eval", "-val=0.5"}, "warning: -val has no effect with -eval, which evaluates the whole data set (mnist: its test set)\n"},
		{[]string{"-load=" + ck, "-eval", "-data=moons"}, "warning: moons holds labels of 2 of the 3 classes " + ck + " was trained on (on spiral)\n"},
		{[]string{"-load=" + ck, "-predict=" + rows, "-lr=0.1", "-epochs=3"}, "warning: -lr and -epochs have no effect with -predict, which only runs the -load model on the rows of " + rows + "\n"},
		{[]string{"-load=" + ck, "-eval", "-input-shape=1x1x2"}, "warning: -input-shape has no effect with -load or -resume: the checkpoint records its layers' shapes\n"},
	} {
		code, _, stderr := runTrain(t, append([]string{"-backend=cpu"}, tc.args...)...)
		if code != 0 || !strings.Contains(stderr, tc.want) || strings.Count(stderr, "warning:") != 1 {
			t.Errorf("%d %v: exit %d, %q; want one warning %q", i, tc.args, code, stderr, tc.want)
		}
	}
	if _, _, stderr := runTrain(t, "-backend=cpu", "-load="+ck, "-eval"); strings.Contains(stderr, "warning") {
		t.Errorf("eval on the checkpoint's own data: %q; want no warning", stderr)
	}
}

// TestSignalsSave (item 17): closing the terminal (SIGHUP) and SIGTERM stop
// training as Ctrl-C does, with exit status 130: after an epoch-end save
// the file keeps that epoch, which -resume continues; before one, the model
// is saved as it was.
func TestSignalsSave(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGHUP, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := command(t, "-backend=cpu", "-epochs=100000", "-batch=300", "-plot=", "-save=m.safetensors")
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			scan := bufio.NewScanner(stdout)
			for epochs := 0; epochs < 2 && scan.Scan(); {
				if strings.HasPrefix(scan.Text(), "epoch ") {
					epochs++
				}
			}
			cmd.Process.Signal(sig)
			for scan.Scan() {
			}
			cmd.Wait()
			var kept int
			_, msg, _ := strings.Cut(stderr.String(), "interrupted; ")
			n, _ := fmt.Sscanf(msg, "m.safetensors keeps epoch %d, which -resume=m.safetensors continues", &kept)
			if code := cmd.ProcessState.ExitCode(); code != 130 || n != 1 {
				t.Fatalf("%v: exit %d (%v), stderr %q", sig, code, cmd.ProcessState, tail(stderr.String()))
			}
			ck, err := loadCheckpoint(filepath.Join(cmd.Dir, "m.safetensors"))
			if err != nil || ck.Epochs < 2 || ck.Epochs != kept || !ck.Optimizer {
				t.Errorf("checkpoint after %v: %+v, %v; want epoch %d (≥ 2) with its optimiser state", sig, ck, err, kept)
			}
		})
	}
	t.Run("before the first epoch", func(t *testing.T) {
		// Interrupted at the fifth of the first epoch's 15 steps: no
		// epoch-end save yet, so the weights are saved as they were,
		// without a training state to resume.
		path := filepath.Join(t.TempDir(), "m.safetensors")
		var out, errOut bytes.Buffer
		code := run(&cancelAfter{Context: context.Background(), checks: 4}, []string{"-backend=cpu", "-epochs=3", "-plot=", "-save=" + path}, &out, &errOut)
		if code != 130 || errOut.String() != "train: interrupted; saved the model as it was to "+path+"\n" {
			t.Fatalf("exit %d, stderr %q", code, errOut.String())
		}
		ck, err := loadCheckpoint(path)
		if err != nil || ck.Epochs != 0 || ck.Optimizer {
			t.Errorf("checkpoint: %+v, %v; want the weights without a training state", ck, err)
		}
		code, _, stderr := runTrain(t, "-backend=cpu", "-plot=", "-resume="+path)
		if code != 2 || !strings.Contains(stderr, "the checkpoint holds no optimiser state") {
			t.Errorf("-resume of it: exit %d, %q; want 2 and a refusal", code, stderr)
		}
	})
}

// cancelAfter is a context cancelled at the check after the given number
// of checks (calls of Err): the trainer checks before each step, so the
// interrupt falls at a chosen step.
type cancelAfter struct {
	context.Context
	checks int
}

func (c *cancelAfter) Err() error {
	if c.checks--; c.checks < 0 {
		return context.Canceled
	}
	return nil
}
