package gl

import (
	"gltrain/backend"
)

// ActivationForward sets dst = f(x) (activation_forward.comp, compiled for
// f's kind from the activation table).
func (be *Backend) ActivationForward(f backend.Activation, dst, x backend.Tensor) error {
	if err := backend.Check(be).ActivationForward(f, dst, x); err != nil {
		return err
	}
	shader := actShaders[f.Kind][0]
	if err := be.ready("activation forward", shader); err != nil {
		return err
	}
	d, xt := dst.(*Tensor), x.(*Tensor) // checked: trust
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
	if err := backend.Check(be).ActivationBackward(f, dx, x, y, dy); err != nil {
		return err
	}
	shader := actShaders[f.Kind][1]
	if err := be.ready("activation backward", shader); err != nil {
		return err
	}
	d, xt, dyt := dx.(*Tensor), x.(*Tensor), dy.(*Tensor) // checked: trust
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
	names := make([][2]string, len(backend.UnaryKinds()))
	for _, k := range backend.UnaryKinds() {
		names[k] = [2]string{k.String() + " forward", k.String() + " backward"}
	}
	return names
}()
