package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"gltrain/backend"
	"gltrain/nn"
	"gltrain/nn/data"
)

// run is the command: it returns the exit status. A write to stdout that
// fails (a full disk, /dev/full) does not stop the run, but makes its exit
// status 1, with the error, where it would have been 0.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	out := &errWriter{w: stdout}
	code := runTo(ctx, args, out, stderr)
	if code == 0 && out.err != nil {
		fmt.Fprintf(stderr, "train: writing to stdout: %v\n", out.err)
		return 1
	}
	return code
}

// errWriter passes writes on to w and keeps the first error.
type errWriter struct {
	w   io.Writer
	err error
}

// Unwrap is the writer below, where the progress bar looks for a terminal.
func (e *errWriter) Unwrap() io.Writer { return e.w }

func (e *errWriter) Write(p []byte) (int, error) {
	n, err := e.w.Write(p)
	if err != nil && e.err == nil {
		e.err = err
	}
	return n, err
}

// runTo is run, writing to stdout as it is.
func runTo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	began := time.Now() // the wall time's start: the process's, within Go's start-up
	c, err := parseFlags(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "train: %v\n(train -h lists every flag with its default)\n", err)
		return 2
	}
	w, err := joinWorld(c)
	if err != nil {
		fmt.Fprintf(stderr, "train: %v\n", err)
		var code exitCode
		if errors.As(err, &code) {
			return code.code
		}
		return 1
	}
	defer w.close()
	if c.world = w; w.rank() > 0 { // rank 0 prints and writes
		c, stdout = c.worker(), io.Discard
	}
	lv, err := startLive(&c, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "train: %v\n", err)
		return 2
	}
	defer lv.close()
	win, code := openView(c, stderr)
	if code != 0 {
		return code
	}
	for _, line := range c.ineffective() {
		fmt.Fprintf(stderr, "warning: %s\n", line)
	}
	u := newUI(c.uiOptions(), stdout, stderr)
	u.timing.began = began
	mode := func() error { return train(ctx, c, u, stderr) }
	if c.gen.n > 0 {
		mode = func() error { return generate(ctx, c, stdout, stderr) }
	}
	if c.export != "" {
		mode = func() error { return exportONNX(c, u) }
	}
	if err := runView(ctx, win, c.hub, lv.wrap(mode)); err != nil {
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
	if u.timing.trained { // the last line: the backend is closed, the plots drawn
		u.printf("%s", u.timing.line(time.Now()))
	}
	return 0
}

// exitCode is an error with an exit status other than 1.
type exitCode struct {
	code int
	err  error
}

func (e exitCode) Error() string { return e.err.Error() }

// train runs the command after its flags are parsed: it reads the
// checkpoint of -load or -resume, makes the outputs, opens the backend and
// runs the mode: -predict, -eval, or training (new, from -load, or resumed).
func train(ctx context.Context, c config, u *ui, stderr io.Writer) error {
	ck, err := readCheckpoint(&c, stderr)
	if err != nil {
		return err
	}
	rf, err := prepareOutputs(c.outputs(), time.Now())
	if err != nil {
		return exitCode{2, err}
	}
	defer rf.close()
	rf = rf.continueRun(ck, c.resume != "", u.out) // a resumed run continues its folder
	bspec := c.world.backendSpec(c.backend)
	b, notice, err := openBackend(bspec, c.threads)
	if err != nil && bspec != c.backend {
		return fmt.Errorf("%w\n(in a job of several ranks, -backend=gl opens the GPU of each rank's local rank; -backend=gl:device=N names one for every rank)", err)
	}
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
		return predict(predictFiles{features: c.predict, model: c.load, out: c.out, maxMemory: c.maxMemory}, *ck, b, u)
	}
	r := &session{c: c, ck: ck, b: b, u: u, rf: rf}
	spec, err := r.prepare(ctx, stderr)
	if err != nil {
		return err
	}
	if c.eval {
		return r.evaluate()
	}
	return r.trainLive(ctx, spec)
}

// session is a run of -eval or training once its checkpoint is read and
// its backend open: what the steps of the run share.
type session struct {
	c  config
	ck *checkpoint // -load's or -resume's; nil without
	b  backend.Backend
	u  *ui
	rf *runFolder // nil without a run folder
	d  dataset    // once prepared

	// ce is -label-smoothing's and -class-weights', once prepared.
	ce nn.CrossEntropyOptions
}

// checkpointPath is the checkpoint the run starts from: -resume's or
// -load's, or "".
func checkpointPath(c config) string {
	if c.resume != "" {
		return c.resume
	}
	return c.load
}

// readCheckpoint reads the header of -resume's or -load's checkpoint (nil
// without either) and takes from it what the flags left to it: a resumed
// run's hyperparameters, else the data set it was trained on, and the loss.
func readCheckpoint(c *config, stderr io.Writer) (*checkpoint, error) {
	from := checkpointPath(*c)
	if from == "" {
		return nil, nil
	}
	ck, err := loadCheckpoint(from)
	if err != nil {
		if isText(c.data) { // issue #24: a GPT whose config does not fit its tensors is bad input, as -generate's
			return nil, exitCode{2, err}
		}
		return nil, err
	}
	if ck.Spec.GPT != nil {
		c.gpt = *ck.Spec.GPT
	}
	if c.resume != "" {
		if err := c.adoptRun(ck); err != nil {
			return nil, exitCode{2, err}
		}
		if err := c.adoptCSVFiles(ck); err != nil { // -val-data, -test-data
			return nil, exitCode{2, err}
		}
		if was := ck.Hyper["epochs"]; was != strconv.Itoa(c.epochs) && (c.schedule == "cosine" || c.schedule == "step") && !c.finetune {
			fmt.Fprintf(stderr, "warning: -schedule=%s spreads over -epochs: the run resumed to %d epochs follows the %d-epoch schedule from here, not the %s-epoch one its first epochs followed\n",
				c.schedule, c.epochs, c.epochs, was)
		}
	} else {
		c.defaultsFrom(ck) // without -data, the data set it was trained on
	}
	c.adoptSkipRows(ck)
	// That data set is an input too, which -save must not replace.
	if err := c.checkOutputs(); err != nil {
		return nil, exitCode{2, err}
	}
	if !c.given["loss"] {
		c.loss = ck.Loss
	}
	c.takeCrossEntropy(ck)
	if err := c.checkCrossEntropy(); err != nil {
		return nil, exitCode{2, fmt.Errorf("%s: %v", from, err)}
	}
	c.regression = ck.Regression
	if err := checkTask(*c, ck); err != nil {
		return nil, err
	}
	return &ck, nil
}

// prepare loads the data and works out the model's spec (the checkpoint's,
// or the flags'), checking that it fits the data and the memory before
// anything of it is built.
func (r *session) prepare(ctx context.Context, stderr io.Writer) (nn.Spec, error) {
	c, ck, u := r.c, r.ck, r.u
	var dataLog io.Writer
	if !c.quiet {
		dataLog = u.out
	}
	d, err := loadData(ctx, c.dataSource(), ck, dataLog)
	if err != nil {
		return nn.Spec{}, err
	}
	r.d = d
	u.heldName, u.loss, u.tokens = d.heldName, c.loss, d.text != nil
	if w := evalClasses(c, ck, d); w != "" {
		fmt.Fprintf(stderr, "warning: %s\n", w)
	}
	if ck == nil && !d.train.Regression() && d.text == nil { // a checkpoint fixes the classes; otherwise the data does
		warning, err := checkClasses(c.dataSource(), c.maxClasses, d)
		if err != nil {
			return nn.Spec{}, err
		}
		if warning != "" {
			fmt.Fprintf(stderr, "warning: %s\n", warning)
		}
	}
	u.printf("data     %s", d.describe())
	if (c.saveBest || c.patience > 0) && d.held.Len() == 0 {
		return nn.Spec{}, exitCode{2, errors.New("-save-best and -patience need a validation set, and this run holds none out (-val)")}
	}
	spec, err := runSpec(c, ck, d)
	if err != nil {
		return spec, err
	}
	if r.ce, err = c.crossEntropy(ck, d.train, spec.Outputs); err != nil {
		return spec, err
	}
	return spec, checkMemory(spec, spec.String(), c.memoryNeed(), d, r.b)
}

// runSpec is the checkpoint's model, or the one the flags describe, once
// it is checked against the data.
func runSpec(c config, ck *checkpoint, d dataset) (nn.Spec, error) {
	var spec nn.Spec
	if d.text != nil {
		return textSpec(c, ck)
	}
	if ck != nil {
		spec = ck.Spec
	} else {
		img, err := c.image(d.train.Features)
		if err == nil {
			spec, err = modelSpec(c.layers, d.train.Features, max(d.train.Classes, d.train.Outputs), img)
		}
		if err != nil {
			return spec, exitCode{2, err}
		}
	}
	if d.train.Regression() && spec.Inputs == d.train.Features && spec.Outputs != d.train.Outputs {
		return spec, fmt.Errorf("the model %v has %d outputs, but %s has %d targets", spec, spec.Outputs, c.data, d.train.Outputs)
	}
	if spec.Inputs != d.train.Features || spec.Outputs < d.train.Classes {
		// Name only what does not fit: the inputs, else the classes.
		msg := fmt.Sprintf("the model %v takes %d inputs, but %s has %d features", spec, spec.Inputs, c.data, d.train.Features)
		if spec.Inputs == d.train.Features {
			msg = fmt.Sprintf("the model %v has %d outputs, but %s has %d classes", spec, spec.Outputs, c.data, d.train.Classes)
		}
		if ck != nil {
			return spec, fmt.Errorf("%s (trained on %s) does not fit: %s", checkpointPath(c), ck.Data, msg)
		}
		return spec, errors.New(msg)
	}
	if err := spec.Check(); err != nil {
		return spec, exitCode{2, fmt.Errorf("the model: %w", err)}
	}
	if err := checkBatchNorm(spec, c.batch, d.train.Len()); err != nil {
		return spec, exitCode{2, err}
	}
	return spec, nil
}

// evaluate is -eval: the -load model's scores on the data.
func (r *session) evaluate() error {
	m, err := nn.Load(r.c.load, r.b)
	if err != nil {
		return err
	}
	defer m.Release()
	m.CrossEntropy = r.ce
	r.printModel(m)
	if r.c.summary {
		return r.printSummary(m)
	}
	return evaluate(m, r.c.loss, r.d, r.u)
}

func (r *session) printModel(m *nn.Model) {
	r.u.printf("model    %v, %d parameters, %v loss%s%s", m, countParams(m), r.c.loss, describeCE(r.ce), loadedFrom(checkpointPath(r.c), r.ck))
}

// printSummary is -summary: the model's table (nn.Summary), indented under
// the run's header, printed even with -quiet, as the summary of a run is.
func (r *session) printSummary(m *nn.Model) error {
	table, err := nn.Summary(m)
	if err != nil {
		return err
	}
	for _, line := range strings.Split(strings.TrimSuffix(table, "\n"), "\n") {
		fmt.Fprintln(r.u.out, "         "+line)
	}
	return nil
}

// headerSummaryRows is the most layers whose table the run's header shows
// under the model line; a longer table (a GPT's) is left to -summary.
const headerSummaryRows = 12

// printHeaderSummary is the model's table (nn.Summary) in the header of a
// training run, as Keras's fit shows model.summary(): the table itself for
// up to headerSummaryRows layers, else a line saying -summary lists them.
func (r *session) printHeaderSummary(m *nn.Model) {
	table, err := nn.Summary(m)
	if err != nil {
		return // a model Summary cannot describe still trains; -summary says why
	}
	lines := strings.Split(strings.TrimSuffix(table, "\n"), "\n")
	if rows := len(lines) - 2; rows > headerSummaryRows { // less its heading and total
		r.u.printf("         %d layers: train -summary lists them", rows)
		return
	}
	for _, line := range lines {
		r.u.printf("         %s", line)
	}
}

// train trains: -resume's run with its optimiser state, or -load's model or
// a new one from spec with a new optimiser.
func (r *session) train(ctx context.Context, spec nn.Spec) error {
	c, b := r.c, r.b
	var m *nn.Model
	var st *nn.TrainState
	var err error
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
	r.printModel(m)
	if c.summary {
		return r.printSummary(m)
	}
	r.printHeaderSummary(m)
	var opt nn.Optimizer
	if st != nil {
		opt = st.Optimizer
	} else {
		var decay []bool // nil: decay every parameter
		if !c.wdNorms {
			decay = nn.DecayMatrices(m)
		}
		if d := gptDecay(m, c); d != nil {
			decay = d
		}
		if opt, err = nn.NewOptimizerDecay(c.opt, b, m.Parameters(), float32(c.lr), float32(c.wd), float32(c.momentum), decay); err != nil {
			return err
		}
		defer opt.Release()
	}
	return r.fit(ctx, m, opt, st)
}

// fit trains m with opt, continuing the run st when it is not nil, with
// -save's ModelCheckpoint and -patience's EarlyStopping, and reports how it
// ended.
func (r *session) fit(ctx context.Context, m *nn.Model, opt nn.Optimizer, st *nn.TrainState) error {
	c, d, u := r.c, r.d, r.u
	schedule, err := c.runSchedule()
	if err != nil {
		return err
	}
	if c.warmup > 0 {
		schedule = nn.Warmup{Schedule: schedule, Steps: c.warmup}
	}
	start := nn.TrainState{}
	if st != nil {
		start = *st
		u.printf("%s", c.resumeLine(st))
	}
	u.printf("training %s", c.hyperparameters())
	if red := c.world.reducer(); red != nil {
		u.printf("parallel %d %s, each batch cut into %d micro-batches", red.Size(), plural(red.Size(), "rank", "ranks"), cmp.Or(c.micro, red.Size()))
	}
	if r.rf != nil {
		u.metrics = r.rf
	}
	m.Loss, m.ClassNames, m.Standardizer = c.loss, d.train.ClassNames, d.std
	m.CrossEntropy = r.ce
	m.Meta = c.hyper()
	c.recordFinetunes(m.Meta)
	r.rf.record(m.Meta)
	recordTask(m.Meta, d)
	c.csvFiles.record(m.Meta)
	d.recordCSVFiles(m.Meta) // -val-data's and -test-data's identities
	if d.file != nil {
		d.file.record(m.Meta)
	}
	if d.text != nil {
		d.text.record(m.Meta)
	}
	save, early := callbacks(c, r.ck, st)
	plateau, err := plateauCallback(c, r.ck)
	if err != nil {
		return err
	}
	steps := (d.train.Len() + c.batch - 1) / c.batch
	tr := nn.Trainer{
		Model: m, Loss: c.loss, Optimizer: opt, Schedule: schedule,
		Epochs: c.epochs, BatchSize: c.batch, Seed: c.seed, Train: d.train, Val: d.held, ClipNorm: float32(c.clip),
		StartEpoch: start.Epochs, StartStep: start.Steps, CrossEntropy: r.ce,
		Reducer: c.world.reducer(), MicroBatches: c.micro,
		LogEvery: max(1, min(50, steps/10)), OnProgress: u.progress,
		OnEpoch: func(s nn.EpochStats) error { u.epoch(s, c.epochs); return nil },
	}
	if d.text != nil {
		if err := d.text.order(&tr, c.batch, c.seed); err != nil {
			return err
		}
	}
	if plateau != nil { // before the save, which records its state
		tr.Callbacks = append(tr.Callbacks, plateau)
	}
	if save != nil { // appended as nil pointers, they would be non-nil Callbacks
		tr.Callbacks = append(tr.Callbacks, save)
	}
	if early != nil {
		tr.Callbacks = append(tr.Callbacks, early)
	}
	lp := r.rf.plots(m, d, r.plotTitle(m)) // the pictures as the run goes, and when it stops
	if lp != nil {
		tr.Callbacks = append(tr.Callbacks, lp)
	}
	ctx, unwatch := r.watch(ctx, &tr)
	defer unwatch()
	began := time.Now()
	hist, err := tr.Fit(ctx)
	u.timing.training = time.Since(began) - lp.spent()
	if early != nil && early.Stopped > 0 {
		mon := early.Monitor
		u.printf("stopping: no better validation loss for %d %s (the best, %.4f, was epoch %d)", mon.Stale, plural(mon.Stale, "epoch", "epochs"), mon.Best, mon.BestEpoch)
	}
	if err := fitFailed(err, c, hist, save); err != nil {
		return r.rf.mention(err)
	}
	if err := summarise(m, c.loss, d, hist, u); err != nil {
		return err
	}
	u.timing.trained = true
	if line := c.world.split(len(hist.StepLoss), u.timing.training); line != "" { // with the summary, even with -quiet
		fmt.Fprintln(u.out, line)
	}
	switch {
	case c.save != "" && c.saveBest:
		u.printf("saved    %s: the best model, epoch %d (validation loss %.4f)", c.save, save.Monitor.BestEpoch, save.Monitor.Best)
	case c.save != "":
		u.printf("saved    %s", c.save)
	}
	return r.rf.finish(m, d, hist, r.plotTitle(m), u)
}

// callbacks are -save's checkpoint and -patience's early stopping (nil
// without them). A resumed run continues what they had measured, and an
// interruption before its next epoch keeps -save when it is the file
// resumed, which holds that epoch's end, optimiser state and all.
func callbacks(c config, ck *checkpoint, st *nn.TrainState) (save *nn.ModelCheckpoint, early *nn.EarlyStopping) {
	monitor := nn.NewMonitor
	if ck != nil && c.resume != "" {
		monitor = ck.monitor
	}
	if c.save != "" {
		save = &nn.ModelCheckpoint{Path: c.save, BestOnly: c.saveBest, Monitor: monitor(), SaveOnInterrupt: true}
		if st != nil && sameFile(c.save, c.resume) {
			save.Saved = st.Epochs
		}
	}
	if c.patience > 0 {
		early = &nn.EarlyStopping{Patience: c.patience, Monitor: monitor()}
	}
	return save, early
}

// fitFailed is the command's error for how Fit ended, nil for success:
// a divergence (which keeps the last good checkpoint), or an interruption,
// saying what -save holds.
func fitFailed(err error, c config, hist *nn.History, save *nn.ModelCheckpoint) error {
	var nonFinite *nn.NonFiniteLossError
	var badWeights *nn.NonFiniteWeightsError
	var failed *nn.CheckpointError
	saved := 0
	if save != nil {
		saved = save.Saved
	}
	kept := ""
	if saved > 0 {
		kept = fmt.Sprintf("; %s keeps the last good model (epoch %d)", c.save, saved)
	}
	switch {
	case errors.As(err, &failed) && failed.Epoch == 0: // the save at an interruption
		return exitCode{130, fmt.Errorf("interrupted; %s not saved: %w", c.save, failed.Err)}
	// Divergence first: an interrupt can arrive with it, and then the
	// diverged model is not saved over the last good one.
	case errors.As(err, &nonFinite):
		msg := strings.Replace(err.Error(), "lower the learning rate (it was", "lower the learning rate (-lr; it was", 1)
		return errors.New(msg + kept)
	case errors.As(err, &badWeights):
		return fmt.Errorf("%v: training diverged; lower the learning rate (-lr; it was %g)%s", err, c.lr, kept)
	case errors.Is(err, context.Canceled):
		if c.save != "" && (hist == nil || len(hist.StepLoss) == 0) {
			// Untrained since it was loaded or built: saving it could only
			// replace a trained checkpoint with less.
			return exitCode{130, fmt.Errorf("interrupted before the first training step; %s not written", c.save)}
		}
		switch {
		case c.save != "" && saved > 0:
			// The epoch-end checkpoint is kept: -resume continues it exactly.
			return exitCode{130, fmt.Errorf("interrupted; %s keeps epoch %d, which -resume=%s continues", c.save, saved, c.save)}
		case c.save != "": // saved by the checkpoint's SaveOnInterrupt
			return exitCode{130, fmt.Errorf("interrupted; saved the model as it was to %s", c.save)}
		}
		return exitCode{130, errors.New("interrupted")}
	}
	return err
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
	return evaluateOn(m, loss, ds)
}

// summarise prints the summary line (even with -quiet): the epochs, the
// training time and throughput, the time of the final evaluation, and the
// scores it measured.
func summarise(m *nn.Model, loss nn.Loss, d dataset, h *nn.History, u *ui) error {
	began := time.Now()
	scores, err := scores(m, loss, d, h)
	if err != nil {
		return err
	}
	u.timing.evaluation = time.Since(began)
	samples := 0
	for _, e := range h.Epochs {
		samples += e.Samples
	}
	train := u.timing.training
	evaluated := ", evaluated in " + duration(u.timing.evaluation)
	if d.text != nil { // its scores are the last epoch's: no evaluation
		evaluated = ""
	}
	fmt.Fprintf(u.out, "done     %s in %s (%s)%s: %s\n", epochCount(len(h.Epochs)), duration(train),
		u.rate(human(float64(samples)/train.Seconds())+" samples/s"), evaluated, scores)
	return nil
}

// scores are the summary's scores: the accuracies (or a regression's
// metrics), evaluated on the whole training and held-out sets, and on
// MNIST's test set; on text, the last epoch's losses.
func scores(m *nn.Model, loss nn.Loss, d dataset, h *nn.History) (string, error) {
	if d.train.Regression() {
		return regressionScores(m, loss, d)
	}
	if d.text != nil {
		return textScores(d, h), nil
	}
	trainLoss, trainAcc, err := accuracyOn(m, loss, d.train)
	if err != nil {
		return "", err
	}
	line := fmt.Sprintf("train accuracy %.1f%% (loss %.4f)", 100*trainAcc, trainLoss)
	if d.held.Len() > 0 {
		heldLoss, heldAcc, err := accuracyOn(m, loss, d.held)
		if err != nil {
			return "", err
		}
		line += fmt.Sprintf(", %s accuracy %.1f%% (loss %.4f)", d.heldName, 100*heldAcc, heldLoss)
	}
	if d.test.Len() > 0 { // MNIST's test set, here and only here
		testLoss, testAcc, err := accuracyOn(m, loss, d.test)
		if err != nil {
			return "", err
		}
		line += fmt.Sprintf(", test accuracy %.1f%% (loss %.4f)", 100*testAcc, testLoss)
	}
	return line, nil
}
