package nn_test

import (
	"testing"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/nn"
)

// BenchmarkGPTTrainStep is one AdamW step of the default GPT (`train
// -model=gpt`) on 16 sequences of 128 bytes, on each backend. It reports
// the device memory the step holds at its peak — the pool's live and idle
// buffers after the steps, since the pool keeps every buffer it made — and
// the device buffers allocated per step after the first (0 in the steady
// state):
//
//	go test ./nn -run '^$' -bench GPTTrainStep -benchtime 5x
func BenchmarkGPTTrainStep(bm *testing.B) {
	for _, name := range backend.Names() {
		bm.Run(name, func(bm *testing.B) { benchGPTStep(bm, backendtest.Open(bm, name)) })
	}
}

// benchGPTStep is BenchmarkGPTTrainStep on b.
func benchGPTStep(bm *testing.B, b backend.Backend) {
	c := nn.DefaultGPTConfig()
	m, err := nn.NewModel(b, &nn.GPT{Config: c}, 1, 1)
	if err != nil {
		bm.Fatal(err)
	}
	defer m.Release()
	opt, err := nn.NewOptimizerDecay("adamw", b, m.Parameters(), 1e-3, 0.1, 0, nn.DecayMatrices(m))
	if err != nil {
		bm.Fatal(err)
	}
	defer opt.Release()
	n := 16 * c.Ctx
	ids := backend.NormalData(n, 1, 0, 1)
	for i := range ids {
		ids[i] = float32(i * 7 % c.Vocab)
	}
	shape := backend.Shape{Rows: n, Cols: 1}
	g := autograd.NewGraph(b)
	step := func() {
		loss := g.SoftmaxCrossEntropy(m.Forward(g, g.Constant(shape, ids)), g.Constant(shape, ids))
		if err := g.Backward(loss); err != nil {
			bm.Fatal(err)
		}
		if err := opt.Step(); err != nil {
			bm.Fatal(err)
		}
		opt.ZeroGrad()
		if err := g.Reset(); err != nil {
			bm.Fatal(err)
		}
	}
	step() // the pool fills
	mr, ok := b.(backend.MemoryReporter)
	var before backend.MemStats
	if ok {
		before = mr.MemStats()
	}
	bm.ResetTimer()
	for range bm.N {
		step()
	}
	if err := b.Sync(); err != nil {
		bm.Fatal(err)
	}
	bm.StopTimer()
	bm.ReportMetric(float64(n*bm.N)/bm.Elapsed().Seconds(), "tokens/s")
	if ok {
		s := mr.MemStats()
		bm.ReportMetric(float64(s.LiveBytes+s.IdleBytes)/(1<<20), "MiB-device")
		bm.ReportMetric(float64(s.Allocations-before.Allocations)/float64(bm.N), "buffers-alloc/op")
	}

}
