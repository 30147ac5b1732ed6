package backend_test

import (
	"errors"
	"testing"

	"gltrain/backend"
)

// fakeTensor and fakeOwner exercise the shared entry checks without a
// backend: a tensor is the owner's unless foreign, and live unless released.
type fakeTensor struct {
	s        backend.Shape
	foreign  bool
	released bool
}

func (t *fakeTensor) Shape() backend.Shape { return t.s }

type fakeOwner struct{}

func (fakeOwner) Own(op string, t backend.Tensor) error {
	ft, mine := t.(*fakeTensor)
	mine = mine && ft != nil && !ft.foreign
	return backend.OwnError("fake", op, mine, mine && ft.released)
}

func TestCheckerOrderAndMessages(t *testing.T) {
	sq := func() *fakeTensor { return &fakeTensor{s: backend.Shape{Rows: 2, Cols: 2}} }
	wide := &fakeTensor{s: backend.Shape{Rows: 2, Cols: 3}}
	one := &fakeTensor{s: backend.Shape{Rows: 1, Cols: 1}}
	gone := &fakeTensor{s: backend.Shape{Rows: 2, Cols: 2}, released: true}
	other := &fakeTensor{s: backend.Shape{Rows: 2, Cols: 2}, foreign: true}
	c := backend.Check(fakeOwner{})
	for i, tc := range []struct {
		name string
		err  error
		want string // "" for nil
		is   error
	}{
		{"add ok", c.Add(sq(), sq(), sq()), "", nil},
		{"add nil", c.Add(nil, sq(), sq()), "fake: add: tensor does not belong to this backend", backend.ErrForeign},
		// Ownership comes before shapes, in argument order.
		{"add foreign after mismatch", c.Add(sq(), wide, other), "fake: add: tensor does not belong to this backend", backend.ErrForeign},
		{"sub released", c.Sub(sq(), gone, sq()), "fake: sub: tensor used after release", backend.ErrReleased},
		{"mul shapes", c.Mul(sq(), sq(), wide), "mul: output 2×2, input 2×3: shape mismatch", backend.ErrShape},
		{"axpy y first", c.Axpy(1, wide, sq()), "axpy: output 2×2, input 2×3: shape mismatch", backend.ErrShape},
		{"sum", c.Sum(sq(), sq()), "sum: x 2×2, dst 2×2: want dst 1×1: shape mismatch", backend.ErrShape},
		{"loss without gradient", c.MeanSquaredError(one, nil, sq(), sq()), "", nil},
		{"hinge margin after tensors", c.SVMHinge(one, nil, sq(), &fakeTensor{s: backend.Shape{Rows: 2, Cols: 1}}, -1),
			"svm hinge: margin -1: want a finite value ≥ 0: invalid argument", backend.ErrInvalidArgument},
		{"sgd velocity", c.SGDStep(backend.SGD{LR: 0.1, Momentum: 0.9}, sq(), sq(), nil),
			"fake: sgd step: tensor does not belong to this backend (momentum needs a velocity tensor)", backend.ErrForeign},
		{"sgd no momentum ignores velocity", c.SGDStep(backend.SGD{LR: 0.1}, sq(), sq(), other), "", nil},
		// Adam's configuration comes before its tensors.
		{"adam step first", c.AdamStep(backend.DefaultAdam(1e-3), 0, nil, nil, nil, nil),
			"adam step: step 0: steps count from 1: invalid argument", backend.ErrInvalidArgument},
		{"matmul alias", func() error { x := sq(); return c.MatMul(false, false, 1, x, sq(), 0, x) }(),
			"matmul: c is also an operand: output aliases an input", backend.ErrAlias},
		{"upload", c.Upload(sq(), make([]float32, 3)), "upload: tensor 2×2 holds 4 elements, host slice has 3: shape mismatch", backend.ErrShape},
	} {
		t.Run(tc.name, func(t *testing.T) {
			switch {
			case tc.want == "" && tc.err != nil:
				t.Errorf("%d: %v, want nil", i, tc.err)
			case tc.want != "" && (tc.err == nil || tc.err.Error() != tc.want || !errors.Is(tc.err, tc.is)):
				t.Errorf("%d: %v, want %q wrapping %v", i, tc.err, tc.want, tc.is)
			}
		})
	}
}
