package main

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"gltrain/bench/cases"
)

// pytorchScript is bench/pytorch/bench.py, embedded so that a built bench
// binary runs the PyTorch side without the source tree.
//
//go:embed pytorch/bench.py
var pytorchScript []byte

// nanoGPTModule is bench/pytorch/nanogpt.py, the GPT cases' model, which
// bench.py imports from a temporary folder on its PYTHONPATH.
//
//go:embed pytorch/nanogpt.py
var nanoGPTModule []byte

// installHint is what the header says when no interpreter imports torch.
const installHint = "apt-get install python3-torch libopenblas0-openmp"

// PyTorchMeta describes the PyTorch run: the interpreter, torch, its BLAS
// and threads as bench.py reports them, or why it did not run.
type PyTorchMeta struct {
	// Status is "ran", "off", "not installed" or "failed".
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
	// Tried lists the interpreters tried, with why each was passed over.
	Tried []string `json:"tried,omitempty"`

	Python        string   `json:"python,omitempty"`
	PythonVersion string   `json:"python_version,omitempty"`
	Torch         string   `json:"torch_version,omitempty"`
	BLAS          string   `json:"blas,omitempty"`
	BLASLibs      []string `json:"blas_libs,omitempty"`
	BLASConfig    string   `json:"blas_config,omitempty"`
	BLASThreads   int      `json:"blas_threads,omitempty"`
	Threads       int      `json:"threads,omitempty"`
	CUDADevice    string   `json:"cuda_device,omitempty"`
	CUDAVersion   string   `json:"cuda_version,omitempty"`
	TF32          bool     `json:"tf32"`
	Optimizer     string   `json:"optimizer,omitempty"`
	// Malloc is how bench.py set up glibc's allocator (keep_freed_memory).
	Malloc string `json:"malloc,omitempty"`
}

// describe writes the header line.
func (m PyTorchMeta) describe() string {
	switch m.Status {
	case "off":
		return "off (-pytorch=off)"
	case "not installed":
		return "not installed (" + installHint + "); tried " + strings.Join(m.Tried, "; ")
	case "failed":
		return "failed: " + m.Error
	case "":
		return "not run"
	}
	s := fmt.Sprintf("torch %s (%s, Python %s), BLAS %s, torch.get_num_threads() = %d after set_num_threads",
		m.Torch, m.Python, m.PythonVersion, m.BLAS, m.Threads)
	if m.BLASThreads > 0 {
		s += fmt.Sprintf(", BLAS threads %d", m.BLASThreads)
	}
	if m.CUDADevice != "" {
		s += fmt.Sprintf("; CUDA %s on %s", m.CUDAVersion, m.CUDADevice)
	} else {
		s += "; no CUDA device"
	}
	s += "; TF32 off"
	if m.Malloc != "" {
		s += "; malloc " + m.Malloc
	}
	if w := m.pthreadWarning(); w != "" {
		s += ". WARNING: " + w
	}
	return s
}

// pthreadWarning is set when torch loaded OpenBLAS's pthread build with more
// than one thread: its threads and torch's OpenMP ones then oversubscribe
// the cores, and torch runs 2–4× slower than it can.
func (m PyTorchMeta) pthreadWarning() string {
	pthread := strings.Contains(m.BLAS, "openblas-pthread") ||
		(strings.Contains(m.BLASConfig, "OpenBLAS") && !strings.Contains(m.BLASConfig, "USE_OPENMP"))
	if !pthread || max(m.Threads, m.BLASThreads) <= 1 {
		return ""
	}
	return "torch loaded OpenBLAS's pthread build with more than one thread, which oversubscribes the cores " +
		"(torch's figures are 2–4× slower than they can be); select the OpenMP build " +
		"(update-alternatives --set for libblas.so.3, liblapack.so.3 and libopenblas.so.0, " +
		"or LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp for one run)"
}

// findPython returns the first interpreter that imports torch: python3 on
// $PATH, then /usr/bin/python3 (Debian's, where apt installs python3-torch,
// when a pyenv or venv python comes first). tried says why each other
// candidate was passed over.
func findPython() (path string, tried []string) {
	seen := map[string]bool{}
	for _, cand := range []string{"python3", "/usr/bin/python3"} {
		p, err := exec.LookPath(cand)
		if err != nil {
			tried = append(tried, cand+": not found")
			continue
		}
		if seen[p] {
			continue
		}
		seen[p] = true
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		out, err := exec.CommandContext(ctx, p, "-c", "import torch").CombinedOutput()
		cancel()
		if err == nil {
			return p, tried
		}
		msg := strings.TrimSpace(string(out))
		if i := strings.LastIndex(msg, "\n"); i >= 0 {
			msg = msg[i+1:]
		}
		tried = append(tried, fmt.Sprintf("%s: %s", p, msg))
	}
	return "", tried
}

// findPythonOnce is findPython, asked once per process: each -rounds
// round would otherwise import torch again (a second or two) to find the
// same interpreter.
var findPythonOnce = sync.OnceValues(findPython)

// pytorchArgs are bench.py's arguments for the report's settings.
func pytorchArgs(suite, filter string, samples int, minSample time.Duration, threads int, q quietConfig) []string {
	return []string{
		"--suite", suite, "--filter", filter,
		"--quiet", strconv.FormatFloat(q.limit, 'g', -1, 64),
		"--quiet-wait", strconv.FormatFloat(q.wait.Seconds(), 'g', -1, 64),
		"--quiet-tries", strconv.Itoa(q.tries),
		"--samples", strconv.Itoa(samples),
		"--min-sample", strconv.FormatFloat(minSample.Seconds(), 'g', -1, 64),
		"--threads", strconv.Itoa(threads), "--json", "-",
	}
}

// runPyTorch runs the embedded bench.py with python (fed on stdin), its
// progress going to stderr, and returns its metadata and results. The
// thread variables are set too, so that BLAS pools started before
// torch.set_num_threads take the same count.
func runPyTorch(python string, args []string, threads int, stderr io.Writer) (PyTorchMeta, []Result, error) {
	mods, err := os.MkdirTemp("", "gltrain-bench-py")
	if err != nil {
		return PyTorchMeta{}, nil, fmt.Errorf("bench.py: %w", err)
	}
	defer os.RemoveAll(mods)
	if err := os.WriteFile(filepath.Join(mods, "nanogpt.py"), nanoGPTModule, 0o644); err != nil {
		return PyTorchMeta{}, nil, fmt.Errorf("bench.py: %w", err)
	}
	cmd := exec.Command(python, append([]string{"-"}, args...)...)
	cmd.Stdin = bytes.NewReader(pytorchScript)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, stderr
	n := strconv.Itoa(threads)
	cmd.Env = append(os.Environ(), "OMP_NUM_THREADS="+n, "OPENBLAS_NUM_THREADS="+n, "MKL_NUM_THREADS="+n,
		"PYTHONPATH="+mods+string(os.PathListSeparator)+os.Getenv("PYTHONPATH"))
	if err := cmd.Run(); err != nil {
		return PyTorchMeta{}, nil, fmt.Errorf("%s bench.py: %w", python, err)
	}
	var rep struct {
		Meta    PyTorchMeta `json:"meta"`
		Results []Result    `json:"results"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		return PyTorchMeta{}, nil, fmt.Errorf("%s bench.py: reading its JSON: %w", python, err)
	}
	rep.Meta.Status = "ran"
	return rep.Meta, rep.Results, nil
}

// runPyTorchSide runs bench/pytorch/bench.py as -pytorch says and merges
// its rows, taking each case's work from the Go case so the rates agree.
func runPyTorchSide(c config, threads int, rep *Report, stderr io.Writer) int {
	pm := &rep.Meta.PyTorch
	if c.pytorch == "off" {
		pm.Status = "off"
		return 0
	}
	python, tried := findPythonOnce()
	if python == "" {
		pm.Status, pm.Tried = "not installed", tried
		if c.pytorch == "on" {
			fmt.Fprintf(stderr, "bench: -pytorch=on but no python3 imports torch (%s): %s\n", installHint, strings.Join(tried, "; "))
			return 1
		}
		return 0
	}
	fmt.Fprintf(stderr, "bench: PyTorch side with %s, %d threads\n", python, threads)
	meta, rs, err := runPyTorch(python, pytorchArgs(c.suite, c.filter, c.samples, c.minSample, threads, c.quiet), threads, stderr)
	if err != nil {
		pm.Status, pm.Error, pm.Python = "failed", oneLine(err.Error()), python
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	meta.Tried = tried
	*pm = meta
	work := map[string]cases.Work{}
	for _, k := range cases.All() {
		work[k.Name()] = k.Work
	}
	status := 0
	for _, r := range rs {
		if w, ok := work[r.Op+"/"+r.Shape]; ok {
			r.Work = w
		}
		if r.Error != "" {
			status = 1
		}
		rep.Results = append(rep.Results, r)
	}
	return status
}
