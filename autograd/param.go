package autograd

import (
	"fmt"

	"gltrain/backend"
)

// SetTensors gives parameter v the tensor t to hold its value and, when grad
// is not nil, the tensor its gradient is written into from then on. It is
// how an optimiser moves parameters into views of flat tensors
// (backend.Packer), so that one kernel updates them all.
//
// A given gradient tensor is used as the one Backward allocates would be: the
// first contribution after ZeroGrad overwrites it, later ones add to it, and
// no backward step replaces it with another tensor. Both tensors stay the
// caller's: v's previous value tensor is not released (its owner releases
// it), and ReleaseGrad drops grad without releasing it. A gradient tensor v
// allocated itself is released here. v's gradient is cleared either way:
// Grad returns nil until the next Backward reaches v.
//
// A nil t detaches v's tensor (a released model does this): operations then
// reject v, as they reject a parameter made with a nil tensor.
//
// Call it between steps, not while a graph that uses v awaits its Backward.
// It returns ErrInvalidArgument for a value that is not a parameter, ErrShape
// when t or grad is not of v's shape, changing nothing then, and the
// backend's error when releasing v's own gradient tensor fails.
func (v *Value) SetTensors(t, grad backend.Tensor) error {
	switch {
	case v == nil || v.op != opParam:
		return fmt.Errorf("autograd: set tensors of %s: not a parameter: %w", v.nameOrNil(), backend.ErrInvalidArgument)
	case t != nil && t.Shape() != v.shape:
		return fmt.Errorf("autograd: set tensors of %s: tensor %v, parameter %v: %w", v.Name(), t.Shape(), v.shape, backend.ErrShape)
	case grad != nil && grad.Shape() != v.shape:
		return fmt.Errorf("autograd: set tensors of %s: gradient %v, parameter %v: %w", v.Name(), grad.Shape(), v.shape, backend.ErrShape)
	}
	var err error
	if v.grad != nil && !v.lentGrad && v.grad != grad && v.b != nil {
		if err = v.b.Release(v.grad); err != nil {
			err = fmt.Errorf("autograd: set tensors of %s: releasing its gradient: %w", v.Name(), err)
		}
	}
	v.t, v.grad, v.lentGrad, v.state = t, grad, grad != nil, gradNone
	return err
}

// nameOrNil is Name, or "nil" for a nil value.
func (v *Value) nameOrNil() string {
	if v == nil {
		return "nil"
	}
	return v.Name()
}

// SetName renames parameter v: a model names its layers' parameters by
// their place in it ("0.weight", as PyTorch's Sequential does). It returns
// ErrInvalidArgument for a value that is not a parameter.
func (v *Value) SetName(name string) error {
	if v == nil || v.op != opParam {
		return fmt.Errorf("autograd: set name of %s: not a parameter: %w", v.nameOrNil(), backend.ErrInvalidArgument)
	}
	v.name = name
	return nil
}
