package cases

import (
	"fmt"

	"gltrain/backend"
	"gltrain/nn"
)

// cnnBNStep is cnnStep's MNIST CNN with a BatchNorm2d after each
// convolution (conv-BN-ReLU-pool ×2, then dense 128, ReLU, dense 10), in
// training mode, as bench/pytorch/bench.py's setup_cnn with bn. Its work
// counts the convolutions and dense layers only, as cnnStep's: the
// normalisation's few operations a value are not FLOPs worth reporting.
func cnnBNStep(batch int, quick bool) Case {
	c := cnnStep(batch, quick)
	c.Shape = fmt.Sprintf("mnist-cnn-bn/b%d", batch)
	c.Setup = func(b backend.Backend) (func() error, func(), error) {
		return adamStep(b, batch, 784, 10, func() (*nn.Model, error) {
			net := nn.Seq(
				&nn.Conv2D{Out: 32, KH: 3}, &nn.BatchNorm{}, nn.Act(nn.ReLU), &nn.MaxPool2D{KH: 2},
				&nn.Conv2D{Out: 64, KH: 3}, &nn.BatchNorm{}, nn.Act(nn.ReLU), &nn.MaxPool2D{KH: 2},
				nn.Flatten{}, &nn.Linear{Out: 128}, nn.Act(nn.ReLU), &nn.Linear{Out: 10},
			)
			return nn.NewImageModel(b, net, nn.Image{C: 1, H: 28, W: 28}, 1)
		})
	}
	return c
}
