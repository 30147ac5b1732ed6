package main

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"gltrain/bench/cases"
)

func TestFormatRatio(t *testing.T) {
	for i, tc := range []struct {
		x    float64
		want string
	}{
		{3.24, "3.24× faster"},
		{1, "1× faster"},
		{12.345, "12.3× faster"},
		{1500, "1500× faster"},
		{0.4, "0.4× (2.5× slower)"},
		{0.125, "0.125× (8× slower)"},
		{0, "—"},
	} {
		if got := formatRatio(tc.x); got != tc.want {
			t.Errorf("%d: formatRatio(%v) = %q, want %q", i, tc.x, got, tc.want)
		}
	}
}

func TestFormatTime(t *testing.T) {
	for i, tc := range []struct {
		ns   float64
		want string
	}{
		{812, "812 ns"},
		{999.4, "999 ns"},
		{999.7, "1 µs"},
		{1300, "1.3 µs"},
		{1.234e6, "1.23 ms"},
		{2.41e9, "2.41 s"},
		{1234e9, "1234 s"},
	} {
		if got := formatTime(tc.ns); got != tc.want {
			t.Errorf("%d: formatTime(%v) = %q, want %q", i, tc.ns, got, tc.want)
		}
	}
	if got, want := formatSpread(0.98e6, 1.2e6, 1e6), "0.98–1.2 ms"; got != want {
		t.Errorf("formatSpread = %q, want %q", got, want)
	}
}

// result is a successful row with the given samples (ns per run).
func result(op, shape, be string, w cases.Work, samples ...float64) Result {
	return Result{Result: cases.Result{Op: op, Shape: shape, Backend: be, Work: w, SamplesNs: samples, RunsPerSample: 10}}
}

func TestRatioIsCPUMedianOverMedian(t *testing.T) {
	w := cases.Work{FLOPs: 2e9}
	rs := []Result{
		result("MatMul", "256", "cpu", w, 4e6, 5e6, 100e6), // median 5 ms: an outlier sample must not move it
		result("MatMul", "256", "gl", w, 1e6, 2e6, 2e6),    // median 2 ms: 2.5× faster
		result("MatMul", "256", "pytorch-cpu", w, 10e6),    // 0.5×
		result("MatMul", "512", "gl", w, 1e6),              // no cpu row
	}
	base := baselines(rs)
	for i, want := range []float64{1, 2.5, 0.5} {
		if got, ok := ratio(rs[i], base); !ok || got != want {
			t.Errorf("%d: ratio = %v, %v; want %v", i, got, ok, want)
		}
	}
	if _, ok := ratio(rs[3], base); ok {
		t.Errorf("ratio without a cpu row: ok, want not ok")
	}
}

func testReport() *Report {
	w := cases.Work{FLOPs: 2 * 256 * 256 * 256, Bytes: 4 * 3 * 256 * 256}
	cpu := result("MatMul", "256x256x256", "cpu", w, 2.1e6, 2e6, 2.3e6)
	cpu.GoAllocsPerRun = 3
	gl := result("MatMul", "256x256x256", "gl", w, 0.5e6, 0.52e6, 0.49e6)
	gl.BufferAllocsPerRun = 0.25
	pt := result("MatMul", "256x256x256", "pytorch-cpu", w, 4e6, 4.2e6)
	bad := Result{Result: cases.Result{Op: "TrainStep", Shape: "mnist-784-256-10/b128", Backend: "gl"}, Error: "gl: device lost | again"}
	return &Report{
		Meta: Meta{
			Date: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), Suite: "quick", Samples: 3,
			MinSampleNs: int64(100 * time.Millisecond), ElapsedNs: int64(42 * time.Second),
			Machine: Machine{CPU: "Test CPU", Cores: 2, GOMAXPROCS: 2, GoVersion: "go1.24", OS: "linux", Arch: "amd64"},
			Backends: []BackendMeta{
				{Name: "cpu", Vendor: "AuthenticAMD", Renderer: "Test CPU", Threads: 2},
				{Name: "gl", Vendor: "Mesa", Renderer: "llvmpipe", Version: "4.5 Mesa", Context: "egl-device", WarmupNs: 1.5e9, WarmupWallNs: 1.6e9, Programs: 30},
			},
			PyTorch: PyTorchMeta{Status: "ran", Python: "/usr/bin/python3", PythonVersion: "3.11.2", Torch: "1.13.1", BLAS: "OpenBLAS", Threads: 2},
		},
		Results: []Result{cpu, gl, pt, bad},
	}
}

func TestWriteMarkdown(t *testing.T) {
	var buf bytes.Buffer
	if err := testReport().WriteMarkdown(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for i, want := range []string{
		"- date: 2025-01-02 03:04:05 UTC",
		"- machine: Test CPU, 2 cores, GOMAXPROCS 2, go1.24 linux/amd64",
		"shader warm-up 1.5s (30 programs",
		"- PyTorch: torch 1.13.1 (/usr/bin/python3, Python 3.11.2), BLAS OpenBLAS, torch.get_num_threads() = 2",
		"| MatMul | 256x256x256 | cpu | 2.1 ms | 2–2.3 ms | 16 GFLOP/s | baseline | 3 | 0 |",
		"| MatMul | 256x256x256 | gl | 500 µs | 490–520 µs | 67.1 GFLOP/s | 4.2× faster | 0 | 0.25 |",
		"| MatMul | 256x256x256 | pytorch-cpu | 4.1 ms | 4–4.2 ms | 8.18 GFLOP/s | 0.512× (1.95× slower) | — | — |",
		`| TrainStep | mnist-784-256-10/b128 | gl | error: gl: device lost \| again | | | | | |`,
		"vs cpu: the cpu backend's median ÷ this median",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("%d: output lacks %q:\n%s", i, want, out)
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	want := testReport()
	path := filepath.Join(t.TempDir(), "out.json")
	if err := want.WriteJSONFile(path); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := ReadJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip:\ngot  %+v\nwant %+v", got, want)
	}
	raw, _ := os.ReadFile(path)
	for _, key := range []string{`"samples_ns": [`, `"runs_per_sample": 10`, `"flops": 33554432`, `"torch_version": "1.13.1"`, `"gomaxprocs": 2`} {
		if !bytes.Contains(raw, []byte(key)) {
			t.Errorf("JSON lacks %s", key)
		}
	}
}

func TestWriteBenchfmt(t *testing.T) {
	var buf bytes.Buffer
	if err := testReport().WriteBenchfmt(&buf); err != nil {
		t.Fatal(err)
	}
	// One line per sample, as go test -bench writes them: name with the
	// GOMAXPROCS suffix, runs, then value-unit pairs.
	line := regexp.MustCompile(`^Benchmark\S+-2\t\d+(\t[0-9.e+-]+ \S+)+$`)
	var n int
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if strings.HasPrefix(l, "Benchmark") {
			n++
			if !line.MatchString(l) {
				t.Errorf("malformed line %q", l)
			}
		}
	}
	if n != 3+3+2 {
		t.Errorf("%d sample lines, want 8 (error rows have none):\n%s", n, buf.String())
	}
	if !strings.Contains(buf.String(), "BenchmarkMatMul/gl/256x256x256-2\t10\t500000.0 ns/op\t67.1089 GFLOP/s\t0 allocs/op\t0.25 bufallocs/op") {
		t.Errorf("gl line missing:\n%s", buf.String())
	}
}

func TestUsageErrors(t *testing.T) {
	for i, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-suite=huge"}, "unknown suite \"huge\" (valid: quick, full)"},
		{[]string{"-backends=cpu,vulkan"}, "unknown backend \"vulkan\" (valid: cpu, gl)"},
		{[]string{"-pytorch=maybe"}, "(valid: auto, off, on)"},
		{[]string{"-samples=0", "-suite=quick", "extra"}, "unexpected arguments"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(tc.args, &stdout, &stderr); code != 2 {
			t.Errorf("%d: run(%q) = %d, want 2", i, tc.args, code)
		}
		if !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%d: stderr %q lacks %q", i, stderr.String(), tc.want)
		}
	}
}

func TestSortResults(t *testing.T) {
	rs := []Result{
		result("B", "1", "pytorch-cpu", cases.Work{}),
		result("A", "1", "gl", cases.Work{}),
		result("B", "1", "cpu", cases.Work{}),
		result("A", "1", "cpu", cases.Work{}),
		result("Z", "1", "pytorch-cpu", cases.Work{}),
	}
	sortResults(rs, []string{"A/1", "B/1"}, []string{"cpu", "gl"})
	var got []string
	for _, r := range rs {
		got = append(got, r.Op+":"+r.Backend)
	}
	if want := []string{"A:cpu", "A:gl", "B:cpu", "B:pytorch-cpu", "Z:pytorch-cpu"}; !reflect.DeepEqual(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
}

// TestPoolRounds: the rounds of a run give one result per case and
// backend, in the order first seen, holding every round's samples, and an
// error of any round.
func TestPoolRounds(t *testing.T) {
	row := func(be string, samples []float64, err string) Result {
		return Result{Result: cases.Result{Op: "MatMul", Shape: "a", Backend: be, SamplesNs: samples}, Error: err}
	}
	rs := []Result{row("cpu", []float64{1, 2}, ""), row("pytorch-cpu", []float64{3}, ""), row("cpu", []float64{4}, ""), row("pytorch-cpu", []float64{5}, "broke")}
	got := poolRounds(rs)
	if len(got) != 2 || got[0].Backend != "cpu" || len(got[0].SamplesNs) != 3 || got[0].SamplesNs[2] != 4 ||
		got[1].Backend != "pytorch-cpu" || len(got[1].SamplesNs) != 2 || got[1].Error != "broke" {
		t.Fatalf("pooled %+v", got)
	}
	if m := got[0].Median(); m != 2 {
		t.Errorf("median of the pooled samples %v, want 2", m)
	}
}
