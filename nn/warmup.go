package nn

// StepSchedule is a Schedule whose rate also changes within an epoch: the
// Trainer sets the optimiser's rate to LRAt(epoch, step) before each step,
// epoch counting from 0 and step counting the run's steps from 0 (a
// resumed run continues the count, so it takes the same rates).
type StepSchedule interface {
	Schedule
	LRAt(epoch, step int) float32
}

// Warmup ramps any schedule's rate up linearly over the run's first Steps
// steps:
//
//	lr(epoch, step) = Schedule.LR(epoch) · min(1, (step+1)/Steps)
//
// with step counting from 0, so the first step trains at 1/Steps of the
// rate, step Steps−1 and after at the full rate. This is PyTorch's
// LambdaLR(lambda s: min(1, (s+1)/Steps)) stepped after every batch, its
// factor multiplying the epoch schedule's rate (not LinearLR's
// start_factor convention, whose first step may be at rate 0). Steps ≤ 1
// is no warm-up.
type Warmup struct {
	Schedule Schedule
	Steps    int
}

// LR returns the rate of epoch e after the warm-up.
func (w Warmup) LR(e int) float32 { return w.Schedule.LR(e) }

// LRAt returns the rate of the run's step (from 0) in epoch e.
func (w Warmup) LRAt(e, step int) float32 {
	lr := w.Schedule.LR(e)
	if step+1 >= w.Steps {
		return lr
	}
	return float32(float64(lr) * float64(step+1) / float64(w.Steps))
}
