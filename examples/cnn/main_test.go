package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gltrain/nn/data"
)

// accuracy runs the program on dir and returns its output and test
// accuracy, in percent.
func accuracy(t *testing.T, dir string) (string, float64) {
	t.Helper()
	var out bytes.Buffer
	if err := run(&out, dir); err != nil {
		t.Fatal(err)
	}
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
