package nn_test

import (
	"context"
	"encoding/json"
	"math"
	"os/exec"
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

// withGrads makes parameters whose gradients, after one Backward of
// Σ_k Σ p_k ⊙ c_k, are gs.
func withGrads(t *testing.T, b backend.Backend, shapes []backend.Shape, gs [][]float32) []*autograd.Value {
	t.Helper()
	g := autograd.NewGraph(b)
	t.Cleanup(func() { g.Reset() })
	var loss *autograd.Value
	var ps []*autograd.Value
	for k, s := range shapes {
		pt, err := backend.FromData(b, s, make([]float32, s.Len()))
		require.NoError(t, err)
		ct, err := backend.FromData(b, s, gs[k])
		require.NoError(t, err)
		t.Cleanup(func() { b.Release(pt); b.Release(ct) })
		p := autograd.NewParameter(b, "p", pt)
		ps = append(ps, p)
		term := g.Sum(g.Mul(p, g.Input(ct)))
		if loss == nil {
			loss = term
		} else {
			loss = g.Add(loss, term)
		}
	}
	require.NoError(t, g.Backward(loss))
	return ps
}

// TestClipGradNormMatchesPyTorch: nn.ClipGradNorm gives
// torch.nn.utils.clip_grad_norm_'s total norm and clipped gradients, on
// each backend, for norms above and below max_norm.
func TestClipGradNormMatchesPyTorch(t *testing.T) {
	python := backendtest.PyTorch(t)
	shapes := []backend.Shape{{Rows: 3, Cols: 5}, {Rows: 1, Cols: 5}, {Rows: 37, Cols: 29}} // 1093: two passes on GL
	gs := make([][]float32, len(shapes))
	for k, s := range shapes {
		gs[k] = make([]float32, s.Len())
		for i := range gs[k] {
			gs[k][i] = float32(math.Sin(float64(7*i+k))) * float32(k+1) / 10
		}
	}
	maxNorms := []float32{0.5, 1e3}
	in, _ := json.Marshal(map[string]any{"grads": gs, "max_norms": maxNorms})
	cmd := exec.Command(python, "-c", `
import json, sys, torch
a = json.load(sys.stdin)
res = []
for m in a["max_norms"]:
    ps = [torch.nn.Parameter(torch.zeros(len(g))) for g in a["grads"]]
    for p, g in zip(ps, a["grads"]):
        p.grad = torch.tensor(g, dtype=torch.float32)
    n = torch.nn.utils.clip_grad_norm_(ps, m)
    res.append({"norm": n.item(), "grads": [p.grad.tolist() for p in ps]})
json.dump(res, sys.stdout)
`)
	cmd.Stdin = strings.NewReader(string(in))
	out, err := cmd.Output()
	require.NoError(t, err)
	var wants []struct {
		Norm  float64
		Grads [][]float64
	}
	require.NoError(t, json.Unmarshal(out, &wants))
	require.Len(t, wants, len(maxNorms))
	for j, maxNorm := range maxNorms {
		want := wants[j]
		backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
			ps := withGrads(t, b, shapes, gs)
			norm, err := nn.ClipGradNorm(b, ps, maxNorm)
			require.NoError(t, err)
			// Both sum float32 squares, in different orders: 1e-6 relative
			// is a few roundings of a 1093-term positive sum.
			assert.InEpsilon(t, want.Norm, norm, 1e-6, "max norm %v", maxNorm)
			for k, p := range ps {
				got, err := backend.ToHost(b, p.Grad())
				require.NoError(t, err)
				for i := range got {
					// The coefficient carries the norm's error and a few
					// float32 roundings: 2e-6 relative, 1e-9 absolute near 0.
					assert.InDelta(t, want.Grads[k][i], got[i], 1e-9+2e-6*math.Abs(want.Grads[k][i]), "max norm %v, grad %d [%d]", maxNorm, k, i)
				}
			}
		})
	}
}

// TestTrainerClips: with ClipNorm the steps take clipped gradients: a
// tiny ClipNorm with plain SGD moves the weights by at most lr·ClipNorm in
// 2-norm per step, on each backend, packed or not; a bad ClipNorm is
// refused before training.
func TestTrainerClips(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		set, _ := data.Spiral(10, 3, 1)
		m, err := nn.MLP(2, []int{8}, 3, nn.ReLU).Build(b, 1)
		require.NoError(t, err)
		defer m.Release()
		before := weights(t, b, m)
		opt, err := nn.NewOptimizer("sgd", b, m.Parameters(), 1, 0)
		require.NoError(t, err)
		defer opt.Release()
		const clip, steps = 1e-3, 3
		tr := nn.Trainer{Model: m, Optimizer: opt, Epochs: 1, BatchSize: 10, Train: set, ClipNorm: clip}
		_, err = tr.Fit(context.Background())
		require.NoError(t, err)
		var d2 float64
		after := weights(t, b, m)
		for i := range before {
			d2 += (float64(after[i]) - float64(before[i])) * (float64(after[i]) - float64(before[i]))
		}
		// Each step moves by lr·‖clipped g‖ ≤ 1e-3 (the gradient is far
		// larger than that, so the clip binds): 3 steps move ≤ 3e-3, and
		// more than one step's worth since they roughly agree.
		assert.LessOrEqual(t, math.Sqrt(d2), steps*clip*(1+1e-5))
		assert.Greater(t, math.Sqrt(d2), clip)
		for _, bad := range []float32{-1, float32(math.NaN()), float32(math.Inf(1))} {
			tr.ClipNorm = bad
			_, err = tr.Fit(context.Background())
			assert.ErrorContains(t, err, "ClipNorm")
		}
	})
}

func weights(t *testing.T, b backend.Backend, m *nn.Model) []float32 {
	var w []float32
	for _, p := range m.Parameters() {
		h, err := backend.ToHost(b, p.Tensor())
		require.NoError(t, err)
		w = append(w, h...)
	}
	return w
}
