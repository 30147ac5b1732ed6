package backend

import (
	"fmt"
	"math"
)

// SGD configures a step of stochastic gradient descent, as PyTorch's
// torch.optim.SGD with dampening 0:
//
//	g ← g + WeightDecay·p                  (L2 weight decay)
//	v ← Momentum·v + g                     (when Momentum ≠ 0; v starts at 0)
//	g ← g + Momentum·v if Nesterov, else v
//	p ← p − LR·g
type SGD struct {
	LR          float32
	Momentum    float32
	WeightDecay float32
	Nesterov    bool
}

// Check validates the configuration; op names the caller for the message.
func (c SGD) Check(op string) error {
	switch {
	case !(c.LR >= 0) || math.IsInf(float64(c.LR), 0):
		return fmt.Errorf("%s: learning rate %v: want a finite value ≥ 0: %w", op, c.LR, ErrInvalidArgument)
	case !(c.Momentum >= 0 && c.Momentum < 1):
		return fmt.Errorf("%s: momentum %v: want 0 ≤ momentum < 1: %w", op, c.Momentum, ErrInvalidArgument)
	case c.Nesterov && c.Momentum == 0:
		return fmt.Errorf("%s: Nesterov needs a momentum > 0: %w", op, ErrInvalidArgument)
	case !(c.WeightDecay >= 0):
		return fmt.Errorf("%s: weight decay %v: want ≥ 0: %w", op, c.WeightDecay, ErrInvalidArgument)
	}
	return nil
}

// Adam configures a step of Adam (Kingma & Ba) or, when Decoupled is set,
// AdamW (Loshchilov & Hutter), as PyTorch's torch.optim.Adam and AdamW:
//
//	p ← p·(1 − LR·WeightDecay)              (AdamW: decoupled decay)
//	g ← g + WeightDecay·p                  (Adam: L2 decay)
//	m ← β1·m + (1−β1)·g
//	v ← β2·v + (1−β2)·g²
//	p ← p − LR/(1−β1^t) · m / (√v/√(1−β2^t) + Eps)
type Adam struct {
	LR          float32
	Beta1       float32
	Beta2       float32
	Eps         float32
	WeightDecay float32
	Decoupled   bool
}

// DefaultAdam is PyTorch's default Adam configuration with the given
// learning rate: β1 = 0.9, β2 = 0.999, ε = 1e-8.
func DefaultAdam(lr float32) Adam {
	return Adam{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
}

// Check validates the configuration and the step number t.
func (c Adam) Check(op string, t int) error {
	switch {
	case !(c.LR >= 0) || math.IsInf(float64(c.LR), 0):
		return fmt.Errorf("%s: learning rate %v: want a finite value ≥ 0: %w", op, c.LR, ErrInvalidArgument)
	case !(c.Beta1 >= 0 && c.Beta1 < 1) || !(c.Beta2 >= 0 && c.Beta2 < 1):
		return fmt.Errorf("%s: betas (%v, %v): want each in [0, 1): %w", op, c.Beta1, c.Beta2, ErrInvalidArgument)
	case !(c.Eps > 0):
		return fmt.Errorf("%s: eps %v: want > 0: %w", op, c.Eps, ErrInvalidArgument)
	case !(c.WeightDecay >= 0):
		return fmt.Errorf("%s: weight decay %v: want ≥ 0: %w", op, c.WeightDecay, ErrInvalidArgument)
	case t < 1:
		return fmt.Errorf("%s: step %d: steps count from 1: %w", op, t, ErrInvalidArgument)
	}
	return nil
}

// AdamScalars are the per-step scalars of an Adam update, computed once on
// the host in float64 so that every backend uses the same values.
type AdamScalars struct {
	StepSize   float32 // LR / (1 − β1^t)
	InvSqrtBC2 float32 // 1 / √(1 − β2^t)
	Decay      float32 // 1 − LR·WeightDecay for AdamW, else 1
	L2         float32 // WeightDecay for Adam, else 0
}

// Scalars returns the bias-corrected scalars of step t.
func (c Adam) Scalars(t int) AdamScalars {
	bc1 := 1 - math.Pow(float64(c.Beta1), float64(t))
	bc2 := 1 - math.Pow(float64(c.Beta2), float64(t))
	s := AdamScalars{
		StepSize:   float32(float64(c.LR) / bc1),
		InvSqrtBC2: float32(1 / math.Sqrt(bc2)),
		Decay:      1,
	}
	if c.Decoupled {
		s.Decay = float32(1 - float64(c.LR)*float64(c.WeightDecay))
	} else {
		s.L2 = c.WeightDecay
	}
	return s
}
