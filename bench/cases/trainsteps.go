package cases

import (
	"errors"
	"fmt"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/nn"
)

// trainStep is one training step of an MLP: forward, softmax cross-entropy,
// backward and an Adam update (lr 1e-3, PyTorch's defaults otherwise), on a
// batch resident on the device (N(0,1) features, labels cycling through the
// classes), as bench/pytorch/bench.py runs it.
func trainStep(name string, sizes []int, batch int, quick bool) Case {
	var flops float64
	for i := 0; i+1 < len(sizes); i++ {
		// Forward x·W (2·b·in·out), backward dW and dx (2·b·in·out each).
		flops += 6 * float64(batch) * float64(sizes[i]) * float64(sizes[i+1])
	}
	in, out := sizes[0], sizes[len(sizes)-1]
	return Case{
		Op: "TrainStep", Shape: fmt.Sprintf("%s/b%d", name, batch), Quick: quick,
		Work: Work{FLOPs: flops, Samples: float64(batch)},
		Setup: func(b backend.Backend) (func() error, func(), error) {
			return adamStep(b, batch, in, out, func() (*nn.Model, error) {
				return nn.MLP(in, sizes[1:len(sizes)-1], out, nn.ReLU).Build(b, 1)
			})
		},
	}
}

// adamStep sets up one Adam step (lr 1e-3) of the model build makes, with
// softmax cross-entropy on a resident batch of batch rows of in N(0,1)
// features and labels cycling through the out classes.
func adamStep(b backend.Backend, batch, in, out int, build func() (*nn.Model, error)) (func() error, func(), error) {
	model, err := build()
	if err != nil {
		return nil, nil, err
	}
	opt, err := nn.NewOptimizer("adam", b, model.Parameters(), 1e-3, 0)
	if err != nil {
		model.Release()
		return nil, nil, err
	}
	labels := make([]float32, batch)
	for i := range labels {
		labels[i] = float32(i % out)
	}
	return optimizerStep(b, model, opt, shape(batch, in), backend.NormalData(batch*in, 3, 0, 1), labels)
}

// optimizerStep sets up one step of opt on model with softmax
// cross-entropy, on the inputs x (of shape xs) and labels uploaded once;
// its cleanup releases the optimiser and the model too.
func optimizerStep(b backend.Backend, model *nn.Model, opt nn.Optimizer, xs backend.Shape, x, labels []float32) (func() error, func(), error) {
	xt, err := backend.FromData(b, xs, x)
	var yt backend.Tensor
	if err == nil {
		yt, err = backend.FromData(b, shape(len(labels), 1), labels)
	}
	cleanup := func() { opt.Release(); model.Release(); b.Release(xt); b.Release(yt) }
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	g := autograd.NewGraph(b)
	run := func() error {
		loss := g.SoftmaxCrossEntropy(model.Forward(g, g.Input(xt)), g.Input(yt))
		err := g.Backward(loss)
		if err == nil {
			err = opt.Step()
		}
		opt.ZeroGrad()
		return errors.Join(err, g.Reset())
	}
	return run, cleanup, nil
}

// TrainSteps are whole training steps: the spiral net of the course notes
// (2-100-3, full batch of 300), an MNIST MLP (784-256-10, batch 128) and a
// wide one (784-1024-1024-10, batch 1024); and one 1×1 addition through the
// autograd graph, whose time beyond SmallOp's is the graph's own cost.
func TrainSteps() []Case {
	return []Case{
		trainStep("spiral-2-100-3", []int{2, 100, 3}, 300, true),
		trainStep("mnist-784-256-10", []int{784, 256, 10}, 128, true),
		trainStep("mlp-784-1024-1024-10", []int{784, 1024, 1024, 10}, 1024, false),
		cnnStep(128, true),
		cnnBNStep(128, true),
		gptStep(16, true),
		{
			Op: "SmallOp", Shape: "graph-add-1x1", Quick: true,
			Setup: func(b backend.Backend) (func() error, func(), error) {
				ts, release, err := tensors(b, shape(1, 1), shape(1, 1))
				if err != nil {
					return nil, nil, err
				}
				g := autograd.NewGraph(b)
				run := func() error {
					g.Add(g.Input(ts[0]), g.Input(ts[1]))
					return errors.Join(g.Err(), g.Reset())
				}
				return run, release, nil
			},
		},
	}
}

// cnnStep is one training step of the MNIST CNN of the convolution issue
// (conv 32@3×3, ReLU, max pool 2, conv 64@3×3, ReLU, max pool 2, flatten,
// dense 128, ReLU, dense 10) with Adam (lr 1e-3) on a resident batch of
// 1×28×28 N(0,1) images, as bench/pytorch/bench.py's setup_cnn.
func cnnStep(batch int, quick bool) Case {
	conv := 26*26*32*9 + 11*11*64*288 // multiply-adds per image
	dense := 1600*128 + 128*10
	return Case{
		Op: "TrainStep", Shape: fmt.Sprintf("mnist-cnn/b%d", batch), Quick: quick,
		Work: Work{FLOPs: 6 * float64(batch) * float64(conv+dense), Samples: float64(batch)},
		Setup: func(b backend.Backend) (func() error, func(), error) {
			return adamStep(b, batch, 784, 10, func() (*nn.Model, error) {
				net := nn.Seq(
					&nn.Conv2D{Out: 32, KH: 3}, nn.Act(nn.ReLU), &nn.MaxPool2D{KH: 2},
					&nn.Conv2D{Out: 64, KH: 3}, nn.Act(nn.ReLU), &nn.MaxPool2D{KH: 2},
					nn.Flatten{}, &nn.Linear{Out: 128}, nn.Act(nn.ReLU), &nn.Linear{Out: 10},
				)
				return nn.NewImageModel(b, net, nn.Image{C: 1, H: 28, W: 28}, 1)
			})
		},
	}
}
