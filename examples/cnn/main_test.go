package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gltrain/backend/backendtest"
	"gltrain/nn"
	"gltrain/nn/data"
)

// accuracy runs the program on dir and returns its output and test
// accuracy, in percent.
func accuracy(t *testing.T, dir string) (string, float64) {
	t.Helper()
	var out bytes.Buffer
	onnxPath := filepath.Join(t.TempDir(), "cnn.onnx")
	if err := run(&out, dir, onnxPath); err != nil {
		t.Fatal(err)
	}
	checkONNX(t, out.String(), dir, onnxPath)
	m := regexp.MustCompile(`(?m)^(\S+), (\d+) training images: test accuracy ([0-9.]+)% \(loss [0-9.]+\) on (\d+) images$`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("output %q", out.String())
	}
	acc, _ := strconv.ParseFloat(m[3], 64)
	return out.String(), acc
}

// TestStrokes: without MNIST the program trains on the generated strokes
// and learns them: the convolution finds a stroke at any offset (seen: 97%;
// a tenth wrong would be a broken CNN).
func TestStrokes(t *testing.T) {
	out, acc := accuracy(t, filepath.Join(t.TempDir(), "no-mnist"))
	if !strings.Contains(out, "strokes, 1200 training images") || !strings.Contains(out, "Conv2D(1→8, 3×3") {
		t.Errorf("output %q: want the summary and 1200 training strokes", out)
	}
	if acc < 90 {
		t.Errorf("test accuracy %v%% on the strokes, want at least 90%%", acc)
	}
	t.Logf("test accuracy %v%%", acc)
}

// TestMNIST: with MNIST in gltrain's cache, 3 epochs on its first 6,000
// digits reach 90% on the first 1,000 test digits (seen: 95.1%).
func TestMNIST(t *testing.T) {
	dir, err := data.DefaultMNISTDir()
	if err == nil {
		_, err = data.LoadMNIST(dir, false)
	}
	if err != nil {
		t.Skipf("MNIST is not in gltrain's cache (%v): make mnist puts it there", err)
	}
	out, acc := accuracy(t, dir)
	if !strings.Contains(out, "mnist-train, 6000 training images") {
		t.Errorf("output %q: want 6000 MNIST training images", out)
	}
	if acc < 90 {
		t.Errorf("test accuracy %v%% on MNIST, want at least 90%%", acc)
	}
}

// TestREADMEShowsThisProgram: each line of the README's CNN walk-through
// is a line of this program, so that what a reader copies is what runs.
func TestREADMEShowsThisProgram(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	const marker = "<!-- README test: examples/cnn's TestREADMEShowsThisProgram holds the block below to examples/cnn/main.go -->"
	_, after, ok := strings.Cut(string(readme), marker)
	block, _, ok2 := strings.Cut(strings.TrimPrefix(strings.TrimLeft(after, "\n"), "```go\n"), "```")
	if !ok || !ok2 {
		t.Fatalf("README.md has no Go block after %q", marker)
	}
	lines := map[string]bool{}
	for _, l := range strings.Split(string(src), "\n") {
		lines[strings.TrimSpace(l)] = true
	}
	n := 0
	for _, l := range strings.Split(block, "\n") {
		if l = strings.TrimSpace(l); l != "" && l != "…" {
			n++
			if !lines[l] {
				t.Errorf("README.md's CNN walk-through has %q, which examples/cnn/main.go does not", l)
			}
		}
	}
	if n < 10 {
		t.Errorf("README.md's CNN walk-through has %d lines", n)
	}
}

// checkONNX checks the exported file with ONNX's own checker and runs it
// with torch's operators (nn's testdata/onnx_run.py; gonnx has no MaxPool)
// on the program's test images, and requires the accuracy the program
// printed for the trained model: the file is that model, taking raw pixels.
func checkONNX(t *testing.T, out, dir, path string) {
	t.Helper()
	if !strings.Contains(out, "wrote "+path+`: input "input" (N, `) {
		t.Errorf("output %q: want the export's line", out)
	}
	python := backendtest.ONNX(t)
	_, test, _, _, err := images(dir)
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := json.Marshal([]map[string]any{{"model": path, "rows": test.Len(), "input": test.X}})
	if err != nil {
		t.Fatal(err)
	}
	jobsPath := filepath.Join(t.TempDir(), "jobs.json")
	if err := os.WriteFile(jobsPath, jobs, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, filepath.Join("..", "..", "nn", "testdata", "onnx_run.py"), jobsPath)
	cmd.Stderr = os.Stderr
	res, err := cmd.Output()
	if err != nil {
		t.Fatalf("onnx_run.py: %v", err)
	}
	var results []struct {
		Outputs map[string][]float32 `json:"outputs"`
	}
	if err := json.Unmarshal(res, &results); err != nil || len(results) != 1 {
		t.Fatalf("onnx_run.py printed %.200q (%v)", res, err)
	}
	probs := results[0].Outputs[nn.ONNXProbabilities]
	if len(probs) != test.Len()*test.Classes {
		t.Fatalf("%d probabilities, want %d", len(probs), test.Len()*test.Classes)
	}
	right := 0
	for i, label := range test.Labels {
		row := probs[i*test.Classes : (i+1)*test.Classes]
		best := 0
		for j, p := range row {
			if p > row[best] {
				best = j
			}
		}
		if best == label {
			right++
		}
	}
	want := fmt.Sprintf("test accuracy %.1f%%", 100*float64(right)/float64(test.Len()))
	if !strings.Contains(out, want) {
		t.Errorf("the ONNX file run by torch's operators: %s; the program printed %q", want, out)
	}
}
