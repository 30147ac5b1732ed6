package nn

import (
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"

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

// Sequential returns the network the architecture describes, its layers
// declared but not built (NewModel builds them): Linear, activation, …,
// Linear.
func (a Arch) Sequential() *Sequential {
	s := &Sequential{}
	for i, h := range append(append([]int(nil), a.Hidden...), a.Outputs) {
		s.Layers = append(s.Layers, &Linear{Out: h})
		if i < len(a.Hidden) {
			s.Layers = append(s.Layers, Activation{F: a.Activation})
		}
	}
	return s
}

// Spec describes the architecture as a Spec.
func (a Arch) Spec() Spec {
	s := Spec{Inputs: a.Inputs, Outputs: a.Outputs}
	in := a.Inputs
	for i, h := range append(append([]int(nil), a.Hidden...), a.Outputs) {
		s.Layers = append(s.Layers, LayerSpec{Type: "linear", In: in, Out: h})
		if i < len(a.Hidden) {
			s.Layers = append(s.Layers, ActivationSpec(a.Activation))
		}
		in = h
	}
	return s
}

// Build creates the network on b, its weights drawn from seed with the
// initialiser InitFor gives each layer's following activation (Xavier for
// the output layer), its biases zero: NewModel(b, a.Sequential(),
// a.Inputs, seed).
func (a Arch) Build(b backend.Backend, seed uint64) (*Model, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	return NewModel(b, a.Sequential(), a.Inputs, seed)
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
