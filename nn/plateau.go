package nn

import (
	"errors"
	"fmt"
	"math"
	"strconv"
)

// ReduceLROnPlateau is a Callback that lowers the learning rate when the
// validation loss stops improving, as PyTorch's
// torch.optim.lr_scheduler.ReduceLROnPlateau in mode "min" with
// threshold_mode "rel", stepped with the validation loss after each epoch:
//
//	better:  loss < Best·(1 − Threshold)      (NaN never is)
//	better → Best = loss, BadEpochs = 0; else BadEpochs++
//	in cooldown (Cooldown > 0) → Cooldown−−, BadEpochs = 0
//	BadEpochs > Patience → Scale ·= Factor (when the rate drops by more
//	                       than Eps), Cooldown = CooldownEpochs, BadEpochs = 0
//
// The rate it sets is max(Schedule's rate · Scale, MinLR), so it composes
// with any Trainer.Schedule, Warmup included; it needs one (ConstantLR for
// a fixed rate) and a validation set. Its state (Best, BadEpochs,
// Cooldown, Scale) is recorded in the model's Meta at each epoch's end, so
// list it before a ModelCheckpoint, and a resumed run continues it with
// PlateauFromMeta, to the bit. NewReduceLROnPlateau gives PyTorch's
// defaults.
type ReduceLROnPlateau struct {
	Factor         float64 // the rate's multiplier at a plateau, 0 < Factor < 1
	Patience       int     // bad epochs tolerated before lowering the rate
	Threshold      float64 // relative improvement that counts as better
	CooldownEpochs int     // epochs after a reduction during which bad epochs are not counted
	MinLR          float64 // the lowest rate
	Eps            float64 // reductions smaller than this are skipped

	// The state, which a resumed run continues.
	Best      float64 // the lowest validation loss; +Inf before any epoch
	BadEpochs int     // epochs since Best, less those in cooldown
	Cooldown  int     // cooldown epochs left
	Scale     float64 // the product of the reductions so far; 1 before any
}

// NewReduceLROnPlateau returns PyTorch's defaults: factor 0.1, patience
// 10, threshold 1e-4 (relative), cooldown 0, min_lr 0, eps 1e-8.
func NewReduceLROnPlateau() *ReduceLROnPlateau {
	return &ReduceLROnPlateau{Factor: 0.1, Patience: 10, Threshold: 1e-4, Eps: 1e-8, Best: math.Inf(1), Scale: 1}
}

func (p *ReduceLROnPlateau) check(t *Trainer) error {
	switch {
	case !(p.Factor > 0 && p.Factor < 1):
		return fmt.Errorf("nn: reduce lr on plateau: factor %v: want 0 < factor < 1", p.Factor)
	case p.Patience < 0 || p.CooldownEpochs < 0 || p.BadEpochs < 0 || p.Cooldown < 0:
		return errors.New("nn: reduce lr on plateau: patience, cooldown and their counts must be ≥ 0")
	case !(p.Threshold >= 0) || !(p.MinLR >= 0) || !(p.Eps >= 0) || math.IsInf(p.MinLR, 0):
		return fmt.Errorf("nn: reduce lr on plateau: threshold %v, min lr %v, eps %v: want finite values ≥ 0", p.Threshold, p.MinLR, p.Eps)
	case !(p.Scale > 0 && p.Scale <= 1) || math.IsNaN(p.Best):
		return fmt.Errorf("nn: reduce lr on plateau: scale %v, best %v: want 0 < scale ≤ 1 and a best loss that is not NaN", p.Scale, p.Best)
	case t.Schedule == nil:
		return errors.New("nn: reduce lr on plateau needs a Trainer.Schedule (ConstantLR for a fixed rate)")
	case t.Val.Len() == 0:
		return errors.New("nn: reduce lr on plateau needs a validation set (Trainer.Val)")
	}
	return nil
}

// rate is the rate of a schedule's rate lr under the reductions.
func (p *ReduceLROnPlateau) rate(lr float32) float32 {
	return float32(math.Max(float64(lr)*p.Scale, p.MinLR))
}

// OnEpochEnd steps the plateau with the epoch's validation loss, lowers the
// optimiser's rate at a plateau, and records the state in the model's Meta.
func (p *ReduceLROnPlateau) OnEpochEnd(t *Trainer, s EpochStats) error {
	if s.ValLoss < p.Best*(1-p.Threshold) {
		p.Best, p.BadEpochs = s.ValLoss, 0
	} else {
		p.BadEpochs++
	}
	if p.Cooldown > 0 {
		p.Cooldown--
		p.BadEpochs = 0
	}
	if p.BadEpochs > p.Patience {
		old := float64(t.Optimizer.LR())
		if old-math.Max(old*p.Factor, p.MinLR) > p.Eps {
			p.Scale *= p.Factor
			t.Optimizer.SetLR(p.rate(t.Schedule.LR(s.Epoch - 1)))
		}
		p.Cooldown, p.BadEpochs = p.CooldownEpochs, 0
	}
	if t.Model.Meta == nil {
		t.Model.Meta = map[string]string{}
	}
	p.record(t.Model.Meta)
	return nil
}

// The keys of a model's Meta under which ReduceLROnPlateau records its
// state (PlateauFromMeta).
const (
	MetaPlateauBest     = "plateau_best"
	MetaPlateauBad      = "plateau_bad_epochs"
	MetaPlateauCooldown = "plateau_cooldown"
	MetaPlateauScale    = "plateau_scale"
)

// record writes the state; 'g' with precision −1 round-trips a float64 to
// the bit.
func (p *ReduceLROnPlateau) record(meta map[string]string) {
	meta[MetaPlateauBest] = strconv.FormatFloat(p.Best, 'g', -1, 64)
	meta[MetaPlateauBad] = strconv.Itoa(p.BadEpochs)
	meta[MetaPlateauCooldown] = strconv.Itoa(p.Cooldown)
	meta[MetaPlateauScale] = strconv.FormatFloat(p.Scale, 'g', -1, 64)
}

// PlateauFromMeta sets p's state to what a checkpoint's Meta (Info.Meta)
// recorded, and reports whether it recorded one; p is unchanged when it
// records none, and an error names a recorded value no run makes.
func (p *ReduceLROnPlateau) PlateauFromMeta(meta map[string]string) (bool, error) {
	if _, ok := meta[MetaPlateauScale]; !ok {
		return false, nil
	}
	best, err1 := strconv.ParseFloat(meta[MetaPlateauBest], 64)
	bad, err2 := strconv.Atoi(meta[MetaPlateauBad])
	cool, err3 := strconv.Atoi(meta[MetaPlateauCooldown])
	scale, err4 := strconv.ParseFloat(meta[MetaPlateauScale], 64)
	if err := errors.Join(err1, err2, err3, err4); err != nil || math.IsNaN(best) || math.IsInf(best, -1) || bad < 0 || cool < 0 || !(scale > 0 && scale <= 1) {
		return false, fmt.Errorf("nn: the checkpoint's plateau state (%s %s, %s %s, %s %s, %s %s) is not one a run makes",
			MetaPlateauBest, excerpt(meta[MetaPlateauBest]), MetaPlateauBad, excerpt(meta[MetaPlateauBad]),
			MetaPlateauCooldown, excerpt(meta[MetaPlateauCooldown]), MetaPlateauScale, excerpt(meta[MetaPlateauScale]))
	}
	p.Best, p.BadEpochs, p.Cooldown, p.Scale = best, bad, cool, scale
	return true, nil
}
