package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
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
	var state []nn.NamedTensor
	if c.load != "" {
		loaded, st, err := loadCheckpoint(c.load)
		if err != nil {
			return err
		}
		ck, state = &loaded, st
		ck.defaults(&c) // without -data, the data set it was trained on
		// That data set is an input too, which -save must not replace.
		if err := c.checkSave(); err != nil {
			return exitCode{2, err}
		}
		// Before anything is allocated: the architecture the header claims
		// must be the one its tensors have.
		if err := ck.Arch.CheckState(state); err != nil {
			return fmt.Errorf("%s: %w", c.load, err)
		}
		if c.eval && ck.Data != "" && ck.Data != c.data && !sameFile(ck.Data, c.data) {
			fmt.Fprintf(stderr, "warning: %s was trained on %s and is evaluated on %s (-data)\n", c.load, ck.Data, c.data)
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

	arch := nn.MLP(d.train.Features, c.hidden, d.train.Classes, c.act)
	if ck != nil {
		arch = ck.Arch
	}
	if err := nn.CheckFits(arch, d.train); err != nil {
		if ck != nil {
			return fmt.Errorf("%s (trained on %s) does not fit %s: %w", c.load, ck.Data, c.data, err)
		}
		return err
	}
	if err := checkMemory(arch, c, d, b); err != nil {
		return err
	}
	m, err := arch.Build(b, c.seed)
	if err != nil {
		return err
	}
	defer m.Release()
	if ck != nil {
		if err := m.LoadState(state); err != nil {
			return fmt.Errorf("%s: %w", c.load, err)
		}
	}
	u.printf("model    %v, %d parameters, %v loss%s", arch, countParams(m), c.loss, loadedFrom(c.load, ck))

	if c.eval {
		return evaluate(m, c, d, u)
	}

	opt, err := nn.NewOptimizer(c.opt, b, m.Parameters(), float32(c.lr), float32(c.wd))
	if err != nil {
		return err
	}
	defer opt.Release()
	schedule, err := nn.ParseSchedule(c.schedule, float32(c.lr), c.epochs)
	if err != nil {
		return err
	}
	u.printf("training %s", c.hyperparameters())
	if rf != nil {
		u.metrics = rf
	}

	meta := checkpoint{Arch: arch, Loss: c.loss, Data: c.data, Features: d.train.Features, Classes: d.train.Classes,
		ClassNames: d.train.ClassNames, Std: d.std}
	if ck != nil {
		meta.Epochs = ck.Epochs
	}
	saved := 0 // the last epoch written to -save
	steps := (d.train.Len() + c.batch - 1) / c.batch
	tr := nn.Trainer{
		Model: m, Loss: c.loss, Optimizer: opt, Schedule: schedule,
		Epochs: c.epochs, BatchSize: c.batch, Seed: c.seed, Train: d.train, Val: d.held,
		LogEvery: max(1, min(50, steps/10)), OnProgress: u.progress,
		OnEpoch: func(s nn.EpochStats) error {
			u.epoch(s, c.epochs)
			if c.save == "" {
				return nil
			}
			meta.Epochs++
			if err := saveCheckpoint(c.save, m, meta); err != nil {
				var bad *nonFiniteWeightsError
				if errors.As(err, &bad) {
					bad.epoch = s.Epoch
				}
				return err
			}
			saved = s.Epoch
			return nil
		},
	}
	start := time.Now()
	hist, err := tr.Fit(ctx)
	elapsed := time.Since(start)
	var nonFinite *nn.NonFiniteLossError
	var badWeights *nonFiniteWeightsError
	switch {
	// Divergence first: an interrupt can arrive with it, and must not then
	// save the diverged model over the last good one.
	case errors.As(err, &nonFinite):
		msg := strings.Replace(err.Error(), "lower the learning rate (it was", "lower the learning rate (-lr; it was", 1)
		if saved > 0 {
			msg += fmt.Sprintf("; %s keeps the last good model (epoch %d)", c.save, saved)
		}
		return errors.New(msg)
	case errors.As(err, &badWeights):
		msg := fmt.Sprintf("%v after epoch %d: training diverged; lower the learning rate (-lr; it was %g)", err, badWeights.epoch, c.lr)
		if saved > 0 {
			msg += fmt.Sprintf("; %s keeps the last good model (epoch %d)", c.save, saved)
		}
		return errors.New(msg)
	case errors.Is(err, context.Canceled):
		msg := "interrupted"
		if c.save != "" && (hist == nil || len(hist.StepLoss) == 0) {
			// Untrained since it was loaded or built: saving it could only
			// replace a trained checkpoint with less.
			return exitCode{130, fmt.Errorf("interrupted before the first training step; %s not written", c.save)}
		}
		if c.save != "" {
			if serr := saveCheckpoint(c.save, m, meta); serr != nil {
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
	if c.save != "" {
		u.printf("saved    %s", c.save)
	}
	return rf.finish(m, d, hist, fmt.Sprintf("%v on %s (%s)", arch, c.data, b.Name()), u)
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
