package gl

import (
	"gltrain/backend"
)

// activationShaders names each kind's kernels, forward and backward; the
// identity needs none (it is a copy, done with scale.comp).
var activationShaders = [...][2]string{
	backend.ReLU:      {"relu_forward.comp", "relu_backward.comp"},
	backend.LeakyReLU: {"leaky_relu_forward.comp", "leaky_relu_backward.comp"},
	backend.ELU:       {"elu_forward.comp", "elu_backward.comp"},
	backend.GELU:      {"gelu_forward.comp", "gelu_backward.comp"},
	backend.GELUTanh:  {"gelu_tanh_forward.comp", "gelu_tanh_backward.comp"},
	backend.Sigmoid:   {"sigmoid_forward.comp", "sigmoid_backward.comp"},
	backend.Tanh:      {"tanh_forward.comp", "tanh_backward.comp"},
	backend.SiLU:      {"silu_forward.comp", "silu_backward.comp"},
}

// ActivationForward sets dst = f(x) (<kind>_forward.comp).
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
	if err := be.ready("activation forward", activationShader(f.Kind, 0)); err != nil {
		return err
	}
	d, xt := t[0], t[1]
	return be.enqueue(activationOp(f.Kind, 0), func() error {
		n := d.shape.Len()
		if f.Kind == backend.Identity {
			return be.scale(d.out(), 1, xt.in(), n)
		}
		p, err := be.program(activationShaders[f.Kind][0])
		if err != nil {
			return err
		}
		p.SetInt("n", n)
		p.SetFloat("alpha", f.Param())
		return be.dev.Dispatch(p, groups(n), 1, 1, xt.in(), d.out())
	})
}

// ActivationBackward sets dx = dy ⊙ f'(x) (<kind>_backward.comp). The kernels
// compute f' from x, which keeps its digits where f saturates; y is not read.
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
	if err := be.ready("activation backward", activationShader(f.Kind, 1)); err != nil {
		return err
	}
	d, xt, dyt := t[0], t[1], t[3]
	return be.enqueue(activationOp(f.Kind, 1), func() error {
		n := d.shape.Len()
		if f.Kind == backend.Identity {
			return be.scale(d.out(), 1, dyt.in(), n)
		}
		p, err := be.program(activationShaders[f.Kind][1])
		if err != nil {
			return err
		}
		p.SetInt("n", n)
		p.SetFloat("alpha", f.Param())
		return be.dev.Dispatch(p, groups(n), 1, 1, xt.in(), dyt.in(), d.out())
	})
}

// activationShader is kind's forward (pass 0) or backward (1) kernel;
// the identity's is scale.comp.
func activationShader(k backend.ActivationKind, pass int) string {
	if k == backend.Identity {
		return "scale.comp"
	}
	return activationShaders[k][pass]
}

// activationOps are the ops' names in errors, made once, so that queuing an
// activation builds no string.
var activationOps = func() map[backend.ActivationKind][2]string {
	m := map[backend.ActivationKind][2]string{}
	for _, k := range backend.ActivationKinds() {
		m[k] = [2]string{k.String() + " forward", k.String() + " backward"}
	}
	return m
}()

func activationOp(k backend.ActivationKind, pass int) string {
	if names, ok := activationOps[k]; ok {
		return names[pass]
	}
	return "activation"
}
