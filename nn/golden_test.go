package nn_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/nn"
	"gltrain/nn/data"
)

// golden is a PyTorch run recorded by testdata/golden.py: a 4-8-3 GELU MLP
// on 16 samples, its first forward and backward pass, and 10 steps of each
// optimiser.
type golden struct {
	X      []float32            `json:"x"`
	Labels []int                `json:"labels"`
	Init   map[string][]float32 `json:"init"`
	Logits []float32            `json:"logits"`
	Loss   float64              `json:"loss"`
	Grads  map[string][]float32 `json:"grads"`
	Runs   map[string]struct {
		Losses []float32            `json:"losses"`
		Final  map[string][]float32 `json:"final"`
	} `json:"runs"`
	Torch string `json:"torch"`
}

func loadGolden(t *testing.T) (golden, data.Set, nn.Arch) {
	t.Helper()
	raw, err := os.ReadFile("testdata/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	set := data.Set{Name: "golden", X: g.X, Labels: g.Labels, Features: 4, Classes: 3}
	return g, set, nn.MLP(4, []int{8}, 3, nn.GELU)
}

// goldenModel builds the architecture on b with PyTorch's initial weights.
func goldenModel(t *testing.T, b backend.Backend, arch nn.Arch, weights map[string][]float32) *nn.Model {
	t.Helper()
	m, err := arch.Build(b, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range m.Parameters() { // golden.json holds them as gltrain does, W in×out
		if err := b.Upload(p.Tensor(), weights["layers."+p.Name()]); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// goldenTol: float32 on both sides, with GELU, exp and the sums evaluated in
// different orders: agreement to a few ulp, bounded by 1e-5 relative with a
// floor of 1e-6 for elements near zero (gradient entries of size 1e-3 to 1).
var goldenTol = backendtest.Tol{ATol: 1e-6, RTol: 1e-5}

// TestMatchesPyTorch checks the first forward and backward pass against
// PyTorch's: logits, loss and every parameter's gradient.
func TestMatchesPyTorch(t *testing.T) {
	g, set, arch := loadGolden(t)
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		m := goldenModel(t, b, arch, g.Init)
		defer m.Release()
		ds, err := nn.Upload(b, set)
		if err != nil {
			t.Fatal(err)
		}
		defer ds.Release()
		graph := autograd.NewGraph(b)
		logits := m.Forward(graph, graph.Input(ds.X))
		loss := graph.SoftmaxCrossEntropy(logits, graph.Input(ds.Y))
		if err := graph.Backward(loss); err != nil {
			t.Fatal(err)
		}
		check := func(what string, tt backend.Tensor, want []float32) {
			got, err := backend.ToHost(b, tt)
			if err != nil {
				t.Fatal(err)
			}
			if msg := backendtest.Diff(tt.Shape(), got, backendtest.To64(want), goldenTol); msg != "" {
				t.Errorf("%s differs from PyTorch %s: %s", what, g.Torch, msg)
			}
		}
		check("logits", logits.Tensor(), g.Logits)
		check("loss", loss.Tensor(), []float32{float32(g.Loss)})
		for _, p := range m.Parameters() {
			check("gradient of "+p.Name(), p.Grad(), g.Grads["layers."+p.Name()])
		}
		graph.Reset()
	})
}

// TestOptimizersMatchPyTorch trains 10 full-batch steps with each optimiser
// and compares the losses and final weights with PyTorch's: SGD, SGD with
// Nesterov momentum and L2 decay, Adam with L2 decay, AdamW.
func TestOptimizersMatchPyTorch(t *testing.T) {
	g, set, arch := loadGolden(t)
	settings := map[string]struct{ lr, wd float32 }{
		"sgd": {0.1, 0}, "nesterov": {0.1, 1e-3}, "adam": {0.01, 1e-2}, "adamw": {0.01, 0.1},
	}
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		for name, s := range settings {
			t.Run(name, func(t *testing.T) {
				m := goldenModel(t, b, arch, g.Init)
				defer m.Release()
				opt, err := nn.NewOptimizer(name, b, m.Parameters(), s.lr, s.wd)
				if err != nil {
					t.Fatal(err)
				}
				defer opt.Release()
				tr := nn.Trainer{Model: m, Optimizer: opt, Epochs: 10, BatchSize: 16, Train: set, LogEvery: 10}
				h, err := tr.Fit(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				run := g.Runs[name]
				if msg := backendtest.Diff(backend.Shape{Rows: 1, Cols: 10}, h.StepLoss, backendtest.To64(run.Losses), goldenTol); msg != "" {
					t.Errorf("losses differ from PyTorch's: %s", msg)
				}
				for _, p := range m.Parameters() {
					got, _ := backend.ToHost(b, p.Tensor())
					// Ten updates compound each step's few-ulp
					// differences: 1e-5 absolute on weights of size 0.1–1.
					if msg := backendtest.Diff(p.Shape(), got, backendtest.To64(run.Final["layers."+p.Name()]), backendtest.Tol{ATol: 1e-5, RTol: 1e-5}); msg != "" {
						t.Errorf("final %s differs from PyTorch's: %s", p.Name(), msg)
					}
				}
			})
		}
	})
}
