package gl

import (
	"fmt"

	"gltrain/backend"
	"gltrain/backend/gl/internal/glrt"
)

// SGDStep applies one step of SGD in place (sgd_step.comp).
func (be *Backend) SGDStep(cfg backend.SGD, param, grad, velocity backend.Tensor) error {
	return be.do("sgd step", func() error {
		var t [2]*Tensor
		if err := be.tensors("sgd step", t[:], param, grad); err != nil {
			return err
		}
		p, g := t[0], t[1]
		vArg := glrt.In(g.buf) // bound but not read when momentum is 0
		if cfg.Momentum != 0 {
			v, err := be.tensor("sgd step", velocity)
			if err != nil {
				return fmt.Errorf("%w (momentum needs a velocity tensor)", err)
			}
			vArg = glrt.InOut(v.buf)
		}
		if err := backend.CheckSGDArgs(cfg, param, grad, velocity); err != nil {
			return err
		}
		prog, err := be.program("sgd_step.comp")
		if err != nil {
			return err
		}
		n := p.shape.Len()
		prog.SetInt("n", n)
		prog.SetFloat("lr", cfg.LR)
		prog.SetFloat("momentum", cfg.Momentum)
		prog.SetFloat("weight_decay", cfg.WeightDecay)
		prog.SetInt("nesterov", boolInt(cfg.Nesterov))
		be.dev.Dispatch(prog, groups(n), 1, 1, glrt.InOut(p.buf), glrt.In(g.buf), vArg)
		return nil
	})
}

// AdamStep applies step t of Adam or AdamW in place (adam_step.comp); the
// bias corrections are computed on the host in float64 (backend.Adam.Scalars).
func (be *Backend) AdamStep(cfg backend.Adam, step int, param, grad, m, v backend.Tensor) error {
	if err := cfg.Check("adam step", step); err != nil {
		return err
	}
	s := cfg.Scalars(step)
	return be.do("adam step", func() error {
		var t [4]*Tensor
		if err := be.tensors("adam step", t[:], param, grad, m, v); err != nil {
			return err
		}
		if err := backend.CheckSame("adam step", t[0].shape, t[1].shape, t[2].shape, t[3].shape); err != nil {
			return err
		}
		prog, err := be.program("adam_step.comp")
		if err != nil {
			return err
		}
		n := t[0].shape.Len()
		prog.SetInt("n", n)
		prog.SetFloat("beta1", cfg.Beta1)
		prog.SetFloat("beta2", cfg.Beta2)
		prog.SetFloat("eps", cfg.Eps)
		prog.SetFloat("step_size", s.StepSize)
		prog.SetFloat("inv_sqrt_bc2", s.InvSqrtBC2)
		prog.SetFloat("decay", s.Decay)
		prog.SetFloat("l2", s.L2)
		be.dev.Dispatch(prog, groups(n), 1, 1, glrt.InOut(t[0].buf), glrt.In(t[1].buf), glrt.InOut(t[2].buf), glrt.InOut(t[3].buf))
		return nil
	})
}
