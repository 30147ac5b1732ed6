package nn_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/nn"
	"gltrain/nn/safetensors"
)

// in lists a node's inputs.
func in(ns ...string) []string { return ns }

// graphMLP is a Graph as the network: a shared trunk, a residual add, a
// gate (mul), an add of a node to itself (its gradient accumulates), a
// wide branch beside the deep one (concat), a Residual in the head.
func graphMLP() nn.Module {
	return &nn.Graph{Nodes: []nn.Node{
		{Name: "trunk", Inputs: in("x"), Layer: nn.Seq(&nn.Linear{Out: 6}, nn.Act(nn.Tanh))},
		{Name: "deep", Inputs: in("trunk"), Layer: nn.Seq(&nn.Linear{Out: 5}, nn.Act(nn.ReLU), &nn.Dropout{P: 0.1}, &nn.Linear{Out: 6})},
		{Name: "res", Inputs: in("trunk", "deep"), Merge: nn.MergeAdd},
		{Name: "gate", Inputs: in("trunk"), Layer: nn.Seq(&nn.Linear{Out: 6}, nn.Act(nn.Sigmoid))},
		{Name: "gated", Inputs: in("res", "gate"), Merge: nn.MergeMul},
		{Name: "twice", Inputs: in("gated", "gated"), Merge: nn.MergeAdd},
		{Name: "wide", Inputs: in("x"), Layer: &nn.Linear{Out: 3}},
		{Name: "both", Inputs: in("twice", "wide", "x"), Merge: nn.MergeConcat},
		{Name: "head", Inputs: in("both"), Layer: nn.Seq(&nn.Residual{F: nn.Seq(&nn.Linear{Out: 13}, nn.Act(nn.GELU))}, &nn.Linear{Out: 3})},
	}}
}

// nestedGraph is a Graph inside a Sequential, with a Graph inside it that
// adds its input ("x") to a layer's output.
func nestedGraph() nn.Module {
	inner := &nn.Graph{Nodes: []nn.Node{
		{Name: "p", Inputs: in("x"), Layer: &nn.Linear{Out: 5}},
		{Name: "q", Inputs: in("p", "x"), Merge: nn.MergeAdd},
	}}
	return nn.Seq(&nn.Linear{Out: 5}, nn.Act(nn.ReLU), &nn.Graph{Nodes: []nn.Node{
		{Name: "a", Inputs: in("x"), Layer: &nn.Linear{Out: 4}},
		{Name: "b", Inputs: in("x"), Layer: inner},
		{Name: "s", Inputs: in("a", "b"), Merge: nn.MergeConcat},
	}}, nn.Act(nn.ELU), &nn.Linear{Out: 3})
}

// graphCNN is an Inception-like Graph on images of 2×5×5: two convolutions
// concatenated by channel (5 channels of 5×5), then a convolution of the
// five.
func graphCNN() nn.Module {
	return &nn.Graph{Nodes: []nn.Node{
		{Name: "a", Inputs: in("x"), Layer: nn.Seq(&nn.Conv2D{Out: 3, KH: 3, Pad: 1}, nn.Act(nn.ReLU))},
		{Name: "b", Inputs: in("x"), Layer: &nn.Conv2D{Out: 2, KH: 1}},
		{Name: "cat", Inputs: in("a", "b"), Merge: nn.MergeConcat},
		{Name: "c", Inputs: in("cat"), Layer: nn.Seq(&nn.Conv2D{Out: 2, KH: 3}, nn.Act(nn.ReLU), nn.Flatten{}, &nn.Linear{Out: 3})},
	}}
}

func graphNets(t *testing.T, b backend.Backend) map[string]*nn.Model {
	t.Helper()
	ms := map[string]*nn.Model{}
	var err error
	ms["mlp"], err = nn.NewModel(b, graphMLP(), 4, 3)
	require.NoError(t, err)
	ms["nested"], err = nn.NewModel(b, nestedGraph(), 4, 5)
	require.NoError(t, err)
	ms["cnn"], err = nn.NewImageModel(b, graphCNN(), nn.Image{C: 2, H: 5, W: 5}, 7)
	require.NoError(t, err)
	return ms
}

func names(m *nn.Model) []string {
	var ns []string
	for _, p := range m.Parameters() {
		ns = append(ns, p.Name())
	}
	return ns
}

// TestGraphNames: a Graph's parameters are named by node, under the
// graph's place, as PyTorch names the attributes of a module holding each
// node's layer under the node's name; the widths and image shapes flow
// through the merges.
func TestGraphNames(t *testing.T) {
	ms := graphNets(t, backendtest.Open(t, "cpu"))
	for _, m := range ms {
		defer m.Release()
	}
	assert.Equal(t, []string{"trunk.0.weight", "trunk.0.bias", "deep.0.weight", "deep.0.bias", "deep.3.weight", "deep.3.bias",
		"gate.0.weight", "gate.0.bias", "wide.weight", "wide.bias", "head.0.f.0.weight", "head.0.f.0.bias", "head.1.weight", "head.1.bias"}, names(ms["mlp"]))
	assert.Equal(t, "4-graph(trunk: x-6 tanh; deep: trunk-5 relu-dropout 0.1-6; res: add(trunk, deep); gate: trunk-6 sigmoid; "+
		"gated: mul(res, gate); twice: add(gated, gated); wide: x-3; both: concat(twice, wide, x); head: both-res(13 gelu)-3)", ms["mlp"].String())
	assert.Equal(t, []string{"0.weight", "0.bias", "2.a.weight", "2.a.bias", "2.b.p.weight", "2.b.p.bias", "4.weight", "4.bias"}, names(ms["nested"]))
	assert.Equal(t, "4-5 relu-graph(a: x-4; b: x-graph(p: x-5; q: add(p, x)); s: concat(a, b)) elu-3", ms["nested"].String())
	assert.Equal(t, []string{"a.0.weight", "a.0.bias", "b.weight", "b.bias", "c.0.weight", "c.0.bias", "c.3.weight", "c.3.bias"}, names(ms["cnn"]))
	assert.Equal(t, []int{2, 5, 3, 3}, shapeOf(t, ms["cnn"], "c.0.weight"), "c's convolution takes the 5 channels of the concat")
	for name, want := range map[string]int{"mlp": 3, "nested": 3, "cnn": 3} {
		assert.Equal(t, want, ms[name].Outputs, name)
	}
}

// shapeOf is the saved shape of m's parameter name (SpecOf's checkpoint
// names).
func shapeOf(t *testing.T, m *nn.Model, name string) []int {
	path := filepath.Join(t.TempDir(), "m.safetensors")
	require.NoError(t, nn.Save(path, m, nil))
	f, err := safetensors.ReadFile(path)
	require.NoError(t, err)
	x, ok := f.Lookup(name)
	require.True(t, ok, name)
	return x.Shape
}

// TestPyTorchGraph: on every backend, each Graph model saves a checkpoint
// that PyTorch (gltrain_torch.py's Graph, its layers held under the
// nodes' names) loads with strict=True; PyTorch's float64 outputs and the
// gradients of the input and every parameter, of the loss Σ y·dy, agree
// with gltrain's within 1e-5 relative (torch_layers.py's rule, as
// TestPyTorchLayers: float32 against float64, with 1e-5 of the tensor's
// largest element for elements that cancel to near zero). nn.Load rebuilds
// each model, with the same parameter names and outputs bit for bit (the
// same kernels on the same weights). One torch_layers.py run checks the
// three models of a backend (importing torch takes seconds).
func TestPyTorchGraph(t *testing.T) {
	python := backendtest.PyTorch(t)
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		dir := t.TempDir()
		var args []string
		for name, m := range graphNets(t, b) {
			defer m.Release()
			const rows = 3
			x, dy := sines(rows*m.Inputs, 2), sines(rows*m.Outputs+3, 1)[3:]
			c := graphGrads(t, m, x, dy)
			path, casePath := filepath.Join(dir, name+".safetensors"), filepath.Join(dir, name+".json")
			require.NoError(t, nn.Save(path, m, nil))
			js, err := json.Marshal(c)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(casePath, js, 0o644))
			args = append(args, path, casePath)
			l, err := nn.Load(path, b)
			require.NoError(t, err, name)
			defer l.Release()
			assert.Equal(t, m.String(), l.String(), name)
			assert.Equal(t, names(m), names(l), name)
			assert.Equal(t, c.Y, graphGrads(t, l, x, dy).Y, "%s: the loaded model's outputs", name)
		}
		out, err := exec.Command(python, append([]string{"testdata/torch_layers.py"}, args...)...).CombinedOutput()
		require.NoError(t, err, "%s", out)
		t.Logf("%s", out)
	})
}

// graphGrads is layerGrads for any network: it runs m on x, backpropagates
// Σ y·dy, and gives every Linear's weight gradient as PyTorch holds it
// (out×in).
func graphGrads(t *testing.T, m *nn.Model, x, dy []float32) layerCase {
	t.Helper()
	b := m.Backend()
	m.SetTraining(false)
	xt, err := backend.FromData(b, backend.Shape{Rows: len(x) / m.Inputs, Cols: m.Inputs}, x)
	require.NoError(t, err)
	defer b.Release(xt)
	g := autograd.NewGraph(b)
	defer g.Reset()
	xv := g.Leaf(xt, true)
	y := m.Forward(g, xv)
	require.NoError(t, g.Backward(g.Sum(g.Mul(y, g.Constant(y.Shape(), dy)))))
	c := layerCase{X: x, DY: dy, Grads: map[string][]float32{}}
	c.Y, err = backend.ToHost(b, y.Tensor())
	require.NoError(t, err)
	c.DX, err = backend.ToHost(b, xv.Grad())
	require.NoError(t, err)
	linear := linearWeights(m.Net)
	for _, p := range m.Parameters() {
		gr, err := backend.ToHost(b, p.Grad())
		require.NoError(t, err)
		if linear[p] {
			gr = transpose(gr, p.Shape())
		}
		c.Grads[p.Name()] = gr
	}
	return c
}

// linearWeights are the weights of every Linear in mod.
func linearWeights(mod nn.Module) map[*autograd.Value]bool {
	ws := map[*autograd.Value]bool{}
	var walk func(l nn.Module)
	walk = func(l nn.Module) {
		switch l := l.(type) {
		case *nn.Sequential:
			for _, x := range l.Layers {
				walk(x)
			}
		case *nn.Residual:
			walk(l.F)
		case *nn.Graph:
			for _, n := range l.Nodes {
				walk(n.Layer)
			}
		case *nn.Linear:
			ws[l.Weight] = true
		}
	}
	walk(mod)
	return ws
}

// TestGraphErrors: a graph whose nodes do not fit together is refused at
// NewModel, and a checkpoint spec of one at Check, the error naming the
// node; Forward on a graph NewModel did not check records the error on
// the autograd graph, without a panic.
func TestGraphErrors(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	lin := func(out int) nn.Module { return &nn.Linear{Out: out} }
	for i, tc := range []struct {
		nodes []nn.Node
		want  string
	}{
		{nil, "graph: no nodes"},
		{[]nn.Node{{Name: "a", Inputs: in("x"), Layer: lin(4)}, {Name: "b", Inputs: in("nope"), Layer: lin(3)}}, `graph node 1 "b": unknown input "nope": want "x" or an earlier node's name`},
		{[]nn.Node{{Name: "a", Inputs: in("b"), Layer: lin(4)}, {Name: "b", Inputs: in("x"), Layer: lin(3)}}, `graph node 0 "a": input "b" is a later node`},
		{[]nn.Node{{Name: "a", Inputs: in("a"), Layer: lin(4)}}, `graph node 0 "a": takes its own output: a graph has no cycles`},
		{[]nn.Node{{Name: "a", Inputs: in("x"), Layer: lin(4)}, {Name: "b", Inputs: in("x"), Layer: lin(3)}, {Name: "s", Inputs: in("a", "b"), Merge: nn.MergeAdd}},
			`graph node 2 "s": add of "a" (4 values) and "b" (3 values): add needs inputs of one width`},
		{[]nn.Node{{Name: "a", Inputs: in("x"), Layer: lin(4)}, {Name: "m", Inputs: in("a", "x"), Merge: nn.MergeMul}}, `graph node 1 "m": mul of "a" (4 values) and "x" (5 values)`},
		{[]nn.Node{{Name: "a", Inputs: in("x"), Layer: lin(4)}, {Name: "b", Inputs: in("x"), Layer: lin(3)}}, `graph node 0 "a": no later node takes it, and only the last node is the output`},
		{[]nn.Node{{Name: "a", Inputs: in("x"), Layer: lin(4)}, {Name: "a", Inputs: in("a"), Layer: lin(3)}}, `graph node 1 "a": node 0 has that name too`},
		{[]nn.Node{{Name: "x", Inputs: in("x"), Layer: lin(4)}}, `graph node 0 "x": "x" names the graph's input`},
		{[]nn.Node{{Name: "fc.1", Inputs: in("x"), Layer: lin(4)}}, `graph node 0 "fc.1": want ASCII letters, digits and underscores, starting with a letter`},
		{[]nn.Node{{Name: "1fc", Inputs: in("x"), Layer: lin(4)}}, `graph node 0 "1fc": want ASCII letters`},
		{[]nn.Node{{Inputs: in("x"), Layer: lin(4)}}, `graph node 0 "": a name of 0 bytes: want 1 to 64`},
		{[]nn.Node{{Name: "a", Inputs: in("x")}}, `graph node 0 "a": no layer and no merge`},
		{[]nn.Node{{Name: "a", Inputs: in("x", "x"), Layer: lin(4), Merge: nn.MergeAdd}}, `graph node 0 "a": a layer and a merge ("add")`},
		{[]nn.Node{{Name: "a", Inputs: in("x", "x"), Layer: lin(4)}}, `graph node 0 "a": a layer takes one input, and the node has 2`},
		{[]nn.Node{{Name: "a", Inputs: in("x"), Merge: nn.MergeConcat}}, `graph node 0 "a": concat merges 2 to 10000 inputs, and the node has 1`},
		{[]nn.Node{{Name: "a", Inputs: in("x", "x"), Merge: "sub"}}, `graph node 0 "a": unknown merge "sub": want add, mul or concat`},
		{[]nn.Node{{Name: "a", Inputs: in("x"), Layer: nn.Seq(&nn.Conv2D{Out: 2, KH: 3})}}, "layer 1.a.0"},
	} {
		m, err := nn.NewModel(b, nn.Seq(lin(5), &nn.Graph{Nodes: tc.nodes}), 3, 1)
		if m != nil {
			m.Release()
		}
		if assert.Error(t, err, "%d", i) {
			assert.Contains(t, err.Error(), tc.want, "%d", i)
			if i < 17 {
				assert.Contains(t, err.Error(), "layer 1: graph", "%d: the graph's place", i)
			}
		}
		g := autograd.NewGraph(b)
		x, err := b.New(backend.Shape{Rows: 2, Cols: 5})
		require.NoError(t, err)
		(&nn.Graph{Nodes: tc.nodes}).Forward(g, g.Input(x))
		if i < 17 && i != 4 && i != 5 { // the structure's errors; a width's is the kernel's at Forward
			assert.ErrorContains(t, g.Err(), tc.want, "%d: Forward", i)
		}
		g.Reset()
		b.Release(x)
	}

	node := func(typ, name string, inputs ...string) nn.LayerSpec {
		return nn.LayerSpec{Type: typ, Name: name, Inputs: inputs}
	}
	linear := func(name string, in, out int, inputs ...string) nn.LayerSpec {
		s := node("linear", name, inputs...)
		s.In, s.Out = in, out
		return s
	}
	for i, tc := range []struct {
		spec nn.Spec
		want string
	}{
		{nn.Spec{Inputs: 5, Outputs: 3, Net: "graph", Layers: []nn.LayerSpec{linear("a", 5, 3, "b")}}, `the network (graph): graph node 0 "a": unknown input "b"`},
		{nn.Spec{Inputs: 5, Outputs: 3, Net: "graph", Layers: []nn.LayerSpec{linear("a", 4, 3, "x")}}, `layer a ("linear"): 4→3 after a layer of width 5`},
		{nn.Spec{Inputs: 5, Outputs: 3, Net: "graph", Layers: []nn.LayerSpec{linear("a", 5, 4, "x")}}, "the graph gives 4 outputs, the model says 3"},
		{nn.Spec{Inputs: 5, Outputs: 3, Net: "tree", Layers: []nn.LayerSpec{linear("a", 5, 3, "x")}}, `net "tree": want "graph"`},
		{nn.Spec{Inputs: 5, Outputs: 10, Net: "graph", Layers: []nn.LayerSpec{{Type: "concat", Name: "c", Inputs: in("x", "x"), Out: 3}}},
			`the network (graph): node "c" (concat) has fields of a layer`},
		{nn.Spec{Inputs: 5, Outputs: 5, Layers: []nn.LayerSpec{linear("a", 5, 5)}}, `layer 0 ("linear"): a name and inputs, which only a graph's node has`},
		{nn.Spec{Inputs: 5, Outputs: 4, Layers: []nn.LayerSpec{{Type: "graph", Layers: []nn.LayerSpec{linear("a", 5, 4, "x"), node("s", "s", "a")}}}},
			`layer 0.s ("s"): unknown layer type`},
		{nn.Spec{Inputs: 5, Outputs: 3, Layers: []nn.LayerSpec{{Type: "graph", Layers: []nn.LayerSpec{linear("a", 5, 4, "x"), linear("b", 5, 3, "x"), node("add", "s", "a", "b")}}}},
			`layer 0 (graph): node "s": add of "a" (4 values) and "b" (3 values)`},
	} {
		err := tc.spec.Check()
		if assert.Error(t, err, "%d", i) {
			assert.Contains(t, err.Error(), tc.want, "%d", i)
		}
	}
}

// TestGraphOwnModule: a module of the caller's own in a node is named
// under the node's name, by its fields; the model trains and saves, but
// its checkpoint names the type (Custom), to be loaded with LoadInto.
func TestGraphOwnModule(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	m, err := nn.NewModel(b, &nn.Graph{Nodes: []nn.Node{
		{Name: "blk", Inputs: in("x"), Layer: newUserBlock(t, b, 4, 3)},
		{Name: "out", Inputs: in("blk"), Layer: &nn.Linear{Out: 2}},
	}}, 4, 1)
	require.NoError(t, err)
	defer m.Release()
	assert.Equal(t, []string{"blk.fc1.weight", "blk.fc1.bias", "blk.fc2.weight", "blk.fc2.bias", "out.weight", "out.bias"}, names(m))
	assert.Equal(t, "*nn_test.userBlock", nn.SpecOf(m).Custom)
}
