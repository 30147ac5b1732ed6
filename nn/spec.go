package nn

import (
	"fmt"
	"slices"
	"strconv"

	"gltrain/backend"
)

// LayerSpec describes a built-in layer as a checkpoint records it (JSON in
// its metadata), so that Load rebuilds the model without code. Type is
// "linear", an activation's name ("relu", "leakyrelu", "gelu-tanh", …, as
// backend.ParseActivation reads them), "dropout", "softmax", "flatten",
// "layernorm", "batchnorm" (In features, or images C×H×W), "avgpool2d",
// "globalavgpool", "embedding", "sequential", "residual" (its one inner
// layer, f, in Layers) or "graph" (its nodes in Layers, each with its Name
// and Inputs, a merge's Type "add", "mul" or "concat").
type LayerSpec struct {
	Type  string  `json:"type"`
	In    int     `json:"in,omitempty"`    // linear, layernorm, batchnorm after features; embedding's vocabulary
	Out   int     `json:"out,omitempty"`   // linear; embedding's dimension
	Alpha float32 `json:"alpha,omitempty"` // an activation's first parameter (leakyrelu's slope, elu's α, softplus's β); 0: the default
	// Params holds an activation's other parameters by name (softplus's
	// "threshold"); a parameter left out takes its default.
	Params map[string]float32 `json:"params,omitempty"`
	P      float64            `json:"p,omitempty"`      // dropout
	Seed   uint64             `json:"seed,omitempty"`   // dropout's masks
	Layers []LayerSpec        `json:"layers,omitempty"` // sequential; residual's f; graph's nodes
	Name   string             `json:"name,omitempty"`   // a graph node's name
	Inputs []string           `json:"inputs,omitempty"` // a graph node's inputs
	// conv2d, maxpool2d, avgpool2d, globalavgpool and batchnorm after images: the input image (C, H, W), the window and the
	// stride; conv2d's filters are Out, its padding Pad.
	C      int `json:"c,omitempty"`
	H      int `json:"h,omitempty"`
	W      int `json:"w,omitempty"`
	KH     int `json:"kh,omitempty"`
	KW     int `json:"kw,omitempty"`
	Stride int `json:"stride,omitempty"`
	Pad    int `json:"pad,omitempty"`
}

// Spec describes a model of built-in layers without building it: what a
// checkpoint's "model" field records, and what the train command makes of
// its flags. Every Linear states its In.
type Spec struct {
	Inputs  int         `json:"inputs"`
	Outputs int         `json:"outputs"`
	Image   *Image      `json:"image,omitempty"` // the input images' shape, for a model of images
	Layers  []LayerSpec `json:"layers,omitempty"`
	// Net is "graph" when the network is a Graph, Layers its nodes; "gpt"
	// when it is a GPT of config GPT; "" when it is a Sequential of Layers.
	Net string     `json:"net,omitempty"`
	GPT *GPTConfig `json:"gpt,omitempty"`
	// Custom names the Go type of the first layer that is not built in;
	// such a model is saved without Layers and loaded with LoadInto.
	Custom string `json:"custom,omitempty"`
}

// SpecOf describes m's network: its Custom field is set when a layer is
// not built in (or the network is not a Sequential).
func SpecOf(m *Model) Spec {
	if m == nil {
		return Spec{}
	}
	s := Spec{Inputs: m.Inputs, Outputs: m.Outputs, Image: m.Image}
	if gr, ok := m.Net.(*Graph); ok {
		return graphModelSpec(s, gr)
	}
	if gp, ok := m.Net.(*GPT); ok {
		c := gp.Config
		s.Net, s.GPT = "gpt", &c
		return s
	}
	seq, ok := m.Net.(*Sequential)
	if !ok {
		s.Custom = fmt.Sprintf("%T", m.Net)
		return s
	}
	ls, custom := specOf(seq)
	if custom != "" {
		s.Custom = custom
		return s
	}
	s.Layers = ls.Layers
	return s
}

// Check validates every layer and that they fit together from Inputs to
// Outputs, allocating nothing.
func (s Spec) Check() error {
	_, err := s.network(func(string, []int) {})
	return err
}

// Build creates the model on b, its weights drawn from seed (see NewModel).
func (s Spec) Build(b backend.Backend, seed uint64) (*Model, error) {
	net, err := s.network(func(string, []int) {})
	if err != nil {
		return nil, fmt.Errorf("nn: %w", err)
	}
	if s.Image != nil && !s.Image.holds(s.Inputs) {
		return nil, fmt.Errorf("nn: the model takes images of %v, %d values, and %d inputs", *s.Image, s.Image.Len(), s.Inputs)
	}
	return newModel(b, net, s.Inputs, s.Image, seed)
}

// Params is the number of parameters, a float64 so that no spec overflows
// it; Widths the sum of the layers' output widths and the input width (the
// activations a step holds per sample, before and after each activation
// counted once).
func (s Spec) Params() (params, widths float64) {
	widths = float64(s.Inputs)
	var walk func(ls []LayerSpec)
	walk = func(ls []LayerSpec) {
		for _, l := range ls {
			switch l.Type {
			case "linear":
				params += float64(l.In)*float64(l.Out) + float64(l.Out)
				widths += float64(l.Out)
			case "conv2d":
				g := backend.Conv2D{C: l.C, H: l.H, W: l.W, K: l.Out, KH: l.KH, KW: l.KW, Stride: max(l.Stride, 1), Pad: l.Pad}
				params += float64(g.K)*float64(g.Patch()) + float64(g.K)
				widths += float64(g.K) * float64(g.OutH()) * float64(g.OutW())
			case "maxpool2d":
				p := backend.Pool2D{C: l.C, H: l.H, W: l.W, KH: l.KH, KW: l.KW, Stride: max(l.Stride, 1)}
				widths += float64(p.C) * float64(p.OutH()) * float64(p.OutW())
			case "layernorm":
				params += 2 * float64(l.In)
				widths += float64(l.In)
			case "batchnorm":
				params += 2 * float64(max(l.In, l.C))
				widths += float64(max(l.In, l.C*l.H*l.W))
			case "avgpool2d":
				p := backend.Pool2D{C: l.C, H: l.H, W: l.W, KH: l.KH, KW: l.KW, Stride: max(l.Stride, 1)}
				widths += float64(p.C) * float64(p.OutH()) * float64(p.OutW())
			case "globalavgpool":
				widths += float64(l.C)
			case "embedding":
				params += float64(l.In) * float64(l.Out)
				widths += float64(l.Out)
			case "sequential", "residual", "graph":
				walk(l.Layers)
			}
		}
	}
	walk(s.Layers)
	if s.GPT != nil {
		params, widths = s.GPT.footprint()
	}
	return params, widths
}

// network declares the layers, checking them; params receives each
// parameter's name and held shape, in order.
func (s Spec) network(params func(name string, saved []int)) (Module, error) {
	if s.Custom != "" {
		return nil, fmt.Errorf("the model has a layer of its own type (%s)", excerpt(s.Custom))
	}
	if s.Net == "gpt" {
		return gptNetwork(s, params)
	}
	if s.Net != "" {
		return graphNetwork(s, params)
	}
	seq := &Sequential{}
	count := 0
	in := s.Inputs
	for i, ls := range s.Layers {
		l, out, err := specModule(ls, in, strconv.Itoa(i), &count, params)
		if err != nil {
			return nil, err
		}
		seq.Layers, in = append(seq.Layers, l), out
	}
	if in != s.Outputs {
		return nil, fmt.Errorf("the layers give %d outputs, the model says %d", in, s.Outputs)
	}
	return seq, nil
}

// specOf describes mod; ok is false, with the type's name, for a module
// that is not built in (or holds one).
func specOf(mod Module) (s LayerSpec, custom string) {
	switch l := mod.(type) {
	case *Sequential:
		s.Type = "sequential"
		for _, layer := range l.Layers {
			ls, c := specOf(layer)
			if c != "" {
				return s, c
			}
			s.Layers = append(s.Layers, ls)
		}
		return s, ""
	case *Residual:
		return residualSpec(l)
	case *Graph:
		return graphSpec(l)
	case *GPT:
		return s, "nn.GPT inside another module (a GPT is saved as the whole network)"
	case *Linear:
		return LayerSpec{Type: "linear", In: l.In, Out: l.Out}, ""
	case *Dropout:
		return LayerSpec{Type: "dropout", P: l.P, Seed: l.Seed}, ""
	case Softmax, *Softmax:
		return LayerSpec{Type: "softmax"}, ""
	case Flatten, *Flatten:
		return LayerSpec{Type: "flatten"}, ""
	case *Conv2D:
		g := l.Geom
		return LayerSpec{Type: "conv2d", C: g.C, H: g.H, W: g.W, Out: g.K, KH: g.KH, KW: g.KW, Stride: g.Stride, Pad: g.Pad}, ""
	case *MaxPool2D:
		p := l.Geom
		return LayerSpec{Type: "maxpool2d", C: p.C, H: p.H, W: p.W, KH: p.KH, KW: p.KW, Stride: p.Stride}, ""
	case selfBuilder:
		return l.spec(), ""
	}
	if f, ok := activationOf(mod); ok {
		return ActivationSpec(f), ""
	}
	return s, fmt.Sprintf("%T", mod)
}

// maxSpecLayers bounds the layers a checkpoint may describe.
const maxSpecLayers = 10000

// specModule is the layer s describes, declared (NewModel builds it); path
// names it in errors. It checks every field, and that the layers fit
// together on inputs of width in, returning the output width; params
// receives each parameter's name and held shape in order, so that a
// checkpoint's tensors can be checked before anything is allocated.
func specModule(s LayerSpec, in int, path string, count *int, params func(name string, saved []int)) (Module, int, error) {
	if *count++; *count > maxSpecLayers {
		return nil, 0, fmt.Errorf("more than %d layers", maxSpecLayers)
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("layer %s (%s): %s", path, excerpt(s.Type), fmt.Sprintf(format, args...))
	}
	if s.Name != "" || s.Inputs != nil {
		return nil, 0, bad("a name and inputs, which only a graph's node has")
	}
	switch s.Type {
	case "sequential":
		seq := &Sequential{}
		for i, ls := range s.Layers {
			l, out, err := specModule(ls, in, path+"."+strconv.Itoa(i), count, params)
			if err != nil {
				return nil, 0, err
			}
			seq.Layers, in = append(seq.Layers, l), out
		}
		return seq, in, nil
	case "linear":
		if s.Out < 1 || s.In != in {
			return nil, 0, bad("%d→%d after a layer of width %d", s.In, s.Out, in)
		}
		params(path+".weight", []int{s.Out, s.In})
		params(path+".bias", []int{s.Out})
		return &Linear{Out: s.Out}, s.Out, nil
	case "dropout":
		if !validDropout(s.P) {
			return nil, 0, bad("probability %v: want 0 ≤ p < 1", s.P)
		}
		return &Dropout{P: s.P, Seed: s.Seed}, in, nil
	case "conv2d":
		g := backend.Conv2D{C: s.C, H: s.H, W: s.W, K: s.Out, KH: s.KH, KW: s.KW, Stride: s.Stride, Pad: s.Pad}
		if err := g.Check("conv2d"); err != nil {
			return nil, 0, bad("%v", err)
		}
		if g.In() != in {
			return nil, 0, bad("input %dx%dx%d after a layer of width %d", g.C, g.H, g.W, in)
		}
		params(path+".weight", []int{g.K, g.C, g.KH, g.KW})
		params(path+".bias", []int{g.K})
		return &Conv2D{Out: g.K, KH: g.KH, KW: g.KW, Stride: g.Stride, Pad: g.Pad, Geom: g}, g.Out(), nil
	case "maxpool2d":
		p := backend.Pool2D{C: s.C, H: s.H, W: s.W, KH: s.KH, KW: s.KW, Stride: s.Stride}
		if err := p.Check("maxpool2d"); err != nil {
			return nil, 0, bad("%v", err)
		}
		if p.In() != in {
			return nil, 0, bad("input %dx%dx%d after a layer of width %d", p.C, p.H, p.W, in)
		}
		return &MaxPool2D{KH: p.KH, KW: p.KW, Stride: p.Stride, Geom: p}, p.Out(), nil
	case "residual":
		return residualModule(s, in, path, count, params)
	case "graph":
		return graphModule(s, in, path, count, params)
	case "layernorm", "avgpool2d", "globalavgpool", "embedding":
		return layerSpecModule(s, in, path, params)
	case "causal_self_attention":
		return attentionSpecModule(s, in, path, params)
	case "batchnorm":
		return batchNormSpecModule(s, in, path, params)
	case "softmax":
		return Softmax{}, in, nil
	case "flatten":
		return Flatten{}, in, nil
	}
	if len(s.Type) > 32 {
		return nil, 0, bad("unknown layer type")
	}
	f, err := backend.ParseActivation(s.Type)
	if err != nil || f.String() != s.Type {
		return nil, 0, bad("unknown layer type")
	}
	if f, err = activationParams(f, s); err != nil {
		return nil, 0, bad("%v", err)
	}
	return Activation{F: f}, in, nil
}

// ActivationSpec is the layer spec of the activation f: its name, its first
// parameter as alpha (the key checkpoints have always used) and the others
// by name, each only when it is not the default.
func ActivationSpec(f backend.Activation) LayerSpec {
	s := LayerSpec{Type: f.Kind.String(), Alpha: f.Params[0]}
	for i, p := range f.Kind.Def().Params {
		if i > 0 && f.Params[i] != 0 {
			if s.Params == nil {
				s.Params = map[string]float32{}
			}
			s.Params[p.Name] = f.Params[i]
		}
	}
	return s
}

// activationParams sets f's parameters from s, as ActivationSpec writes
// them, validating each.
func activationParams(f backend.Activation, s LayerSpec) (backend.Activation, error) {
	defs := f.Kind.Def().Params
	if s.Alpha != 0 && len(defs) == 0 {
		return f, fmt.Errorf("%v takes no parameter (alpha %v)", f.Kind, s.Alpha)
	}
	f.Params[0] = s.Alpha
	if len(s.Params) > backend.MaxActivationParams {
		return f, fmt.Errorf("%d params", len(s.Params))
	}
	for name, v := range s.Params {
		i := slices.IndexFunc(defs, func(p backend.ParamDef) bool { return p.Name == name })
		if i < 1 {
			return f, fmt.Errorf("%v has no parameter %q in params", f.Kind, excerpt(name))
		}
		f.Params[i] = v
	}
	if err := backend.CheckActivation("params", f); err != nil {
		return f, err
	}
	return f, nil
}

// String describes the model as Model.String does: "2-64 tanh-32 relu-3".
func (s Spec) String() string {
	net, err := s.network(func(string, []int) {})
	if err != nil {
		return fmt.Sprintf("%d-(invalid layers)-%d", s.Inputs, s.Outputs)
	}
	return (&Model{Net: net, Inputs: s.Inputs, Outputs: s.Outputs}).String()
}
