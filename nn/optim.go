package nn

import (
	"errors"
	"fmt"
	"slices"
	"strings"

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
type SGD struct {
	cfg      backend.SGD
	params   []*autograd.Value
	velocity []backend.Tensor // zero-filled, lazily unless packed; nil without momentum
	pk       *packing         // nil when not packed
	b        backend.Backend
	released bool // Release was called: Step and Save refuse it
}

// NewSGD returns an SGD optimiser over params on b, packing them when b
// implements backend.Packer.
func NewSGD(b backend.Backend, params []*autograd.Value, cfg backend.SGD) (*SGD, error) {
	if err := cfg.Check("sgd"); err != nil {
		return nil, fmt.Errorf("nn: %w", err)
	}
	if err := checkParams("sgd", b, params); err != nil {
		return nil, err
	}
	params = slices.Clone(params) // the caller's slice may change
	o := &SGD{cfg: cfg, params: params, velocity: make([]backend.Tensor, len(params)), b: b}
	state := 0
	if cfg.Momentum != 0 {
		state = 1
	}
	var err error
	if o.pk, err = pack(b, params, state); err != nil {
		return nil, err
	}
	if o.pk != nil && state == 1 {
		copy(o.velocity, o.pk.state(0))
	}
	return o, nil
}

// Step applies one SGD step to each parameter with a gradient: one kernel
// over the flat tensors when packed and every parameter has a gradient, else
// one per parameter.
func (o *SGD) Step() error {
	if o.released {
		return errReleasedOptimizer("sgd")
	}
	if o.pk.ready(o.params) {
		var v backend.Tensor
		if o.cfg.Momentum != 0 {
			v = o.pk.flat[packState]
		}
		if err := o.b.SGDStep(o.cfg, o.pk.flat[packParams], o.pk.flat[packGrads], v); err != nil {
			return fmt.Errorf("nn: sgd step of %d packed parameters: %w", len(o.params), err)
		}
		return nil
	}
	for i, p := range o.params {
		if p.Grad() == nil {
			continue
		}
		if o.cfg.Momentum != 0 && o.velocity[i] == nil {
			v, err := zeros(o.b, p.Shape())
			if err != nil {
				return fmt.Errorf("nn: sgd velocity of %s: %w", p.Name(), err)
			}
			o.velocity[i] = v
		}
		if err := o.b.SGDStep(o.cfg, p.Tensor(), p.Grad(), o.velocity[i]); err != nil {
			return fmt.Errorf("nn: sgd step of %s: %w", p.Name(), err)
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
	if o.pk == nil {
		return releaseAll(o.b, o.velocity)
	}
	clear(o.velocity) // views: the flat tensors own the memory
	err := o.pk.release(o.params)
	o.pk = nil
	return err
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
// detach them first (Model.Release does), lest those copies leak.
type Adam struct {
	cfg    backend.Adam
	params []*autograd.Value
	m, v   []backend.Tensor
	steps  []int
	pk     *packing // nil when not packed
	b      backend.Backend
	// released: Release was called; Step and Save refuse it.
	released bool
}

// NewAdam returns an Adam (or AdamW) optimiser over params on b, packing
// them when b implements backend.Packer.
func NewAdam(b backend.Backend, params []*autograd.Value, cfg backend.Adam) (*Adam, error) {
	if err := cfg.Check("adam", 1); err != nil {
		return nil, fmt.Errorf("nn: %w", err)
	}
	if err := checkParams("adam", b, params); err != nil {
		return nil, err
	}
	params = slices.Clone(params) // the caller's slice may change
	n := len(params)
	o := &Adam{cfg: cfg, params: params, m: make([]backend.Tensor, n), v: make([]backend.Tensor, n), steps: make([]int, n), b: b}
	var err error
	if o.pk, err = pack(b, params, 2); err != nil {
		return nil, err
	}
	if o.pk != nil {
		copy(o.m, o.pk.state(0))
		copy(o.v, o.pk.state(1))
	}
	return o, nil
}

// Step applies one Adam step to each parameter with a gradient: one kernel
// over the flat tensors when packed, every parameter has a gradient and all
// have taken as many steps, else one per parameter.
func (o *Adam) Step() error {
	if o.released {
		return errReleasedOptimizer("adam")
	}
	if o.pk.ready(o.params) && allEqual(o.steps) {
		for i := range o.steps {
			o.steps[i]++
		}
		f := o.pk.flat
		if err := o.b.AdamStep(o.cfg, o.steps[0], f[packParams], f[packGrads], f[packState], f[packState+1]); err != nil {
			return fmt.Errorf("nn: adam step of %d packed parameters: %w", len(o.params), err)
		}
		return nil
	}
	for i, p := range o.params {
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
		if err := o.b.AdamStep(o.cfg, o.steps[i], p.Tensor(), p.Grad(), o.m[i], o.v[i]); err != nil {
			return fmt.Errorf("nn: adam step of %s: %w", p.Name(), err)
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
	if o.pk == nil {
		return errors.Join(releaseAll(o.b, o.m), releaseAll(o.b, o.v))
	}
	clear(o.m) // views: the flat tensors own the memory
	clear(o.v)
	err := o.pk.release(o.params)
	o.pk = nil
	return err
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
	switch strings.ToLower(name) {
	case "sgd":
		return NewSGD(b, params, backend.SGD{LR: lr, WeightDecay: wd})
	case "momentum", "nesterov":
		if momentum == 0 {
			return nil, fmt.Errorf("nn: %s: momentum 0: want 0 < momentum < 1 (momentum 0 is plain sgd): %w", strings.ToLower(name), backend.ErrInvalidArgument)
		}
		return NewSGD(b, params, backend.SGD{LR: lr, Momentum: momentum, Nesterov: strings.ToLower(name) == "nesterov", WeightDecay: wd})
	case "adam", "adamw":
		cfg := backend.DefaultAdam(lr)
		cfg.WeightDecay, cfg.Decoupled = wd, strings.ToLower(name) == "adamw"
		return NewAdam(b, params, cfg)
	}
	return nil, fmt.Errorf("unknown optimiser %q (valid: %s)", name, strings.Join(OptimizerNames, ", "))
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
