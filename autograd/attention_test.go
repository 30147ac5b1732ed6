package autograd_test

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
)

// attentionCases: two sequences of three positions, two heads of two
// features (qkv 6×12); one position (T = 1, every softmax a single 1);
// one head; qkv used by two attentions at once (heads 1 and 2), so its
// gradient sums two contributions written with beta 1; and attention
// dropout through a fixed mask of 0 and 2 (p = ½). On the CPU backend
// they measure 2e-5 (T = 1) to 1.7e-3 (an element of 1e-4 judged against
// the floor) under gradTol's 1e-2.
func attentionCases() []gradCase {
	qkv := func(rows, cols int, seed uint64) autograd.GradInput {
		return variable(rows, cols, uniform(rows*cols, seed, -1.5, 1.5))
	}
	attn := func(batch, T, heads int) func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
		return func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
			return project(g, g.CausalSelfAttention(v[0], batch, T, heads), v[1])
		}
	}
	mask := make([]float32, 2*2*3*3)
	for i := range mask {
		mask[i] = float32(2 * ((i*7 + 3) % 5 % 2))
	}
	return []gradCase{
		{"attention 2×3, 2 heads", []autograd.GradInput{qkv(6, 12, 120), weights(6, 4, 121)}, attn(2, 3, 2)},
		{"attention T 1", []autograd.GradInput{qkv(3, 6, 122), weights(3, 2, 123)}, attn(3, 1, 2)},
		{"attention 1×5, 1 head", []autograd.GradInput{qkv(5, 9, 124), weights(5, 3, 125)}, attn(1, 5, 1)},
		{"attention, qkv twice", []autograd.GradInput{qkv(6, 12, 126), weights(6, 4, 127), weights(6, 4, 128)},
			func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
				return g.Add(project(g, g.CausalSelfAttention(v[0], 2, 3, 1), v[1]), project(g, g.CausalSelfAttention(v[0], 2, 3, 2), v[2]))
			}},
		{"attention dropout", []autograd.GradInput{qkv(6, 12, 129), constant(12, 3, mask), weights(6, 4, 130)},
			func(g *autograd.Graph, v []*autograd.Value) *autograd.Value {
				return project(g, g.CausalSelfAttentionDropout(v[0], v[1], 2, 3, 2), v[2])
			}},
	}
}

// TestAttentionGradients checks CausalSelfAttention's backward step against
// centred finite differences on every backend, within gradTol
// (gradcheck_test.go says why).
func TestAttentionGradients(t *testing.T) {
	checkGradCases(t, attentionCases)
}

// attentionRun is CausalSelfAttention's output and qkv's gradient for the
// loss Σ y ⊙ dy, on b.
func attentionRun(t *testing.T, b backend.Backend, batch, T, heads int, qkv, dy, mask []float32) (y, dqkv []float32) {
	C := len(dy) / (batch * T)
	g := autograd.NewGraph(b)
	defer g.Reset()
	x := g.Leaf(upload(t, b, shp(batch*T, 3*C), qkv), true)
	var m *autograd.Value
	if mask != nil {
		m = g.Constant(shp(batch*heads*T, T), mask)
	}
	out := g.CausalSelfAttentionDropout(x, m, batch, T, heads)
	if err := g.Backward(g.Sum(g.Mul(out, g.Constant(shp(batch*T, C), dy)))); err != nil {
		t.Fatalf("%s: %v", b.Name(), err)
	}
	return download(t, b, out.Tensor()), download(t, b, x.Grad())
}

// TestAttentionCrossBackend: every backend's attention and its gradient
// agree with the CPU reference's within crossTol (1e-5 of the norm), at
// sizes off the GPU tiles (T = 37, head size 5) and with dropout.
func TestAttentionCrossBackend(t *testing.T) {
	const batch, T, heads, C = 2, 37, 3, 15
	qkv, dy := uniform(batch*T*3*C, 140, -2, 2), uniform(batch*T*C, 141, -1, 1)
	mask := uniform(batch*heads*T*T, 142, 0, 1)
	for i := range mask {
		mask[i] = float32(int(mask[i]+0.8)) * 1.25 // p = 0.2: kept ones scaled by 1/0.8
	}
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		if b.Name() == "cpu" {
			t.Skip("cpu is the reference")
		}
		ref := backendtest.Open(t, "cpu")
		for _, m := range [][]float32{nil, mask} {
			y, d := attentionRun(t, b, batch, T, heads, qkv, dy, m)
			wy, wd := attentionRun(t, ref, batch, T, heads, qkv, dy, m)
			if msg := backendtest.Diff(shp(batch*T, C), y, backendtest.To64(wy), crossTol); msg != "" {
				t.Errorf("dropout %v: y: %s", m != nil, msg)
			}
			if msg := backendtest.Diff(shp(batch*T, 3*C), d, backendtest.To64(wd), crossTol); msg != "" {
				t.Errorf("dropout %v: dqkv: %s", m != nil, msg)
			}
		}
	})
}

// torchTol compares with PyTorch's nanoGPT attention computed in float64
// from the same float32 inputs, as nn/testdata/torch_layers.py compares the
// layers: |ours − torch| ≤ 1e-5·|torch| + 1e-5·max|torch| of the tensor.
// Ours is float32 through two products of at most T = 37 terms and a
// softmax, a few ulp of the terms' magnitudes each; an element that cancels
// to near zero is judged against its tensor's scale.
func torchTol(want []float64) backendtest.Tol {
	var mx float64
	for _, w := range want {
		mx = max(mx, math.Abs(w))
	}
	return backendtest.Tol{ATol: 1e-5 * mx, RTol: 1e-5}
}

// TestAttentionPyTorch checks CausalSelfAttention and qkv's gradient
// against nanoGPT's manual attention in torch 1.13 (testdata/attention_torch.py:
// q·kᵀ·(1/√hs), masked_fill(−inf), softmax, ·v), on every backend.
func TestAttentionPyTorch(t *testing.T) {
	python := backendtest.PyTorch(t)
	const batch, T, heads, C = 2, 37, 3, 15
	qkv, dy := uniform(batch*T*3*C, 150, -2, 2), uniform(batch*T*C, 151, -1, 1)
	dir := t.TempDir()
	in, err := json.Marshal(map[string]any{"B": batch, "T": T, "heads": heads, "qkv": qkv, "dy": dy})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "case.json")
	if err := os.WriteFile(path, in, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(python, "testdata/attention_torch.py", path).Output()
	if err != nil {
		t.Fatalf("attention_torch.py: %v", err)
	}
	var want struct{ Y, DQKV []float64 }
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatalf("attention_torch.py's output %.80q: %v", out, err)
	}
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		y, d := attentionRun(t, b, batch, T, heads, qkv, dy, nil)
		if msg := backendtest.Diff(shp(batch*T, C), y, want.Y, torchTol(want.Y)); msg != "" {
			t.Errorf("y: %s", msg)
		}
		if msg := backendtest.Diff(shp(batch*T, 3*C), d, want.DQKV, torchTol(want.DQKV)); msg != "" {
			t.Errorf("dqkv: %s", msg)
		}
	})
}

// TestAttentionErrors: bad geometry is an error naming the op and the
// shapes, recorded by the graph, never a panic.
func TestAttentionErrors(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	for i, tc := range []struct {
		rows, cols, batch, T, heads int
		mask                        backend.Shape
		want                        error
		says                        string
	}{
		{6, 12, 2, 3, 5, shp(0, 0), backend.ErrShape, "3C with C a multiple of 5"}, // C = 4 is not a multiple of 5 heads
		{6, 12, 3, 3, 2, shp(0, 0), backend.ErrShape, "qkv 6×12 for 3 sequences"},  // 9 rows wanted
		{6, 13, 2, 3, 1, shp(0, 0), backend.ErrShape, "qkv 6×13"},
		{6, 12, 0, 3, 1, shp(0, 0), backend.ErrInvalidArgument, "0 sequences"},
		{4097, 3, 1, 4097, 1, shp(0, 0), backend.ErrInvalidArgument, "context 4097"},
		{6, 12, 2, 3, 2, shp(12, 2), backend.ErrShape, "dropout mask"},
	} {
		g := autograd.NewGraph(b)
		x := g.Input(upload(t, b, shp(tc.rows, tc.cols), make([]float32, tc.rows*tc.cols)))
		var m *autograd.Value
		if tc.mask.Rows > 0 {
			m = g.Constant(tc.mask, make([]float32, tc.mask.Len()))
		}
		g.CausalSelfAttentionDropout(x, m, tc.batch, tc.T, tc.heads)
		if err := g.Err(); !errors.Is(err, tc.want) || !strings.Contains(err.Error(), "causal self-attention") || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%d: error %v, want %v naming causal self-attention and %q", i, err, tc.want, tc.says)
		}
		g.Reset()
	}
}

// TestAttentionSteadyState: a training step through the attention (with a
// dropout mask, the heaviest path) takes its scores, its backward
// temporary and its gradients from the pool: after the first steps, more
// steps allocate no device buffer.
func TestAttentionSteadyState(t *testing.T) {
	const batch, T, heads, C = 2, 7, 2, 6
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		mr, ok := b.(backend.MemoryReporter)
		if !ok {
			t.Skipf("%s does not report memory", b.Name())
		}
		p := autograd.NewParameter(b, "qkv", upload(t, b, shp(batch*T, 3*C), uniform(batch*T*3*C, 160, -1, 1)))
		defer autograd.ReleaseGrad(p)
		mask := uniform(batch*heads*T*T, 161, 0, 2)
		g := autograd.NewGraph(b)
		step := func() {
			y := g.CausalSelfAttentionDropout(p, g.Constant(shp(batch*heads*T, T), mask), batch, T, heads)
			if err := g.Backward(g.Sum(y)); err != nil {
				t.Fatal(err)
			}
			if err := g.Reset(); err != nil {
				t.Fatal(err)
			}
		}
		for range 3 {
			step()
		}
		warm := mr.MemStats()
		for range 10 {
			step()
		}
		if err := b.Sync(); err != nil {
			t.Fatal(err)
		}
		if after := mr.MemStats(); after.Allocations != warm.Allocations {
			t.Errorf("allocations grew from %d to %d over 10 steady steps", warm.Allocations, after.Allocations)
		}
	})
}

// BenchmarkCausalSelfAttention times the attention's forward and backward
// pass on each backend at the default GPT size: 16 sequences of
// 128 positions, 4 heads of 32 features (embd 128).
func BenchmarkCausalSelfAttention(b *testing.B) {
	const batch, T, heads, C = 16, 128, 4, 128
	for _, name := range backend.Names() {
		b.Run(name+"/b16-t128-h4-c128", func(b *testing.B) {
			be := backendtest.Open(b, name)
			p := autograd.NewParameter(be, "qkv", upload(b, be, shp(batch*T, 3*C), uniform(batch*T*3*C, 170, -1, 1)))
			defer autograd.ReleaseGrad(p)
			g := autograd.NewGraph(be)
			step := func() {
				if err := g.Backward(g.Sum(g.CausalSelfAttention(p, batch, T, heads))); err != nil {
					b.Fatal(err)
				}
				if err := g.Reset(); err != nil {
					b.Fatal(err)
				}
			}
			step()
			if err := be.Sync(); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				step()
				if err := be.Sync(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(batch*T)*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
		})
	}
}
