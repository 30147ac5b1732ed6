package main

import (
	"fmt"

	"gltrain/backend"
	"gltrain/nn"
)

// batchNormSpec is the -layers item batchnorm on inputs of width in:
// BatchNorm1d over in features, or BatchNorm2d over the channels of img.
func batchNormSpec(in int, img *nn.Image) nn.LayerSpec {
	if img != nil {
		return nn.LayerSpec{Type: "batchnorm", C: img.C, H: img.H, W: img.W}
	}
	return nn.LayerSpec{Type: "batchnorm", In: in}
}

// checkBatchNorm refuses a run whose batches a BatchNorm of spec cannot
// train on: a training batch needs more than one value a channel (PyTorch's
// rule: the unbiased variance of one value is undefined), so BatchNorm1d
// refuses -batch=1 and a last batch of one row (train rows of the training
// set), and every BatchNorm at most backend.MaxBatchNormCount values a
// channel.
func checkBatchNorm(spec nn.Spec, batch, train int) error {
	var walk func(ls []nn.LayerSpec) error
	walk = func(ls []nn.LayerSpec) error {
		for _, l := range ls {
			if l.Type == "sequential" || l.Type == "residual" {
				if err := walk(l.Layers); err != nil {
					return err
				}
				continue
			}
			if l.Type != "batchnorm" {
				continue
			}
			hw := max(1, l.H*l.W)
			last := train % max(batch, 1)
			switch {
			case hw == 1 && batch == 1:
				return fmt.Errorf("-layers batchnorm after flat features needs batches of at least 2 rows (its statistics are over the batch), and -batch is 1")
			case hw == 1 && last == 1:
				return fmt.Errorf("-layers batchnorm after flat features needs batches of at least 2 rows, and the %d training rows leave a last batch of 1 at -batch=%d: choose another -batch", train, batch)
			case int64(batch)*int64(hw) > backend.MaxBatchNormCount:
				return fmt.Errorf("-layers batchnorm: -batch=%d of %d values a channel is %d values, at most %d", batch, hw, int64(batch)*int64(hw), backend.MaxBatchNormCount)
			}
		}
		return nil
	}
	return walk(spec.Layers)
}
