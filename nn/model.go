package nn

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/nn/data"
)

// Model is a network built on a backend, with what it needs to be used on
// new data: the stock tools (Trainer, Evaluate, Predict, Probabilities,
// Save and Load) take a *Model. Make one with NewModel from any Module (a
// Sequential of layers, or your own), or with MLP(…).Build.
type Model struct {
	// Net is the network.
	Net Module
	// Inputs is the width of a sample; Outputs the width of the network's
	// output (the class count for a classifier).
	Inputs, Outputs int
	// Loss is the loss the model is trained with; Save records it.
	Loss Loss
	// CrossEntropy is the softmax cross-entropy's label smoothing and class
	// weights the model is trained with (the zero value for none, and for
	// the other losses); Save records it. The Trainer trains with its own
	// CrossEntropy: set both.
	CrossEntropy CrossEntropyOptions
	// Standardizer, when set, maps raw features to the ones the model was
	// trained on: Predict and Probabilities apply it to the rows they are
	// given, and Save records it. The Trainer and Evaluate do not: give
	// them the standardised sets (Standardizer.Apply), as the network sees
	// its inputs.
	Standardizer *data.Standardizer
	// ClassNames names the outputs (optional); Save records them.
	ClassNames []string
	// Meta is free-form text Save records and Load returns: the train
	// command keeps its data set and hyperparameters there.
	Meta map[string]string
	// Image is the shape of the input images (NewImageModel); nil for flat
	// features.
	Image *Image

	b        backend.Backend
	layouts  map[*autograd.Value]layout // how a parameter is saved
	dims     map[*autograd.Value][]int  // the saved shape of a parameter that has one of its own
	training bool
	// ownModes: a layer of the caller's own type has a mode (ModeSetter),
	// which may not read the graph's: evaluation then sets it, holding
	// modeMu, as SetTraining and Training do.
	ownModes bool
	modeMu   *sync.Mutex // a pointer: copies of a Model share its layers, and so the lock
}

// layout is how a parameter is saved: as it is held (rows×cols), transposed
// (a Linear weight, in×out held, PyTorch's out×in saved), or as a vector (a
// bias, 1×n held, n saved).
type layout uint8

const (
	asHeld layout = iota
	transposed
	vector
)

// NewModel builds net on b for samples of inputs features and returns the
// model. Layers declared without parameters (&Linear{Out: n}) get them here:
// each Linear's In is the width before it (a declared In that differs is
// an error), and its weights are drawn from
// seed (layer i from a seed derived from (seed, i)), so the same seed gives
// the same model on every backend. Dropout layers without a Seed get one
// from seed. The parameters of a Sequential are named by position as
// PyTorch names them ("0.weight"); those of a module of your own as
// PyTorch names a module's attributes, by the exported fields that hold
// them under its place ("2.fc1.weight" for a Linear in field Fc1 of the
// module at position 2), one it cannot reach so (an unexported field)
// keeping its name after that place ("2.mine.weight"; as it is for the
// network itself). The names must be unique. NewModel runs one forward pass on a row of zeros,
// to check that the layers fit together and to find Outputs. The model
// starts in training mode, as a PyTorch module does (SetTraining).
//
// The model holds net's layers, not copies, and a layer belongs to one
// model at a time: NewModel refuses a network with a parameter of another
// model not yet released (releasing either would free the other's
// weights), and one whose parameters were released. Build new layers for
// each model.
func NewModel(b backend.Backend, net Module, inputs int, seed uint64) (*Model, error) {
	return newModel(b, net, inputs, nil, seed)
}

func newModel(b backend.Backend, net Module, inputs int, img *Image, seed uint64) (*Model, error) {
	switch {
	case b == nil:
		return nil, errors.New("nn: new model: nil backend")
	case net == nil:
		return nil, errors.New("nn: new model: nil network")
	case inputs < 1:
		return nil, fmt.Errorf("nn: new model: %d inputs, want at least 1", inputs)
	}
	if !isNil(net) {
		if err := checkUnowned(net.Parameters()); err != nil {
			return nil, err // nothing is released: the parameters are another model's
		}
	}
	m := &Model{Net: net, Inputs: inputs, b: b, layouts: map[*autograd.Value]layout{}, dims: map[*autograd.Value][]int{}, modeMu: new(sync.Mutex)}
	m.Image = img
	bd := &builder{b: b, seed: seed, m: m, img: img}
	out, err := bd.module(net, inputs, "", nil)
	if err == nil {
		err = m.checkNames(bd.ownNames)
	}
	if err != nil {
		m.Release()
		return nil, err
	}
	m.Outputs = out
	m.SetTraining(true)
	own(m)
	return m, nil
}

// builder builds the layers of a model in order.
type builder struct {
	b        backend.Backend
	seed     uint64
	m        *Model
	linears  int // Linear and Conv2D layers built: their seeds
	dropouts int
	img      *Image // the shape of the images reaching the next layer; nil for flat features
	ownNames bool   // a module of the caller's own was named (nameOwn)
}

// module builds mod for inputs of width in, naming its parameters under
// prefix; next is the layer after it (its activation chooses a Linear's
// initialiser). It returns the output width.
func (bd *builder) module(mod Module, in int, prefix string, next Module) (int, error) {
	if isNil(mod) && mod != nil {
		return 0, fmt.Errorf("nn: layer %s is a nil %T", layerName(prefix), mod)
	}
	switch l := mod.(type) {
	case *Sequential:
		if l == nil {
			return 0, errors.New("nn: nil Sequential")
		}
		for i, layer := range l.Layers {
			var after Module
			if i+1 < len(l.Layers) {
				after = l.Layers[i+1]
			}
			var err error
			if in, err = bd.module(layer, in, prefix+strconv.Itoa(i)+".", after); err != nil {
				return 0, err
			}
		}
		return in, nil
	case *Linear:
		bd.img = nil
		return bd.linear(l, in, prefix, next)
	case *Conv2D:
		return bd.conv(l, in, prefix, next)
	case *MaxPool2D:
		return bd.pool(l, in, prefix)
	case selfBuilder:
		return l.buildLayer(bd, in, prefix)
	case Flatten, *Flatten:
		bd.img = nil
		return in, nil
	case *Dropout:
		if l == nil || !validDropout(l.P) {
			return 0, fmt.Errorf("nn: layer %s: dropout probability %v: want 0 ≤ p < 1", layerName(prefix), dropoutP(l))
		}
		if l.Seed == 0 {
			l.Seed = paramSeed(bd.seed^0xd50f0a7d3c1e5b29, bd.dropouts)
		}
		bd.dropouts++
		return in, nil
	case Activation, *Activation, Softmax, *Softmax:
		if f, ok := activationOf(l); ok && !f.Kind.Valid() {
			return 0, fmt.Errorf("nn: layer %s: unknown activation %v", layerName(prefix), f.Kind)
		} else if err := backend.CheckActivation("layer "+layerName(prefix), f); ok && err != nil {
			return 0, fmt.Errorf("nn: %w", err) // a NaN LeakyReLU slope, say
		}
		return in, nil
	case nil:
		return 0, fmt.Errorf("nn: layer %s is nil", layerName(prefix))
	}
	for i, p := range mod.Parameters() {
		if p == nil { // one without a tensor is refused before building (checkUnowned)
			return 0, fmt.Errorf("nn: layer %s (%T): parameter %d is nil", layerName(prefix), mod, i)
		}
		bd.m.layouts[p] = asHeld
	}
	if _, ok := mod.(ModeSetter); ok {
		bd.m.ownModes = true
	}
	if err := nameOwn(mod, prefix); err != nil {
		return 0, fmt.Errorf("nn: layer %s (%T): %w", layerName(prefix), mod, err)
	}
	bd.ownNames = true
	bd.img = nil
	return probe(bd.b, mod, in, prefix)
}

// linear builds l (unless it was built) for inputs of width in.
func (bd *builder) linear(l *Linear, in int, prefix string, next Module) (int, error) {
	if l == nil {
		return 0, fmt.Errorf("nn: layer %s is a nil Linear", layerName(prefix))
	}
	seed := paramSeed(bd.seed, bd.linears)
	bd.linears++
	if l.Weight == nil {
		if l.In != 0 && l.In != in {
			return 0, fmt.Errorf("nn: layer %s: Linear declares In %d, but the width before it is %d", layerName(prefix), l.In, in)
		}
		init := chooseInit(l.Init, next)
		if err := l.build(bd.b, in, init, seed, prefix); err != nil {
			return 0, fmt.Errorf("nn: layer %s: %w", layerName(prefix), err)
		}
	} else {
		if l.In != in || l.Weight.Shape() != (backend.Shape{Rows: in, Cols: l.Out}) {
			return 0, fmt.Errorf("nn: layer %s: Linear %d→%d after a layer of width %d", layerName(prefix), l.In, l.Out, in)
		}
		for _, p := range [...]struct {
			v    *autograd.Value
			name string
		}{{l.Weight, "weight"}, {l.Bias, "bias"}} {
			if err := p.v.SetName(prefix + p.name); err != nil {
				return 0, fmt.Errorf("nn: layer %s: %w", layerName(prefix), err)
			}
		}
	}
	bd.m.layouts[l.Weight], bd.m.layouts[l.Bias] = transposed, vector
	return l.Out, nil
}

// probe runs mod on one row of zeros to find its output width.
func probe(b backend.Backend, mod Module, in int, prefix string) (int, error) {
	x, err := b.New(backend.Shape{Rows: 1, Cols: in})
	if err == nil {
		err = b.Fill(x, 0)
	}
	if err != nil {
		b.Release(x)
		return 0, fmt.Errorf("nn: layer %s: %w", layerName(prefix), err)
	}
	defer b.Release(x)
	g := autograd.NewGraph(b)
	g.SetGrad(false)
	defer g.Reset()
	y := mod.Forward(g, g.Input(x))
	if err := g.Err(); err != nil {
		return 0, fmt.Errorf("nn: layer %s (%T) on a row of %d: %w", layerName(prefix), mod, in, err)
	}
	if y == nil || y.Shape().Rows != 1 || y.Shape().Cols < 1 {
		return 0, fmt.Errorf("nn: layer %s (%T) on a row of %d gave no row", layerName(prefix), mod, in)
	}
	return y.Shape().Cols, nil
}

func layerName(prefix string) string {
	if prefix == "" {
		return "(the network)"
	}
	return strings.TrimSuffix(prefix, ".")
}

func dropoutP(d *Dropout) any {
	if d == nil {
		return "nil"
	}
	return d.P
}

// checkNames refuses two parameters of one name: Save could not tell them
// apart. own: the model has a module of the caller's own, which the error
// tells how to name.
func (m *Model) checkNames(own bool) error {
	seen := map[string]bool{}
	for _, p := range m.Parameters() {
		if seen[p.Name()] {
			hint := ""
			if own {
				hint = " (a module of your own: hold its layers and parameters in exported fields, which name them, or give them distinct names, NewLinear's prefix)"
			}
			return fmt.Errorf("nn: new model: two parameters are named %s%s", excerpt(p.Name()), hint)
		}
		seen[p.Name()] = true
	}
	return nil
}

// Backend is the backend the model's parameters live on (nil for a nil
// model).
func (m *Model) Backend() backend.Backend {
	if m == nil {
		return nil
	}
	return m.b
}

// Forward computes the outputs (batch×Outputs) of x (batch×Inputs). A
// model without a network records an error on g.
func (m *Model) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	if m == nil || isNil(m.Net) {
		return g.Fail(errors.New("nn: forward: the model has no network (make it with NewModel)"))
	}
	return m.Net.Forward(g, x)
}

// Parameters lists the parameters: 0.weight, 0.bias, … (none for a nil
// model or one without a network).
func (m *Model) Parameters() []*autograd.Value {
	if m == nil || isNil(m.Net) {
		return nil
	}
	return m.Net.Parameters()
}

// SetTraining sets training mode (the default after NewModel: Dropout draws
// masks) or evaluation mode (Dropout is the identity) on every layer that
// has a mode, as PyTorch's train() and eval() do: the mode of forward passes
// on a graph of your own that leaves it to the layers (autograd.ModeDefault).
// The stock tools do not read or change it: the Trainer's graph trains
// (autograd.ModeTrain), and those of Evaluate, Predict and Probabilities
// evaluate (autograd.ModeEval), so that these may run at once on one model.
// A layer of your own that has a mode (ModeSetter) is the exception, as it
// may not read the graph's: evaluation sets it to evaluation mode and back,
// one evaluation at a time, and Fit to training mode and back.
func (m *Model) SetTraining(training bool) {
	if m.modeMu != nil {
		m.modeMu.Lock()
		defer m.modeMu.Unlock()
	}
	m.setTraining(training)
}

func (m *Model) setTraining(training bool) {
	m.training = training
	if s, ok := m.Net.(ModeSetter); ok {
		s.SetTraining(training)
	}
}

// Training reports whether the model is in training mode.
func (m *Model) Training() bool {
	if m.modeMu != nil {
		m.modeMu.Lock()
		defer m.modeMu.Unlock()
	}
	return m.training
}

// evaluating readies m for a forward pass in evaluation mode on a graph in
// autograd.ModeEval, and returns what undoes it. Only a model with a layer
// of its own that has a mode needs anything: it is set to evaluation mode,
// holding the lock until the returned function restores it.
func (m *Model) evaluating() (done func()) {
	if !m.ownModes || m.modeMu == nil {
		return func() {}
	}
	m.modeMu.Lock()
	was := m.training
	m.setTraining(false)
	return func() {
		m.setTraining(was)
		m.modeMu.Unlock()
	}
}

// check reports a model that NewModel did not make (a literal): the stock
// tools need its backend and widths.
func (m *Model) check(op string) error {
	if m == nil || m.b == nil || m.Net == nil || m.Inputs < 1 || m.Outputs < 1 || m.layouts == nil {
		return fmt.Errorf("nn: %s: the model was not made by NewModel (or Arch.Build, or Load)", op)
	}
	for _, p := range m.Parameters() {
		if p == nil || p.Tensor() == nil {
			return fmt.Errorf("nn: %s: the model was released (Release)", op)
		}
	}
	return nil
}

// String describes the model in one line: "2-64 tanh-32 relu-dropout 0.2-3"
// for a Sequential of built-in layers; a long one is cut with "…".
func (m *Model) String() string {
	if m == nil {
		return "<nil model>"
	}
	s := strconv.Itoa(m.Inputs)
	seq, ok := m.Net.(*Sequential)
	if gr, isGraph := m.Net.(*Graph); isGraph && gr != nil {
		return s + gr.describe()
	}
	if gp, isGPT := m.Net.(*GPT); isGPT && gp != nil {
		return gp.describe()
	}
	if !ok {
		return fmt.Sprintf("%d-(%T)-%d", m.Inputs, m.Net, m.Outputs)
	}
	var parts []string
	for _, l := range seq.Layers {
		parts = append(parts, describeLayer(l))
	}
	for i, p := range parts {
		if len(s) > 200 {
			return s + fmt.Sprintf(" … (%d layers)", len(parts))
		}
		if strings.HasPrefix(p, "-") || i == 0 {
			s += p
		} else {
			s += " " + p
		}
	}
	return strings.TrimSpace(s)
}

// describeLayer is a layer's part of Model.String: "-64" for a Linear,
// "tanh" for an activation.
func describeLayer(l Module) string {
	switch l := l.(type) {
	case *Linear:
		return "-" + strconv.Itoa(l.Out)
	case *Dropout:
		return "-dropout " + strconv.FormatFloat(l.P, 'g', -1, 64)
	case *Conv2D:
		return l.describe()
	case *MaxPool2D:
		return l.describe()
	case selfBuilder:
		return l.describe()
	case Softmax, *Softmax:
		return "softmax"
	case Flatten, *Flatten:
		return "-flatten"
	case *Sequential:
		return "-(sequential)"
	}
	if f, ok := activationOf(l); ok {
		return f.String()
	}
	return fmt.Sprintf("-(%T)", l)
}

// Release frees the parameters and their gradients on the backend and
// detaches them from the model's parameters, so that releasing twice, or
// releasing afterwards an optimiser that packed them (see Adam), frees nothing
// twice and allocates nothing. Packed parameters are views, whose Release
// does nothing: their memory is the optimiser's.
func (m *Model) Release() error {
	if m == nil || m.Net == nil || m.b == nil {
		return nil
	}
	disown(m)
	var errs []error
	for _, p := range m.Parameters() {
		if p == nil || p.Tensor() == nil {
			continue
		}
		errs = append(errs, autograd.ReleaseGrad(p), m.b.Release(p.Tensor()), p.SetTensors(nil, nil))
	}
	if gp, ok := m.Net.(*GPT); ok {
		errs = append(errs, gp.releasePositions(m.b))
	}
	return errors.Join(append(errs, m.releaseBuffers())...)
}
