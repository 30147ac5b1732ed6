package nn

import (
	"errors"
	"fmt"

	"gltrain/autograd"
	"gltrain/backend"
)

// packing is an optimiser's storage on a backend that implements
// backend.Packer: the parameters, their gradients and each state tensor of
// the optimiser (SGD's velocity, Adam's two moments) are each one flat
// tensor, with a view per parameter at the same offsets in all of them. The
// parameters hold their views (autograd's SetTensors), so Backward writes
// the gradients into the flat gradient tensor and one optimiser kernel over
// the flat tensors steps every parameter. The alignment padding between the
// views starts zero and stays zero: both kernels map a zero parameter,
// gradient and state to zero.
type packing struct {
	b     backend.Backend
	flat  []backend.Tensor   // the parameters, the gradients, then the state
	views [][]backend.Tensor // views[k][i] is flat[k]'s view of parameter i
}

// The flat tensors of a packing, in order; the optimiser's state follows.
const (
	packParams = iota
	packGrads
	packState
)

// pack moves params into a packing with state flat state tensors, all zero
// but the parameters' values, which are copied on the device. Each parameter
// gets its views, its old tensor is released and its gradient cleared. pack
// returns nil, and no error, when b cannot pack (no backend.Packer, or one
// answering ErrUnsupported), and when a parameter has no tensor; on an error
// the parameters are left as they were.
func pack(b backend.Backend, params []*autograd.Value, state int) (*packing, error) {
	pk, ok := b.(backend.Packer)
	if !ok || len(params) == 0 {
		return nil, nil
	}
	shapes := make([]backend.Shape, len(params))
	for i, p := range params {
		if p == nil || p.Tensor() == nil {
			return nil, nil
		}
		shapes[i] = p.Shape()
	}
	k := &packing{b: b}
	for range packState + state {
		flat, views, err := pk.Pack(shapes)
		if err != nil {
			k.releaseFlat()
			if errors.Is(err, backend.ErrUnsupported) {
				return nil, nil
			}
			return nil, fmt.Errorf("nn: packing %d parameters: %w", len(params), err)
		}
		k.flat, k.views = append(k.flat, flat), append(k.views, views)
	}
	// Every copy is made before any parameter changes hands, so that a
	// failure leaves the parameters untouched.
	for i, p := range params {
		if err := b.CopyRows(k.views[packParams][i], 0, p.Tensor()); err != nil {
			k.releaseFlat()
			return nil, fmt.Errorf("nn: packing %s: %w", p.Name(), err)
		}
	}
	var errs []error
	for i, p := range params {
		old := p.Tensor()
		errs = append(errs, p.SetTensors(k.views[packParams][i], k.views[packGrads][i]), b.Release(old))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, errors.Join(fmt.Errorf("nn: packing: %w", err), k.release(params))
	}
	return k, nil
}

// ready reports whether one kernel over the flat tensors steps params as a
// kernel per parameter would: each parameter still holds its views, and has
// a gradient from this step. k may be nil (not packed).
func (k *packing) ready(params []*autograd.Value) bool {
	if k == nil {
		return false
	}
	for i, p := range params {
		if p.Tensor() != k.views[packParams][i] || p.Grad() != k.views[packGrads][i] {
			return false
		}
	}
	return true
}

// state returns the views of the optimiser's j-th state tensor.
func (k *packing) state(j int) []backend.Tensor { return k.views[packState+j] }

// release gives every parameter that still holds its view a tensor of its
// own with the view's values (its gradient is cleared), then releases the
// flat tensors. Parameters detached (Model.Release) or moved since are left
// alone.
func (k *packing) release(params []*autograd.Value) error {
	var errs []error
	for i, p := range params {
		if p.Tensor() != k.views[packParams][i] {
			continue
		}
		t, err := k.b.New(p.Shape())
		if err == nil {
			err = k.b.CopyRows(t, 0, p.Tensor())
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("nn: unpacking %s: %w", p.Name(), err), k.b.Release(t))
			continue
		}
		if err := p.SetTensors(t, nil); err != nil {
			errs = append(errs, fmt.Errorf("nn: unpacking %s: %w", p.Name(), err))
		}
	}
	return errors.Join(append(errs, k.releaseFlat())...)
}

// releaseFlat releases the flat tensors, and with them the views.
func (k *packing) releaseFlat() error {
	var errs []error
	for _, t := range k.flat {
		errs = append(errs, k.b.Release(t))
	}
	k.flat, k.views = nil, nil
	return errors.Join(errs...)
}
