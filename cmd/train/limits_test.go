package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/nn"
	"gltrain/nn/data"
)

// device is a backend with a memory of its own, as the gl backend has: the
// cpu backend renamed, telling its free memory (free > 0) or not (on
// llvmpipe or Intel the gl backend cannot).
type device struct {
	backend.Backend
	free int64
}

func (d device) Name() string { return "gl" }

func (d device) AvailableMemory() (int64, bool) { return d.free, d.free > 0 }

// TestMemoryAdvice: a model too large for the memory it may use is refused
// naming the limit, and where the backend has a device memory it cannot
// measure, the message says that the host's limit stood in for it.
func TestMemoryAdvice(t *testing.T) {
	cpu := backendtest.Open(t, "cpu")
	spiral, _ := data.Spiral(10, 3, 1)
	d := dataset{train: spiral}
	// 2^40 parameters: far more than any host or device has.
	huge := nn.Spec{Inputs: 2, Outputs: 3, Layers: []nn.LayerSpec{
		{Type: "linear", In: 2, Out: 1 << 20}, {Type: "relu"},
		{Type: "linear", In: 1 << 20, Out: 1 << 20}, {Type: "relu"},
		{Type: "linear", In: 1 << 20, Out: 3},
	}}
	const advice = "the gl backend cannot tell its device's memory, so the host's applies"
	for i, tc := range []struct {
		name      string
		b         backend.Backend
		maxMemory float64
		source    string // what the message names as the limit
		advice    bool
	}{
		{"device that cannot tell", device{cpu, 0}, 0, "available", true},
		{"device that tells", device{cpu, 1 << 30}, 0, "available free on the gl device", false},
		{"-max-memory", device{cpu, 0}, 1 << 30, "available by -max-memory", false},
		{"cpu", cpu, 0, "available", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := memoryNeed{batch: 16, opt: "adam", max: tc.maxMemory}
			err := checkMemory(huge, huge.String(), c, d, tc.b)
			if err == nil {
				t.Fatalf("%d: a model of 2^40 parameters was accepted", i)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.source) || strings.Contains(msg, advice) != tc.advice {
				t.Errorf("%d: got %q\nwant the limit %q, the advice %q: %v", i, msg, tc.source, advice, tc.advice)
			}
		})
	}
}

// TestMemoryEstimateCoversPeak: the memory estimate of a run covers the
// peak resident memory the run takes, for an MLP and for a CNN, whose
// evaluation batches of 1024 images and convolution buffers the estimate
// once missed (it said 3.5 GiB for a CNN that peaked at 7.85 GiB, and
// accepted it). Each run is a child process on the cpu backend, where the
// pool's buffers are host memory: the estimate is read from the refusal
// that -max-memory=40M gives, the peak is the child's maximum resident set
// (VmHWM, which the child reports: getrusage's counts the test process's
// too, whose memory a child shares until it execs) less that of a child
// that only parses its flags (the Go runtime and the libraries, about
// 20 MB, which no estimate counts).
//
// The tolerance: the estimate must not be below the peak (a run that fits
// the estimate must fit the memory), nor above twice it (an estimate that
// refuses runs that fit is as wrong the other way). The estimate is an
// upper bound by design (each batch size's tensors counted apart, the
// pool's rounding counted at its most), so it sits above the peak, by 10%
// for the CNN and 35% for the MLP when written; the old estimate was 0.5×
// and 0.8× the peak.
func TestMemoryEstimateCoversPeak(t *testing.T) {
	rows := func(name string, n, features int) string {
		var b strings.Builder
		for i := range n {
			for j := range features {
				fmt.Fprintf(&b, "%.2f,", float64((i*31+j*17)%100)/100)
			}
			fmt.Fprintf(&b, "%d\n", i%3)
		}
		path := filepath.Join(t.TempDir(), name)
		require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
		return path
	}
	maxRSS := func(args ...string) (int64, string) {
		cmd := command(t, args...)
		peak := childPeak(t, cmd)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		cmd.Run() // the refusal exits 1
		return peak(), out.String()
	}
	base, _ := maxRSS("-bogus-flag")
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"mlp", []string{"-data=" + rows("mlp.csv", 2000, 64), "-layers=2048:relu,2048:relu"}},
		{"cnn", []string{"-data=" + rows("img.csv", 2000, 256), "-input-shape=1x16x16", "-layers=conv:64:3:1:1,relu,maxpool:2,flatten"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"-backend=cpu", "-plot=", "-epochs=1", "-quiet"}, tc.args...)
			// Enough to read the file (under 20 MiB), too little for the model.
			_, refusal := maxRSS(append(args, "-max-memory=40M")...)
			m := regexp.MustCompile(`needs about ([0-9.]+) (MiB|GiB)`).FindStringSubmatch(refusal)
			require.NotNil(t, m, "no estimate in %q", refusal)
			est, err := strconv.ParseFloat(m[1], 64)
			require.NoError(t, err)
			est *= map[string]float64{"MiB": 1 << 20, "GiB": 1 << 30}[m[2]]
			peak, out := maxRSS(args...)
			require.Contains(t, out, "done ", "the run failed: %s", out)
			peak -= base
			t.Logf("estimate %.1f MiB, peak %.1f MiB above the runtime's %.1f MiB: %.2f×", est/(1<<20), float64(peak)/(1<<20), float64(base)/(1<<20), est/float64(peak))
			assert.GreaterOrEqual(t, est, float64(peak), "the estimate is below the peak")
			assert.LessOrEqual(t, est, 2*float64(peak), "the estimate is over twice the peak")
		})
	}
}

// TestCSVMemoryChecked: a CSV file of -data or -predict whose rows would
// take more memory than the limit is refused before it is read, naming the
// flag, the file and the memory it needs (before, it was read whatever its
// size, at about 21 times its size, and a 300 MB file died with "fatal
// error: out of memory" under ulimit -v 4G). The limit is injected with
// -max-memory; a file that fits is read.
func TestCSVMemoryChecked(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&b, "%d,%d,%d,%d\n", i%7, i%5, i%3, i%2)
	}
	path := filepath.Join(dir, "rows.csv")
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	model := filepath.Join(dir, "m.safetensors")
	// 8000 values, 2000 rows: about 600 KiB to read for training, 290 KiB
	// for predicting.
	code, _, stderr := runTrain(t, "-backend=cpu", "-plot=", "-data="+path, "-layers=4", "-epochs=1", "-max-memory=100K")
	assert.Equal(t, 1, code)
	assert.Regexp(t, `^train: -data `+regexp.QuoteMeta(path)+`: its 8000 values in 2000 rows need about [0-9.]+ KiB to read, more than the 100.0 KiB available by -max-memory`, stderr)
	mustTrain(t, "-backend=cpu", "-plot=", "-data="+path, "-layers=4", "-epochs=1", "-max-memory=2M", "-save="+model)

	rows := filepath.Join(dir, "predict.csv")
	require.NoError(t, os.WriteFile(rows, []byte(strings.Repeat("1,2,3\n", 2000)), 0o644))
	code, _, stderr = runTrain(t, "-backend=cpu", "-load="+model, "-predict="+rows, "-max-memory=100K")
	assert.Equal(t, 1, code)
	assert.Regexp(t, `(?m)^train: -predict `+regexp.QuoteMeta(rows)+`: its 6000 values in 2000 rows need about [0-9.]+ KiB to read, more than the 100.0 KiB available by -max-memory`, stderr)
	stdout := mustTrain(t, "-backend=cpu", "-load="+model, "-predict="+rows, "-max-memory=2M", "-out="+filepath.Join(dir, "p.csv"))
	assert.Contains(t, stdout, "wrote    2000 predictions")
}

// childPeak has the child cmd (of the test binary, GLTRAIN_TRAIN_MAIN=1)
// report its peak resident set, VmHWM, and returns what reads it once cmd
// has run: getrusage's ru_maxrss counts the test process's peak too,
// whose memory the child shares until it execs (a child of a test process
// of 180 MiB reported 180 MiB). A child that did not report (killed, or a
// Go fatal error) is measured by getrusage.
func childPeak(t *testing.T, cmd *exec.Cmd) func() int64 {
	hwm := filepath.Join(t.TempDir(), "hwm")
	cmd.Env = append(cmd.Env, "GLTRAIN_TRAIN_HWM="+hwm)
	return func() int64 {
		if b, err := os.ReadFile(hwm); err == nil {
			if peak, err := strconv.ParseInt(string(b), 10, 64); err == nil {
				return peak
			}
		}
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			return ru.Maxrss * 1024 // kB on Linux
		}
		return 0
	}
}
