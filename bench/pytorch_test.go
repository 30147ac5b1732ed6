package main

import (
	"encoding/json"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"gltrain/bench/cases"
)

// mlpStep matches the shape of an MLP training-step case.
var mlpStep = regexp.MustCompile(`^[a-z]+(-[0-9]+)+/b[0-9]+$`)

// TestPyTorchCasesMatch checks that bench/pytorch/bench.py times the same
// products and training steps, under the same names, in the same suites,
// as bench/cases: a renamed or resized case would otherwise compare
// different work.
func TestPyTorchCasesMatch(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3:", err)
	}
	out, err := exec.Command(python, "pytorch/bench.py", "--list").Output()
	if err != nil {
		t.Fatalf("bench.py --list: %v", err)
	}
	var py []struct {
		Op, Shape string
		Quick     bool
		Work      cases.Work
	}
	if err := json.Unmarshal(out, &py); err != nil {
		t.Fatal(err)
	}
	goCases := map[string]cases.Case{}
	hasTrain := false
	for _, c := range cases.All() {
		goCases[c.Name()] = c
		hasTrain = hasTrain || c.Op == "TrainStep"
	}
	pyCases := map[string]bool{}
	for _, p := range py {
		name := p.Op + "/" + p.Shape
		pyCases[name] = true
		c, ok := goCases[name]
		switch {
		case !ok && p.Op == "TrainStep" && !hasTrain:
			t.Logf("%s: bench/cases has no training steps yet", name)
		case !ok:
			t.Errorf("bench.py case %s is not in bench/cases", name)
		case c.Quick != p.Quick:
			t.Errorf("%s: quick %v in bench.py, %v in bench/cases", name, p.Quick, c.Quick)
		case p.Op != "TrainStep" && c.Work != p.Work:
			t.Errorf("%s: work %+v in bench.py, %+v in bench/cases", name, p.Work, c.Work)
		}
	}
	for name, c := range goCases {
		// Every product, LayerNorm, and every MLP step ("mnist-784-256-10/b128"; not
		// the graph-overhead case, which has no PyTorch twin).
		mirrored := strings.HasPrefix(c.Op, "MatMul") || c.Op == "LayerNorm" || c.Op == "TrainStep" && mlpStep.MatchString(c.Shape)
		if mirrored && !pyCases[name] {
			t.Errorf("bench/cases case %s has no bench.py counterpart", name)
		}
	}
}

// TestPthreadWarning: the header warns when torch loaded OpenBLAS's pthread
// build with more than one thread, and only then.
func TestPthreadWarning(t *testing.T) {
	for i, tc := range []struct {
		m    PyTorchMeta
		want bool
	}{
		{PyTorchMeta{Status: "ok", BLAS: "OpenBLAS (openblas-pthread); torch built with BLAS_INFO=generic", Threads: 2}, true},
		{PyTorchMeta{Status: "ok", BLAS: "OpenBLAS (openblas-pthread)", Threads: 1, BLASThreads: 1}, false},
		{PyTorchMeta{Status: "ok", BLAS: "OpenBLAS (openblas-openmp)", BLASConfig: "OpenBLAS 0.3.21 USE_OPENMP Zen", Threads: 2}, false},
		{PyTorchMeta{Status: "ok", BLAS: "OpenBLAS", BLASConfig: "OpenBLAS 0.3.21 DYNAMIC_ARCH Zen", Threads: 2}, true},
	} {
		got := strings.Contains(tc.m.describe(), "WARNING: torch loaded OpenBLAS's pthread build")
		if got != tc.want {
			t.Errorf("%d: %+v: warning %v, want %v:\n%s", i, tc.m, got, tc.want, tc.m.describe())
		}
	}
}
