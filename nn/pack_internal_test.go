package nn

import (
	"testing"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
)

// TestPackPaddingStaysZero: after training steps with weight decay, large
// enough to move every parameter a lot, the alignment padding of every flat
// tensor of a packed optimiser (parameters, gradients, state) is still zero:
// the optimisers' kernels map zero parameter, gradient and state to zero,
// and no other kernel writes outside a view.
func TestPackPaddingStaysZero(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		if _, ok := b.(backend.Packer); !ok {
			t.Skipf("%s does not pack", b.Name())
		}
		for i, name := range OptimizerNames {
			m, err := MLP(3, []int{5}, 4, ReLU).Build(b, 9)
			if err != nil {
				t.Fatal(err)
			}
			opt, err := NewOptimizer(name, b, m.Parameters(), 0.5, 0.1)
			if err != nil {
				t.Fatal(err)
			}
			x, _ := backend.FromData(b, backend.Shape{Rows: 6, Cols: 3}, backend.NormalData(18, 1, 0, 1))
			y, _ := backend.FromData(b, backend.Shape{Rows: 6, Cols: 1}, []float32{0, 1, 2, 3, 0, 1})
			g := autograd.NewGraph(b)
			for range 4 {
				if err := g.Backward(g.SoftmaxCrossEntropy(m.Forward(g, g.Input(x)), g.Input(y))); err != nil {
					t.Fatal(err)
				}
				if err := opt.Step(); err != nil {
					t.Fatal(err)
				}
				opt.ZeroGrad()
				g.Reset()
			}
			var k *packing
			switch o := opt.(type) {
			case *SGD:
				k = o.groups[0].pk
			case *Adam:
				k = o.groups[0].pk
			}
			if k == nil || len(k.flat) < packState {
				t.Fatalf("%d %s: not packed", i, name)
			}
			checkPadding(t, name, b, k, m.Parameters())
			for _, t := range []backend.Tensor{x, y} {
				b.Release(t)
			}
			opt.Release()
			m.Release()
		}
	})
}

// checkPadding downloads each flat tensor of k and requires zeros outside
// the views, and the parameters' values inside the parameters' one.
func checkPadding(t *testing.T, name string, b backend.Backend, k *packing, params []*autograd.Value) {
	t.Helper()
	shapes := make([]backend.Shape, len(params))
	for i, p := range params {
		shapes[i] = p.Shape()
	}
	offsets, total := backend.PackOffsets(shapes)
	inView := make([]bool, total)
	for i, s := range shapes {
		for j := range s.Len() {
			inView[offsets[i]+j] = true
		}
	}
	moved := false
	for f, flat := range k.flat {
		data, err := backend.ToHost(b, flat)
		if err != nil {
			t.Fatal(err)
		}
		for j, v := range data {
			if !inView[j] && v != 0 {
				t.Errorf("%s: flat tensor %d: padding element %d is %v, want 0", name, f, j, v)
				break
			}
			moved = moved || inView[j] && v != 0
		}
		if f != packParams {
			continue
		}
		for i, p := range params {
			want, err := backend.ToHost(b, p.Tensor())
			if err != nil {
				t.Fatal(err)
			}
			for j, w := range want {
				if got := data[offsets[i]+j]; got != w {
					t.Fatalf("%s: %s[%d] is %v, but the flat tensor holds %v at %d", name, p.Name(), j, w, got, offsets[i]+j)
				}
			}
		}
	}
	if !moved {
		t.Errorf("%s: every flat tensor is zero: the test checks nothing", name)
	}
}
