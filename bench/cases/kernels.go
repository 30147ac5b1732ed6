package cases

import (
	"fmt"

	"gltrain/backend"
)

// matMulCase is C (m×n) = op(A)·op(B) with inner dimension k.
func matMulCase(label string, tA, tB backend.Transpose, m, n, k int, quick bool) Case {
	name := fmt.Sprintf("%dx%dx%d", m, n, k)
	op := "MatMul"
	if tA || tB {
		op = "MatMul" + map[bool]string{false: "N", true: "T"}[bool(tA)] + map[bool]string{false: "N", true: "T"}[bool(tB)]
	}
	if label != "" {
		name = label + "/" + name
	}
	return Case{
		Op: op, Shape: name, Quick: quick,
		Work: Work{FLOPs: 2 * float64(m) * float64(n) * float64(k), Bytes: 4 * float64(m*k+k*n+m*n)},
		Setup: func(b backend.Backend) (func() error, func(), error) {
			ts, release, err := tensors(b, tA.Apply(shape(m, k)), tB.Apply(shape(k, n)), shape(m, n))
			if err != nil {
				return nil, nil, err
			}
			return func() error { return b.MatMul(tA, tB, 1, ts[0], ts[1], 0, ts[2]) }, release, nil
		},
	}
}

// MatMulShape is a product the bench measures: op(A) is M×K, op(B) K×N.
type MatMulShape struct {
	Label   string
	M, N, K int
	TA, TB  backend.Transpose
	Quick   bool
}

// MatMulShapes are the products of MatMul: square products from 64 to
// 4096, the transposed variants, and the products of MLP training steps —
// forward x·W, backward dW = xᵀ·dy and dx = dy·Wᵀ — for 784-256-10 at
// batches 64, 128 and 1024 and for the wide 784-1024-1024-10 at 1024.
func MatMulShapes() []MatMulShape {
	var ss []MatMulShape
	for _, s := range []int{64, 128, 256, 512, 1024, 2048, 4096} {
		ss = append(ss, MatMulShape{"", s, s, s, false, false, s == 256 || s == 512})
	}
	for _, tr := range [][2]backend.Transpose{{false, true}, {true, false}, {true, true}} {
		ss = append(ss, MatMulShape{"", 512, 512, 512, tr[0], tr[1], false})
	}
	for _, batch := range []int{64, 128, 1024} {
		quick := batch == 128
		lbl := fmt.Sprintf("mlp-b%d", batch)
		ss = append(ss,
			MatMulShape{lbl + "-fwd1", batch, 256, 784, false, false, quick}, // x·W1
			MatMulShape{lbl + "-fwd2", batch, 10, 256, false, false, quick},  // a·W2
			MatMulShape{lbl + "-dW2", 256, 10, batch, true, false, quick},    // aᵀ·dlogits
			MatMulShape{lbl + "-da", batch, 256, 10, false, true, quick},     // dlogits·W2ᵀ
			MatMulShape{lbl + "-dW1", 784, 256, batch, true, false, quick},   // xᵀ·dh
		)
	}
	ss = append(ss,
		MatMulShape{"mlpw-b1024-fwd1", 1024, 1024, 784, false, false, false},  // x·W1
		MatMulShape{"mlpw-b1024-fwd2", 1024, 1024, 1024, false, false, false}, // a1·W2
		MatMulShape{"mlpw-b1024-dW2", 1024, 1024, 1024, true, false, false},   // a1ᵀ·dh2
		MatMulShape{"mlpw-b1024-da1", 1024, 1024, 1024, false, true, false},   // dh2·W2ᵀ
		MatMulShape{"mlpw-b1024-dW1", 784, 1024, 1024, true, false, false},    // xᵀ·dh1
	)
	return ss
}

// MatMul is a case per shape of MatMulShapes.
func MatMul() []Case {
	var cs []Case
	for _, s := range MatMulShapes() {
		cs = append(cs, matMulCase(s.Label, s.TA, s.TB, s.M, s.N, s.K, s.Quick))
	}
	return cs
}

// elementCase is an elementwise kernel over an r×c tensor moving
// bytesPerElem bytes per element.
func elementCase(op string, r, c int, bytesPerElem float64, quick bool, inputs int,
	run func(b backend.Backend, ts []backend.Tensor) error) Case {
	return Case{
		Op: op, Shape: fmt.Sprintf("%dx%d", r, c), Quick: quick,
		Work: Work{Bytes: bytesPerElem * float64(r*c)},
		Setup: func(b backend.Backend) (func() error, func(), error) {
			shapes := make([]backend.Shape, inputs)
			for i := range shapes {
				shapes[i] = shape(r, c)
			}
			ts, release, err := tensors(b, shapes...)
			if err != nil {
				return nil, nil, err
			}
			return func() error { return run(b, ts) }, release, nil
		},
	}
}

// Elementwise covers the activations forward and backward, add and the
// optimiser steps at 1024×1024 (and 256×256 for the quick suite).
func Elementwise() []Case {
	relu := backend.Activation{Kind: backend.ReLU}
	gelu := backend.Activation{Kind: backend.GELU}
	var cs []Case
	for _, sz := range []int{256, 1024} {
		quick := sz == 1024
		cs = append(cs,
			elementCase("ReLUForward", sz, sz, 8, quick, 2, func(b backend.Backend, t []backend.Tensor) error {
				return b.ActivationForward(relu, t[1], t[0])
			}),
			elementCase("ReLUBackward", sz, sz, 12, quick, 4, func(b backend.Backend, t []backend.Tensor) error {
				return b.ActivationBackward(relu, t[3], t[0], t[1], t[2])
			}),
			elementCase("GELUForward", sz, sz, 8, quick, 2, func(b backend.Backend, t []backend.Tensor) error {
				return b.ActivationForward(gelu, t[1], t[0])
			}),
			elementCase("GELUBackward", sz, sz, 12, false, 4, func(b backend.Backend, t []backend.Tensor) error {
				return b.ActivationBackward(gelu, t[3], t[0], t[1], t[2])
			}),
			elementCase("Add", sz, sz, 12, false, 3, func(b backend.Backend, t []backend.Tensor) error {
				return b.Add(t[2], t[0], t[1])
			}),
			elementCase("SGDMomentumStep", sz, sz, 20, false, 3, func(b backend.Backend, t []backend.Tensor) error {
				return b.SGDStep(backend.SGD{LR: 1e-6, Momentum: 0.9}, t[0], t[1], t[2])
			}),
			elementCase("AdamStep", sz, sz, 28, quick, 4, func(b backend.Backend, t []backend.Tensor) error {
				return b.AdamStep(backend.DefaultAdam(1e-6), 10, t[0], t[1], t[2], t[3])
			}),
		)
	}
	return cs
}

// Reductions covers the sum, the bias gradient and the cross-entropy loss.
func Reductions() []Case {
	var cs []Case
	cs = append(cs, Case{
		Op: "Sum", Shape: "1024x1024", Quick: true, Work: Work{Bytes: 4 << 20},
		Setup: func(b backend.Backend) (func() error, func(), error) {
			ts, release, err := tensors(b, shape(1024, 1024), shape(1, 1))
			if err != nil {
				return nil, nil, err
			}
			return func() error { return b.Sum(ts[1], ts[0]) }, release, nil
		},
	}, Case{
		Op: "ColSum", Shape: "1024x1024", Quick: true, Work: Work{Bytes: 4 << 20},
		Setup: func(b backend.Backend) (func() error, func(), error) {
			ts, release, err := tensors(b, shape(1024, 1024), shape(1, 1024))
			if err != nil {
				return nil, nil, err
			}
			return func() error { return b.ColSum(ts[1], ts[0]) }, release, nil
		},
	})
	for _, batch := range []int{128, 1024} {
		batch := batch
		cs = append(cs, Case{
			Op: "SoftmaxCrossEntropy", Shape: fmt.Sprintf("%dx10", batch), Quick: batch == 128,
			Work: Work{Bytes: 8 * float64(batch*10)},
			Setup: func(b backend.Backend) (func() error, func(), error) {
				ts, release, err := tensors(b, shape(batch, 10), shape(1, 1), shape(batch, 10))
				if err != nil {
					return nil, nil, err
				}
				labels := make([]float32, batch)
				for i := range labels {
					labels[i] = float32(i % 10)
				}
				lt, err := backend.FromData(b, shape(batch, 1), labels)
				if err != nil {
					release()
					return nil, nil, err
				}
				return func() error { return b.SoftmaxCrossEntropy(ts[1], ts[2], ts[0], lt) },
					func() { release(); b.Release(lt) }, nil
			},
		})
	}
	return cs
}

// SmallOps measures the host-side cost of one operation on 1×1 tensors: the
// call, its validation, the marshalling to the GL thread and the dispatch.
// The graph's share is measured by TrainSteps' "op through the graph" case.
func SmallOps() []Case {
	return []Case{{
		Op: "SmallOp", Shape: "add-1x1", Quick: true, Work: Work{},
		Setup: func(b backend.Backend) (func() error, func(), error) {
			ts, release, err := tensors(b, shape(1, 1), shape(1, 1), shape(1, 1))
			if err != nil {
				return nil, nil, err
			}
			return func() error { return b.Add(ts[2], ts[0], ts[1]) }, release, nil
		},
	}}
}
