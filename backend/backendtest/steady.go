package backendtest

import (
	"math"
	"testing"

	"gltrain/backend"
)

// runDeterminism runs the reductions, a loss and a product twice on the same
// inputs and requires bit-identical outputs.
func runDeterminism(t *testing.T, b backend.Backend) {
	d := Dims{M: 257, N: 129, K: 65}
	for _, c := range Cases() {
		switch c.Name {
		case "sum", "column sum", "softmax cross-entropy with gradient", "svm hinge with gradient", "matmul/TN/alpha=1,beta=0":
		default:
			continue
		}
		ins, outs := c.Setup(d)
		host := make([][]float32, len(ins))
		for i, in := range ins {
			host[i] = draw(in, uint64(100+i), false)
		}
		first, err := Execute(b, c, host, ins, outs)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		second, err := Execute(b, c, host, ins, outs)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		for j := range first {
			for i := range first[j] {
				if math.Float32bits(first[j][i]) != math.Float32bits(second[j][i]) {
					t.Errorf("%s: output %d element %d: %v then %v: not deterministic", c.Name, j, i, first[j][i], second[j][i])
					break
				}
			}
		}
	}
}

// runMemory checks that a loop which creates and releases the same tensors
// every iteration stops allocating device buffers after its first pass.
func runMemory(t *testing.T, b backend.Backend) {
	mr, ok := b.(backend.MemoryReporter)
	if !ok {
		t.Skipf("%s does not report memory", b.Name())
	}
	before := mr.MemStats()
	iteration := func() {
		x, err := b.New(shp(64, 33))
		if err != nil {
			t.Fatal(err)
		}
		y, _ := b.New(shp(64, 33))
		s, _ := b.New(shp(1, 1))
		if err := b.Fill(x, 1); err != nil {
			t.Fatal(err)
		}
		if err := b.ActivationForward(backend.Activation{Kind: backend.Tanh}, y, x); err != nil {
			t.Fatal(err)
		}
		if err := b.Sum(s, y); err != nil {
			t.Fatal(err)
		}
		for _, z := range []backend.Tensor{x, y, s} {
			b.Release(z)
		}
	}
	iteration()
	warm := mr.MemStats()
	for range 20 {
		iteration()
	}
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
	after := mr.MemStats()
	if after.Allocations != warm.Allocations {
		t.Errorf("allocations grew from %d to %d over 20 steady iterations", warm.Allocations, after.Allocations)
	}
	if after.LiveBuffers != before.LiveBuffers {
		t.Errorf("live buffers %d after the loop, %d before: a release was lost", after.LiveBuffers, before.LiveBuffers)
	}
}
