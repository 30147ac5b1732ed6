package nn

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"gltrain/autograd"
)

var _ selfBuilder = (*Graph)(nil)

// Graph is a module whose forward pass is a directed acyclic graph of
// named nodes, as a Keras functional model or a torch.fx GraphModule is:
// each node applies a layer to one input, or merges several, and the last
// node is the output. An input is "x" (GraphInput, the graph's input) or
// the name of an earlier node; every node but the last must be some later
// node's input. A two-branch network:
//
//	&nn.Graph{Nodes: []nn.Node{
//		{Name: "deep", Inputs: []string{"x"}, Layer: nn.Seq(&nn.Linear{Out: 16}, nn.Act(nn.ReLU), &nn.Linear{Out: 8})},
//		{Name: "wide", Inputs: []string{"x"}, Layer: &nn.Linear{Out: 8}},
//		{Name: "both", Inputs: []string{"deep", "wide"}, Merge: nn.MergeConcat},
//		{Name: "head", Inputs: []string{"both"}, Layer: &nn.Linear{Out: 3}},
//	}}
//
// A node's layer is any module; NewModel builds it for the width (and
// image shape) of its input. Its parameters are named as PyTorch names
// those of a module holding each node's layer as an attribute of the
// node's name: "head.weight" for a Graph that is the network,
// "1.deep.0.weight" for the Sequential of node "deep" of a Graph at
// position 1 of a Sequential. A Graph of built-in layers (Sequential,
// Residual and Graph among them) is saved as layer type "graph", its nodes
// in order, so that Load rebuilds it.
type Graph struct{ Nodes []Node }

// GraphInput is the name by which a node takes the graph's input.
const GraphInput = "x"

// Node is a node of a Graph: a layer applied to its one input, or a merge
// of two or more. Name is 1 to 64 ASCII letters, digits and underscores,
// starting with a letter, and not "x" (a Python identifier, so that a
// PyTorch module can hold the layer under it).
type Node struct {
	Name   string
	Inputs []string
	Layer  Module // nil for a merge
	Merge  Merge  // "" for a layer
}

// Merge is how a Graph node combines its inputs.
type Merge string

// The merges. Add and Mul take inputs of one width and keep it (and the
// image shape, when they are images of one shape); Concat puts its inputs
// side by side, its width their widths' sum: for images of one height and
// width, the channels of one image after the other's, as PyTorch's
// torch.cat(xs, dim=1) on NCHW does, and flat features otherwise.
//
//	add:    y = x₀ + x₁ + …
//	mul:    y = x₀ ⊙ x₁ ⊙ …
//	concat: y = [x₀ x₁ …]
const (
	MergeAdd    Merge = "add"
	MergeMul    Merge = "mul"
	MergeConcat Merge = "concat"
)

// maxNodeName bounds a node's name.
const maxNodeName = 64

// Forward evaluates the nodes in order and returns the last one's value. A
// graph whose nodes do not fit together records an error on g (NewModel
// says so first).
func (gr *Graph) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	plan, err := gr.plan()
	if err != nil {
		return g.Fail(fmt.Errorf("nn: %w", err))
	}
	vals := make([]*autograd.Value, len(gr.Nodes))
	ins := make([]*autograd.Value, 0, 4)
	for i, n := range gr.Nodes {
		ins = ins[:0]
		for _, j := range plan[i] {
			if j < 0 {
				ins = append(ins, x)
			} else {
				ins = append(ins, vals[j])
			}
		}
		switch n.Merge {
		case "":
			vals[i] = n.Layer.Forward(g, ins[0])
		case MergeConcat:
			vals[i] = g.ConcatCols(ins...)
		case MergeAdd, MergeMul:
			y := ins[0]
			for _, v := range ins[1:] {
				if n.Merge == MergeAdd {
					y = g.Add(y, v)
				} else {
					y = g.Mul(y, v)
				}
			}
			vals[i] = y
		}
	}
	return vals[len(vals)-1]
}

// Parameters lists the parameters of every node's layer, in node order.
func (gr *Graph) Parameters() []*autograd.Value {
	if gr == nil {
		return nil
	}
	var ps []*autograd.Value
	for _, n := range gr.Nodes {
		if !isNil(n.Layer) {
			ps = append(ps, n.Layer.Parameters()...)
		}
	}
	return ps
}

// SetTraining sets the mode of every node's layer that has one.
func (gr *Graph) SetTraining(training bool) {
	if gr == nil {
		return
	}
	for _, n := range gr.Nodes {
		if m, ok := n.Layer.(ModeSetter); ok && !isNil(n.Layer) {
			m.SetTraining(training)
		}
	}
}

// plan checks the nodes and returns, for each, the indices of its inputs
// (-1 for the graph's input).
func (gr *Graph) plan() ([][]int, error) {
	if gr == nil || len(gr.Nodes) == 0 {
		return nil, errors.New("graph: no nodes")
	}
	index := make(map[string]int, len(gr.Nodes))
	used := make([]bool, len(gr.Nodes))
	plan := make([][]int, len(gr.Nodes))
	for i, n := range gr.Nodes {
		bad := func(format string, args ...any) error {
			return fmt.Errorf("graph node %d %s: %s", i, excerpt(n.Name), fmt.Sprintf(format, args...))
		}
		if err := checkNodeName(n.Name); err != nil {
			return nil, bad("%v", err)
		}
		if j, dup := index[n.Name]; dup {
			return nil, bad("node %d has that name too", j)
		}
		switch {
		case n.Merge == "" && isNil(n.Layer):
			return nil, bad("no layer and no merge")
		case n.Merge != "" && !isNil(n.Layer):
			return nil, bad("a layer and a merge (%s): a node is one or the other", excerpt(string(n.Merge)))
		case n.Merge == "" && len(n.Inputs) != 1:
			return nil, bad("a layer takes one input, and the node has %d", len(n.Inputs))
		case n.Merge != "" && n.Merge != MergeAdd && n.Merge != MergeMul && n.Merge != MergeConcat:
			return nil, bad("unknown merge %s: want add, mul or concat", excerpt(string(n.Merge)))
		case n.Merge != "" && (len(n.Inputs) < 2 || len(n.Inputs) > maxSpecLayers):
			return nil, bad("%s merges 2 to %d inputs, and the node has %d", n.Merge, maxSpecLayers, len(n.Inputs))
		}
		for _, in := range n.Inputs {
			if in == GraphInput {
				plan[i] = append(plan[i], -1)
				continue
			}
			j, ok := index[in]
			switch {
			case ok:
				used[j] = true
				plan[i] = append(plan[i], j)
			case in == n.Name:
				return nil, bad("takes its own output: a graph has no cycles")
			case gr.has(in):
				return nil, bad("input %s is a later node: a node comes after its inputs, and a graph has no cycles", excerpt(in))
			default:
				return nil, bad("unknown input %s: want %q or an earlier node's name", excerpt(in), GraphInput)
			}
		}
		index[n.Name] = i
	}
	for i, u := range used[:len(used)-1] {
		if !u {
			return nil, fmt.Errorf("graph node %d %s: no later node takes it, and only the last node is the output", i, excerpt(gr.Nodes[i].Name))
		}
	}
	return plan, nil
}

// has reports whether a node is named name.
func (gr *Graph) has(name string) bool {
	for _, n := range gr.Nodes {
		if n.Name == name {
			return true
		}
	}
	return false
}

// checkNodeName checks that s names a node: a Python identifier of ASCII
// letters, digits and underscores, starting with a letter, other than "x".
func checkNodeName(s string) error {
	if s == "" || len(s) > maxNodeName {
		return fmt.Errorf("a name of %d bytes: want 1 to %d", len(s), maxNodeName)
	}
	if s == GraphInput {
		return fmt.Errorf("%q names the graph's input", GraphInput)
	}
	for i, c := range []byte(s) {
		letter := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
		if !letter && (i == 0 || c != '_' && (c < '0' || c > '9')) {
			return errors.New("want ASCII letters, digits and underscores, starting with a letter")
		}
	}
	return nil
}

// merged is the width and image shape of a merge of inputs of widths ws
// and shapes imgs (nil for flat features).
func merged(m Merge, names []string, ws []int, imgs []*Image) (int, *Image, error) {
	if m == MergeConcat {
		w, img := 0, imgs[0]
		for i := range ws {
			w += ws[i]
			if img != nil && imgs[i] != nil && imgs[i].H == img.H && imgs[i].W == img.W {
				if i > 0 {
					img = &Image{C: img.C + imgs[i].C, H: img.H, W: img.W}
				}
			} else {
				img = nil
			}
		}
		return w, img, nil
	}
	img := imgs[0]
	for i := range ws {
		if ws[i] != ws[0] {
			return 0, nil, fmt.Errorf("%s of %s (%d values) and %s (%d values): %s needs inputs of one width", m, excerpt(names[0]), ws[0], excerpt(names[i]), ws[i], m)
		}
		if img != nil && (imgs[i] == nil || *imgs[i] != *img) {
			img = nil
		}
	}
	return ws[0], img, nil
}

func (gr *Graph) buildLayer(bd *builder, in int, prefix string) (int, error) {
	plan, err := gr.plan()
	if err != nil {
		return 0, fmt.Errorf("nn: layer %s: %w", layerName(prefix), err)
	}
	widths, imgs := make([]int, len(gr.Nodes)), make([]*Image, len(gr.Nodes))
	x := bd.img
	for i, n := range gr.Nodes {
		ws, is := make([]int, len(plan[i])), make([]*Image, len(plan[i]))
		for k, j := range plan[i] {
			ws[k], is[k] = in, x
			if j >= 0 {
				ws[k], is[k] = widths[j], imgs[j]
			}
		}
		if n.Merge != "" {
			if widths[i], imgs[i], err = merged(n.Merge, n.Inputs, ws, is); err != nil {
				return 0, fmt.Errorf("nn: layer %s: graph node %d %s: %w", layerName(prefix), i, excerpt(n.Name), err)
			}
			continue
		}
		bd.img = is[0]
		if widths[i], err = bd.module(n.Layer, ws[0], prefix+n.Name+".", nil); err != nil {
			return 0, err
		}
		imgs[i] = bd.img
	}
	bd.img = imgs[len(imgs)-1]
	return widths[len(widths)-1], nil
}

// describe is "-graph(deep: x-16 relu-8; wide: x-8; both: concat(deep, wide); head: both-3)".
func (gr *Graph) describe() string {
	if gr == nil {
		return "-(nil graph)"
	}
	var parts []string
	for _, n := range gr.Nodes {
		in := strings.Join(n.Inputs, ", ")
		if n.Merge != "" {
			parts = append(parts, fmt.Sprintf("%s: %s(%s)", n.Name, n.Merge, in))
			continue
		}
		d := describeInner(n.Layer)
		if !strings.HasPrefix(d, "-") {
			d = " " + d
		}
		parts = append(parts, n.Name+": "+in+d)
	}
	s := strings.Join(parts, "; ")
	if len(s) > 400 {
		s = s[:strings.LastIndex(s[:400], ";")+1] + fmt.Sprintf(" … (%d nodes)", len(gr.Nodes))
	}
	return "-graph(" + s + ")"
}

// describeInner is a layer's description inside a Residual or a Graph:
// "-16 relu-8" for a Sequential of built-in layers.
func describeInner(l Module) string {
	seq, ok := l.(*Sequential)
	if !ok || seq == nil {
		return describeLayer(l)
	}
	s := ""
	for _, l := range seq.Layers {
		if d := describeLayer(l); strings.HasPrefix(d, "-") || s == "" {
			s += d
		} else {
			s += " " + d
		}
	}
	return s
}

// spec is the layer spec of a Graph of built-in layers; specOf asks
// graphSpec, which also reports a custom layer in it.
func (gr *Graph) spec() LayerSpec {
	s, _ := graphSpec(gr)
	return s
}

// graphSpec describes gr, its nodes in order (a merge's type is its
// Merge), or names the type of a custom module in it.
func graphSpec(gr *Graph) (LayerSpec, string) {
	s := LayerSpec{Type: "graph"}
	for _, n := range gr.Nodes {
		ns := LayerSpec{Type: string(n.Merge)}
		if n.Merge == "" {
			var custom string
			if ns, custom = specOf(n.Layer); custom != "" {
				return LayerSpec{}, custom
			}
		}
		ns.Name, ns.Inputs = n.Name, n.Inputs
		s.Layers = append(s.Layers, ns)
	}
	return s, ""
}

// graphModule declares the graph s describes (specModule's case): its
// nodes, a merge's type its Merge, each layer declared for the width of
// its input, named path.name.
func graphModule(s LayerSpec, in int, path string, count *int, params func(name string, saved []int)) (Module, int, error) {
	where := "layer " + path + " (graph)"
	if path == "" {
		where = "the network (graph)"
	}
	bad := func(err error) error { return fmt.Errorf("%s: %w", where, err) }
	if len(s.Layers) > maxSpecLayers {
		return nil, 0, bad(fmt.Errorf("%d nodes", len(s.Layers)))
	}
	gr := &Graph{Nodes: make([]Node, len(s.Layers))}
	for i, ns := range s.Layers { // the structure first, with a stand-in for each layer
		gr.Nodes[i] = Node{Name: ns.Name, Inputs: ns.Inputs, Merge: Merge(ns.Type)}
		if !isMerge(ns.Type) {
			gr.Nodes[i].Merge, gr.Nodes[i].Layer = "", Flatten{}
		}
	}
	plan, err := gr.plan()
	if err != nil {
		return nil, 0, bad(err)
	}
	widths := make([]int, len(gr.Nodes))
	for i, ns := range s.Layers {
		n := &gr.Nodes[i]
		ws := make([]int, len(plan[i]))
		for k, j := range plan[i] {
			ws[k] = in
			if j >= 0 {
				ws[k] = widths[j]
			}
		}
		if n.Merge != "" {
			if mergeHasLayerFields(ns) {
				return nil, 0, bad(fmt.Errorf("node %s (%s) has fields of a layer", excerpt(n.Name), n.Merge))
			}
			if *count++; *count > maxSpecLayers {
				return nil, 0, fmt.Errorf("more than %d layers", maxSpecLayers)
			}
			if widths[i], _, err = merged(n.Merge, n.Inputs, ws, make([]*Image, len(ws))); err != nil {
				return nil, 0, bad(fmt.Errorf("node %s: %w", excerpt(n.Name), err))
			}
			continue
		}
		ns.Name, ns.Inputs = "", nil
		if n.Layer, widths[i], err = specModule(ns, ws[0], graphPath(path, n.Name), count, params); err != nil {
			return nil, 0, err
		}
	}
	return gr, widths[len(widths)-1], nil
}

// mergeHasLayerFields reports whether a merge node's spec s sets a field
// other than its type, name and inputs.
func mergeHasLayerFields(s LayerSpec) bool {
	s.Type, s.Name, s.Inputs = "", "", nil
	return !reflect.ValueOf(s).IsZero()
}

func isMerge(t string) bool {
	return t == string(MergeAdd) || t == string(MergeMul) || t == string(MergeConcat)
}

// graphPath is path.name, or name for the network itself (path "").
func graphPath(path, name string) string {
	switch {
	case path == "":
		return name
	case name == "":
		return path
	}
	return path + "." + name
}

// graphModelSpec is the spec of a model whose network is gr: Net "graph",
// Layers its nodes; or Custom, naming a layer of the caller's own in it.
func graphModelSpec(s Spec, gr *Graph) Spec {
	ls, custom := graphSpec(gr)
	if custom != "" {
		s.Custom = custom
		return s
	}
	s.Net, s.Layers = "graph", ls.Layers
	return s
}

// graphNetwork declares the Graph a spec of Net "graph" describes.
func graphNetwork(s Spec, params func(name string, saved []int)) (Module, error) {
	if s.Net != "graph" {
		return nil, fmt.Errorf("net %s: want \"graph\", or none for a sequence of layers", excerpt(s.Net))
	}
	count := 0
	net, out, err := specModule(LayerSpec{Type: "graph", Layers: s.Layers}, s.Inputs, "", &count, params)
	if err != nil {
		return nil, err
	}
	if out != s.Outputs {
		return nil, fmt.Errorf("the graph gives %d outputs, the model says %d", out, s.Outputs)
	}
	return net, nil
}
