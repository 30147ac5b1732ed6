package autograd_test

import (
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/cpu"
)

// TestLoopWithoutResetStaysFlat is the custom loop written the obvious way
// — forward, loss, Backward, an SGD step, ZeroGrad, repeat — with no Reset:
// over 10,000 steps of a 2-64-3 net the backend's live buffers and the Go
// heap stay where they were after the first 100 (before, each step kept its
// tensors: about 1.5 MB a step for a 2-256-3 net).
func TestLoopWithoutResetStaysFlat(t *testing.T) {
	b := cpu.New()
	x, err := backend.FromData(b, backend.Shape{Rows: 32, Cols: 2}, backend.NormalData(64, 1, 0, 1))
	require.NoError(t, err)
	labels := make([]float32, 32)
	for i := range labels {
		labels[i] = float32(i % 3)
	}
	y, err := backend.FromData(b, backend.Shape{Rows: 32, Cols: 1}, labels)
	require.NoError(t, err)
	param := func(name string, r, c int, seed uint64) *autograd.Value {
		tt, err := backend.FromData(b, backend.Shape{Rows: r, Cols: c}, backend.NormalData(r*c, seed, 0, 0.3))
		require.NoError(t, err)
		return autograd.NewParameter(b, name, tt)
	}
	w1, b1, w2, b2 := param("w1", 2, 64, 2), param("b1", 1, 64, 3), param("w2", 64, 3, 4), param("b2", 1, 3, 5)
	params := []*autograd.Value{w1, b1, w2, b2}
	g := autograd.NewGraph(b)
	relu := backend.Activation{Kind: backend.ReLU}
	step := func() float32 {
		h := g.Linear(g.Input(x), w1, b1, relu)
		loss := g.SoftmaxCrossEntropy(g.Linear(h, w2, b2, backend.Activation{}), g.Input(y))
		require.NoError(t, g.Backward(loss))
		for _, p := range params {
			require.NoError(t, b.SGDStep(backend.SGD{LR: 0.1}, p.Tensor(), p.Grad(), nil))
		}
		autograd.ZeroGrad(params...)
		l, err := backend.ToHost(b, loss.Tensor())
		require.NoError(t, err)
		return l[0]
	}
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	first := step()
	for range 99 {
		step()
	}
	live, h0 := b.MemStats().LiveBuffers, heap()
	var last float32
	for range 9900 {
		last = step()
	}
	assert.Equal(t, live, b.MemStats().LiveBuffers, "live buffers after 10,000 steps vs after 100")
	assert.Less(t, heap(), h0+1<<20, "Go heap after 10,000 steps vs after 100 (bytes)")
	assert.Less(t, last, first, "the loop should still train")
}

// TestGrowthWarning: a graph that grows without a Backward or a Reset
// warns once, naming Reset.
func TestGrowthWarning(t *testing.T) {
	defer autograd.SetWarnValues(50)()
	var got []string
	old := autograd.Warn
	autograd.Warn = func(msg string) { got = append(got, msg) }
	defer func() { autograd.Warn = old }()
	b := cpu.New()
	x, err := backend.FromData(b, backend.Shape{Rows: 1, Cols: 1}, []float32{1})
	require.NoError(t, err)
	g := autograd.NewGraph(b)
	v := g.Input(x)
	for range 200 {
		v = g.Add(v, v)
	}
	require.Len(t, got, 1, "warnings")
	assert.True(t, strings.Contains(got[0], "call Reset"), got[0])
}

// TestOldValuesAfterBackward: after Backward, the next operation starts a
// new step; a value of the previous step is then an error to use, never a
// silent alias of a new node.
func TestOldValuesAfterBackward(t *testing.T) {
	b := cpu.New()
	xt, err := backend.FromData(b, backend.Shape{Rows: 1, Cols: 1}, []float32{3})
	require.NoError(t, err)
	w := autograd.NewParameter(b, "w", xt)
	g := autograd.NewGraph(b)
	sq := g.Mul(w, w)
	require.NoError(t, g.Backward(sq))
	fresh := g.Add(w, w) // a new step: sq is released
	require.NoError(t, g.Err())
	_ = fresh
	g.Add(sq, w)
	require.Error(t, g.Err())
	assert.Contains(t, g.Err().Error(), "released by Reset")
}
