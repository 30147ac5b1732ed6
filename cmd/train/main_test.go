package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/internal/hostmem"
	"gltrain/nn"
)

// TestMain lets a test run the command as a child process (for exit
// statuses and signals): with GLTRAIN_TRAIN_MAIN=1 the binary is train.
// With GLTRAIN_TRAIN_HWM=FILE too, the child writes its peak RSS there
// (VmHWM, in bytes) as it exits (childPeak): its rusage cannot tell it,
// since Go starts children with vfork, and Linux carries the parent's peak
// RSS into the child's at exec.
func TestMain(m *testing.M) {
	if os.Getenv("GLTRAIN_TRAIN_MAIN") == "1" {
		code := mainCode()
		if path := os.Getenv("GLTRAIN_TRAIN_HWM"); path != "" {
			os.WriteFile(path, []byte(strconv.FormatInt(hostmem.ProcStatus()["VmHWM"], 10)), 0o644)
		}
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// command returns the command as a child process of the test binary.
func command(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "GLTRAIN_TRAIN_MAIN=1")
	cmd.Dir = t.TempDir()
	return cmd
}

// runTrain runs the command in-process and returns its status and output.
func runTrain(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// glOr returns "gl" when a GL context is available (always in CI, where it
// is required), else skips.
func glOr(t *testing.T) string {
	t.Helper()
	backendtest.Open(t, "gl")
	return "gl"
}

// TestBadFlagValues: exit status 2 and one line naming the bad value and the
// valid ones, before anything is opened or loaded.
func TestBadFlagValues(t *testing.T) {
	for i, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-backend=vulkan"}, `invalid value "vulkan" for -backend: valid values are auto, gl, cpu`},
		{[]string{"-data=cifar"}, `invalid value "cifar" for -data: valid values are circles, moons, spiral, xor, mnist, fashion-mnist, go, a path to a .csv or .csv.gz file, or text:PATH`},
		{[]string{"-act=swish2"}, `invalid value "swish2" for -act: valid values are identity, relu, leakyrelu, elu, gelu, gelu-tanh, sigmoid, tanh, silu`},
		{[]string{"-loss=l2"}, `invalid value "l2" for -loss: valid values are softmax, svm, mse, l1, huber, bce`},
		{[]string{"-loss=l1"}, `-loss=l1 needs real-valued targets, read from a CSV file's -label-col columns; spiral holds class labels`},
		{[]string{"-opt=rmsprop"}, `invalid value "rmsprop" for -opt: valid values are sgd, momentum, nesterov, adam, adamw`},
		{[]string{"-hidden=10,x"}, `invalid value "10,x" for -hidden`},
		{[]string{"-schedule=warmup"}, `invalid value "warmup" for -schedule`},
		{[]string{"-lr=0"}, `invalid value 0 for -lr`},
		{[]string{"-epochs=0"}, `invalid value 0 for -epochs`},
		{[]string{"-batch=-3"}, `invalid value -3 for -batch`},
		{[]string{"-val=1"}, `invalid value 1 for -val`},
		{[]string{"-eval"}, "-eval needs -load"},
		{[]string{"-load=x.safetensors", "-hidden=5"}, "-hidden conflicts with -load"},
		{[]string{"-nosuchflag"}, "flag provided but not defined: -nosuchflag"},
		{[]string{"spiral"}, `unexpected argument "spiral"`},
		{[]string{"-backend=gl:bogus"}, `invalid value "gl:bogus" for -backend: gl options: unknown GL context path "bogus"`},
		{[]string{"-act=leakyrelu:nan"}, `invalid value "leakyrelu:nan" for -act: activation "leakyrelu:nan": slope NaN: want a finite number ≠ 0`},
		{[]string{"-act=softplus:0"}, `invalid value "softplus:0" for -act: activation "softplus:0": beta 0: want > 0`},
		{[]string{"-act=relu:2"}, `invalid value "relu:2" for -act: activation "relu:2": relu takes no parameter`},
	} {
		code, stdout, stderr := runTrain(t, tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) || stdout != "" {
			t.Errorf("%d %v: exit %d, stderr %q, stdout %q; want 2 and %q", i, tc.args, code, stderr, stdout, tc.want)
		}
	}
}

// TestHelpDocumentsEveryFlag: -h prints every flag with its default, and
// exits 0.
func TestHelpDocumentsEveryFlag(t *testing.T) {
	code, stdout, _ := runTrain(t, "-h")
	if code != 0 {
		t.Fatalf("-h: exit %d", code)
	}
	for _, f := range []string{"-backend", "-data", "-data-dir", "-hidden", "-act", "-loss", "-opt", "-lr", "-wd", "-epochs", "-batch",
		"-seed", "-val", "-save", "-load", "-eval", "-plot", "-json", "-quiet", "-label-col", "-schedule", "-model",
		"-skip-rows", "-val-data", "-test-data", "-finetune", "-summary", "-export"} {
		if !strings.Contains(stdout, "  "+f+" ") && !strings.Contains(stdout, "  "+f+"\n") {
			t.Errorf("-h does not document %s", f)
		}
	}
	for _, d := range []string{"gl:device=N the N-th EGL device (from 0)", `(default "auto")`, `(default "spiral")`, `(default "100")`, `(default "relu")`, `(default "adam")`, `(default 30)`, `(default 16)`, `(default 0.01)`} {
		if !strings.Contains(stdout, d) {
			t.Errorf("-h does not show %s", d)
		}
	}
}

// TestPresets: flags left unset take the data set's defaults; set ones win.
func TestPresets(t *testing.T) {
	c, err := parseFlags([]string{"-data=mnist", "-epochs=2"}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.epochs != 2 || c.batch != 128 || c.lr != 1e-3 || len(c.hidden) != 1 || c.hidden[0] != 256 {
		t.Errorf("mnist with -epochs=2: %+v", c)
	}
	c, _ = parseFlags([]string{"-hidden="}, &bytes.Buffer{})
	if c.hidden != nil {
		t.Errorf("-hidden= gives %v, want a linear classifier (no hidden layer)", c.hidden)
	}
}

// TestEndToEnd trains briefly on each backend, as a user runs it: the
// backend line, a line per epoch, the summary and the two pictures.
func TestEndToEnd(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		dir := t.TempDir()
		code, stdout, stderr := runTrain(t, "-backend="+b.Name(), "-epochs=3", "-plot="+dir)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		for _, want := range []string{"backend  " + b.Name() + ":", "data     spiral: 240 training and 60 validation", "model    2-100 relu-3, 603 parameters",
			"epoch 1/3", "epoch 3/3", "done     3 epochs", "train accuracy", "validation accuracy",
			"run      " + dir + ": metrics.jsonl, steps.csv, " + decisionBoundaryFile + ", " + lossCurveFile + ", " + accuracyCurveFile} {
			if !strings.Contains(stdout, want) {
				t.Errorf("output lacks %q:\n%s", want, stdout)
			}
		}
		for _, name := range []string{decisionBoundaryFile, lossCurveFile, accuracyCurveFile} {
			f, err := os.Open(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(f)
			f.Close()
			if err != nil || img.Bounds().Dx() < 300 {
				t.Errorf("%s: %v, %v", name, err, img)
			}
		}
	})
}

// TestJSONAndQuiet: -json writes one object per epoch to stdout and the
// rest to stderr; -quiet prints only the summary.
func TestJSONAndQuiet(t *testing.T) {
	code, stdout, stderr := runTrain(t, "-backend=cpu", "-epochs=2", "-plot=", "-json")
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if code != 0 || len(lines) != 2 || !strings.HasPrefix(lines[0], `{"epoch":1,"epochs":2,"loss":`) || !strings.Contains(lines[1], `"val_accuracy":`) {
		t.Errorf("-json: exit %d, stdout %q", code, stdout)
	}
	if !strings.Contains(stderr, "done     2 epochs") {
		t.Errorf("-json: the summary should go to stderr: %q", stderr)
	}
	code, stdout, _ = runTrain(t, "-backend=cpu", "-epochs=2", "-plot=", "-quiet")
	if code != 0 || strings.Count(stdout, "\n") != 1 || !strings.HasPrefix(stdout, "done") {
		t.Errorf("-quiet: exit %d, stdout %q; want the summary line only", code, stdout)
	}
}

// TestCheckpointAcrossBackends saves on GL and loads on the CPU (and back):
// the rebuilt model, with no architecture flags, predicts the same classes,
// and -eval reports the same accuracy.
func TestCheckpointAcrossBackends(t *testing.T) {
	gl := glOr(t)
	path := filepath.Join(t.TempDir(), "spiral.safetensors")
	if code, _, stderr := runTrain(t, "-backend="+gl, "-epochs=5", "-hidden=40,20", "-act=tanh", "-plot=", "-save="+path); code != 0 {
		t.Fatalf("train: exit %d: %s", code, stderr)
	}
	ck, err := loadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	if ck.Spec.String() != "2-40 tanh-20 tanh-3" || ck.Epochs != 5 || ck.Data != "spiral" || ck.Classes != 3 {
		t.Errorf("checkpoint metadata: %+v", ck)
	}
	predict := func(name string) []int {
		b := backendtest.Open(t, name)
		m, err := nn.Load(path, b)
		if err != nil {
			t.Fatal(err)
		}
		defer m.Release()
		grid := make([]float32, 0, 2*400)
		for i := 0; i < 400; i++ {
			grid = append(grid, float32(i%20)/10-1, float32(i/20)/10-1)
		}
		out, err := nn.Predict(m, grid)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	onGL, onCPU := predict("gl"), predict("cpu")
	for i := range onGL {
		if onGL[i] != onCPU[i] {
			t.Fatalf("grid point %d: class %d on gl, %d on cpu", i, onGL[i], onCPU[i])
		}
	}
	_, glEval, _ := runTrain(t, "-backend=gl", "-load="+path, "-eval")
	_, cpuEval, _ := runTrain(t, "-backend=cpu", "-load="+path, "-eval")
	pick := func(s string) string { i := strings.Index(s, "eval "); return s[i:] }
	if pick(glEval) != pick(cpuEval) {
		t.Errorf("-eval differs:\ngl:  %s\ncpu: %s", pick(glEval), pick(cpuEval))
	}
}

// TestCSV trains on a CSV file with a header and string labels, and checks
// that standardisation uses the training split's statistics only.
func TestCSV(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "points.csv")
	var b strings.Builder
	b.WriteString("a,b,kind\n")
	for i := 0; i < 200; i++ {
		x, y := float64(i%20)*10, float64(i/20)-5 // very different scales
		label := "low"
		if y > 0 {
			label = "high"
		}
		b.WriteString(strings.Join([]string{ftoa(x), ftoa(y), label}, ",") + "\n")
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
	if d.train.Len() != 160 || d.held.Len() != 40 || d.train.Classes != 2 || d.train.ClassNames[0] != "high" {
		t.Fatalf("split: %d/%d, classes %d %v", d.train.Len(), d.held.Len(), d.train.Classes, d.train.ClassNames)
	}
	for j := 0; j < 2; j++ { // the training split is standardised to mean 0, std 1
		var mean, sq float64
		for i := 0; i < d.train.Len(); i++ {
			v := float64(d.train.X[2*i+j])
			mean += v
			sq += v * v
		}
		mean /= float64(d.train.Len())
		if std := sq/float64(d.train.Len()) - mean*mean; abs(mean) > 1e-5 || abs(std-1) > 1e-4 {
			t.Errorf("feature %d of the training split: mean %v, variance %v; want 0 and 1", j, mean, std)
		}
	}
	save := filepath.Join(dir, "m.safetensors")
	code, stdout, stderr := runTrain(t, "-backend=cpu", "-data="+path, "-epochs=20", "-plot=", "-save="+save)
	if code != 0 || !strings.Contains(stdout, "2 features, 2 classes") {
		t.Fatalf("exit %d: %s %s", code, stdout, stderr)
	}
	ck, err := loadCheckpoint(save)
	if err != nil || ck.Std == nil || ck.Std.Mean[0] != d.std.Mean[0] || len(ck.ClassNames) != 2 {
		t.Errorf("checkpoint keeps the standardisation and class names: %+v, %v", ck, err)
	}
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

// TestFailures: each failure is one line naming what is wrong, exit status 1,
// and no panic (a child process would show a stack trace).
func TestFailures(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	spiral := filepath.Join(dir, "spiral.safetensors")
	if code, _, stderr := runTrain(t, "-backend=cpu", "-epochs=1", "-plot=", "-save="+spiral); code != 0 {
		t.Fatal(stderr)
	}
	xor := filepath.Join(dir, "xor.safetensors")
	if code, _, stderr := runTrain(t, "-backend=cpu", "-data=xor", "-epochs=1", "-plot=", "-save="+xor); code != 0 {
		t.Fatal(stderr)
	}
	whole, _ := os.ReadFile(spiral)
	truncated := write("truncated.safetensors", string(whole[:len(whole)/2]))
	three := write("three.csv", "1,2,3,0\n4,5,6,1\n7,8,9,0\n1,1,1,1\n")
	for i, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-data=" + filepath.Join(dir, "missing.csv")}, "missing.csv: no such file"},
		{[]string{"-data=" + write("bad.csv", "1,2,0\n3,abc,1\n")}, `bad.csv:2: column 2: "abc" is not a number`},
		{[]string{"-load=" + truncated, "-eval"}, "truncated.safetensors"},
		{[]string{"-load=" + write("garbage.safetensors", "not a checkpoint"), "-eval"}, "garbage.safetensors"},
		{[]string{"-load=" + spiral, "-data=" + three}, spiral + " (trained on spiral) does not fit: the model 2-100 relu-3 takes 2 inputs, but " + three + " has 3 features"},
		{[]string{"-load=" + xor, "-data=spiral"}, xor + " (trained on xor) does not fit: the model 2-100 relu-2 has 2 outputs, but spiral has 3 classes"},
		{[]string{"-data=mnist", "-data-dir=" + write("notadir", "x")}, "notadir"},
	} {
		code, _, stderr := runTrain(t, append([]string{"-backend=cpu", "-plot="}, tc.args...)...)
		if code != 1 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%d %v: exit %d, stderr %q; want 1 and %q", i, tc.args, code, stderr, tc.want)
		}
	}
}

// TestDivergenceKeepsLastGoodCheckpoint: a loss that becomes infinite stops
// training with the step and advice; the checkpoint written after the last
// good epoch is intact.
func TestDivergenceKeepsLastGoodCheckpoint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.safetensors")
	code, _, stderr := runTrain(t, "-backend=cpu", "-loss=mse", "-opt=sgd", "-lr=10", "-batch=100", "-plot=", "-save="+path)
	var step, epoch, good int
	if _, err := fmt.Sscanf(stderr[strings.Index(stderr, "at step"):], "at step %d (epoch %d)", &step, &epoch); err != nil || code != 1 ||
		!strings.Contains(stderr, "lower the learning rate (-lr") || !strings.Contains(stderr, fmt.Sprintf("keeps the last good model (epoch %d)", epoch-1)) {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	good = epoch - 1
	ck, err := loadCheckpoint(path)
	if err != nil || ck.Epochs != good {
		t.Errorf("checkpoint after divergence at step %d: %+v, %v; want the one of epoch %d", step, ck, err, good)
	}
}

// TestNoGLContext: -backend=gl without any way to a context exits 1 listing
// each path and its reason; auto falls back to the CPU with a notice. The
// child process is given no EGL vendor library and no display.
func TestNoGLContext(t *testing.T) {
	env := []string{"__EGL_VENDOR_LIBRARY_FILENAMES=/nonexistent.json", "DISPLAY=", "WAYLAND_DISPLAY="}
	cmd := command(t, "-backend=gl", "-epochs=1", "-plot=")
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 1 {
		t.Fatalf("-backend=gl: exit %d (%v), output:\n%s", code, err, out)
	}
	for _, want := range []string{"no OpenGL 4.3 core context; tried:", "egl-device:", "egl-surfaceless:", "egl-default:", "glfw: no display"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	cmd = command(t, "-epochs=1", "-plot=")
	cmd.Env = append(cmd.Env, env...)
	out, err = cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "notice: no OpenGL 4.3 context (egl-device:") || !strings.Contains(string(out), "backend  cpu:") {
		t.Errorf("auto without GL: %v, output:\n%s", err, out)
	}
}

// TestInterruptSaves: Ctrl-C (SIGINT) during training saves the model with
// -save and exits with status 130.
func TestInterruptSaves(t *testing.T) {
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
	// Interrupt after the third epoch's line, then drain the output.
	scan := bufio.NewScanner(stdout)
	epochs := 0
	for epochs < 3 && scan.Scan() {
		if strings.HasPrefix(scan.Text(), "epoch ") {
			epochs++
		}
	}
	cmd.Process.Signal(syscall.SIGINT)
	for scan.Scan() {
	}
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 || !strings.Contains(stderr.String(), "interrupted; ") || !strings.Contains(stderr.String(), "which -resume=") {
		t.Fatalf("exit %d after %d epochs, stderr %q", code, epochs, tail(stderr.String()))
	}
	ck, err := loadCheckpoint(filepath.Join(cmd.Dir, "m.safetensors"))
	if err != nil || ck.Epochs < 3 {
		t.Errorf("checkpoint after the interrupt: %+v, %v; want ≥ 3 epochs", ck, err)
	}
}

func tail(s string) string {
	if len(s) > 400 {
		return s[len(s)-400:]
	}
	return s
}

// TestCheckpointKeepsClassNumbers: a CSV file labels classes by sorting its
// own names, so a checkpoint evaluated on a file that lacks one of its
// classes must map the names to its own numbers, and refuse names it does
// not know.
func TestCheckpointKeepsClassNumbers(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, classes []string) string {
		var b strings.Builder
		for i := 0; i < 120; i++ {
			c := classes[i%len(classes)]
			x := map[string]float64{"ant": -2, "bee": 0, "cat": 2, "dog": 4}[c]
			b.WriteString(fmt.Sprintf("%g,%g,%s\n", x+0.01*float64(i%7), float64(i%5), c))
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	all, noAnt, dog := write("all.csv", []string{"ant", "bee", "cat"}), write("noant.csv", []string{"bee", "cat"}), write("dog.csv", []string{"bee", "dog"})
	ck := filepath.Join(dir, "m.safetensors")
	if code, _, stderr := runTrain(t, "-backend=cpu", "-data="+all, "-epochs=60", "-plot=", "-save="+ck); code != 0 {
		t.Fatal(stderr)
	}
	code, stdout, stderr := runTrain(t, "-backend=cpu", "-data="+noAnt, "-load="+ck, "-eval")
	if code != 0 || !strings.Contains(stdout, "eval     "+noAnt+": accuracy 100.00% (120 samples)") {
		t.Errorf("eval on a file without one class: exit %d, %s%s; want 100%% (the classes keep their numbers)", code, stdout, stderr)
	}
	code, _, stderr = runTrain(t, "-backend=cpu", "-data="+dog, "-load="+ck, "-eval")
	if code != 1 || !strings.Contains(stderr, `the label "dog", which is not a class of the checkpoint (ant, bee, cat)`) {
		t.Errorf("eval with an unknown class: exit %d, %q", code, stderr)
	}
}

// TestNonFiniteWeightsAreNotSaved: a model whose weights diverged is not
// written over the last good checkpoint.
func TestNonFiniteWeightsAreNotSaved(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	m, _ := nn.MLP(2, nil, 2, nn.Identity).Build(b, 1)
	defer m.Release()
	w := m.Parameters()[0]
	b.Upload(w.Tensor(), []float32{1, float32(math.NaN()), 0, 0})
	path := filepath.Join(t.TempDir(), "m.safetensors")
	err := saveCheckpoint(path, m, nil)
	var bad *nn.NonFiniteWeightsError
	if !errors.As(err, &bad) || bad.Param != "0.weight" {
		t.Errorf("save of NaN weights: %v", err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("a file was written: %v", err)
	}
}

// TestAutoPassesOverSoftwareRenderer: with only a software renderer
// (llvmpipe, as in CI), the default backend is the CPU, with a one-line
// notice naming the renderer; -backend=gl still uses it. On a machine with
// a GPU the default is GL.
func TestAutoPassesOverSoftwareRenderer(t *testing.T) {
	b := backendtest.Open(t, "gl")
	software := b.(backend.Describer).Device().Software
	code, stdout, stderr := runTrain(t, "-epochs=1", "-plot=")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	out := stdout + stderr
	if !software {
		if !strings.Contains(out, "backend  gl:") || strings.Contains(out, "notice:") {
			t.Errorf("a hardware renderer: auto should train on it without a notice:\n%s", out)
		}
		return
	}
	want := "is a software renderer; training on the CPU, which is faster here (-backend=gl uses it anyway)"
	if !strings.Contains(out, want) || !strings.Contains(out, "backend  cpu:") {
		t.Errorf("auto on %s: output lacks the notice %q and the cpu backend line:\n%s", b.(backend.Describer).Device().Renderer, want, out)
	}
	code, stdout, stderr = runTrain(t, "-backend=gl", "-epochs=1", "-plot=")
	if out := stdout + stderr; code != 0 || !strings.Contains(out, "backend  gl:") ||
		!strings.Contains(out, "is a software renderer: training here is about 100 times slower than on -backend=cpu") {
		t.Errorf("-backend=gl on a software renderer: exit %d, want it to train on gl with a notice:\n%s", code, out)
	}
}

// TestOpenAuto: backend.OpenAuto and Open("auto") choose as -backend=auto
// does: GL only on a hardware renderer, else the CPU with the reason (on
// this machine's llvmpipe, or without a context, the CPU and why).
func TestOpenAuto(t *testing.T) {
	b, fb, err := backend.OpenAuto("cpu:threads=1")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if fb == nil {
		if d, ok := b.(backend.Describer); b.Name() != "gl" || ok && d.Device().Software {
			t.Fatalf("auto took %s (software %v) and gave no reason", b.Name(), ok && d.Device().Software)
		}
	} else {
		if b.Name() != "cpu" || fb.Renderer == "" && fb.Err == nil || strings.Contains(fb.String(), "\n") {
			t.Fatalf("auto fell back to %s with %+v (%q)", b.Name(), fb, fb.String())
		}
		if d, ok := b.(backend.Describer); ok && d.Device().Threads != 1 {
			t.Errorf("the CPU spec's threads=1 gave %d threads", d.Device().Threads)
		}
		t.Logf("auto: %v", fb)
	}
	a, err := backend.Open("auto")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if a.Name() != b.Name() {
		t.Errorf("Open(\"auto\") opened %s, OpenAuto %s", a.Name(), b.Name())
	}
	// An option auto's CPU fallback does not take (gl's glfw) is an error
	// that says whose options they are.
	if bad, err := backend.Open("auto:glfw"); err == nil {
		bad.Close()
		t.Error(`Open("auto:glfw") opened a backend`)
	} else if want := `auto:glfw: auto's options are those of its CPU fallback: cpu options: "glfw"`; !strings.HasPrefix(err.Error(), want) {
		t.Errorf(`Open("auto:glfw"): %v, want it to begin %q`, err, want)
	}
}
