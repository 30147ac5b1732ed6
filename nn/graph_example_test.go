package nn_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"gltrain/backend/cpu"
	"gltrain/nn"
	"gltrain/nn/data"
)

// A two-branch model, as Keras's functional API or torch.fx writes it: a
// deep and a wide branch of the input, side by side (concat), then a
// head. It trains as any model does; its parameters are named by node, as
// PyTorch names a module holding each node's layer as an attribute of that
// name; and Load rebuilds it from its checkpoint.
func ExampleGraph() {
	b := cpu.New()
	net := &nn.Graph{Nodes: []nn.Node{
		{Name: "deep", Inputs: []string{"x"}, Layer: nn.Seq(&nn.Linear{Out: 32}, nn.Act(nn.ReLU), &nn.Linear{Out: 32}, nn.Act(nn.ReLU))},
		{Name: "wide", Inputs: []string{"x"}, Layer: &nn.Linear{Out: 8}},
		{Name: "both", Inputs: []string{"deep", "wide"}, Merge: nn.MergeConcat},
		{Name: "head", Inputs: []string{"both"}, Layer: &nn.Linear{Out: 3}},
	}}
	m, err := nn.NewModel(b, net, 2, 7)
	if err != nil {
		panic(err)
	}
	defer m.Release()
	fmt.Println(m)
	for _, p := range m.Parameters()[:4] {
		fmt.Println(p.Name())
	}

	spiral, _ := data.Spiral(100, 3, 1)
	opt, _ := nn.NewOptimizer("adam", b, m.Parameters(), 0.05, 0)
	defer opt.Release()
	tr := nn.Trainer{Model: m, Optimizer: opt, Epochs: 150, BatchSize: spiral.Len(), Train: spiral}
	if _, err := tr.Fit(context.Background()); err != nil {
		panic(err)
	}
	set, _ := nn.Upload(b, spiral)
	defer set.Release()
	_, acc, _ := nn.Evaluate(m, nn.SoftmaxCrossEntropy, set, 0)
	fmt.Println("training accuracy above 95%:", acc > 0.95)

	dir, err := os.MkdirTemp("", "graph")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "m.safetensors")
	if err := nn.Save(path, m, nil); err != nil {
		panic(err)
	}
	l, err := nn.Load(path, b)
	if err != nil {
		panic(err)
	}
	defer l.Release()
	_, lacc, _ := nn.Evaluate(l, nn.SoftmaxCrossEntropy, set, 0)
	fmt.Println("loaded:", l, lacc == acc)
	// Output:
	// 2-graph(deep: x-32 relu-32 relu; wide: x-8; both: concat(deep, wide); head: both-3)
	// deep.0.weight
	// deep.0.bias
	// deep.2.weight
	// deep.2.bias
	// training accuracy above 95%: true
	// loaded: 2-graph(deep: x-32 relu-32 relu; wide: x-8; both: concat(deep, wide); head: both-3) true
}

// A residual MLP as a Graph: y = h + F(h) is a merge (add) of a node and
// its input; the same model as nn.Residual gives, named by node.
func ExampleGraph_residual() {
	b := cpu.New()
	m, err := nn.NewModel(b, &nn.Graph{Nodes: []nn.Node{
		{Name: "stem", Inputs: []string{"x"}, Layer: nn.Seq(&nn.Linear{Out: 16}, nn.Act(nn.ReLU))},
		{Name: "f", Inputs: []string{"stem"}, Layer: nn.Seq(&nn.Linear{Out: 16}, nn.Act(nn.ReLU), &nn.Linear{Out: 16})},
		{Name: "res", Inputs: []string{"stem", "f"}, Merge: nn.MergeAdd},
		{Name: "head", Inputs: []string{"res"}, Layer: nn.Seq(nn.Act(nn.ReLU), &nn.Linear{Out: 3})},
	}}, 2, 1)
	if err != nil {
		panic(err)
	}
	defer m.Release()
	fmt.Println(m)
	for _, p := range m.Parameters() {
		fmt.Print(p.Name(), " ")
	}
	fmt.Println()
	// Output:
	// 2-graph(stem: x-16 relu; f: stem-16 relu-16; res: add(stem, f); head: res relu-3)
	// stem.0.weight stem.0.bias f.0.weight f.0.bias f.2.weight f.2.bias head.1.weight head.1.bias
}
