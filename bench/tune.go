package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"gltrain/backend/gl"
	"gltrain/bench/cases"
)

// tune is `bench -tune`: it opens the GL backend with tuning on (unless
// GLTRAIN_GL_TUNE says otherwise), decides the matmul variant of every
// product of the suite (and filter), tuning the classes the cache lacks,
// and prints the table of choices. The choices land in the tuning cache,
// so training and benchmarks use them without timing anything.
func tune(c config, stdout, stderr io.Writer) int {
	if _, set := os.LookupEnv("GLTRAIN_GL_TUNE"); !set {
		os.Setenv("GLTRAIN_GL_TUNE", "on")
	}
	b, err := gl.New(gl.Options{})
	if err != nil {
		fmt.Fprintln(stderr, "bench: -tune:", err)
		return 1
	}
	defer b.Close()
	info := b.Device()
	fmt.Fprintf(stdout, "# matmul variants on %s, %s (GLTRAIN_GL_TUNE=%s)\n\n", info.Renderer, info.Version, os.Getenv("GLTRAIN_GL_TUNE"))
	fmt.Fprintln(stdout, "| product | class | variant | timed now (fastest first) |")
	fmt.Fprintln(stdout, "|---|---|---|---|")
	status := 0
	for _, s := range cases.MatMulShapes() {
		name := fmt.Sprintf("%s %dx%dx%d", s.Label, s.M, s.N, s.K)
		if (c.suite != "full" && !s.Quick) || !strings.Contains(name, c.filter) {
			continue
		}
		r, err := b.TuneMatMul(s.M, s.N, s.K, bool(s.TA), bool(s.TB))
		if err != nil {
			fmt.Fprintf(stderr, "bench: -tune: %s: %v\n", name, err)
			status = 1
			continue
		}
		timed := "cached"
		if len(r.Timings) > 0 {
			timed = strings.Join(r.Timings, ", ")
		}
		fmt.Fprintf(stdout, "| %s | %s | %s | %s |\n", strings.TrimSpace(name), r.Class, r.Choice, timed)
	}
	if n := b.TuneNotice(); n != "" {
		fmt.Fprintln(stderr, n)
	}
	return status
}
