package nn

import (
	"fmt"

	"gltrain/autograd"
	"gltrain/backend"
)

// Module is a layer or a network: a function of its input and parameters.
type Module interface {
	// Forward records the module's operations on g for input x.
	Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value
	// Parameters lists the module's parameters, named.
	Parameters() []*autograd.Value
}

// The activations as values to pass to MLP or NewActivation: the seven of the
// course notes, the identity (no activation) and GELU's tanh form.
var (
	Identity  = backend.Activation{Kind: backend.Identity}
	ReLU      = backend.Activation{Kind: backend.ReLU}
	LeakyReLU = backend.Activation{Kind: backend.LeakyReLU}
	ELU       = backend.Activation{Kind: backend.ELU}
	GELU      = backend.Activation{Kind: backend.GELU}
	GELUTanh  = backend.Activation{Kind: backend.GELUTanh}
	Sigmoid   = backend.Activation{Kind: backend.Sigmoid}
	Tanh      = backend.Activation{Kind: backend.Tanh}
	SiLU      = backend.Activation{Kind: backend.SiLU}
)

// Linear is a fully connected layer, y = x·W + b, with W of in×out and b of
// 1×out.
type Linear struct {
	In, Out      int
	Weight, Bias *autograd.Value
}

// NewLinear creates a Linear layer on b with parameters named prefix+"weight"
// and prefix+"bias": W drawn by init from seed, b zero.
func NewLinear(b backend.Backend, in, out int, init Init, seed uint64, prefix string) (*Linear, error) {
	if in < 1 || out < 1 {
		return nil, fmt.Errorf("nn: linear %d→%d: sizes must be at least 1", in, out)
	}
	w, err := b.New(backend.Shape{Rows: in, Cols: out})
	if err != nil {
		return nil, fmt.Errorf("nn: linear %d→%d: %w", in, out, err)
	}
	if err := init.fill(b, w, in, out, seed); err != nil {
		b.Release(w)
		return nil, err
	}
	bias, err := b.New(backend.Shape{Rows: 1, Cols: out})
	if err == nil {
		err = b.Fill(bias, 0)
	}
	if err != nil {
		b.Release(w)
		b.Release(bias)
		return nil, fmt.Errorf("nn: linear %d→%d: %w", in, out, err)
	}
	return &Linear{
		In: in, Out: out,
		Weight: autograd.NewParameter(b, prefix+"weight", w),
		Bias:   autograd.NewParameter(b, prefix+"bias", bias),
	}, nil
}

// Forward computes x·W + b, with Graph.Linear: one fused kernel on a backend
// that fuses the layer.
func (l *Linear) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return g.Linear(x, l.Weight, l.Bias, Identity)
}

// Parameters returns W and b.
func (l *Linear) Parameters() []*autograd.Value { return []*autograd.Value{l.Weight, l.Bias} }

// Activation is an activation function as a layer, without parameters.
type Activation struct{ F backend.Activation }

// Forward applies the activation elementwise.
func (a Activation) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return g.Activation(a.F, x)
}

// Parameters returns none.
func (a Activation) Parameters() []*autograd.Value { return nil }

// Sequential applies its layers in order.
type Sequential struct{ Layers []Module }

// Forward feeds x through every layer. A Linear layer followed directly by
// an Activation is computed as one layer, f(x·W + b) with Graph.Linear:
// one kernel forward and two backward on a backend that fuses them, giving
// the values of the two layers apart (the same bits on the CPU backend, to
// float32 rounding on a device that sums in another order).
func (s *Sequential) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	for i := 0; i < len(s.Layers); i++ {
		if l, ok := s.Layers[i].(*Linear); ok && i+1 < len(s.Layers) {
			if f, ok := activationOf(s.Layers[i+1]); ok {
				x = g.Linear(x, l.Weight, l.Bias, f)
				i++
				continue
			}
		}
		x = s.Layers[i].Forward(g, x)
	}
	return x
}

// activationOf returns the function of an Activation layer (a value or a
// pointer).
func activationOf(m Module) (backend.Activation, bool) {
	switch a := m.(type) {
	case Activation:
		return a.F, true
	case *Activation:
		return a.F, a != nil
	}
	return backend.Activation{}, false
}

// Parameters lists the parameters of every layer, in order.
func (s *Sequential) Parameters() []*autograd.Value {
	var ps []*autograd.Value
	for _, l := range s.Layers {
		ps = append(ps, l.Parameters()...)
	}
	return ps
}
