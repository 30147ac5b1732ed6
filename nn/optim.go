package nn

import (
	"errors"
	"fmt"
	"slices"

	"gltrain/autograd"
	"gltrain/backend"
)

// Optimizer updates parameters from their gradients with backend kernels,
// so the weights never leave the device.
type Optimizer interface {
	// Step updates every parameter that has a gradient.
	Step() error
	// ZeroGrad clears the parameters' gradients (autograd.ZeroGrad).
	ZeroGrad()
	// LR is the learning rate; SetLR changes it (schedules do).
	LR() float32
	SetLR(lr float32)
	// Release frees the optimiser's state tensors.
	Release() error
}

// SGD is stochastic gradient descent with optional momentum, Nesterov
// momentum and L2 weight decay (backend.SGD).
//
// On a backend that implements backend.Packer, NewSGD packs the parameters,
// their gradients and the velocities into flat tensors, as Adam describes, and
// Step is then one SGDStep for all parameters whenever each has a gradient.
// With a weight-decay mask (NewSGDDecay) the decayed parameters and the
// others are packed apart, and a step is one SGDStep for each.
type SGD struct {
	cfg      backend.SGD
	params   []*autograd.Value
	velocity []backend.Tensor // zero-filled, lazily unless packed; nil without momentum
	decay    []bool           // the weight-decay mask; nil: every parameter decays
	groups   []group          // the parameters by decay (makeGroups), each packed on its own
	b        backend.Backend
	released bool // Release was called: Step and Save refuse it
}

// NewSGD returns an SGD optimiser over params on b, packing them when b
// implements backend.Packer.
func NewSGD(b backend.Backend, params []*autograd.Value, cfg backend.SGD) (*SGD, error) {
	return newSGD(b, params, cfg, nil)
}

func newSGD(b backend.Backend, params []*autograd.Value, cfg backend.SGD, decay []bool) (*SGD, error) {
	if err := cfg.Check("sgd"); err != nil {
		return nil, fmt.Errorf("nn: %w", err)
	}
	if err := checkParams("sgd", b, params); err != nil {
		return nil, err
	}
	decay, err := normMask("sgd", decay, len(params))
	if err != nil {
		return nil, err
	}
	params = slices.Clone(params) // the caller's slice may change
	o := &SGD{cfg: cfg, params: params, velocity: make([]backend.Tensor, len(params)), decay: decay, b: b}
	o.groups = makeGroups(params, decay, cfg.WeightDecay)
	if cfg.Momentum != 0 {
		err = packGroups(b, o.groups, 1, o.velocity)
	} else {
		err = packGroups(b, o.groups, 0)
	}
	if err != nil {
		return nil, err
	}
	return o, nil
}

// Step applies one SGD step to each parameter with a gradient: one kernel
// per group (the decayed parameters, the others) over its flat tensors when
// packed and each parameter of the group has a gradient, else one per
// parameter.
func (o *SGD) Step() error {
	if o.released {
		return errReleasedOptimizer("sgd")
	}
	for _, g := range o.groups {
		cfg := o.cfg
		if !g.decay {
			cfg.WeightDecay = 0
		}
		if g.pk.ready(g.params) {
			var v backend.Tensor
			if cfg.Momentum != 0 {
				v = g.pk.flat[packState]
			}
			if err := o.b.SGDStep(cfg, g.pk.flat[packParams], g.pk.flat[packGrads], v); err != nil {
				return fmt.Errorf("nn: sgd step of %d packed parameters: %w", len(g.params), err)
			}
			continue
		}
		for _, i := range g.idx {
			p := o.params[i]
			if p.Grad() == nil {
				continue
			}
			if cfg.Momentum != 0 && o.velocity[i] == nil {
				v, err := zeros(o.b, p.Shape())
				if err != nil {
					return fmt.Errorf("nn: sgd velocity of %s: %w", p.Name(), err)
				}
				o.velocity[i] = v
			}
			if err := o.b.SGDStep(cfg, p.Tensor(), p.Grad(), o.velocity[i]); err != nil {
				return fmt.Errorf("nn: sgd step of %s: %w", p.Name(), err)
			}
		}
	}
	return nil
}

// Config is the optimiser's configuration (its LR the current rate).
func (o *SGD) Config() backend.SGD { return o.cfg }

// Parameters lists the parameters the optimiser updates (a copy).
func (o *SGD) Parameters() []*autograd.Value { return slices.Clone(o.params) }

// ZeroGrad clears the gradients.
func (o *SGD) ZeroGrad() { autograd.ZeroGrad(o.params...) }

// LR is the learning rate.
func (o *SGD) LR() float32 { return o.cfg.LR }

// SetLR sets the learning rate.
func (o *SGD) SetLR(lr float32) { o.cfg.LR = lr }

// Release frees the velocities and, when packed, the flat tensors, giving
// each parameter still in its view a tensor of its own again (unpack).
func (o *SGD) Release() error {
	o.released = true
	return releaseGroups(o.b, o.groups, o.velocity)
}

// Adam is Adam, or AdamW when its configuration is Decoupled (backend.Adam),
// with a step count per parameter for the bias correction, as PyTorch keeps.
//
// On a backend that implements backend.Packer, NewAdam packs the parameters,
// their gradients and the two moments into flat tensors, one of each, with
// a view per parameter: the parameters hold their views from then on (their
// old tensors are released), Backward writes the gradients into the flat
// gradient tensor, and Step is one AdamStep over the flat tensors whenever
// every parameter has a gradient and all step counts agree. Otherwise (a
// parameter the loss did not reach, say) Step falls back to one AdamStep per
// parameter with a gradient, on the views, leaving the others and their
// moments untouched, as PyTorch does; the results are the same bits either
// way. Release unpacks: the parameters still in their views get tensors of
// their own, so release the optimiser before the parameters' tensors, or
// detach them first (Model.Release does), lest those copies leak. With a
// weight-decay mask (NewAdamDecay) the decayed parameters and the others
// are packed apart, and all of this holds for each of the two groups.
type Adam struct {
	cfg    backend.Adam
	params []*autograd.Value
	m, v   []backend.Tensor
	steps  []int
	decay  []bool  // the weight-decay mask; nil: every parameter decays
	groups []group // the parameters by decay (makeGroups), each packed on its own
	b      backend.Backend
	// released: Release was called; Step and Save refuse it.
	released bool
}

// NewAdam returns an Adam (or AdamW) optimiser over params on b, packing
// them when b implements backend.Packer.
func NewAdam(b backend.Backend, params []*autograd.Value, cfg backend.Adam) (*Adam, error) {
	return newAdam(b, params, cfg, nil)
}

func newAdam(b backend.Backend, params []*autograd.Value, cfg backend.Adam, decay []bool) (*Adam, error) {
	if err := cfg.Check("adam", 1); err != nil {
		return nil, fmt.Errorf("nn: %w", err)
	}
	if err := checkParams("adam", b, params); err != nil {
		return nil, err
	}
	decay, err := normMask("adam", decay, len(params))
	if err != nil {
		return nil, err
	}
	params = slices.Clone(params) // the caller's slice may change
	n := len(params)
	o := &Adam{cfg: cfg, params: params, m: make([]backend.Tensor, n), v: make([]backend.Tensor, n), steps: make([]int, n), decay: decay, b: b}
	o.groups = makeGroups(params, decay, cfg.WeightDecay)
	if err := packGroups(b, o.groups, 2, o.m, o.v); err != nil {
		return nil, err
	}
	return o, nil
}

// Step applies one Adam step to each parameter with a gradient: one kernel
// per group (the decayed parameters, the others) over its flat tensors when
// packed, every parameter of the group has a gradient and all have taken as
// many steps, else one per parameter.
func (o *Adam) Step() error {
	if o.released {
		return errReleasedOptimizer("adam")
	}
	for _, g := range o.groups {
		cfg := o.cfg
		if !g.decay {
			cfg.WeightDecay = 0
		}
		if g.pk.ready(g.params) && stepsEqual(o.steps, g.idx) {
			for _, i := range g.idx {
				o.steps[i]++
			}
			f := g.pk.flat
			if err := o.b.AdamStep(cfg, o.steps[g.idx[0]], f[packParams], f[packGrads], f[packState], f[packState+1]); err != nil {
				return fmt.Errorf("nn: adam step of %d packed parameters: %w", len(g.params), err)
			}
			continue
		}
		for _, i := range g.idx {
			p := o.params[i]
			if p.Grad() == nil {
				continue
			}
			if o.m[i] == nil {
				m, err := zeros(o.b, p.Shape())
				if err != nil {
					return fmt.Errorf("nn: adam moments of %s: %w", p.Name(), err)
				}
				v, err := zeros(o.b, p.Shape())
				if err != nil {
					o.b.Release(m)
					return fmt.Errorf("nn: adam moments of %s: %w", p.Name(), err)
				}
				o.m[i], o.v[i] = m, v
			}
			o.steps[i]++
			if err := o.b.AdamStep(cfg, o.steps[i], p.Tensor(), p.Grad(), o.m[i], o.v[i]); err != nil {
				return fmt.Errorf("nn: adam step of %s: %w", p.Name(), err)
			}
		}
	}
	return nil
}

// Parameters lists the parameters the optimiser updates (a copy).
func (o *Adam) Parameters() []*autograd.Value { return slices.Clone(o.params) }

// ZeroGrad clears the gradients.
func (o *Adam) ZeroGrad() { autograd.ZeroGrad(o.params...) }

// LR is the learning rate.
func (o *Adam) LR() float32 { return o.cfg.LR }

// SetLR sets the learning rate.
func (o *Adam) SetLR(lr float32) { o.cfg.LR = lr }

// Release frees the moment estimates and, when packed, the flat tensors,
// giving each parameter still in its view a tensor of its own again.
func (o *Adam) Release() error {
	o.released = true
	return releaseGroups(o.b, o.groups, o.m, o.v)
}

// errReleasedOptimizer is the error of an optimiser used after Release,
// whose state is gone.
func errReleasedOptimizer(name string) error {
	return fmt.Errorf("nn: %s: step after Release: the optimiser's state is freed; make a new one: %w", name, backend.ErrReleased)
}

// OptimizerNames lists the names NewOptimizer accepts.
var OptimizerNames = []string{"sgd", "momentum", "nesterov", "adam", "adamw"}

// DefaultMomentum is the momentum of NewOptimizer's "momentum" and
// "nesterov".
const DefaultMomentum = 0.9

// NewOptimizer returns the optimiser called name with learning rate lr and
// weight decay wd: "sgd" (plain), "momentum" (0.9), "nesterov" (0.9,
// Nesterov), "adam" (L2 decay) or "adamw" (decoupled decay), with PyTorch's
// default betas and epsilon.
func NewOptimizer(name string, b backend.Backend, params []*autograd.Value, lr, wd float32) (Optimizer, error) {
	return NewOptimizerMomentum(name, b, params, lr, wd, DefaultMomentum)
}

// NewOptimizerMomentum is NewOptimizer with the momentum of "momentum" and
// "nesterov" given (0 ≤ momentum < 1, and > 0 for them, backend.SGD.Check);
// the other optimisers have none and ignore it.
func NewOptimizerMomentum(name string, b backend.Backend, params []*autograd.Value, lr, wd, momentum float32) (Optimizer, error) {
	return NewOptimizerDecay(name, b, params, lr, wd, momentum, nil)
}

// checkParams refuses what an optimiser cannot step: no backend, a nil
// parameter, and a parameter listed twice, which each step would update
// twice.
func checkParams(op string, b backend.Backend, params []*autograd.Value) error {
	if b == nil {
		return fmt.Errorf("nn: %s: nil backend", op)
	}
	at := make(map[*autograd.Value]int, len(params))
	for i, p := range params {
		if p == nil {
			return fmt.Errorf("nn: %s: parameter %d is nil", op, i)
		}
		if j, ok := at[p]; ok {
			return fmt.Errorf("nn: %s: parameter %s is listed twice (at %d and %d): each step would update it twice", op, excerpt(p.Name()), j, i)
		}
		at[p] = i
	}
	return nil
}

func zeros(b backend.Backend, s backend.Shape) (backend.Tensor, error) {
	t, err := b.New(s)
	if err != nil {
		return nil, err
	}
	if err := b.Fill(t, 0); err != nil {
		b.Release(t)
		return nil, err
	}
	return t, nil
}

// allEqual reports whether every element of xs is the same.
func allEqual(xs []int) bool {
	for _, x := range xs {
		if x != xs[0] {
			return false
		}
	}
	return true
}

func releaseAll(b backend.Backend, ts []backend.Tensor) error {
	var errs []error
	for i, t := range ts {
		if t != nil {
			errs = append(errs, b.Release(t))
			ts[i] = nil
		}
	}
	return errors.Join(errs...)
}
