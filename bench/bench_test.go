package main

import (
	"os"
	"sync"
	"testing"
	"time"

	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/backend/gl"
	"gltrain/bench/cases"
)

// The Go benchmarks: one function per operation, one sub-benchmark per
// backend and shape, named BenchmarkMatMul/gl/256x256x256. -short keeps the
// quick suite's cases only, so that
//
//	go test -short -bench . -benchtime=1x ./bench
//
// is a smoke run of every family on every backend.

// benchmarked lists the operations that have a Benchmark function below;
// TestEveryOpIsBenchmarked keeps it in step with cases.All.
var benchmarked = map[string]bool{}

func BenchmarkMatMul(b *testing.B)              { benchOp(b, "MatMul") }
func BenchmarkMatMulNT(b *testing.B)            { benchOp(b, "MatMulNT") }
func BenchmarkMatMulTN(b *testing.B)            { benchOp(b, "MatMulTN") }
func BenchmarkMatMulTT(b *testing.B)            { benchOp(b, "MatMulTT") }
func BenchmarkReLUForward(b *testing.B)         { benchOp(b, "ReLUForward") }
func BenchmarkReLUBackward(b *testing.B)        { benchOp(b, "ReLUBackward") }
func BenchmarkGELUForward(b *testing.B)         { benchOp(b, "GELUForward") }
func BenchmarkGELUBackward(b *testing.B)        { benchOp(b, "GELUBackward") }
func BenchmarkAdd(b *testing.B)                 { benchOp(b, "Add") }
func BenchmarkSGDMomentumStep(b *testing.B)     { benchOp(b, "SGDMomentumStep") }
func BenchmarkAdamStep(b *testing.B)            { benchOp(b, "AdamStep") }
func BenchmarkSum(b *testing.B)                 { benchOp(b, "Sum") }
func BenchmarkColSum(b *testing.B)              { benchOp(b, "ColSum") }
func BenchmarkSoftmaxCrossEntropy(b *testing.B) { benchOp(b, "SoftmaxCrossEntropy") }
func BenchmarkSmallOp(b *testing.B)             { benchOp(b, "SmallOp") }
func BenchmarkLayerNorm(b *testing.B)           { benchOp(b, "LayerNorm") }
func BenchmarkTrainStep(b *testing.B)           { benchOp(b, "TrainStep") }

func init() {
	for _, op := range []string{"MatMul", "MatMulNT", "MatMulTN", "MatMulTT", "ReLUForward", "ReLUBackward",
		"GELUForward", "GELUBackward", "Add", "SGDMomentumStep", "AdamStep", "Sum", "ColSum",
		"SoftmaxCrossEntropy", "SmallOp", "LayerNorm", "TrainStep"} {
		benchmarked[op] = true
	}
}

// BenchmarkOther runs the cases of any operation that has no function of
// its own yet (TestEveryOpIsBenchmarked fails meanwhile), so none is lost.
func BenchmarkOther(b *testing.B) {
	seen := map[string]bool{}
	for _, c := range cases.All() {
		if !benchmarked[c.Op] && !seen[c.Op] {
			seen[c.Op] = true
			b.Run(c.Op, func(b *testing.B) { benchOp(b, c.Op) })
		}
	}
	if len(seen) == 0 {
		b.Skip("every operation has its own Benchmark function")
	}
}

// BenchmarkWarmup compiles every GL kernel on a fresh context, the cost the
// other benchmarks keep out of their timed regions, and reports it as
// compile-ms (Warmup's own measure); ns/op is the call's wall time.
func BenchmarkWarmup(b *testing.B) {
	var total time.Duration
	for range b.N {
		b.StopTimer()
		g, err := gl.New(gl.Options{})
		if err != nil {
			skipOrFail(b, "gl", err)
		}
		b.StartTimer()
		took, err := g.Warmup()
		b.StopTimer()
		programs := g.Counters().Programs
		g.Close()
		if err != nil {
			b.Fatal(err)
		}
		total += took
		b.Logf("gl warm-up: %d programs compiled and linked in %v", programs, took.Round(time.Millisecond))
	}
	b.ReportMetric(total.Seconds()*1e3/float64(b.N), "compile-ms")
}

// benchOp runs op's cases on every registered backend.
func benchOp(b *testing.B, op string) {
	ran := false
	for _, name := range backend.Names() {
		be, err := open(name)
		if err != nil {
			b.Run(name, func(b *testing.B) { skipOrFail(b, name, err) })
			continue
		}
		for _, c := range cases.All() {
			if c.Op != op || (testing.Short() && !c.Quick) {
				continue
			}
			ran = true
			b.Run(name+"/"+c.Shape, func(b *testing.B) { cases.Benchmark(b, be, c) })
		}
	}
	if !ran {
		// Without a sub-benchmark, go test would time this function itself.
		b.Skipf("no %s case in this suite (-short keeps the quick cases)", op)
	}
}

// skipOrFail skips a benchmark whose backend cannot open, or fails it when
// the backend is required (cpu always; gl under CI or GLTRAIN_REQUIRE_GL).
func skipOrFail(b *testing.B, name string, err error) {
	if name == "cpu" || backendtest.RequireGL() {
		b.Fatalf("open backend %s: %v", name, err)
	}
	b.Skipf("backend %s unavailable (set GLTRAIN_REQUIRE_GL=1 to make this a failure): %v", name, err)
}

// backends holds each backend, opened once per test binary; a GL backend's
// shaders are compiled when it opens, before any timer starts.
var backends struct {
	sync.Mutex
	open map[string]backend.Backend
	errs map[string]error
}

func open(name string) (backend.Backend, error) {
	backends.Lock()
	defer backends.Unlock()
	if b, ok := backends.open[name]; ok {
		return b, nil
	}
	if err, ok := backends.errs[name]; ok {
		return nil, err
	}
	if backends.open == nil {
		backends.open, backends.errs = map[string]backend.Backend{}, map[string]error{}
	}
	b, err := backend.Open(name)
	if err == nil {
		if w, ok := b.(backend.Warmer); ok {
			if _, err = w.Warmup(); err != nil {
				b.Close()
			}
		}
	}
	if err != nil {
		backends.errs[name] = err
		return nil, err
	}
	backends.open[name] = b
	return b, nil
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, b := range backends.open {
		b.Close()
	}
	os.Exit(code)
}

// TestEveryOpIsBenchmarked checks that each operation of cases.All has a
// Benchmark function of its own.
func TestEveryOpIsBenchmarked(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range cases.All() {
		if !benchmarked[c.Op] && !seen[c.Op] {
			seen[c.Op] = true
			t.Errorf("operation %s (case %s) has no Benchmark function: add func Benchmark%s to bench_test.go", c.Op, c.Name(), c.Op)
		}
	}
}
