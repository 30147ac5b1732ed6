package nn_test

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/nn"
	"gltrain/nn/data"
)

// TestTrainerTextOrder trains a tiny GPT with the Trainer on sequences a
// data.TextBatcher draws (Trainer.Order) on each backend: the loss falls
// from about ln 256, and the validation loss Fit reports is the mean of
// the per-window losses computed here window by window.
func TestTrainerTextOrder(t *testing.T) {
	text := []byte(strings.Repeat("abcabd abcabe; ", 60))
	c := nn.GPTConfig{Vocab: data.TextVocab, Ctx: 8, Layers: 1, Heads: 2, Embd: 16}
	const batch = 4
	train, val := text[:800], text[800:]
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		m, err := nn.NewModel(b, &nn.GPT{Config: c}, 1, 3)
		require.NoError(t, err)
		defer m.Release()
		opt, err := nn.NewOptimizer("adam", b, m.Parameters(), 3e-3, 0)
		require.NoError(t, err)
		defer opt.Release()
		order, err := data.NewTextBatcher(train, c.Ctx, batch, 5)
		require.NoError(t, err)
		tr := nn.Trainer{Model: m, Loss: nn.SoftmaxCrossEntropy, Optimizer: opt, Epochs: 2, BatchSize: batch,
			Order: order, Train: data.TextSet("train", train), Val: data.TextWindowSet("val", val, c.Ctx), EvalBatch: 3 * c.Ctx}
		h, err := tr.Fit(context.Background())
		require.NoError(t, err)
		require.Len(t, h.StepLoss, 2*order.StepsPerEpoch())
		// The first step's loss is that of a near-uniform guess, ln 256 ≈ 5.55,
		// and 50 steps on a text of period 15 cut it by more than half.
		assert.InDelta(t, math.Log(256), h.StepLoss[0], 0.1)
		last := h.Epochs[1]
		assert.Less(t, last.Loss, 0.5*math.Log(256))

		// The windows one by one: the mean of their mean losses.
		g := autograd.NewGraph(b)
		g.SetGrad(false)
		defer g.Reset()
		w := data.TextWindows(val, c.Ctx)
		x, y := make([]float32, c.Ctx), make([]float32, c.Ctx)
		sum := 0.0
		for i := 0; i < w; i++ {
			data.FillTextWindow(x, y, val, c.Ctx, i)
			shape := backend.Shape{Rows: c.Ctx, Cols: 1}
			l := g.SoftmaxCrossEntropy(m.Forward(g, g.Constant(shape, x)), g.Constant(shape, y))
			require.NoError(t, g.Err())
			got := make([]float32, 1)
			require.NoError(t, b.Download(got, l.Tensor()))
			sum += float64(got[0])
			require.NoError(t, g.Reset())
		}
		// float32 sums of w·ctx per-token losses in another grouping: 1e-5 relative.
		assert.InEpsilon(t, sum/float64(w), last.ValLoss, 1e-5)
	})
}

// TestReadInfoGPT: ReadInfo reads a GPT's checkpoint, whose tied head
// (lm_head.weight) is no parameter of its own, as Load does.
func TestReadInfoGPT(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	c := nn.GPTConfig{Vocab: 256, Ctx: 8, Layers: 1, Heads: 2, Embd: 8}
	m, err := nn.NewModel(b, &nn.GPT{Config: c}, 1, 1)
	require.NoError(t, err)
	defer m.Release()
	path := filepath.Join(t.TempDir(), "gpt.safetensors")
	require.NoError(t, nn.Save(path, m, nil))
	info, err := nn.ReadInfo(path)
	require.NoError(t, err)
	require.NotNil(t, info.Spec.GPT)
	assert.Equal(t, c, *info.Spec.GPT)
	assert.Equal(t, "gpt:layers=1,heads=2,embd=8,ctx=8,vocab=256", m.String())
}
