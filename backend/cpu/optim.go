package cpu

import (
	"math"

	"gltrain/backend"
)

// SGDStep applies one step of SGD with weight decay, momentum and Nesterov
// momentum (see backend.SGD for the formulation).
func (be *Backend) SGDStep(cfg backend.SGD, param, grad, velocity backend.Tensor) error {
	if err := backend.Check(be).SGDStep(cfg, param, grad, velocity); err != nil {
		return err
	}
	var v []float32
	if cfg.Momentum != 0 {
		v = velocity.(*Tensor).data
	}
	sgdStep(param.(*Tensor).data, grad.(*Tensor).data, v, cfg)
	return nil
}

// sgdStep is the reference loop; p, g and v (nil without momentum) are (n).
func sgdStep(p, g, v []float32, c backend.SGD) {
	lr, mu, wd := float64(c.LR), float64(c.Momentum), float64(c.WeightDecay)
	for i := range p {
		d := float64(g[i]) + wd*float64(p[i])
		if v != nil {
			vi := mu*float64(v[i]) + d
			v[i] = float32(vi)
			if c.Nesterov {
				d += mu * vi
			} else {
				d = vi
			}
		}
		p[i] = float32(float64(p[i]) - lr*d)
	}
}

// AdamStep applies step t of Adam or AdamW (see backend.Adam).
func (be *Backend) AdamStep(cfg backend.Adam, step int, param, grad, m, v backend.Tensor) error {
	if err := backend.Check(be).AdamStep(cfg, step, param, grad, m, v); err != nil {
		return err
	}
	adamStep(param.(*Tensor).data, grad.(*Tensor).data, m.(*Tensor).data, v.(*Tensor).data, cfg, cfg.Scalars(step))
	return nil
}

// adamStep is the reference loop; p, g, m and v are (n). It computes in
// float32, in the order of adam_step.comp, across cores for large tensors
// (the packed parameters of a whole model):
//
//	p ← p·decay,  g ← g + l2·p
//	m ← β1·m + (1−β1)·g,  v ← β2·v + (1−β2)·g²
//	p ← p − stepSize·m / (√v·invSqrtBC2 + ε)
func adamStep(p, g, m, v []float32, c backend.Adam, s backend.AdamScalars) {
	b1, b2, eps := c.Beta1, c.Beta2, c.Eps
	step, inv, decay, l2 := s.StepSize, s.InvSqrtBC2, s.Decay, s.L2
	parallelFor(len(p), 16, func(lo, hi int) {
		adamChunk(p[lo:hi], g[lo:hi], m[lo:hi], v[lo:hi], b1, b2, eps, step, inv, decay, l2)
	})
}

// adamGo is the loop of adamStep in Go; with cgo on amd64, adamChunk runs
// the same loop in C, vectorised, to the same bits (adam_cgo.go).
func adamGo(p, g, m, v []float32, b1, b2, eps, step, inv, decay, l2 float32) {
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	for i := range p {
		pi := p[i] * decay
		gi := g[i] + l2*pi
		mi := b1*m[i] + (1-b1)*gi
		vi := b2*v[i] + (1-b2)*gi*gi
		m[i], v[i] = mi, vi
		p[i] = pi - step*mi/(float32(math.Sqrt(float64(vi)))*inv+eps)
	}
}
