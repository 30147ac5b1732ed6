package cases

import (
	"errors"
	"fmt"
	"runtime"
	"sort"
	"testing"
	"time"

	"gltrain/backend"
)

// Result is a case measured on one backend: the time per run of every
// sample, and what a run allocates.
// The JSON names are those of the report's -json output and of
// bench/pytorch/bench.py, so both read into the same type.
type Result struct {
	Op      string `json:"op"`
	Shape   string `json:"shape"`
	Backend string `json:"backend"`
	Work    Work   `json:"work"`
	// SamplesNs holds each sample's mean time per run, in nanoseconds.
	SamplesNs []float64 `json:"samples_ns"`
	// RunsPerSample is how many runs each sample timed.
	RunsPerSample int `json:"runs_per_sample"`
	// GoAllocsPerRun is Go heap allocations per run (runtime.MemStats).
	GoAllocsPerRun float64 `json:"go_allocs_per_run"`
	// BufferAllocsPerRun is device buffer allocations per run after the
	// warm-up run (backend.MemStats); 0 when buffers are pooled.
	BufferAllocsPerRun float64 `json:"buffer_allocs_per_run"`
	// OpsPerRun and DispatchesPerRun are backend calls queued and kernels
	// dispatched per run, for backends that count them (gl; 0 otherwise).
	OpsPerRun        float64 `json:"ops_per_run,omitempty"`
	DispatchesPerRun float64 `json:"dispatches_per_run,omitempty"`
	// WarmupNs is the first run's time, shader compilation included.
	WarmupNs float64 `json:"warmup_ns"`
}

// Median is the median sample, in nanoseconds per run.
func (r Result) Median() float64 { return quantile(r.SamplesNs, 0.5) }

// Spread is the lowest and highest sample.
func (r Result) Spread() (lo, hi float64) { return quantile(r.SamplesNs, 0), quantile(r.SamplesNs, 1) }

func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	pos := q * float64(len(s)-1)
	lo := int(pos)
	if lo+1 >= len(s) {
		return s[lo]
	}
	return s[lo] + (pos-float64(lo))*(s[lo+1]-s[lo])
}

// Rate is the case's throughput at the median: GFLOP/s, GB/s or samples/s
// (with its unit), or "" when the case has no work to rate.
func (r Result) Rate() (float64, string) {
	sec := r.Median() / 1e9
	switch {
	case sec == 0:
		return 0, ""
	case r.Work.Samples > 0:
		return r.Work.Samples / sec, "samples/s"
	case r.Work.FLOPs > 0:
		return r.Work.FLOPs / sec / 1e9, "GFLOP/s"
	case r.Work.Bytes > 0:
		return r.Work.Bytes / sec / 1e9, "GB/s"
	}
	return 0, ""
}

// Measure runs c on b: one warm-up run (compiling shaders, filling pools),
// then samples timed batches of runs, each batch sized to last about
// minSample and ending with a Sync so the device's work is inside the time.
func Measure(b backend.Backend, c Case, samples int, minSample time.Duration) (Result, error) {
	r := Result{Op: c.Op, Shape: c.Shape, Backend: b.Name(), Work: c.Work}
	run, cleanup, err := c.Setup(b)
	if err != nil {
		return r, fmt.Errorf("%s on %s: setup: %w", c.Name(), b.Name(), err)
	}
	defer cleanup()
	batch := func(n int) (time.Duration, error) {
		start := time.Now()
		for range n {
			if err := run(); err != nil {
				return 0, err
			}
		}
		err := b.Sync()
		return time.Since(start), err
	}
	fail := func(err error) (Result, error) {
		return r, fmt.Errorf("%s on %s: %w", c.Name(), b.Name(), err)
	}
	first, err := batch(1)
	if err != nil {
		return fail(err)
	}
	r.WarmupNs = float64(first.Nanoseconds())
	// Calibrate: double the batch until it lasts minSample/2.
	n := 1
	for {
		d, err := batch(n)
		if err != nil {
			return fail(err)
		}
		if d >= minSample/2 || n >= 1<<24 {
			n = max(1, int(float64(n)*float64(minSample)/float64(max(d, time.Microsecond))))
			break
		}
		n *= 2
	}
	r.RunsPerSample = n
	// Collect the garbage of set-up, calibration and earlier cases now, as
	// go test does before each benchmark, so that no sample pays for it.
	runtime.GC()
	bufBefore := bufferAllocs(b)
	ops0, disp0 := activity(b)
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	for range samples {
		d, err := batch(n)
		if err != nil {
			return fail(err)
		}
		r.SamplesNs = append(r.SamplesNs, float64(d.Nanoseconds())/float64(n))
	}
	runtime.ReadMemStats(&ms1)
	total := float64(samples * n)
	r.GoAllocsPerRun = float64(ms1.Mallocs-ms0.Mallocs) / total
	r.BufferAllocsPerRun = float64(bufferAllocs(b)-bufBefore) / total
	ops1, disp1 := activity(b)
	r.OpsPerRun, r.DispatchesPerRun = float64(ops1-ops0)/total, float64(disp1-disp0)/total
	return r, nil
}

func activity(b backend.Backend) (ops, dispatches uint64) {
	if ac, ok := b.(backend.ActivityCounter); ok {
		return ac.Activity()
	}
	return 0, 0
}

func bufferAllocs(b backend.Backend) int64 {
	if mr, ok := b.(backend.MemoryReporter); ok {
		return mr.MemStats().Allocations
	}
	return 0
}

// Benchmark runs c on be as a Go benchmark: a warm-up run outside the timer,
// then b.N runs and a Sync inside it, reporting GFLOP/s, GB/s or samples/s
// and device buffer allocations per run.
func Benchmark(b *testing.B, be backend.Backend, c Case) {
	run, cleanup, err := c.Setup(be)
	if err != nil {
		b.Fatalf("setup: %v", err)
	}
	defer cleanup()
	if err := run(); errors.Is(err, backend.ErrUnsupported) {
		b.Skipf("%s does not implement %s: %v", be.Name(), c.Op, err)
	} else if err != nil {
		b.Fatal(err)
	}
	if err := be.Sync(); err != nil {
		b.Fatal(err)
	}
	buf0 := bufferAllocs(be)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := run(); err != nil {
			b.Fatal(err)
		}
	}
	if err := be.Sync(); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	sec := b.Elapsed().Seconds()
	n := float64(b.N)
	switch {
	case c.Work.Samples > 0:
		b.ReportMetric(c.Work.Samples*n/sec, "samples/s")
		b.ReportMetric(n/sec, "steps/s")
	case c.Work.FLOPs > 0:
		b.ReportMetric(c.Work.FLOPs*n/sec/1e9, "GFLOP/s")
	case c.Work.Bytes > 0:
		b.ReportMetric(c.Work.Bytes*n/sec/1e9, "GB/s")
	}
	b.ReportMetric(float64(bufferAllocs(be)-buf0)/n, "bufallocs/op")
}
