package backendtest

import (
	"fmt"
	"math"

	"gltrain/backend"
)

// optimizerTol is relative to the sum of the magnitudes of each update's
// terms (the oracles' Scale): a handful of float32 roundings, a square root
// and a division, each within a few ulp.
var optimizerTol = Tol{RTol: 1e-5}

func optimizerCases() []Case {
	var cs []Case
	for _, cfg := range []backend.SGD{
		{LR: 0.1},
		{LR: 0.1, WeightDecay: 5e-4},
		{LR: 0.1, Momentum: 0.9},
		{LR: 0.05, Momentum: 0.9, Nesterov: true, WeightDecay: 1e-2},
	} {
		cs = append(cs, Case{
			Name: fmt.Sprintf("sgd step/%+v", cfg), Dims: ElementDims, Tol: optimizerTol,
			Setup: func(d Dims) ([]In, []Out) {
				s := shapeOf(d)
				return []In{{Shape: s}, {Shape: s}, {Shape: s}}, []Out{{Shape: s, From: 0}, {Shape: s, From: 2}}
			},
			Run: func(b backend.Backend, out, in []backend.Tensor) error {
				v := out[1]
				if cfg.Momentum == 0 {
					v = nil
				}
				return b.SGDStep(cfg, out[0], in[1], v)
			},
			Oracle: func(out, in []Mat) { sgdOracle(cfg, &out[0], &in[1], &out[1]) },
		})
	}
	for _, tc := range []struct {
		cfg  backend.Adam
		step int
	}{
		{backend.DefaultAdam(1e-3), 1},
		{backend.Adam{LR: 1e-2, Beta1: 0.9, Beta2: 0.99, Eps: 1e-6, WeightDecay: 1e-2}, 10},
		{backend.Adam{LR: 1e-2, Beta1: 0.8, Beta2: 0.999, Eps: 1e-8, WeightDecay: 1e-2, Decoupled: true}, 3},
	} {
		cfg, step := tc.cfg, tc.step
		cs = append(cs, Case{
			Name: fmt.Sprintf("adam step/%+v/t=%d", cfg, step), Dims: ElementDims, Tol: optimizerTol,
			Setup: func(d Dims) ([]In, []Out) {
				s := shapeOf(d)
				return []In{{Shape: s}, {Shape: s}, {Shape: s}, {Shape: s, Dist: Positive}},
					[]Out{{Shape: s, From: 0}, {Shape: s, From: 2}, {Shape: s, From: 3}}
			},
			Run: func(b backend.Backend, out, in []backend.Tensor) error {
				return b.AdamStep(cfg, step, out[0], in[1], out[1], out[2])
			},
			Oracle: func(out, in []Mat) { adamOracle(cfg, step, &out[0], &in[1], &out[1], &out[2]) },
		})
	}
	return cs
}

// sgdOracle follows backend.SGD's formulation; each Scale is the same
// formula over magnitudes.
func sgdOracle(c backend.SGD, p, g, v *Mat) {
	lr, mu, wd := float64(c.LR), float64(c.Momentum), float64(c.WeightDecay)
	for i := range p.Data {
		d := g.Data[i] + wd*p.Data[i]
		dMag := math.Abs(g.Data[i]) + wd*math.Abs(p.Data[i])
		if mu != 0 {
			vi := mu*v.Data[i] + d
			vMag := mu*math.Abs(v.Data[i]) + dMag
			v.Data[i] = vi
			v.setScale(i, vMag)
			if c.Nesterov {
				d, dMag = d+mu*vi, dMag+mu*vMag
			} else {
				d, dMag = vi, vMag
			}
		}
		p.setScale(i, math.Abs(p.Data[i])+lr*dMag)
		p.Data[i] -= lr * d
	}
}

// adamOracle follows backend.Adam's formulation with float64 bias correction.
func adamOracle(c backend.Adam, t int, p, g, m, v *Mat) {
	b1, b2, lr, wd := float64(c.Beta1), float64(c.Beta2), float64(c.LR), float64(c.WeightDecay)
	bc1, bc2 := 1-math.Pow(b1, float64(t)), 1-math.Pow(b2, float64(t))
	for i := range p.Data {
		pi, gi := p.Data[i], g.Data[i]
		if c.Decoupled {
			pi *= 1 - lr*wd
		} else {
			gi += wd * pi
		}
		gMag := math.Abs(g.Data[i]) + math.Abs(gi-g.Data[i])
		mi := b1*m.Data[i] + (1-b1)*gi
		mMag := b1*math.Abs(m.Data[i]) + (1-b1)*gMag
		vi := b2*v.Data[i] + (1-b2)*gi*gi
		denom := math.Sqrt(vi)/math.Sqrt(bc2) + float64(c.Eps)
		m.Data[i], v.Data[i] = mi, vi
		m.setScale(i, mMag)
		p.Data[i] = pi - lr/bc1*mi/denom
		p.setScale(i, math.Abs(pi)+lr/bc1*mMag/denom)
	}
}
