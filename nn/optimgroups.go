package nn

import (
	"errors"
	"fmt"
	"strings"

	"gltrain/autograd"
	"gltrain/backend"
)

// DecayMatrices is the weight-decay mask nanoGPT uses: true for each of m's
// parameters (m.Parameters(), in order) that is saved with two or more
// dimensions — Linear weights, conv filters and embeddings — and false for
// biases and the normalisation layers' weights and biases, which are saved
// as vectors. Pass it to NewOptimizerDecay (or NewSGDDecay, NewAdamDecay)
// to decay only the matrices. For a GPT it is GPT.Matrices, the blocks'
// Linear weights: its embeddings are not decayed (issue #24's choice; nanoGPT
// decays them too).
func DecayMatrices(m *Model) []bool {
	ps := m.Parameters()
	decay := make([]bool, len(ps))
	if gp, ok := m.Net.(*GPT); ok {
		matrices := map[*autograd.Value]bool{}
		for _, w := range gp.Matrices() {
			matrices[w] = true
		}
		for i, p := range ps {
			decay[i] = matrices[p]
		}
		return decay
	}
	for i, p := range ps {
		decay[i] = len(m.savedShape(p)) >= 2
	}
	return decay
}

// NewOptimizerDecay is NewOptimizerMomentum with a weight-decay mask:
// decay[i] says whether params[i] is decayed (by wd); the others step as
// with wd = 0. A nil mask decays every parameter, as NewOptimizerMomentum.
func NewOptimizerDecay(name string, b backend.Backend, params []*autograd.Value, lr, wd, momentum float32, decay []bool) (Optimizer, error) {
	switch strings.ToLower(name) {
	case "sgd":
		return NewSGDDecay(b, params, backend.SGD{LR: lr, WeightDecay: wd}, decay)
	case "momentum", "nesterov":
		if momentum == 0 {
			return nil, fmt.Errorf("nn: %s: momentum 0: want 0 < momentum < 1 (momentum 0 is plain sgd): %w", strings.ToLower(name), backend.ErrInvalidArgument)
		}
		return NewSGDDecay(b, params, backend.SGD{LR: lr, Momentum: momentum, Nesterov: strings.ToLower(name) == "nesterov", WeightDecay: wd}, decay)
	case "adam", "adamw":
		cfg := backend.DefaultAdam(lr)
		cfg.WeightDecay, cfg.Decoupled = wd, strings.ToLower(name) == "adamw"
		return NewAdamDecay(b, params, cfg, decay)
	}
	return nil, fmt.Errorf("unknown optimiser %q (valid: %s)", name, strings.Join(OptimizerNames, ", "))
}

// NewSGDDecay is NewSGD with a weight-decay mask (NewOptimizerDecay).
func NewSGDDecay(b backend.Backend, params []*autograd.Value, cfg backend.SGD, decay []bool) (*SGD, error) {
	return newSGD(b, params, cfg, decay)
}

// NewAdamDecay is NewAdam with a weight-decay mask (NewOptimizerDecay).
func NewAdamDecay(b backend.Backend, params []*autograd.Value, cfg backend.Adam, decay []bool) (*Adam, error) {
	return newAdam(b, params, cfg, decay)
}

// Decays reports, for each parameter, whether the optimiser decays it: nil
// when it decays them all.
func (o *SGD) Decays() []bool { return cloneMask(o.decay) }

// Decays reports, for each parameter, whether the optimiser decays it: nil
// when it decays them all.
func (o *Adam) Decays() []bool { return cloneMask(o.decay) }

func cloneMask(m []bool) []bool {
	if m == nil {
		return nil
	}
	return append([]bool(nil), m...)
}

// group is the parameters an optimiser steps with one configuration: those
// it decays, or those it does not. Each group is packed on its own, so that
// a step is one kernel per group.
type group struct {
	idx    []int             // indices into the optimiser's parameters, ascending
	params []*autograd.Value // the parameters at idx
	decay  bool              // stepped with the configured weight decay; else with none
	pk     *packing          // nil when not packed
}

// normMask checks a weight-decay mask for n parameters and returns it, or
// nil when it decays every parameter (the optimiser then behaves exactly
// as without one).
func normMask(op string, decay []bool, n int) ([]bool, error) {
	if decay == nil {
		return nil, nil
	}
	if len(decay) != n {
		return nil, fmt.Errorf("nn: %s: weight-decay mask of %d entries for %d parameters: %w", op, len(decay), n, backend.ErrInvalidArgument)
	}
	for _, d := range decay {
		if !d {
			return cloneMask(decay), nil
		}
	}
	return nil, nil
}

// makeGroups splits params by the mask: one group of them all when the mask
// is nil or the weight decay is 0 (the split would change nothing), else
// the decayed parameters and the others, each group only if not empty.
func makeGroups(params []*autograd.Value, decay []bool, wd float32) []group {
	if decay == nil || wd == 0 {
		g := group{params: params, decay: true, idx: make([]int, len(params))}
		for i := range g.idx {
			g.idx[i] = i
		}
		return []group{g}
	}
	var gs []group
	for _, want := range []bool{true, false} {
		g := group{decay: want}
		for i, p := range params {
			if decay[i] == want {
				g.idx, g.params = append(g.idx, i), append(g.params, p)
			}
		}
		if len(g.idx) > 0 {
			gs = append(gs, g)
		}
	}
	return gs
}

// packGroups packs each group with state flat state tensors and sets
// views[k][idx] to each parameter's view of state tensor k. On an error the
// groups packed already are unpacked.
func packGroups(b backend.Backend, gs []group, state int, views ...[]backend.Tensor) error {
	for gi := range gs {
		g := &gs[gi]
		pk, err := pack(b, g.params, state)
		if err != nil {
			var errs []error
			for _, h := range gs[:gi] {
				if h.pk != nil {
					errs = append(errs, h.pk.release(h.params))
				}
			}
			for gi := range gs {
				gs[gi].pk = nil
			}
			return errors.Join(append([]error{err}, errs...)...)
		}
		g.pk = pk
		if pk == nil {
			continue
		}
		for k, vs := range views {
			for j, i := range g.idx {
				vs[i] = pk.state(k)[j]
			}
		}
	}
	return nil
}

// releaseGroups releases the groups' state: the packings (unpacking the
// parameters), or the state tensors of the parameters of a group not packed.
func releaseGroups(b backend.Backend, gs []group, state ...[]backend.Tensor) error {
	var errs []error
	for gi := range gs {
		g := &gs[gi]
		if g.pk == nil {
			for _, ts := range state {
				for _, i := range g.idx {
					if ts[i] != nil {
						errs = append(errs, b.Release(ts[i]))
						ts[i] = nil
					}
				}
			}
			continue
		}
		for _, ts := range state {
			for _, i := range g.idx {
				ts[i] = nil // views: the flat tensors own the memory
			}
		}
		errs = append(errs, g.pk.release(g.params))
		g.pk = nil
	}
	return errors.Join(errs...)
}

// stepsEqual reports whether the parameters at idx have taken as many steps.
func stepsEqual(steps []int, idx []int) bool {
	for _, i := range idx {
		if steps[i] != steps[idx[0]] {
			return false
		}
	}
	return true
}
