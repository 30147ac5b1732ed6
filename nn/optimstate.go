package nn

import (
	"errors"
	"fmt"

	"gltrain/autograd"
	"gltrain/backend"
)

// optimizerJSON is a checkpoint's "optimizer" field: the type, its
// configuration and, for Adam, each parameter's step count (PyTorch keeps
// one per parameter), and the weight-decay mask. The moments and velocities are tensors named
// "optimizer.<parameter>.<state>", with PyTorch's state names.
type optimizerJSON struct {
	Type  string        `json:"type"` // "sgd" or "adam"
	SGD   *backend.SGD  `json:"sgd,omitempty"`
	Adam  *backend.Adam `json:"adam,omitempty"`
	Steps []int         `json:"steps,omitempty"`
	// Decay is the weight-decay mask (NewOptimizerDecay), one entry per
	// parameter; absent when every parameter decays, as in checkpoints
	// older than the mask.
	Decay []bool `json:"decay,omitempty"`
}

// kind names the optimiser as NewOptimizer does: adam or adamw; sgd,
// momentum or nesterov; "" for a type with the fields of another, which
// loadOptimizer refuses.
func (j optimizerJSON) kind() string {
	adam, sgd := j.Type == "adam" && j.Adam != nil && j.SGD == nil, j.Type == "sgd" && j.SGD != nil && j.Adam == nil
	switch {
	case adam && j.Adam.Decoupled:
		return "adamw"
	case adam:
		return "adam"
	case sgd && j.SGD.Nesterov:
		return "nesterov"
	case sgd && j.SGD.Momentum != 0:
		return "momentum"
	case sgd:
		return "sgd"
	}
	return ""
}

// maxSteps bounds a checkpoint's step counts: far more than a run takes,
// and far enough from overflowing an int as the run goes on.
const maxSteps = 1 << 53

// The names of the state tensors, PyTorch's.
const (
	expAvg         = ".exp_avg"
	expAvgSq       = ".exp_avg_sq"
	momentumBuffer = ".momentum_buffer"
)

// saveOptimizer describes o, an optimiser over m's parameters, and
// downloads its state in the parameters' saved layouts. A state tensor not
// yet allocated (a parameter never stepped) is left out.
func saveOptimizer(m *Model, o Optimizer) (optimizerJSON, []NamedTensor, error) {
	var j optimizerJSON
	var params []*autograd.Value
	var state [][]backend.Tensor
	var names []string
	switch o := o.(type) {
	case *Adam:
		if o.released {
			return j, nil, errors.New("the optimiser was released; its state is gone")
		}
		cfg := o.cfg
		j = optimizerJSON{Type: "adam", Adam: &cfg, Steps: append([]int(nil), o.steps...), Decay: o.Decays()}
		params, state, names = o.params, [][]backend.Tensor{o.m, o.v}, []string{expAvg, expAvgSq}
	case *SGD:
		if o.released {
			return j, nil, errors.New("the optimiser was released; its state is gone")
		}
		cfg := o.cfg
		j = optimizerJSON{Type: "sgd", SGD: &cfg, Decay: o.Decays()}
		params = o.params
		if cfg.Momentum != 0 {
			state, names = [][]backend.Tensor{o.velocity}, []string{momentumBuffer}
		}
	default:
		return j, nil, fmt.Errorf("the optimiser %T has no state Save knows how to write", o)
	}
	if !sameParams(params, m.Parameters()) {
		return j, nil, errors.New("the optimiser was not made over the model's Parameters(), in order")
	}
	var out []NamedTensor
	for k, ts := range state {
		for i, t := range ts {
			if t == nil {
				continue
			}
			nt, err := m.download(params[i], t, params[i].Name()+names[k])
			if err != nil {
				return j, nil, err
			}
			out = append(out, nt)
		}
	}
	return j, out, nil
}

func sameParams(a, b []*autograd.Value) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// loadOptimizer rebuilds the optimiser j describes over m's parameters and
// uploads its state from ts.
func loadOptimizer(m *Model, j optimizerJSON, ts []NamedTensor) (Optimizer, error) {
	params := m.Parameters()
	bad := func(format string, args ...any) error {
		return fmt.Errorf("not a usable gltrain checkpoint: __metadata__ \"optimizer\": %s", fmt.Sprintf(format, args...))
	}
	if err := j.check(len(params)); err != nil {
		return nil, bad("%v", err)
	}
	var names []string
	if j.Adam != nil {
		names = []string{expAvg, expAvgSq}
	} else if j.SGD.Momentum != 0 {
		names = []string{momentumBuffer}
	}
	// The state tensors present must be whole sets: every name for a
	// parameter, or none (a parameter never stepped).
	byName := make(map[string]NamedTensor, len(ts))
	for _, t := range ts {
		byName[t.Name] = t
	}
	var want []expect
	have := make([]bool, len(params))
	for i, p := range params {
		_, have[i] = byName[p.Name()+names0(names)]
		if j.Adam != nil && j.Steps[i] > 0 && !have[i] {
			return nil, bad("%s took %d steps but its moments are missing", p.Name(), j.Steps[i])
		}
		if have[i] {
			for _, n := range names {
				want = append(want, expect{p.Name() + n, m.savedShape(p)})
			}
		}
	}
	if err := checkTensors(ts, want); err != nil {
		return nil, fmt.Errorf("optimiser state: %w", err)
	}
	var o Optimizer
	var state [][]backend.Tensor
	var err error
	if j.Adam != nil {
		var a *Adam
		if a, err = NewAdamDecay(m.b, params, *j.Adam, j.Decay); err == nil {
			copy(a.steps, j.Steps)
			o, state = a, [][]backend.Tensor{a.m, a.v}
		}
	} else {
		var s *SGD
		if s, err = NewSGDDecay(m.b, params, *j.SGD, j.Decay); err == nil {
			o, state = s, [][]backend.Tensor{s.velocity}
		}
	}
	if err != nil {
		return nil, bad("%v", err)
	}
	for k := range names {
		for i, p := range params {
			if !have[i] {
				continue
			}
			if state[k][i] == nil {
				if state[k][i], err = zeros(m.b, p.Shape()); err != nil {
					o.Release()
					return nil, fmt.Errorf("optimiser state of %s: %w", p.Name(), err)
				}
			}
			if err := m.upload(p, state[k][i], byName[p.Name()+names[k]]); err != nil {
				o.Release()
				return nil, err
			}
		}
	}
	return o, nil
}

// check validates j for an optimiser over n parameters, as Resume needs it:
// Save checks what it writes with it too, so that what saves also resumes.
func (j optimizerJSON) check(n int) error {
	if j.Decay != nil && len(j.Decay) != n {
		return fmt.Errorf("a weight-decay mask of %d entries for %d parameters", len(j.Decay), n)
	}
	switch {
	case j.Type == "adam" && j.Adam != nil && j.SGD == nil:
		if len(j.Steps) != n {
			return fmt.Errorf("%d step counts for %d parameters", len(j.Steps), n)
		}
		for _, s := range j.Steps {
			if s < 0 || s > maxSteps {
				return fmt.Errorf("step count %d, want 0 to %d", s, maxSteps)
			}
		}
		return j.Adam.Check("adam", 1)
	case j.Type == "sgd" && j.SGD != nil && j.Adam == nil && j.Steps == nil:
		return j.SGD.Check("sgd")
	}
	return fmt.Errorf("type %s with the fields of another", excerpt(j.Type))
}

// names0 is the first state name, or "" for an optimiser without state.
func names0(names []string) string {
	if len(names) == 0 {
		return "\x00none" // matches no tensor
	}
	return names[0]
}
