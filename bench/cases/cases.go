// Package cases defines gltrain's benchmark cases once, for both the Go
// benchmarks (bench/*_test.go, go test -bench) and the report (go run
// ./bench): each case is an operation at a shape, set up on a backend and
// run repeatedly; the runners time it, sync the device inside the timed
// region, and turn its work into GFLOP/s or GB/s.
package cases

import (
	"fmt"
	"strings"

	"gltrain/backend"
)

// Work is what one run of a case does: floating-point operations (for
// GFLOP/s), bytes moved to and from device memory (for GB/s) and samples
// (for training steps: samples/s).
type Work struct {
	FLOPs   float64 `json:"flops"`
	Bytes   float64 `json:"bytes"`
	Samples float64 `json:"samples"`
}

// Case is one benchmark.
type Case struct {
	Op    string // family, e.g. "MatMul", "ReLUForward", "TrainStep"
	Shape string // e.g. "256x256x256", "mnist-784-256-10/b128"
	Work  Work
	// Quick marks the cases of the quick suite (make bench).
	Quick bool
	// Setup prepares the case on b and returns its run function and a
	// cleanup. Run must not sync: the runner syncs once after a batch of
	// runs, inside the timed region.
	Setup func(b backend.Backend) (run func() error, cleanup func(), err error)
}

// Name is Op/Shape.
func (c Case) Name() string { return c.Op + "/" + c.Shape }

// All returns every case: kernels, small-op overhead and training steps.
func All() []Case {
	var cs []Case
	cs = append(cs, MatMul()...)
	cs = append(cs, Elementwise()...)
	cs = append(cs, Reductions()...)
	cs = append(cs, Norms()...)
	cs = append(cs, SmallOps()...)
	cs = append(cs, TrainSteps()...)
	return cs
}

// Select returns the cases of the suite ("quick" or "full") whose name
// contains filter (every case when filter is empty).
func Select(suite, filter string) ([]Case, error) {
	if suite != "quick" && suite != "full" {
		return nil, fmt.Errorf("unknown suite %q (valid: quick, full)", suite)
	}
	var out []Case
	for _, c := range All() {
		if (suite == "full" || c.Quick) && strings.Contains(c.Name(), filter) {
			out = append(out, c)
		}
	}
	return out, nil
}

// tensors allocates tensors of the given shapes on b, filled with N(0, 1)
// samples from a fixed seed, and returns them with a release function.
func tensors(b backend.Backend, shapes ...backend.Shape) ([]backend.Tensor, func(), error) {
	ts := make([]backend.Tensor, 0, len(shapes))
	release := func() {
		for _, t := range ts {
			b.Release(t)
		}
	}
	for i, s := range shapes {
		t, err := backend.FromData(b, s, backend.NormalData(s.Len(), uint64(i+1), 0, 1))
		if err != nil {
			release()
			return nil, nil, err
		}
		ts = append(ts, t)
	}
	return ts, release, nil
}

func shape(r, c int) backend.Shape { return backend.Shape{Rows: r, Cols: c} }
