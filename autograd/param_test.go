package autograd_test

import (
	"errors"
	"slices"
	"testing"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
)

// TestSetTensorsLentGradient: gradients given by SetTensors are written in
// place by every kind of backward step (a product's β-accumulation, a bias's
// column sum, an elementwise step that would otherwise hand its upstream
// tensor over), accumulate until ZeroGrad, are overwritten after it, and are
// dropped, not released, by ReleaseGrad.
func TestSetTensorsLentGradient(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		x := upload(t, b, shp(3, 2), []float32{1, 2, 3, 4, 5, 6})
		w := autograd.NewParameter(b, "w", upload(t, b, shp(2, 2), []float32{1, 0, 0, 1}))
		bias := autograd.NewParameter(b, "bias", upload(t, b, shp(1, 2), []float32{0, 0}))
		params := []*autograd.Value{w, bias}
		defer autograd.ReleaseGrad(params...)
		g := autograd.NewGraph(b)
		defer g.Reset()
		// loss = Σ (x·w + bias) + Σ (bias + bias):
		// ∂/∂w[k,j] = Σ_i x[i,k], ∂/∂bias[j] = rows + 2.
		backward := func() {
			t.Helper()
			loss := g.Add(g.Sum(g.AddBias(g.MatMul(g.Input(x), w), bias)), g.Sum(g.Add(bias, bias)))
			if err := g.Backward(loss); err != nil {
				t.Fatal(err)
			}
			if err := g.Reset(); err != nil {
				t.Fatal(err)
			}
		}
		backward() // w and bias now hold gradient tensors of their own
		lent := []backend.Tensor{upload(t, b, shp(2, 2), make([]float32, 4)), upload(t, b, shp(1, 2), make([]float32, 2))}
		mr, _ := b.(backend.MemoryReporter)
		var before backend.MemStats
		if mr != nil {
			before = mr.MemStats()
		}
		for i, p := range params {
			if err := p.SetTensors(p.Tensor(), lent[i]); err != nil {
				t.Fatal(err)
			}
			if p.Grad() != nil {
				t.Errorf("%s: a gradient after SetTensors", p.Name())
			}
		}
		if mr != nil && mr.MemStats().LiveBuffers != before.LiveBuffers-2 {
			t.Errorf("live buffers %d after SetTensors, %d before: the parameters' own gradients must be released",
				mr.MemStats().LiveBuffers, before.LiveBuffers)
		}
		wants := [][]float32{{9, 9, 12, 12}, {5, 5}}
		for i, scale := range []float32{1, 2, 1} {
			if i == 2 {
				autograd.ZeroGrad(params...)
			}
			backward()
			for j, p := range params {
				want := slices.Clone(wants[j])
				for k := range want {
					want[k] *= scale
				}
				if p.Grad() != lent[j] {
					t.Fatalf("pass %d: %s's gradient is not the lent tensor", i, p.Name())
				}
				if got := download(t, b, p.Grad()); !slices.Equal(got, want) {
					t.Errorf("pass %d: %s's gradient %v, want %v", i, p.Name(), got, want)
				}
			}
		}
		if err := autograd.ReleaseGrad(params...); err != nil {
			t.Fatal(err)
		}
		for j, p := range params {
			if p.Grad() != nil {
				t.Errorf("%s: a gradient after ReleaseGrad", p.Name())
			}
			if err := b.Fill(lent[j], 0); err != nil {
				t.Errorf("%s: the lent tensor after ReleaseGrad: %v (it must not be released)", p.Name(), err)
			}
		}
		backward()
		if w.Grad() == nil || w.Grad() == lent[0] {
			t.Errorf("after ReleaseGrad, Backward must allocate a gradient of w's own")
		}
	})
}

// TestSetTensorsErrors: only parameters take tensors, only of their shape; a
// refused call changes nothing; a detached parameter is refused by every
// operation.
func TestSetTensorsErrors(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		t22, t23 := upload(t, b, shp(2, 2), make([]float32, 4)), upload(t, b, shp(2, 3), make([]float32, 6))
		p := autograd.NewParameter(b, "p", t22)
		g := autograd.NewGraph(b)
		defer g.Reset()
		for i, tc := range []struct {
			name    string
			v       *autograd.Value
			t, grad backend.Tensor
			want    error
		}{
			{"input", g.Input(t22), t22, nil, backend.ErrInvalidArgument},
			{"nil value", nil, t22, nil, backend.ErrInvalidArgument},
			{"tensor shape", p, t23, nil, backend.ErrShape},
			{"gradient shape", p, t22, t23, backend.ErrShape},
		} {
			if err := tc.v.SetTensors(tc.t, tc.grad); !errors.Is(err, tc.want) {
				t.Errorf("%d %s: error %v, want %v", i, tc.name, err, tc.want)
			}
		}
		if p.Tensor() != t22 {
			t.Errorf("a refused SetTensors changed the tensor")
		}
		if err := p.SetTensors(nil, nil); err != nil {
			t.Fatal(err)
		}
		if g.Sum(p); g.Err() == nil {
			t.Errorf("sum of a detached parameter: no error")
		}
	})
}
