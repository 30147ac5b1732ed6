package gl

import "gltrain/backend"

// SGDStep applies one step of SGD in place (sgd_step.comp).
func (be *Backend) SGDStep(cfg backend.SGD, param, grad, velocity backend.Tensor) error {
	if err := backend.Check(be).SGDStep(cfg, param, grad, velocity); err != nil {
		return err
	}
	p, g := param.(*Tensor), grad.(*Tensor)
	vArg := g.in() // bound but not read when momentum is 0
	if cfg.Momentum != 0 {
		vArg = velocity.(*Tensor).inOut()
	}
	if err := be.ready("sgd step", "sgd_step.comp"); err != nil {
		return err
	}
	return be.enqueue("sgd step", func() error {
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
		return be.dev.Dispatch(prog, groups(n), 1, 1, p.inOut(), g.in(), vArg)
	})
}

// AdamStep applies step t of Adam or AdamW in place (adam_step.comp); the
// bias corrections are computed on the host in float64 (backend.Adam.Scalars).
func (be *Backend) AdamStep(cfg backend.Adam, step int, param, grad, m, v backend.Tensor) error {
	if err := backend.Check(be).AdamStep(cfg, step, param, grad, m, v); err != nil {
		return err
	}
	s := cfg.Scalars(step)
	t := [4]*Tensor{param.(*Tensor), grad.(*Tensor), m.(*Tensor), v.(*Tensor)}
	if err := be.ready("adam step", "adam_step.comp"); err != nil {
		return err
	}
	return be.enqueue("adam step", func() error {
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
		return be.dev.Dispatch(prog, groups(n), 1, 1, t[0].inOut(), t[1].in(), t[2].inOut(), t[3].inOut())
	})
}
