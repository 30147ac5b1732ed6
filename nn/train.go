package nn

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/nn/data"
)

// Trainer is the training loop: mini-batch gradient descent of Model on
// Train for Epochs epochs, with an optional validation set and callbacks.
type Trainer struct {
	Model     *Model
	Loss      Loss
	Optimizer Optimizer
	// Schedule sets the learning rate at the start of each epoch, and
	// before each step when it is a StepSchedule (Warmup); nil keeps the
	// optimiser's.
	Schedule  Schedule
	Epochs    int
	BatchSize int
	// Seed shuffles the batches (a new permutation every epoch).
	Seed uint64
	// Order, when set, chooses each step's rows instead of shuffled
	// batches of BatchSize (a data.TextBatcher for a GPT).
	Order BatchOrder
	// StartEpoch is the number of epochs already done: Fit runs epochs
	// StartEpoch+1 to Epochs, each with the batch order and learning rate
	// it would have had in one uninterrupted run. Resume sets it.
	StartEpoch int
	// StartStep is the number of steps already done (the step numbers of
	// Progress and errors continue from it). Resume sets it.
	StartStep  int
	Train, Val data.Set
	// LogEvery is the number of steps between reads of the loss from the
	// device (default 50); each read waits for the device, so larger is
	// faster, smaller reports sooner and finds a NaN sooner (its step is
	// exact either way).
	LogEvery int
	// Reducer, when set, makes Fit rank Reducer.Rank() of a data-parallel
	// run over Reducer.Size() ranks (an MPI job): each rank runs its share
	// of every batch's MicroBatches and every rank takes the same step
	// with their mean gradient, summed in a fixed order (see parallel).
	// Every rank must run the same Trainer on the same model, seed and data.
	Reducer Reducer
	// MicroBatches is how many micro-batches a data-parallel step cuts each
	// batch into (default Reducer.Size()), a multiple of the ranks. Runs
	// with the same MicroBatches take the same steps, to the bit, on any
	// number of ranks that divides it.
	MicroBatches int
	// EvalBatch is the batch size of evaluation (default 1024).
	EvalBatch int
	// BeforeStep, when set, is called before each optimiser step with the
	// epoch (from 1) and the steps done in all, before Fit looks at ctx:
	// a viewer pauses training by blocking in it, and stops it by
	// cancelling ctx and returning nil, as an interrupt does. An error it
	// returns ends Fit with that error (on this rank only: a data-parallel
	// run stops by ctx). Unset, a step costs one nil check.
	BeforeStep func(epoch, step int) error
	// OnProgress, when set, is called after each read of the loss.
	OnProgress func(Progress)
	// OnEpoch, when set, is called after each epoch, before Callbacks;
	// returning ErrStopTraining ends training early without an error, any
	// other error ends it with that error.
	OnEpoch func(EpochStats) error
	// ClipNorm, when > 0, clips the gradients to this global 2-norm before
	// each step, on the device (GradClipper, PyTorch's clip_grad_norm_);
	// the backend must implement backend.GradNormClipper.
	ClipNorm float32
	// CrossEntropy, when not the zero value, trains the SoftmaxCrossEntropy
	// loss with label smoothing and class weights (one per model output),
	// and evaluates the validation loss with them; other losses refuse it.
	// Set the Model's CrossEntropy too, for Save to record them.
	CrossEntropy CrossEntropyOptions
	// Callbacks are told of each epoch's end, in order, after OnEpoch, and
	// those that are TrainEnders of Fit's end: ModelCheckpoint,
	// EarlyStopping or a Callback of your own.
	Callbacks []Callback
}

// ErrStopTraining, returned by OnEpoch or a Callback, stops training early.
var ErrStopTraining = errors.New("stop training")

// Progress is the state of the current epoch at a read of the loss.
type Progress struct {
	Epoch, Epochs       int // Epoch counts from 1
	Step, StepsPerEpoch int // steps done in this epoch
	GlobalStep          int // steps done in all
	Samples             int // samples seen this epoch
	Loss, Accuracy      float64
	Elapsed             time.Duration // since the epoch began
}

// SamplesPerSec is the epoch's throughput so far.
func (p Progress) SamplesPerSec() float64 { return float64(p.Samples) / p.Elapsed.Seconds() }

// EpochStats summarises an epoch. Loss and Accuracy are the means over the
// epoch's steps (the model changing as it goes, as Keras reports them);
// ValLoss and ValAccuracy evaluate the model at the epoch's end, NaN
// without a validation set. On real-valued targets (data.Set.Targets)
// Accuracy is NaN (none is counted while training) and ValAccuracy is
// Evaluate's (BCEWithLogits' per-label accuracy, else NaN).
type EpochStats struct {
	Epoch                int // from 1
	Loss, Accuracy       float64
	ValLoss, ValAccuracy float64
	// ValRegression holds the validation set's regression metrics when
	// the data holds real-valued targets (nil for class labels).
	ValRegression  *RegressionMetrics
	LR             float32
	Steps, Samples int
	GlobalStep     int // steps done in all, this epoch's included: TrainState.Steps
	Duration       time.Duration
}

// SamplesPerSec is the epoch's training throughput.
func (s EpochStats) SamplesPerSec() float64 { return float64(s.Samples) / s.Duration.Seconds() }

// History is what Fit measured: each epoch's summary and each step's loss.
type History struct {
	Epochs   []EpochStats
	StepLoss []float32
}

// NonFiniteLossError reports a loss that became NaN or infinite.
type NonFiniteLossError struct {
	Step, Epoch int // Step counts from 1 over the whole run
	Loss        float32
	LR          float32
}

func (e *NonFiniteLossError) Error() string {
	return fmt.Sprintf("the loss became %v at step %d (epoch %d): training diverged; lower the learning rate (it was %g), or check the data for extreme values",
		e.Loss, e.Step, e.Epoch, e.LR)
}

// checkSteps refuses a run whose step counts would pass maxSteps, the most
// a checkpoint records, so that a resumed run with a huge step count is
// refused before it trains rather than when it saves. The optimiser's own
// counts (Adam's) are checked too.
func (t *Trainer) checkSteps() error {
	perEpoch := t.order().Batches()
	more := float64(t.Epochs-t.StartEpoch) * float64(perEpoch)
	start := t.StartStep
	if a, ok := t.Optimizer.(*Adam); ok {
		for _, s := range a.steps {
			start = max(start, s)
		}
	}
	if float64(start)+more > maxSteps {
		return fmt.Errorf("nn: trainer: starting at step %d, %d epochs of %d steps would pass %d steps, the most a checkpoint records", start, t.Epochs-t.StartEpoch, perEpoch, maxSteps)
	}
	return nil
}

// check validates the configuration and that the model fits the data.
func (t *Trainer) check() error {
	switch {
	case t.Model == nil || t.Optimizer == nil:
		return errors.New("nn: trainer: Model and Optimizer are required")
	case t.Epochs < 1:
		return fmt.Errorf("nn: trainer: %d epochs: want at least 1", t.Epochs)
	case t.StartEpoch < 0 || t.StartStep < 0:
		return fmt.Errorf("nn: trainer: start at epoch %d, step %d: want 0 or more", t.StartEpoch, t.StartStep)
	case t.StartEpoch >= t.Epochs:
		return fmt.Errorf("nn: trainer: %d epochs are done already, of %d", t.StartEpoch, t.Epochs)
	case t.BatchSize < 1:
		return fmt.Errorf("nn: trainer: batch size %d: want at least 1", t.BatchSize)
	case t.Train.Len() == 0:
		return errors.New("nn: trainer: the training set is empty")
	case t.EvalBatch < 0:
		return fmt.Errorf("nn: trainer: evaluation batch %d: want 0 (1024) or more", t.EvalBatch)
	case t.LogEvery < 0:
		return fmt.Errorf("nn: trainer: LogEvery %d: want 0 (50) or more", t.LogEvery)
	case t.ClipNorm < 0 || t.ClipNorm != t.ClipNorm || math.IsInf(float64(t.ClipNorm), 0):
		return fmt.Errorf("nn: trainer: ClipNorm %v: want 0 (no clipping) or a finite number > 0", t.ClipNorm)
	}
	if _, ok := t.Model.Backend().(backend.GradNormClipper); t.ClipNorm > 0 && !ok {
		return fmt.Errorf("nn: trainer: ClipNorm on %s: %w", t.Model.Backend().Name(), errors.ErrUnsupported)
	}
	if err := t.Loss.check("trainer", t.Train.Name, t.Train.Regression()); err != nil {
		return err
	}
	if err := t.CrossEntropy.check("trainer", t.Loss, t.Model.Outputs); err != nil {
		return err
	}
	if _, ok := t.Model.Backend().(backend.WeightedLosser); !t.CrossEntropy.IsZero() && !ok {
		return fmt.Errorf("nn: trainer: label smoothing and class weights on %s: %w", t.Model.Backend().Name(), errors.ErrUnsupported)
	}
	if err := t.checkTargets(); err != nil {
		return err
	}
	if err := t.checkSteps(); err != nil {
		return err
	}
	if err := t.Model.check("trainer"); err != nil {
		return err
	}
	if err := t.checkParallel(); err != nil {
		return err
	}
	if err := CheckFits(t.Model, t.Train); err != nil {
		return err
	}
	if err := t.checkOptimizer(); err != nil {
		return err
	}
	if t.Val.Len() > 0 {
		if err := CheckFits(t.Model, t.Val); err != nil {
			return err
		}
	}
	for _, cb := range t.Callbacks {
		if c, ok := cb.(checker); ok {
			if err := c.check(t); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkOptimizer refuses an optimiser that says which parameters it updates
// (SGD and Adam do: Parameters) when one of them is not the model's, or
// none is: one made over another model's parameters would train nothing.
func (t *Trainer) checkOptimizer() error {
	o, ok := t.Optimizer.(interface{ Parameters() []*autograd.Value })
	if !ok {
		return nil
	}
	mine := map[*autograd.Value]bool{}
	for _, p := range t.Model.Parameters() {
		mine[p] = true
	}
	ps := o.Parameters()
	for _, p := range ps {
		if !mine[p] {
			return fmt.Errorf("nn: trainer: the optimiser updates %s, which is not a parameter of the model %v: make it over the model's Parameters()", excerpt(p.Name()), t.Model)
		}
	}
	if len(ps) == 0 && len(mine) > 0 {
		return fmt.Errorf("nn: trainer: the optimiser updates none of the %d parameters of the model %v: make it over the model's Parameters()", len(mine), t.Model)
	}
	return nil
}

// CheckFits refuses a model whose input width differs from the data's
// features, whose outputs are fewer than the data's classes, or, for a
// set of real-valued targets, not one per target.
func CheckFits(m *Model, s data.Set) error {
	if err := m.check("check fits"); err != nil {
		return err
	}
	return fits(m, s.Name, s.Features, s.Classes, s.Outputs)
}

func fits(m *Model, name string, features, classes, targets int) error {
	if m.Inputs != features {
		return fmt.Errorf("nn: the model %v takes %d inputs, but %s has %d features", m, m.Inputs, name, features)
	}
	if targets > 0 && m.Outputs != targets {
		return fmt.Errorf("nn: the model %v has %d outputs, but %s has %d targets a row: want one output per target", m, m.Outputs, name, targets)
	}
	if m.Outputs < classes {
		return fmt.Errorf("nn: the model %v has %d outputs, but %s has %d classes", m, m.Outputs, name, classes)
	}
	return nil
}

// run is the state of one Fit.
type run struct {
	t       *Trainer
	b       backend.Backend
	g       *autograd.Graph
	train   *DeviceSet
	bs      *batches
	lossLog backend.Tensor // one row per step since the last read
	hitLog  backend.Tensor
	hit     backend.Tensor
	clip    *GradClipper     // nil without Trainer.ClipNorm
	ce      *ceLoss          // nil without Trainer.CrossEntropy
	grads   []backend.Tensor // the gradients clip scales, reused
	dp      *parallel        // nil without Trainer.Reducer
	pending []int            // batch sizes of the steps in the logs
	step    int              // steps done in all
	hist    History
	// The epoch in progress.
	epoch                int
	lossSum, hits, start float64
	samples, epochSteps  int
	began                time.Time
	host                 []float32
}

// Fit trains the model and returns its history. It stops at ctx's
// cancellation after the step in progress, returning ctx's error with the
// history so far (the model then holds the last step's weights), and at a
// NaN or infinite loss with a *NonFiniteLossError. The Callbacks that are
// TrainEnders are then told, and their errors joined to Fit's. In a
// data-parallel run (Reducer) every rank stops after the step in which any
// rank's ctx was cancelled; a rank whose own ctx was not returns
// context.Canceled.
func (t *Trainer) Fit(ctx context.Context) (*History, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	h, err := t.fit(ctx)
	var errs []error
	for _, cb := range t.Callbacks {
		if te, ok := cb.(TrainEnder); ok {
			if e := te.OnTrainEnd(t, h, err); e != nil {
				errs = append(errs, e)
			}
		}
	}
	if len(errs) > 0 {
		return h, errors.Join(append([]error{err}, errs...)...)
	}
	return h, err
}

// fit is Fit once its configuration is checked.
func (t *Trainer) fit(ctx context.Context) (*History, error) {
	b := t.Model.Backend()
	r := &run{t: t, b: b, g: autograd.NewGraph(b), bs: newBatches(b, t.Train.Features, t.Model.Outputs, max(1, t.Train.Outputs)), step: t.StartStep}
	defer r.release()
	r.g.SetMode(autograd.ModeTrain)
	if m := t.Model; m.ownModes { // a layer of the caller's own has a mode (SetTraining)
		defer m.SetTraining(m.Training())
		m.SetTraining(true)
	}
	logEvery := t.LogEvery
	if logEvery < 1 {
		logEvery = 50
	}
	var err error
	if r.train, err = Upload(b, t.Train); err != nil {
		return nil, err
	}
	r.host = make([]float32, logEvery)
	for _, p := range []*backend.Tensor{&r.lossLog, &r.hitLog} {
		if *p, err = b.New(backend.Shape{Rows: logEvery, Cols: 1}); err != nil {
			return nil, fmt.Errorf("nn: fit: %w", err)
		}
	}
	if r.hit, err = zeros(b, backend.Shape{Rows: 1, Cols: 1}); err != nil { // stays 0 for targets
		return nil, fmt.Errorf("nn: fit: %w", err)
	}
	if t.ClipNorm > 0 {
		if r.clip, err = NewGradClipper(b); err != nil {
			return nil, err
		}
	}
	if r.ce, err = newCELoss("fit", b, t.CrossEntropy); err != nil {
		return nil, err
	}
	if t.Reducer != nil {
		m := t.microBatches()
		r.dp = &parallel{red: t.Reducer, ctx: ctx, m: m, slots: m / t.Reducer.Size()}
		if err := r.agree(); err != nil {
			return nil, err
		}
	}
	var val *DeviceSet
	if t.Val.Len() > 0 {
		if val, err = Upload(b, t.Val); err != nil {
			return nil, err
		}
		defer val.Release()
	}
	batcher := t.order()
	for e := t.StartEpoch; e < t.Epochs; e++ {
		if t.Schedule != nil {
			t.Optimizer.SetLR(t.plateaued(t.Schedule.LR(e)))
		}
		r.beginEpoch(e + 1)
		epochBatches := batcher.Epoch(e)
		for i, rows := range epochBatches {
			if t.BeforeStep != nil {
				if err := t.BeforeStep(e+1, r.step); err != nil {
					return &r.hist, errors.Join(err, r.flush(len(epochBatches)))
				}
			}
			if err := ctx.Err(); err != nil && r.dp == nil { // the ranks agree on a stop in the step
				return &r.hist, errors.Join(err, r.flush(len(epochBatches)))
			}
			if ss, ok := t.Schedule.(StepSchedule); ok {
				t.Optimizer.SetLR(t.plateaued(ss.LRAt(e, r.step)))
			}
			if err := r.trainStep(rows); err != nil {
				return &r.hist, err
			}
			if r.dp != nil && r.dp.stop {
				return &r.hist, errors.Join(cmp.Or(ctx.Err(), context.Canceled), r.flush(len(epochBatches)))
			}
			if len(r.pending) == logEvery || i == len(epochBatches)-1 {
				if err := r.flush(len(epochBatches)); err != nil {
					return &r.hist, err
				}
			}
		}
		stats, err := r.endEpoch(val)
		if err != nil {
			return &r.hist, err
		}
		if stop, err := t.epochEnd(stats); err != nil {
			return &r.hist, err
		} else if stop {
			break
		}
	}
	return &r.hist, nil
}

// plateaued is the schedule's rate lr under the reductions of a
// ReduceLROnPlateau among the Callbacks (lr without one).
func (t *Trainer) plateaued(lr float32) float32 {
	for _, cb := range t.Callbacks {
		if p, ok := cb.(*ReduceLROnPlateau); ok {
			lr = p.rate(lr)
		}
	}
	return lr
}

// epochEnd tells OnEpoch and the Callbacks of the epoch's end, and reports
// whether one of them stops training.
func (t *Trainer) epochEnd(s EpochStats) (stop bool, err error) {
	tell := func(err error) error {
		if errors.Is(err, ErrStopTraining) {
			stop = true
			return nil
		}
		return err
	}
	if t.OnEpoch != nil {
		if err := tell(t.OnEpoch(s)); err != nil {
			return false, err
		}
	}
	for _, cb := range t.Callbacks {
		if err := tell(cb.OnEpochEnd(t, s)); err != nil {
			return false, err
		}
	}
	return stop, nil
}

// trainStep runs forward, backward and the update on one batch, and logs its
// loss and correct count on the device.
func (r *run) trainStep(rows []int) error {
	var loss backend.Tensor
	var err error
	if r.dp != nil {
		loss, err = r.dp.step(r, rows)
	} else {
		var v *autograd.Value
		if v, err = r.backward(rows); v != nil {
			loss = v.Tensor()
		}
	}
	g := r.g
	if err == nil && r.clip != nil {
		err = r.clip.Clip(r.gradients(), r.t.ClipNorm)
	}
	if err == nil {
		err = r.t.Optimizer.Step()
	}
	r.t.Optimizer.ZeroGrad()
	k := len(r.pending)
	if err == nil {
		err = errors.Join(
			r.b.CopyRows(r.lossLog, k, loss),
			r.b.CopyRows(r.hitLog, k, r.hit),
		)
	}
	err = errors.Join(err, g.Reset())
	if err != nil {
		return fmt.Errorf("nn: step %d: %w", r.step+1, err)
	}
	r.pending = append(r.pending, len(rows))
	r.step++
	return nil
}

// backward gathers the batch rows and runs the model's forward, the loss
// and Backward on r.g, counting the correct answers in r.hit.
func (r *run) backward(rows []int) (*autograd.Value, error) {
	bt, err := r.bs.gather(r.train, rows)
	if err != nil {
		return nil, err
	}
	g := r.g
	scores := r.t.Model.Forward(g, g.Input(bt.x))
	var loss *autograd.Value
	if r.train.Outputs > 0 {
		loss = r.t.Loss.applyTargets(g, scores, g.Input(bt.y))
	} else if r.ce != nil {
		loss, err = r.ce.applyCounting(g, scores, g.Input(bt.y), r.hit)
	} else {
		loss, err = r.t.Loss.applyCounting(g, scores, g.Input(bt.y), bt.onehot, r.hit)
	}
	if err == nil {
		err = g.Backward(loss)
	}
	return loss, err
}

// gradients are what the clip scales: the optimiser's flat gradient
// tensors (one, or one a weight-decay group) when it packs them, else each
// parameter's gradient.
func (r *run) gradients() []backend.Tensor {
	r.grads = r.grads[:0]
	if flat := packedGrads(r.t.Optimizer, r.grads); flat != nil {
		r.grads = flat
		return flat
	}
	for _, p := range r.t.Model.Parameters() {
		r.grads = append(r.grads, p.Grad())
	}
	return r.grads
}

func (r *run) beginEpoch(e int) {
	r.epoch, r.lossSum, r.hits, r.samples, r.epochSteps, r.began = e, 0, 0, 0, 0, time.Now()
}

// flush reads the logged losses and hits of the pending steps: it checks for
// a non-finite loss, adds them to the epoch's sums and the history, and
// reports progress.
func (r *run) flush(stepsPerEpoch int) error {
	if len(r.pending) == 0 {
		return nil
	}
	first := r.step - len(r.pending) // steps done before the pending ones
	if err := r.b.Download(r.host, r.lossLog); err != nil {
		return fmt.Errorf("nn: reading the loss: %w", err)
	}
	for i, n := range r.pending {
		l := r.host[i]
		if math.IsNaN(float64(l)) || math.IsInf(float64(l), 0) {
			return &NonFiniteLossError{Step: first + i + 1, Epoch: r.epoch, Loss: l, LR: r.t.Optimizer.LR()}
		}
		r.lossSum += float64(l) * float64(n)
		r.samples += n
		r.hist.StepLoss = append(r.hist.StepLoss, l)
	}
	if err := r.b.Download(r.host, r.hitLog); err != nil {
		return fmt.Errorf("nn: reading the accuracy: %w", err)
	}
	for i := range r.pending {
		r.hits += float64(r.host[i])
	}
	r.epochSteps += len(r.pending)
	r.pending = r.pending[:0]
	if r.t.OnProgress != nil {
		r.t.OnProgress(Progress{
			Epoch: r.epoch, Epochs: r.t.Epochs, Step: r.epochSteps, StepsPerEpoch: stepsPerEpoch,
			GlobalStep: r.step, Samples: r.samples,
			Loss: r.lossSum / float64(r.samples), Accuracy: r.accuracy(),
			Elapsed: time.Since(r.began),
		})
	}
	return nil
}

// endEpoch summarises the epoch and evaluates the validation set.
func (r *run) endEpoch(val *DeviceSet) (EpochStats, error) {
	s := EpochStats{
		Epoch: r.epoch, Loss: r.lossSum / float64(r.samples), Accuracy: r.accuracy(),
		ValLoss: math.NaN(), ValAccuracy: math.NaN(), LR: r.t.Optimizer.LR(),
		Steps: r.epochSteps, Samples: r.samples, GlobalStep: r.step, Duration: time.Since(r.began),
	}
	if val != nil {
		var err error
		var rm RegressionMetrics
		if s.ValLoss, s.ValAccuracy, rm, err = evaluate(r.t.Model, r.t.Loss, r.ce, val, r.t.EvalBatch); err != nil {
			return s, err
		}
		if val.Outputs > 0 {
			s.ValRegression = &rm
		}
	}
	r.hist.Epochs = append(r.hist.Epochs, s)
	return s, nil
}

func (r *run) release() {
	r.g.Reset()
	if r.clip != nil {
		r.clip.Release()
	}
	r.ce.release()
	r.dp.release(r.b)
	r.bs.release()
	for _, t := range []backend.Tensor{r.lossLog, r.hitLog, r.hit} {
		if t != nil {
			r.b.Release(t)
		}
	}
	if r.train != nil {
		r.train.Release()
	}
}
