package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"gltrain/bench/cases"
)

// WriteBenchfmt writes every sample as a line of go test -bench output,
// named as bench_test.go names its benchmarks (BenchmarkMatMul/gl/256x256x256
// with go test's -GOMAXPROCS suffix), so benchstat compares report runs with
// each other and, given -ignore cpu (go test names the CPU from CPUID), with
// go test -bench runs.
func (rep *Report) WriteBenchfmt(w io.Writer) error {
	var b strings.Builder
	mc := rep.Meta.Machine
	fmt.Fprintf(&b, "goos: %s\ngoarch: %s\npkg: gltrain/bench\ncpu: %s\n", mc.OS, mc.Arch, mc.CPU)
	for _, be := range rep.Meta.Backends {
		if be.Error == "" && be.Renderer != "" && be.Name != baseline {
			fmt.Fprintf(&b, "%s-renderer: %s\n", be.Name, be.Renderer)
		}
	}
	if v := rep.Meta.PyTorch.Torch; v != "" {
		fmt.Fprintf(&b, "torch: %s\ntorch-blas: %s\ntorch-threads: %d\n", v, rep.Meta.PyTorch.BLAS, rep.Meta.PyTorch.Threads)
		if m := rep.Meta.PyTorch.Malloc; m != "" {
			fmt.Fprintf(&b, "torch-malloc: %s\n", m)
		}
	}
	suffix := ""
	if mc.GOMAXPROCS > 1 {
		suffix = fmt.Sprintf("-%d", mc.GOMAXPROCS)
	}
	for _, r := range rep.Results {
		if r.Error != "" {
			continue
		}
		name := fmt.Sprintf("Benchmark%s/%s/%s%s", r.Op, r.Backend, r.Shape, suffix)
		for _, ns := range r.SamplesNs {
			fmt.Fprintf(&b, "%s\t%d\t%s ns/op", name, r.RunsPerSample, strconv.FormatFloat(ns, 'f', 1, 64))
			if v, unit := (cases.Result{Work: r.Work, SamplesNs: []float64{ns}}).Rate(); unit != "" {
				fmt.Fprintf(&b, "\t%.6g %s", v, unit)
			}
			if !isPyTorch(r) {
				fmt.Fprintf(&b, "\t%.4g allocs/op\t%.4g bufallocs/op", r.GoAllocsPerRun, r.BufferAllocsPerRun)
			}
			b.WriteString("\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
