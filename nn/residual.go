package nn

import (
	"errors"
	"fmt"
	"strings"

	"gltrain/autograd"
)

var _ selfBuilder = (*Residual)(nil)

// Residual is a residual block, y = x + F(x): F's output must have the
// width of its input (NewModel says so otherwise). F is any module, most
// often a Sequential of built-in layers:
//
//	nn.Seq(&nn.Linear{Out: 64}, nn.Act(nn.ReLU),
//		&nn.Residual{F: nn.Seq(&nn.Linear{Out: 64}, nn.Act(nn.ReLU), &nn.Linear{Out: 64})},
//		&nn.Linear{Out: 3})
//
// Its parameters are named as those of a PyTorch module holding F as its
// attribute f: "2.f.0.weight" for the Sequential F of a Residual at
// position 2. A Residual of built-in layers is saved as layer type
// "residual", so that Load rebuilds it.
type Residual struct{ F Module }

// Forward computes x + F(x).
func (r *Residual) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	if r == nil || isNil(r.F) {
		return g.Fail(errors.New("nn: residual: F is nil"))
	}
	return g.Add(x, r.F.Forward(g, x))
}

// Parameters returns F's.
func (r *Residual) Parameters() []*autograd.Value {
	if r == nil || isNil(r.F) {
		return nil
	}
	return r.F.Parameters()
}

// SetTraining sets F's mode, when it has one.
func (r *Residual) SetTraining(training bool) {
	if m, ok := r.F.(ModeSetter); ok && !isNil(r.F) {
		m.SetTraining(training)
	}
}

func (r *Residual) buildLayer(bd *builder, in int, prefix string) (int, error) {
	if isNil(r.F) {
		return 0, fmt.Errorf("nn: layer %s: residual block without F", layerName(prefix))
	}
	img := bd.img
	out, err := bd.module(r.F, in, prefix+"f.", nil)
	if err != nil {
		return 0, err
	}
	if out != in {
		return 0, fmt.Errorf("nn: layer %s: residual block: F gives %d values from %d, and x + F(x) needs F to keep the width", layerName(prefix), out, in)
	}
	bd.img = img // x + F(x) has x's shape
	return in, nil
}

// describe is "-res(-64 relu-64)" for F a Sequential of built-in layers.
func (r *Residual) describe() string {
	return "-res(" + strings.TrimPrefix(describeInner(r.F), "-") + ")"
}

// spec is the layer spec of a Residual of built-in layers; specOf asks
// residualSpec, which also reports a custom F.
func (r *Residual) spec() LayerSpec {
	s, _ := residualSpec(r)
	return s
}

// residualSpec describes r, or names the type of a custom module in it.
func residualSpec(r *Residual) (LayerSpec, string) {
	f, custom := specOf(r.F)
	if custom != "" {
		return LayerSpec{}, custom
	}
	return LayerSpec{Type: "residual", Layers: []LayerSpec{f}}, ""
}

// residualModule declares the residual block s describes (specModule's
// case): one inner layer, f, that keeps the width.
func residualModule(s LayerSpec, in int, path string, count *int, params func(name string, saved []int)) (Module, int, error) {
	if len(s.Layers) != 1 {
		return nil, 0, fmt.Errorf("layer %s (residual): %d inner layers, want 1 (f)", path, len(s.Layers))
	}
	f, out, err := specModule(s.Layers[0], in, path+".f", count, params)
	if err != nil {
		return nil, 0, err
	}
	if out != in {
		return nil, 0, fmt.Errorf("layer %s (residual): f gives %d values from %d", path, out, in)
	}
	return &Residual{F: f}, in, nil
}
