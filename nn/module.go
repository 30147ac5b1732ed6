package nn

import (
	"errors"
	"fmt"
	"reflect"

	"gltrain/autograd"
	"gltrain/backend"
)

// Module is a layer or a network: a function of its input and parameters.
// The built-in layers are Linear, Activation, Dropout, Softmax, Flatten
// and Sequential; a type of your own that implements Module is a layer too
// (NewModel takes it as it is, and Save writes its parameters).
type Module interface {
	// Forward records the module's operations on g for input x.
	Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value
	// Parameters lists the module's parameters, named.
	Parameters() []*autograd.Value
}

// ModeSetter is a module whose forward differs between training and
// evaluation, as Dropout's does. Model.SetTraining reaches every module that
// implements it. A module should read the mode of the pass from the graph
// first (autograd.Graph.Mode: the Trainer's graph trains, Evaluate's,
// Predict's and Probabilities' evaluate) and use its own setting only on a
// graph in autograd.ModeDefault, as Dropout does; for one of your own that
// does not, see Model.SetTraining.
type ModeSetter interface {
	SetTraining(training bool)
}

// The activations as values to pass to MLP or to an Activation layer: the
// seven of the course notes, the identity (no activation) and GELU's tanh
// form. LeakyReLU's slope is 0.1 unless set (backend.Activation.Alpha);
// PyTorch's default is 0.01.
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

// Linear is a fully connected layer, y = x·W + b, with W of In×Out and b of
// 1×Out (saved as PyTorch's weight, Out×In, and bias, Out).
//
// Declare it with its output size only, &Linear{Out: 64}: NewModel sets In
// from the layer before (an In declared too must equal it) and draws W with Init, or when Init is nil with the
// initialiser the following activation calls for (InitFor: He for the ReLU
// family, Xavier for tanh, sigmoid and the output layer); b starts at zero.
// NewLinear makes one with its parameters at once.
type Linear struct {
	In, Out      int
	Init         *Init // nil: chosen by the following activation
	Weight, Bias *autograd.Value
}

// NewLinear creates a Linear layer on b with parameters named prefix+"weight"
// and prefix+"bias": W drawn by init from seed, b zero. (NewModel renames
// them by the layer's place in the model, at any depth: "0.weight" in a
// Sequential, "1.0.weight" in a Sequential at its position 1,
// "2.fc1.weight" in the exported field Fc1 of a module of your own at
// position 2, "2.block.fc1.weight" one level further down; see NewModel.)
func NewLinear(b backend.Backend, in, out int, init Init, seed uint64, prefix string) (*Linear, error) {
	l := &Linear{Out: out, Init: &init}
	if err := l.build(b, in, init, seed, prefix); err != nil {
		return nil, err
	}
	return l, nil
}

// build allocates W (in×Out, drawn by init from seed) and b (zero).
func (l *Linear) build(b backend.Backend, in int, init Init, seed uint64, prefix string) error {
	if b == nil {
		return fmt.Errorf("nn: linear %d→%d: nil backend", in, l.Out)
	}
	if in < 1 || l.Out < 1 {
		return fmt.Errorf("nn: linear %d→%d: sizes must be at least 1", in, l.Out)
	}
	w, err := b.New(backend.Shape{Rows: in, Cols: l.Out})
	if err != nil {
		return fmt.Errorf("nn: linear %d→%d: %w", in, l.Out, err)
	}
	if err := init.fill(b, w, in, l.Out, seed); err != nil {
		b.Release(w)
		return err
	}
	bias, err := b.New(backend.Shape{Rows: 1, Cols: l.Out})
	if err == nil {
		err = b.Fill(bias, 0)
	}
	if err != nil {
		b.Release(w)
		b.Release(bias)
		return fmt.Errorf("nn: linear %d→%d: %w", in, l.Out, err)
	}
	l.In = in
	l.Weight = autograd.NewParameter(b, prefix+"weight", w)
	l.Bias = autograd.NewParameter(b, prefix+"bias", bias)
	return nil
}

// Forward computes x·W + b, with Graph.Linear: one fused kernel on a backend
// that fuses the layer.
func (l *Linear) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return g.Linear(x, l.Weight, l.Bias, Identity)
}

// Parameters returns W and b (none before NewModel builds the layer).
func (l *Linear) Parameters() []*autograd.Value {
	if l.Weight == nil {
		return nil
	}
	return []*autograd.Value{l.Weight, l.Bias}
}

// Activation is an activation function as a layer, without parameters.
type Activation struct{ F backend.Activation }

// Act returns the activation layer of f: nn.Act(nn.ReLU).
func Act(f backend.Activation) Activation { return Activation{F: f} }

// Forward applies the activation elementwise.
func (a Activation) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return g.Activation(a.F, x)
}

// Parameters returns none.
func (a Activation) Parameters() []*autograd.Value { return nil }

// Sequential applies its layers in order. Its parameters are named by
// position, as PyTorch's torch.nn.Sequential names them: "0.weight",
// "0.bias", "2.weight", … (every layer counts, activations included), and
// "1.0.weight" inside a Sequential at position 1.
type Sequential struct{ Layers []Module }

// Seq returns a Sequential of layers:
//
//	nn.Seq(&nn.Linear{Out: 64}, nn.Act(nn.Tanh), &nn.Dropout{P: 0.2}, &nn.Linear{Out: 3})
func Seq(layers ...Module) *Sequential { return &Sequential{Layers: layers} }

// Forward feeds x through every layer. A Linear layer followed directly by
// an Activation is computed as one layer, f(x·W + b) with Graph.Linear:
// one kernel forward and two backward on a backend that fuses them, giving
// the values of the two layers apart (the same bits on the CPU backend, to
// float32 rounding on a device that sums in another order).
func (s *Sequential) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	if s == nil {
		return g.Fail(errors.New("nn: nil Sequential"))
	}
	for i := 0; i < len(s.Layers); i++ {
		if isNil(s.Layers[i]) { // NewModel refuses it; a Sequential used alone may hold it
			return g.Fail(fmt.Errorf("nn: sequential: layer %d is nil", i))
		}
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
		if a != nil {
			return a.F, true
		}
	}
	return backend.Activation{}, false
}

// Parameters lists the parameters of every layer, in order.
func (s *Sequential) Parameters() []*autograd.Value {
	var ps []*autograd.Value
	for _, l := range s.Layers {
		if !isNil(l) { // NewModel refuses nil layers; a model it refused is released
			ps = append(ps, l.Parameters()...)
		}
	}
	return ps
}

// SetTraining sets the mode of every layer that has one.
func (s *Sequential) SetTraining(training bool) {
	for _, l := range s.Layers {
		if m, ok := l.(ModeSetter); ok && !isNil(l) {
			m.SetTraining(training)
		}
	}
}

// isNil reports whether m is nil, or a nil pointer in an interface.
func isNil(m Module) bool {
	v := reflect.ValueOf(m)
	return m == nil || v.Kind() == reflect.Pointer && v.IsNil()
}
