package main

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"gltrain/nn"
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
	if _, _, err := parsePlateau(c.plateau); err != nil {
		return fmt.Errorf("invalid value %s for -plateau: %v", excerpt(c.plateau), err)
	}
	if c.plateau != "" && c.val == 0 && (c.given["val"] || c.resume != "") {
		return errors.New("-plateau needs a validation set: -val=0 holds none out")
	}
	return nil
}

// parsePlateau reads -plateau, PATIENCE[:FACTOR]: patience ≥ 0 epochs and
// 0 < factor < 1 (default 0.1); "" is none (patience −1).
func parsePlateau(s string) (patience int, factor float64, err error) {
	if s == "" {
		return -1, 0, nil
	}
	p, f, hasFactor := strings.Cut(s, ":")
	factor = 0.1
	bad := errors.New("want PATIENCE[:FACTOR], epochs ≥ 0 and a factor 0 < f < 1, e.g. 5 or 5:0.5")
	if patience, err = strconv.Atoi(p); err != nil || patience < 0 {
		return 0, 0, bad
	}
	if hasFactor {
		if factor, err = strconv.ParseFloat(f, 64); err != nil || !(factor > 0 && factor < 1) {
			return 0, 0, bad
		}
	}
	return patience, factor, nil
}

// plateauCallback is -plateau's ReduceLROnPlateau (nil without), with
// PyTorch's defaults but the patience and factor; a resumed run continues
// the state its checkpoint recorded.
func plateauCallback(c config, ck *checkpoint) (*nn.ReduceLROnPlateau, error) {
	patience, factor, err := parsePlateau(c.plateau)
	if err != nil || patience < 0 {
		return nil, err
	}
	p := nn.NewReduceLROnPlateau()
	p.Patience, p.Factor = patience, factor
	if ck != nil && c.resume != "" && !c.finetune { // a fine-tuning starts it afresh at its rate
		if _, err := p.PlateauFromMeta(ck.Hyper); err != nil {
			return nil, fmt.Errorf("-resume=%s: %v", c.resume, err)
		}
	}
	return p, nil
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
		return 0, fmt.Errorf("want a finite number > 0 that float32 holds (%g to %g), the gradients' largest 2-norm", float32(minNormal32), float32(math.MaxFloat32))
	}
	return v, nil
}
