package nn

// Callbacks of Trainer.Fit, in the manner of Keras's: ModelCheckpoint
// keeps the model (the best by validation loss, or the last) in a file and
// keeps it through an interruption, EarlyStopping ends training when the
// validation loss stops improving.

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// Callback is told of each epoch's end by Fit.
type Callback interface {
	// OnEpochEnd is called after each epoch, once its validation loss is
	// measured, with the trainer (its Model and Optimizer hold the epoch's
	// end) and the epoch's stats. Returning ErrStopTraining ends training
	// once every callback has seen the epoch; any other error ends Fit at
	// once with that error.
	OnEpochEnd(t *Trainer, s EpochStats) error
}

// TrainEnder is a Callback that is also told when Fit ends.
type TrainEnder interface {
	Callback
	// OnTrainEnd is called once as Fit returns, when training began, with
	// the history (nil when not one step was prepared) and Fit's error: nil
	// when training ran to the end or a callback stopped it, ctx's error
	// when interrupted. An error it returns is joined to Fit's.
	OnTrainEnd(t *Trainer, h *History, err error) error
}

// checker is a callback that checks, before training, that the trainer
// gives it what it needs.
type checker interface {
	check(t *Trainer) error
}

// Monitor follows the validation loss from epoch to epoch: the lowest so
// far, the epoch that had it and the epochs since. An epoch betters it when
// its loss is strictly lower; NaN never does.
type Monitor struct {
	Best      float64 // the lowest validation loss; +Inf before any epoch
	BestEpoch int     // the epoch of Best; 0 before any
	Stale     int     // epochs since BestEpoch (all so far when none bettered it)
}

// NewMonitor returns a Monitor before any epoch.
func NewMonitor() *Monitor { return &Monitor{Best: math.Inf(1)} }

// Observe records the epoch's validation loss and reports whether it
// bettered the best.
func (m *Monitor) Observe(s EpochStats) bool {
	if s.ValLoss < m.Best {
		m.Best, m.BestEpoch, m.Stale = s.ValLoss, s.Epoch, 0
		return true
	}
	m.Stale++
	return false
}

// The keys of a model's Meta under which ModelCheckpoint records its
// Monitor, so that a resumed run continues it (MonitorFromMeta).
const (
	MetaBestValLoss = "best_val_loss"
	MetaBestEpoch   = "best_epoch"
	MetaStaleEpochs = "stale_epochs"
)

func (m *Monitor) record(meta map[string]string) {
	meta[MetaBestValLoss] = strconv.FormatFloat(m.Best, 'g', -1, 64)
	meta[MetaBestEpoch], meta[MetaStaleEpochs] = strconv.Itoa(m.BestEpoch), strconv.Itoa(m.Stale)
}

// MonitorFromMeta is the Monitor a checkpoint of a run of epochs epochs
// recorded in its Meta (Info.Meta), to continue it. It is NewMonitor()'s
// when the checkpoint does not record one, or records what no run measures:
// a loss of −Inf, which no epoch would better, or epochs past the run's.
func MonitorFromMeta(meta map[string]string, epochs int) *Monitor {
	v, err1 := strconv.ParseFloat(meta[MetaBestValLoss], 64)
	e, err2 := strconv.Atoi(meta[MetaBestEpoch])
	s, err3 := strconv.Atoi(meta[MetaStaleEpochs])
	if err1 != nil || err2 != nil || err3 != nil || math.IsNaN(v) || math.IsInf(v, -1) || e < 0 || s < 0 || e > epochs || s > epochs {
		return NewMonitor()
	}
	return &Monitor{Best: v, BestEpoch: e, Stale: s}
}

// ModelCheckpoint saves the model with its training state (Save, with a
// TrainState that Resume continues) to Path at the end of every epoch, or
// with BestOnly of the epochs that better the validation loss. Saves are
// atomic, and a model whose weights are NaN or infinite is not saved: the
// file keeps the last good model. Each save records the Monitor in the
// model's Meta (MetaBestValLoss and the others).
type ModelCheckpoint struct {
	Path string
	// BestOnly saves only the epochs that better the validation loss; it
	// needs a validation set (Trainer.Val).
	BestOnly bool
	// Monitor follows the validation loss; nil starts a NewMonitor. A
	// resumed run continues its checkpoint's (MonitorFromMeta).
	Monitor *Monitor
	// SaveOnInterrupt saves the model as it is (without optimiser state)
	// when Fit is interrupted (ctx is cancelled) after at least one step
	// and before any epoch was saved, so that the training is not lost. It
	// saves nothing when no step ran, which could only replace Path with
	// less, nor when training diverged.
	SaveOnInterrupt bool
	// Saved is the last epoch saved to Path, 0 before any. Set it when Path
	// already holds the run's state at an epoch's end (a resumed run saving
	// to the file it resumed) so that an interruption keeps that file.
	Saved int
	// SavedInterrupted reports that the model was saved at an interruption.
	SavedInterrupted bool
}

// CheckpointError is a save of ModelCheckpoint that failed; Path keeps what
// it held.
type CheckpointError struct {
	Path  string
	Epoch int // the epoch saved; 0 for a save at an interruption
	Err   error
}

func (e *CheckpointError) Error() string {
	if e.Epoch == 0 {
		return fmt.Sprintf("nn: interrupted; %s not saved: %v", e.Path, e.Err)
	}
	return fmt.Sprintf("epoch %d: %v", e.Epoch, e.Err)
}

func (e *CheckpointError) Unwrap() error { return e.Err }

func (c *ModelCheckpoint) check(t *Trainer) error {
	switch {
	case c.Path == "":
		return errors.New("nn: model checkpoint: no Path")
	case c.BestOnly && t.Val.Len() == 0:
		return errors.New("nn: model checkpoint: BestOnly needs a validation set (Trainer.Val)")
	}
	return nil
}

// OnEpochEnd saves the epoch's model, unless BestOnly and the epoch does not
// better the validation loss. A failed save is a *CheckpointError.
func (c *ModelCheckpoint) OnEpochEnd(t *Trainer, s EpochStats) error {
	if c.Monitor == nil {
		c.Monitor = NewMonitor()
	}
	if better := c.Monitor.Observe(s); c.BestOnly && !better {
		return nil
	}
	m := t.Model
	if m.Meta == nil {
		m.Meta = map[string]string{}
	}
	c.Monitor.record(m.Meta)
	st := &TrainState{Optimizer: t.Optimizer, Epochs: s.Epoch, Steps: s.GlobalStep}
	if err := Save(c.Path, m, st); err != nil {
		return &CheckpointError{Path: c.Path, Epoch: s.Epoch, Err: err}
	}
	c.Saved = s.Epoch
	return nil
}

// OnTrainEnd saves the model at an interruption, with SaveOnInterrupt. A
// failed save is a *CheckpointError of Epoch 0.
func (c *ModelCheckpoint) OnTrainEnd(t *Trainer, h *History, err error) error {
	if !c.SaveOnInterrupt || c.Saved > 0 || h == nil || len(h.StepLoss) == 0 || !Interrupted(err) {
		return nil
	}
	if serr := Save(c.Path, t.Model, nil); serr != nil {
		return &CheckpointError{Path: c.Path, Err: serr}
	}
	c.SavedInterrupted = true
	return nil
}

// Interrupted reports whether err, from Fit, is an interruption (ctx's
// cancellation or deadline) of a training that had not diverged: a loss or
// weights that became NaN or infinite take precedence, since saving the
// model then would replace good work with a diverged model.
func Interrupted(err error) bool {
	var loss *NonFiniteLossError
	var weights *NonFiniteWeightsError
	if errors.As(err, &loss) || errors.As(err, &weights) {
		return false
	}
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// EarlyStopping stops training once Patience epochs in a row have not
// bettered the validation loss (Patience 0 never stops). It needs a
// validation set (Trainer.Val).
type EarlyStopping struct {
	Patience int
	// Monitor follows the validation loss; nil starts a NewMonitor. A
	// resumed run continues its checkpoint's (MonitorFromMeta).
	Monitor *Monitor
	// Stopped is the epoch after which it stopped training; 0 if it did not.
	Stopped int
}

func (e *EarlyStopping) check(t *Trainer) error {
	if t.Val.Len() == 0 {
		return errors.New("nn: early stopping needs a validation set (Trainer.Val)")
	}
	return nil
}

// OnEpochEnd returns ErrStopTraining when the validation loss has not
// improved for Patience epochs.
func (e *EarlyStopping) OnEpochEnd(t *Trainer, s EpochStats) error {
	if e.Monitor == nil {
		e.Monitor = NewMonitor()
	}
	e.Monitor.Observe(s)
	if e.Patience > 0 && e.Monitor.Stale >= e.Patience {
		e.Stopped = s.Epoch
		return ErrStopTraining
	}
	return nil
}
