package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"gltrain/nn"
	"gltrain/nn/data"
)

// run is the command: it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c, err := parseFlags(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "train: %v\n(train -h lists every flag with its default)\n", err)
		return 2
	}
	for _, line := range c.ineffective() {
		fmt.Fprintf(stderr, "warning: %s\n", line)
	}
	if err := train(ctx, c, newUI(c, stdout, stderr), stderr); err != nil {
		var code exitCode
		if errors.As(err, &code) {
			fmt.Fprintf(stderr, "train: %v\n", code.err)
			return code.code
		}
		if errors.Is(err, context.Canceled) { // interrupted before training began
			fmt.Fprintf(stderr, "train: interrupted (%v)\n", err)
			return 130
		}
		fmt.Fprintf(stderr, "train: %v\n", err)
		return 1
	}
	return 0
}

// exitCode is an error with an exit status other than 1.
type exitCode struct {
	code int
	err  error
}

func (e exitCode) Error() string { return e.err.Error() }

// train runs the command after its flags are parsed.
func train(ctx context.Context, c config, u *ui, stderr io.Writer) error {
	var ck *checkpoint
	from := c.load
	if c.resume != "" {
		from = c.resume
	}
	if from != "" {
		loaded, err := loadCheckpoint(from)
		if err != nil {
			return err
		}
		ck = &loaded
		if c.resume != "" {
			if err := c.adoptRun(loaded); err != nil {
				return exitCode{2, err}
			}
			if was := loaded.Hyper["epochs"]; was != strconv.Itoa(c.epochs) && (c.schedule == "cosine" || c.schedule == "step") {
				fmt.Fprintf(stderr, "warning: -schedule=%s spreads over -epochs: the run resumed to %d epochs follows the %d-epoch schedule from here, not the %s-epoch one its first epochs followed\n",
					c.schedule, c.epochs, c.epochs, was)
			}
		} else {
			ck.defaults(&c) // without -data, the data set it was trained on
		}
		// That data set is an input too, which -save must not replace.
		if err := c.checkSave(); err != nil {
			return exitCode{2, err}
		}
		if c.eval && ck.Data != "" && ck.Data != c.data && !sameFile(ck.Data, c.data) {
			fmt.Fprintf(stderr, "warning: %s was trained on %s and is evaluated on %s (-data)\n", from, ck.Data, c.data)
		}
		if !c.given["loss"] {
			c.loss = ck.Loss
		}
	}
	rf, err := prepareOutputs(c, time.Now())
	if err != nil {
		return exitCode{2, err}
	}
	defer rf.close()
	b, notice, err := openBackend(c.backend, c.threads)
	if err != nil {
		return err
	}
	defer b.Close()
	if notice != "" {
		fmt.Fprintf(stderr, "notice: %s\n", notice)
	}
	u.backend = b.Name()
	u.printf("backend  %s", describe(b))
	if c.predict != "" {
		return predict(c, *ck, b, u)
	}

	var dataLog io.Writer
	if !c.quiet {
		dataLog = u.out
	}
	d, err := loadData(ctx, c, ck, dataLog)
	if err != nil {
		return err
	}
	u.heldName = d.heldName
	if ck == nil { // a checkpoint fixes the classes; otherwise the data does
		warning, err := checkClasses(c, d)
		if err != nil {
			return err
		}
		if warning != "" {
			fmt.Fprintf(stderr, "warning: %s\n", warning)
		}
	}
	u.printf("data     %s", d.describe())
	if (c.saveBest || c.patience > 0) && d.held.Len() == 0 {
		return exitCode{2, errors.New("-save-best and -patience need a validation set, and this run holds none out (-val)")}
	}

	var spec nn.Spec
	if ck != nil {
		spec = ck.Spec
	} else {
		img, err := c.image(d.train.Features)
		if err == nil {
			spec, err = c.modelSpec(d.train.Features, d.train.Classes, img)
		}
		if err != nil {
			return exitCode{2, err}
		}
	}
	if spec.Inputs != d.train.Features || spec.Outputs < d.train.Classes {
		// Name only what does not fit: the inputs, else the classes.
		msg := fmt.Sprintf("the model %v takes %d inputs, but %s has %d features", spec, spec.Inputs, c.data, d.train.Features)
		if spec.Inputs == d.train.Features {
			msg = fmt.Sprintf("the model %v has %d outputs, but %s has %d classes", spec, spec.Outputs, c.data, d.train.Classes)
		}
		if ck != nil {
			return fmt.Errorf("%s (trained on %s) does not fit: %s", from, ck.Data, msg)
		}
		return errors.New(msg)
	}
	if err := spec.Check(); err != nil {
		return exitCode{2, fmt.Errorf("the model: %w", err)}
	}
	if err := checkMemory(spec, spec.String(), c, d, b); err != nil {
		return err
	}
	var m *nn.Model
	var st *nn.TrainState
	switch {
	case c.resume != "":
		m, st, err = nn.Resume(c.resume, b)
	case c.load != "":
		m, err = nn.Load(c.load, b)
	default:
		m, err = spec.Build(b, c.seed)
	}
	if err != nil {
		return err
	}
	defer m.Release()
	if st != nil && st.Optimizer != nil {
		defer st.Optimizer.Release()
	}
	u.printf("model    %v, %d parameters, %v loss%s", m, countParams(m), c.loss, loadedFrom(from, ck))

	if c.eval {
		return evaluate(m, c, d, u)
	}

	var opt nn.Optimizer
	if st != nil {
		opt = st.Optimizer
	} else {
		if opt, err = nn.NewOptimizer(c.opt, b, m.Parameters(), float32(c.lr), float32(c.wd)); err != nil {
			return err
		}
		defer opt.Release()
	}
	schedule, err := nn.ParseSchedule(c.schedule, float32(c.lr), c.epochs)
	if err != nil {
		return err
	}
	if st != nil {
		u.printf("resuming epoch %d of %d (step %d) from %s", st.Epochs+1, c.epochs, st.Steps, c.resume)
	}
	u.printf("training %s", c.hyperparameters())
	if rf != nil {
		u.metrics = rf
	}

	m.Loss, m.ClassNames, m.Standardizer = c.loss, d.train.ClassNames, d.std
	m.Meta = c.hyper()
	start := nn.TrainState{}
	if st != nil {
		start = *st
	}
	best := math.Inf(1)
	bestEpoch, saved, stale := 0, 0, 0 // saved: the last epoch written to -save
	if st != nil && sameFile(c.save, c.resume) {
		// -save is the file resumed, which holds that epoch's end: an
		// interrupt before the next must keep it, optimiser state and all.
		saved = st.Epochs
	}
	if ck != nil && c.resume != "" { // -save-best and -patience continue too
		best, bestEpoch, stale = ck.progress()
	}
	var lastGood nn.TrainState
	steps := (d.train.Len() + c.batch - 1) / c.batch
	tr := nn.Trainer{
		Model: m, Loss: c.loss, Optimizer: opt, Schedule: schedule,
		Epochs: c.epochs, BatchSize: c.batch, Seed: c.seed, Train: d.train, Val: d.held,
		StartEpoch: start.Epochs, StartStep: start.Steps,
		LogEvery: max(1, min(50, steps/10)), OnProgress: u.progress,
		OnEpoch: func(s nn.EpochStats) error {
			u.epoch(s, c.epochs)
			lastGood = nn.TrainState{Optimizer: opt, Epochs: s.Epoch, Steps: s.GlobalStep}
			better := s.ValLoss < best
			if better {
				best, bestEpoch, stale = s.ValLoss, s.Epoch, 0
			} else {
				stale++
			}
			if c.save != "" && (!c.saveBest || better) {
				m.Meta["best_val_loss"] = strconv.FormatFloat(best, 'g', -1, 64)
				m.Meta["best_epoch"], m.Meta["stale_epochs"] = strconv.Itoa(bestEpoch), strconv.Itoa(stale)
				if err := saveCheckpoint(c.save, m, &lastGood); err != nil {
					return fmt.Errorf("epoch %d: %w", s.Epoch, err)
				}
				saved = s.Epoch
			}
			if c.patience > 0 && stale >= c.patience {
				u.printf("stopping: no better validation loss for %d %s (the best, %.4f, was epoch %d)", stale, plural(stale, "epoch", "epochs"), best, bestEpoch)
				return nn.ErrStopTraining
			}
			return nil
		},
	}
	began := time.Now()
	hist, err := tr.Fit(ctx)
	elapsed := time.Since(began)
	var nonFinite *nn.NonFiniteLossError
	var badWeights *nn.NonFiniteWeightsError
	kept := func() string {
		if saved == 0 {
			return ""
		}
		return fmt.Sprintf("; %s keeps the last good model (epoch %d)", c.save, saved)
	}
	switch {
	// Divergence first: an interrupt can arrive with it, and must not then
	// save the diverged model over the last good one.
	case errors.As(err, &nonFinite):
		msg := strings.Replace(err.Error(), "lower the learning rate (it was", "lower the learning rate (-lr; it was", 1)
		return errors.New(msg + kept())
	case errors.As(err, &badWeights):
		return fmt.Errorf("%v: training diverged; lower the learning rate (-lr; it was %g)%s", err, c.lr, kept())
	case errors.Is(err, context.Canceled):
		msg := "interrupted"
		if c.save != "" && (hist == nil || len(hist.StepLoss) == 0) {
			// Untrained since it was loaded or built: saving it could only
			// replace a trained checkpoint with less.
			return exitCode{130, fmt.Errorf("interrupted before the first training step; %s not written", c.save)}
		}
		switch {
		case c.save != "" && saved > 0:
			// The epoch-end checkpoint is kept: -resume continues it exactly.
			msg += fmt.Sprintf("; %s keeps epoch %d, which -resume=%s continues", c.save, saved, c.save)
		case c.save != "":
			if serr := saveCheckpoint(c.save, m, nil); serr != nil {
				return exitCode{130, fmt.Errorf("interrupted; %s not saved: %w", c.save, serr)}
			}
			msg += fmt.Sprintf("; saved the model as it was to %s", c.save)
		}
		return exitCode{130, errors.New(msg)}
	case err != nil:
		return err
	}
	if err := summarise(m, c, d, hist, elapsed, u); err != nil {
		return err
	}
	switch {
	case c.save != "" && c.saveBest:
		u.printf("saved    %s: the best model, epoch %d (validation loss %.4f)", c.save, bestEpoch, best)
	case c.save != "":
		u.printf("saved    %s", c.save)
	}
	return rf.finish(m, d, hist, fmt.Sprintf("%v on %s (%s)", m, c.data, b.Name()), u)
}

// prepared is m without its standardisation: the command's data sets are
// standardised when they are loaded, so predictions on them must not
// standardise again.
func prepared(m *nn.Model) *nn.Model {
	raw := *m
	raw.Standardizer = nil
	return &raw
}

func loadedFrom(path string, ck *checkpoint) string {
	if ck == nil {
		return ""
	}
	return fmt.Sprintf(", loaded from %s (%d epochs on %s)", path, ck.Epochs, ck.Data)
}

func countParams(m *nn.Model) int {
	n := 0
	for _, p := range m.Parameters() {
		n += p.Shape().Len()
	}
	return n
}

// accuracyOn evaluates the model on a host data set.
func accuracyOn(m *nn.Model, loss nn.Loss, s data.Set) (float64, float64, error) {
	ds, err := nn.Upload(m.Backend(), s)
	if err != nil {
		return 0, 0, err
	}
	defer ds.Release()
	return nn.Evaluate(m, loss, ds, 0)
}

// summarise prints the final line: time, throughput and the accuracies,
// evaluated on the whole training and held-out sets, and on MNIST's test
// set. It prints even with -quiet.
func summarise(m *nn.Model, c config, d dataset, h *nn.History, elapsed time.Duration, u *ui) error {
	trainLoss, trainAcc, err := accuracyOn(m, c.loss, d.train)
	if err != nil {
		return err
	}
	samples := 0
	for _, e := range h.Epochs {
		samples += e.Samples
	}
	line := fmt.Sprintf("done     %d epochs in %s (%s samples/s): train accuracy %.1f%% (loss %.4f)",
		len(h.Epochs), elapsed.Round(time.Millisecond), human(float64(samples)/elapsed.Seconds()), 100*trainAcc, trainLoss)
	if d.held.Len() > 0 {
		heldLoss, heldAcc, err := accuracyOn(m, c.loss, d.held)
		if err != nil {
			return err
		}
		line += fmt.Sprintf(", %s accuracy %.1f%% (loss %.4f)", d.heldName, 100*heldAcc, heldLoss)
	}
	if d.test.Len() > 0 { // MNIST's test set, here and only here
		testLoss, testAcc, err := accuracyOn(m, c.loss, d.test)
		if err != nil {
			return err
		}
		line += fmt.Sprintf(", test accuracy %.1f%% (loss %.4f)", 100*testAcc, testLoss)
	}
	fmt.Fprintln(u.out, line)
	return nil
}
