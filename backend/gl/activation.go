package gl

import (
	"gltrain/backend"
)

// ActivationForward sets dst = f(x) (activation_forward.comp, compiled for
// f's kind from the activation table).
func (be *Backend) ActivationForward(f backend.Activation, dst, x backend.Tensor) error {
	var t [2]*Tensor
	if err := be.tensors("activation forward", t[:], dst, x); err != nil {
		return err
	}
	if err := backend.CheckActivation("activation forward", f); err != nil {
		return err
	}
	if err := backend.CheckSame(f.Kind.String()+" forward", t[0].shape, t[1].shape); err != nil {
		return err
	}
	shader := actShaders[f.Kind][0]
	if err := be.ready("activation forward", shader); err != nil {
		return err
	}
	d, xt := t[0], t[1]
	return be.enqueue(activationOps[f.Kind][0], func() error {
		p, err := be.program(shader)
		if err != nil {
			return err
		}
		n := d.shape.Len()
		p.SetInt("n", n)
		setActivation(p, f)
		return be.dev.Dispatch(p, groups(n), 1, 1, xt.in(), d.out())
	})
}

// ActivationBackward sets dx = dy ⊙ f'(x) (activation_backward.comp). The
// kernels compute f' from x, which keeps its digits where f saturates; y is
// not read.
func (be *Backend) ActivationBackward(f backend.Activation, dx, x, y, dy backend.Tensor) error {
	var t [4]*Tensor
	if err := be.tensors("activation backward", t[:], dx, x, y, dy); err != nil {
		return err
	}
	if err := backend.CheckActivation("activation backward", f); err != nil {
		return err
	}
	if err := backend.CheckSame(f.Kind.String()+" backward", t[0].shape, t[1].shape, t[2].shape, t[3].shape); err != nil {
		return err
	}
	shader := actShaders[f.Kind][1]
	if err := be.ready("activation backward", shader); err != nil {
		return err
	}
	d, xt, dyt := t[0], t[1], t[3]
	return be.enqueue(activationOps[f.Kind][1], func() error {
		p, err := be.program(shader)
		if err != nil {
			return err
		}
		n := d.shape.Len()
		p.SetInt("n", n)
		setActivation(p, f)
		return be.dev.Dispatch(p, groups(n), 1, 1, xt.in(), dyt.in(), d.out())
	})
}

// activationOps are the ops' names in errors, made once, so that queuing an
// activation builds no string.
var activationOps = func() [][2]string {
	names := make([][2]string, len(backend.ActivationKinds()))
	for _, k := range backend.ActivationKinds() {
		names[k] = [2]string{k.String() + " forward", k.String() + " backward"}
	}
	return names
}()
