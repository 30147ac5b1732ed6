package main

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The flags of the training loop beyond the optimiser's rate and decay:
// -momentum, -warmup and -clip.

// hasMomentum reports whether the optimiser called opt takes -momentum.
func hasMomentum(opt string) bool {
	o := strings.ToLower(opt)
	return o == "momentum" || o == "nesterov"
}

// checkTraining checks -momentum, -warmup and -clip, given or adopted
// from a checkpoint; optKnown is false while -resume has yet to adopt the
// run's -opt.
func (c *config) checkTraining(optKnown bool) error {
	switch {
	case !(c.momentum >= 0 && c.momentum < 1):
		return fmt.Errorf("invalid value %v for -momentum: want 0 < m < 1", c.momentum)
	case optKnown && c.momentum == 0 && hasMomentum(c.opt):
		return fmt.Errorf("invalid value 0 for -momentum with -opt=%s: want 0 < m < 1 (momentum 0 is -opt=sgd)", c.opt)
	case optKnown && c.given["momentum"] && !hasMomentum(c.opt):
		return fmt.Errorf("-momentum applies to -opt=momentum and nesterov, not -opt=%s", c.opt)
	case c.warmup < 0:
		return fmt.Errorf("invalid value %d for -warmup: want 0 (none) or a number of steps", c.warmup)
	case c.clip < 0 || math.IsNaN(c.clip) || math.IsInf(c.clip, 0):
		return fmt.Errorf("invalid value %v for -clip: want a finite number > 0", c.clip)
	}
	return nil
}

// parseClip reads -clip: empty for none, else a finite number > 0 that
// float32 holds (the norm is compared on the device in float32).
func parseClip(s string) (float64, error) {
	if s == "" {
		return 0, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil:
		return 0, errors.New("not a number: want a finite number > 0, the gradients' largest 2-norm")
	case !float32Normal(v):
		return 0, fmt.Errorf("want a finite number > 0 that float32 holds (%g to %g), the gradients' largest 2-norm", minNormal32, math.MaxFloat32)
	}
	return v, nil
}
