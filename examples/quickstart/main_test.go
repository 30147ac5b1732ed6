package main

import (
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestQuickstart runs the program and checks that it learned the spiral.
func TestQuickstart(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = w
	main()
	os.Stdout = stdout
	w.Close()
	out, _ := io.ReadAll(r)
	m := regexp.MustCompile(`^(cpu|gl): epoch 100, loss [0-9.]+, accuracy ([0-9.]+)%\n$`).FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("output %q", out)
	}
	// The spiral's arms are not linearly separable; a 2-100-3 ReLU net
	// separates them (the linear classifier stays near 53%).
	if acc, _ := strconv.ParseFloat(m[2], 64); acc < 90 {
		t.Errorf("accuracy %v%% after 100 epochs, want at least 90%%", acc)
	}
}

// TestREADMEShowsThisProgram: the README's library example is this file,
// word for word, so that what a reader copies compiles and runs.
func TestREADMEShowsThisProgram(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```go\n"+string(src)+"```\n") {
		t.Error("README.md does not show examples/quickstart/main.go as it is: copy it into the README's library example")
	}
}
