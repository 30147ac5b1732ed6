package nn

import (
	"fmt"
	"runtime"
	"sync"
	"weak"

	"gltrain/autograd"
)

// owners maps each parameter of a live model to that model, so that
// NewModel can refuse a layer that already belongs to another: the two
// models would share tensors, and releasing one would break the other.
// Release removes a model's entries, and so does the garbage collector for
// a model dropped without Release (the map holds it weakly).
var owners = struct {
	sync.Mutex
	m map[*autograd.Value]weak.Pointer[Model]
}{m: map[*autograd.Value]weak.Pointer[Model]{}}

// checkUnowned refuses parameters that belong to a live model, or whose
// tensors were released with their model.
func checkUnowned(params []*autograd.Value) error {
	owners.Lock()
	defer owners.Unlock()
	for _, p := range params {
		if p == nil {
			continue // refused by the builder, with the layer named
		}
		if o := owners.m[p].Value(); o != nil {
			return fmt.Errorf("nn: new model: parameter %s belongs to the model %v: a layer may be in one model at a time (build new layers)", excerpt(p.Name()), o)
		}
		if p.Tensor() == nil {
			return fmt.Errorf("nn: new model: parameter %s has no tensor (was its model released?)", excerpt(p.Name()))
		}
	}
	return nil
}

// own records m as the owner of its parameters.
func own(m *Model) {
	params := m.Parameters()
	w := weak.Make(m)
	owners.Lock()
	for _, p := range params {
		owners.m[p] = w
	}
	owners.Unlock()
	runtime.AddCleanup(m, func(params []*autograd.Value) { forget(params, w) }, params)
}

// disown forgets m as the owner of its parameters.
func disown(m *Model) { forget(m.Parameters(), weak.Make(m)) }

// forget removes the entries of params that w owns.
func forget(params []*autograd.Value, w weak.Pointer[Model]) {
	owners.Lock()
	defer owners.Unlock()
	for _, p := range params {
		if owners.m[p] == w {
			delete(owners.m, p)
		}
	}
}
