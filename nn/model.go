package nn

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"

	"gltrain/autograd"
	"gltrain/backend"
)

// Arch describes a multilayer perceptron: Inputs features, a Linear layer
// and the activation per hidden size, and a Linear output layer of Outputs
// scores. It is what a checkpoint records to rebuild the model.
type Arch struct {
	Inputs     int
	Hidden     []int
	Outputs    int
	Activation backend.Activation
}

// MLP describes a network in→hidden[0]→…→out with activation act after each
// hidden layer: MLP(2, []int{100}, 3, nn.ReLU) is the 2-layer net of the
// course notes; MLP(in, nil, out, nn.Identity) the linear classifier.
func MLP(in int, hidden []int, out int, act backend.Activation) Arch {
	return Arch{Inputs: in, Hidden: append([]int(nil), hidden...), Outputs: out, Activation: act}
}

// String formats the architecture as "2-100-3 relu" ("2-3 linear" without
// hidden layers). More than 16 hidden layers are counted rather than listed,
// "2-(1000 hidden layers)-3 relu", so that a message stays one short line.
func (a Arch) String() string {
	if len(a.Hidden) > 16 {
		return fmt.Sprintf("%d-(%d hidden layers)-%d %v", a.Inputs, len(a.Hidden), a.Outputs, a.Activation)
	}
	s := fmt.Sprint(a.Inputs)
	for _, h := range a.Hidden {
		s += fmt.Sprintf("-%d", h)
	}
	s += fmt.Sprintf("-%d", a.Outputs)
	if len(a.Hidden) == 0 {
		return s + " linear"
	}
	return s + " " + a.Activation.String()
}

// Validate checks the sizes and the activation.
func (a Arch) Validate() error {
	if a.Inputs < 1 || a.Outputs < 1 {
		return fmt.Errorf("nn: architecture %v: inputs and outputs must be at least 1", a)
	}
	for i, h := range a.Hidden {
		if h < 1 {
			return fmt.Errorf("nn: architecture %v: hidden layer %d has %d units", a, i, h)
		}
	}
	if !a.Activation.Kind.Valid() {
		return fmt.Errorf("nn: architecture: unknown activation %v", a.Activation.Kind)
	}
	return nil
}

// archJSON is Arch as a checkpoint header stores it.
type archJSON struct {
	Type       string `json:"type"`
	Inputs     int    `json:"inputs"`
	Hidden     []int  `json:"hidden"`
	Outputs    int    `json:"outputs"`
	Activation string `json:"activation"`
}

// MarshalJSON writes {"type":"mlp","inputs":2,"hidden":[100],"outputs":3,"activation":"relu"}.
func (a Arch) MarshalJSON() ([]byte, error) {
	h := a.Hidden
	if h == nil {
		h = []int{}
	}
	return json.Marshal(archJSON{Type: "mlp", Inputs: a.Inputs, Hidden: h, Outputs: a.Outputs, Activation: a.Activation.String()})
}

// UnmarshalJSON reads what MarshalJSON writes, validating it.
func (a *Arch) UnmarshalJSON(data []byte) error {
	var j archJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return fmt.Errorf("nn: architecture: %w", err)
	}
	if j.Type != "mlp" {
		return fmt.Errorf("nn: architecture type %s: only \"mlp\" is known", excerpt(j.Type))
	}
	if len(j.Activation) > 64 { // ParseActivation's error would quote it whole
		return fmt.Errorf("nn: architecture: unknown activation %s", excerpt(j.Activation))
	}
	act, err := backend.ParseActivation(j.Activation)
	if err != nil {
		return fmt.Errorf("nn: architecture: %w", err)
	}
	*a = Arch{Inputs: j.Inputs, Hidden: j.Hidden, Outputs: j.Outputs, Activation: act}
	return a.Validate()
}

// Model is a network built on a backend: its layers and their parameters.
type Model struct {
	Arch Arch
	Net  *Sequential
	b    backend.Backend
}

// Build creates the network on b, its weights drawn from seed with the
// initialiser InitFor gives each layer's following activation (Xavier for
// the output layer), its biases zero.
func (a Arch) Build(b backend.Backend, seed uint64) (*Model, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	if b == nil {
		return nil, fmt.Errorf("nn: build %v: nil backend", a)
	}
	m := &Model{Arch: a, Net: &Sequential{}, b: b}
	sizes := append(append([]int{a.Inputs}, a.Hidden...), a.Outputs)
	for i := 0; i+1 < len(sizes); i++ {
		last := i+2 == len(sizes)
		init := InitFor(a.Activation)
		if last {
			init = InitFor(Identity)
		}
		idx := len(m.Net.Layers)
		l, err := NewLinear(b, sizes[i], sizes[i+1], init, paramSeed(seed, i), fmt.Sprintf("layers.%d.", idx))
		if err != nil {
			m.Release()
			return nil, err
		}
		m.Net.Layers = append(m.Net.Layers, l)
		if !last {
			m.Net.Layers = append(m.Net.Layers, Activation{F: a.Activation})
		}
	}
	return m, nil
}

// Backend is the backend the model's parameters live on.
func (m *Model) Backend() backend.Backend { return m.b }

// Forward computes the scores (batch×Outputs) of x (batch×Inputs).
func (m *Model) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return m.Net.Forward(g, x)
}

// Parameters lists the parameters: layers.0.weight, layers.0.bias, ….
func (m *Model) Parameters() []*autograd.Value { return m.Net.Parameters() }

// NamedTensor is a parameter's contents on the host.
type NamedTensor struct {
	Name  string
	Shape backend.Shape
	Data  []float32
}

// State downloads every parameter, in order.
func (m *Model) State() ([]NamedTensor, error) {
	var out []NamedTensor
	for _, p := range m.Parameters() {
		data, err := backend.ToHost(m.b, p.Tensor())
		if err != nil {
			return nil, fmt.Errorf("nn: state of %s: %w", p.Name(), err)
		}
		out = append(out, NamedTensor{Name: p.Name(), Shape: p.Shape(), Data: data})
	}
	return out, nil
}

// LoadState uploads saved parameters into the model. Every parameter must
// be present with its shape; extra tensors are an error too, so that a
// checkpoint of another architecture is refused rather than half loaded.
// The error is one line: the first mismatch and how many more there are.
func (m *Model) LoadState(state []NamedTensor) error {
	params := m.Parameters()
	err := checkState(state, len(params), func(i int) (string, backend.Shape) { return params[i].Name(), params[i].Shape() })
	if err != nil {
		return fmt.Errorf("nn: load state: %w", err)
	}
	byName := make(map[string]NamedTensor, len(state))
	for _, t := range state {
		byName[t.Name] = t
	}
	for _, p := range params {
		if err := m.b.Upload(p.Tensor(), byName[p.Name()].Data); err != nil {
			return fmt.Errorf("nn: load %s: %w", p.Name(), err)
		}
	}
	return nil
}

// CheckState checks saved parameters against the architecture without
// building it, so that a checkpoint whose architecture disagrees with its
// tensors is refused before anything is allocated: the names and shapes
// Build would give (layers.0.weight in×out, layers.0.bias 1×out, then
// layers.2.…, the odd indices being the activations) must be exactly the
// tensors given. The error is one line: the first mismatch and how many
// more there are.
func (a Arch) CheckState(state []NamedTensor) error {
	if err := a.Validate(); err != nil {
		return err
	}
	sizes := len(a.Hidden) + 1
	err := checkState(state, 2*sizes, func(i int) (string, backend.Shape) {
		layer := i / 2
		in, out := a.Inputs, a.Outputs
		if layer > 0 {
			in = a.Hidden[layer-1]
		}
		if layer < len(a.Hidden) {
			out = a.Hidden[layer]
		}
		if i%2 == 0 {
			return fmt.Sprintf("layers.%d.weight", 2*layer), backend.Shape{Rows: in, Cols: out}
		}
		return fmt.Sprintf("layers.%d.bias", 2*layer), backend.Shape{Rows: 1, Cols: out}
	})
	if err != nil {
		return fmt.Errorf("nn: state of a %s: %w", a, err)
	}
	return nil
}

// checkState compares state with n parameters, the i-th named and shaped as
// param(i) says, without allocating per parameter: the error names the
// first mismatch and counts the others.
func checkState(state []NamedTensor, n int, param func(i int) (string, backend.Shape)) error {
	byName := make(map[string]NamedTensor, len(state))
	for _, t := range state {
		byName[t.Name] = t
	}
	var first error
	count := 0
	note := func(format string, args ...any) { // formats only the first
		if first == nil {
			first = fmt.Errorf(format, args...)
		}
		count++
	}
	found := make(map[string]bool, min(n, len(byName))) // at most the state's size
	for i := 0; i < n; i++ {
		name, shape := param(i)
		t, ok := byName[name]
		switch {
		case !ok:
			note("%s is missing", name)
			continue
		case t.Shape != shape || len(t.Data) != shape.Len():
			note("%s is %v (%d values), the model's is %v", name, t.Shape, len(t.Data), shape)
		}
		found[name] = true
	}
	for name := range byName {
		if !found[name] {
			count++
		}
	}
	if first == nil && count > 0 { // name the first tensor, in file order, that is no parameter
		for _, t := range state {
			if !found[t.Name] {
				first = fmt.Errorf("%s is not a parameter of the model", excerpt(t.Name))
				break
			}
		}
	}
	if len(byName) != len(state) {
		note("%d tensors have the same name as another", len(state)-len(byName))
	}
	switch {
	case count == 0:
		return nil
	case count == 1:
		return first
	}
	return fmt.Errorf("%w (and %d more mismatches)", first, count-1)
}

// Release frees the parameters and their gradients on the backend and
// detaches them from the model's parameters, so that releasing twice, or
// releasing afterwards an optimiser that packed them (see Adam), frees nothing
// twice and allocates nothing. Packed parameters are views, whose Release
// does nothing: their memory is the optimiser's.
func (m *Model) Release() error {
	var errs []error
	for _, p := range m.Parameters() {
		errs = append(errs, autograd.ReleaseGrad(p), m.b.Release(p.Tensor()), p.SetTensors(nil, nil))
	}
	return errors.Join(errs...)
}

// excerpt quotes s for a message, cut to its first 32 bytes (whole runes)
// and marked "…" when longer: a checkpoint's names and fields can be long.
func excerpt(s string) string {
	if len(s) <= 32 {
		return strconv.Quote(s)
	}
	cut := 32
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "…"
}
