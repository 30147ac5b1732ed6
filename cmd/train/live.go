package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"gltrain/live"
	"gltrain/live/serve"
	"gltrain/nn"
)

// The live view's wiring (issue #27): with -serve (or -view) the run has a
// live.Hub; the training loop publishes its state there and calls the
// hub's Gate before every step. Without them c.hub is nil and nothing of
// this file runs but nil checks.

const liveServeUsage = "show the training live in a web page served at this address: HOST:PORT, or :PORT for the loopback\n" +
	"interface only (127.0.0.1:PORT; 0.0.0.0:PORT serves every interface), e.g. -serve=:8080, then open http://localhost:8080/"

// wantsLive reports whether a viewer asked for the run's live state:
// -serve's page or -view's window (view.go).
func (c config) wantsLive() bool { return c.serve != "" || c.view }

// liveRun is the hub of a run that has viewers, and -serve's server; nil
// without.
type liveRun struct {
	hub    *live.Hub
	server *serve.Server // nil without -serve
	stderr io.Writer
}

// startLive makes the hub when a viewer is asked for (nil otherwise),
// gives it to c, and binds -serve's address, so that a busy port is found
// before anything is loaded. A data-parallel job has none: its ranks must
// stop and restart together, which the viewer's controls cannot promise.
func startLive(c *config, stderr io.Writer) (*liveRun, error) {
	if !c.wantsLive() {
		return nil, nil
	}
	flag := "-serve"
	if c.serve == "" {
		flag = "-view"
	}
	switch {
	case c.world.reducer() != nil && c.world.reducer().Size() > 1:
		return nil, fmt.Errorf("%s watches a run of one process, not a job of several ranks", flag)
	case c.eval, c.predict != "", c.summary, c.gen.n > 0, c.export != "":
		return nil, fmt.Errorf("%s shows training, and this run does not train (-eval, -predict, -summary, -generate or -export)", flag)
	}
	l := &liveRun{hub: live.NewHub(), stderr: stderr}
	if c.serve != "" {
		s, err := serve.Listen(l.hub, c.serve)
		if err != nil {
			return nil, fmt.Errorf("-serve=%s: %v", c.serve, err)
		}
		s.Start()
		l.server = s
		fmt.Fprintf(stderr, "serving  the live view at %s\n", s.URL())
	}
	c.hub = l.hub
	return l, nil
}

// close stops -serve's server once the viewers have the run's end.
func (l *liveRun) close() {
	if l == nil || l.server == nil {
		return
	}
	if err := l.server.Close(); err != nil {
		fmt.Fprintf(l.stderr, "warning: -serve: %v\n", err)
	}
}

// wrap runs mode and then tells the viewers that the run is over, and how.
func (l *liveRun) wrap(mode func() error) func() error {
	if l == nil {
		return mode
	}
	return func() error {
		err := mode()
		l.hub.Update(func(s *live.Snapshot) {
			s.Done = true
			if err != nil {
				var code exitCode
				if errors.As(err, &code) {
					s.Err = code.err.Error()
				} else {
					s.Err = err.Error()
				}
			}
		})
		return err
	}
}

// trainLive is train, again from a new model each time a viewer asks for
// a restart: the same spec, initialised and shuffled with the viewer's
// seed, from epoch 1 (a resumed or loaded run starts afresh too), its run
// folder's record afresh too (liverestart.go).
func (r *session) trainLive(ctx context.Context, spec nn.Spec) error {
	for {
		err := r.train(ctx, spec)
		if r.c.hub == nil || !errors.Is(err, live.ErrRestart) {
			return err
		}
		r.c.seed = uint64(r.c.hub.RestartSeed())
		r.u.printf("restart  from the viewer, -seed=%d", r.c.seed)
		if err := r.restartRecord(r.u.out); err != nil { // liverestart.go
			return err
		}
		r.c.resume, r.c.load, r.ck = "", "", nil
	}
}

// traceFit, when set, is called by watch with the trainer once the live
// view's hooks are in, and its publisher (nil without a viewer): the speed
// harness (viewspeed_test.go) times the steps with it.
var traceFit func(tr *nn.Trainer, p *publisher)

// watch connects the trainer to the hub (nothing without one): it returns
// the context Fit must run under, which the viewer's Stop cancels as
// Ctrl-C would, and the func that ends the watch.
func (r *session) watch(ctx context.Context, tr *nn.Trainer) (context.Context, func()) {
	if r.c.hub == nil {
		if traceFit != nil {
			traceFit(tr, nil)
		}
		return ctx, func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	p := newPublisher(r, tr, cancel)
	if err := p.start(tr.StartEpoch+1, tr.StartStep); err != nil {
		r.u.printf("warning: %v", err)
	}
	if traceFit != nil {
		defer traceFit(tr, p)
	}
	onEpoch, onProgress := tr.OnEpoch, tr.OnProgress
	tr.BeforeStep = func(epoch, step int) error { return p.beforeStep(ctx, epoch, step) }
	tr.OnEpoch = func(s nn.EpochStats) error {
		var err error
		if onEpoch != nil {
			err = onEpoch(s)
		}
		p.epochEnd(s)
		return err
	}
	tr.OnProgress = func(pr nn.Progress) {
		if onProgress != nil {
			onProgress(pr)
		}
		p.progress(pr)
	}
	tr.Callbacks = append(tr.Callbacks, liveEnd{p})
	return ctx, func() {
		if err := p.finish(); err != nil {
			r.u.printf("warning: %v", err)
		}
		cancel()
	}
}

// maxShown is the most misclassified images a snapshot holds.
const maxShown = 16

// publisher publishes one Fit's state to the hub: the counters and the
// curves as they come, and the paced work (livepace.go: the boundary, the
// validation set's confusion matrix and misclassified images, the
// filters) between steps, within the pace's share of the time.
type publisher struct {
	hub    *live.Hub
	cancel context.CancelFunc
	m      *nn.Model
	d      dataset
	grid   *boundaryGrid // nil unless the data is 2-D classes
	names  []string      // the classes' names; nil for regression and text
	conv   bool          // the model has a convolution, whose filters are shown
	epoch  int           // the epoch beforeStep last published
	// stepDue is when the step counter is next published between steps.
	stepDue time.Time
	trained bool // training ended well (liveEnd)
	pace
}

// stepEvery is the least time between two publications of the step
// counter between steps: a viewer sees it move on a slow device, and a
// fast one does not wake its viewers at every step.
const stepEvery = 50 * time.Millisecond

func newPublisher(r *session, tr *nn.Trainer, cancel context.CancelFunc) *publisher {
	m, d := tr.Model, r.d
	p := &publisher{hub: r.c.hub, cancel: cancel, m: m, d: d}
	p.drained = true // nothing is queued yet
	p.queued = m.Backend().Name() != "cpu"
	task := "classification"
	switch {
	case d.text != nil:
		task = "text"
	case d.train.Regression():
		task = "regression"
	default:
		p.names = classNames(d.train.ClassNames, m.Outputs)
		if d.train.Features == 2 && m.Outputs <= math.MaxUint8+1 {
			p.grid = newBoundaryGrid(d)
		}
	}
	p.conv = firstConv(m.Net) != nil
	run := ""
	if r.rf != nil {
		run = r.rf.dir
	}
	p.hub.Update(func(s *live.Snapshot) {
		*s = live.Snapshot{Run: run, Task: task, Classes: p.names, Epoch: tr.StartEpoch + 1, Epochs: tr.Epochs, Step: int64(tr.StartStep)}
	})
	return p
}

// beforeStep is the trainer's BeforeStep: it publishes a new epoch and the
// step counter (every stepEvery), does the paced work that is due, and
// waits at the hub's Gate. It allocates nothing when no work is due.
func (p *publisher) beforeStep(ctx context.Context, epoch, step int) error {
	now := time.Now()
	if epoch != p.epoch || !now.Before(p.stepDue) {
		p.epoch, p.stepDue = epoch, now.Add(stepEvery)
		p.hub.Update(func(s *live.Snapshot) { s.Epoch, s.Step = epoch, int64(step) })
		now = p.charge(now)
	}
	if err := p.paced(now, epoch, step); err != nil {
		return err
	}
	switch err := p.hub.Gate(ctx); {
	case errors.Is(err, live.ErrStop):
		p.cancel() // Fit stops as at Ctrl-C
	case errors.Is(err, live.ErrRestart):
		return err
	}
	return nil // ctx's end, if it was that, is Fit's to report
}

// progress is the trainer's OnProgress, after a read of the loss (which
// leaves the device's queue empty: see pace.drained): the step counter,
// every stepEvery.
func (p *publisher) progress(pr nn.Progress) {
	p.drained = true
	if now := time.Now(); !now.Before(p.stepDue) {
		p.stepDue = now.Add(stepEvery)
		p.hub.Update(func(s *live.Snapshot) { s.Epoch, s.Step = pr.Epoch, int64(pr.GlobalStep) })
		p.charge(now)
	}
}

// epochEnd publishes the epoch's curve point.
func (p *publisher) epochEnd(s nn.EpochStats) {
	began := time.Now()
	pt := live.Point{Epoch: s.Epoch, Step: int64(s.GlobalStep), TrainLoss: s.Loss, ValLoss: s.ValLoss, TrainAcc: s.Accuracy, ValAcc: s.ValAccuracy}
	p.hub.Update(func(sn *live.Snapshot) {
		sn.Epoch, sn.Step = s.Epoch, int64(s.GlobalStep)
		sn.Curves = append(sn.Curves, pt)
	})
	p.epochs++
	p.lastEpoch, p.lastStep = s.Epoch, s.GlobalStep
	p.charge(began)
	p.drained = true
}

// liveEnd is the publisher's Callback: it notes whether training ended
// well (to its last epoch, or stopped early; not interrupted nor failed),
// for finish.
type liveEnd struct{ p *publisher }

var _ nn.TrainEnder = liveEnd{}

func (liveEnd) OnEpochEnd(*nn.Trainer, nn.EpochStats) error { return nil }

func (e liveEnd) OnTrainEnd(_ *nn.Trainer, h *nn.History, err error) error {
	e.p.trained = err == nil && h != nil && len(h.Epochs) > 0
	return nil
}

// start publishes the model's boundary and filters as training starts, before
// Fit, whatever the pace (charged to it all the same).
func (p *publisher) start(epoch, step int) error {
	for _, w := range []work{workBoundary, workFilters} {
		if p.has(w) {
			if err := p.run(w, time.Now(), epoch, step); err != nil {
				return err
			}
		}
	}
	return nil
}

// finish publishes the trained model's boundary, confusion matrix and
// filters, whatever the pace, when training ended well. It runs after Fit
// returns, as the evaluation of the trained model does, out of the
// training's time.
func (p *publisher) finish() error {
	if !p.trained {
		return nil
	}
	for _, w := range p.works() {
		if err := p.run(w, time.Now(), p.lastEpoch, p.lastStep); err != nil {
			return err
		}
	}
	return nil
}

// boundary evaluates and publishes the decision boundary.
func (p *publisher) boundary(epoch, step int) error {
	b, err := p.grid.eval(p.m)
	if err != nil {
		return fmt.Errorf("the live view's decision boundary: %w", err)
	}
	b.Epoch, b.Step = epoch, int64(step)
	p.hub.Update(func(s *live.Snapshot) { s.Boundary = b })
	return nil
}

// filters reads and publishes the first convolution's filters.
func (p *publisher) filters() error {
	f, err := convFilters(p.m)
	if err != nil {
		return err
	}
	p.hub.Update(func(s *live.Snapshot) { s.Filters = f })
	return nil
}

// validation publishes the validation set's confusion matrix (none past
// maxTextConfusion classes) and, for images, its first misclassified
// examples.
func (p *publisher) validation() error {
	held := p.d.held
	pred, err := nn.Predict(prepared(p.m), held.X)
	if err != nil {
		return fmt.Errorf("the live view's confusion matrix: %w", err)
	}
	var confusion [][]int
	if len(p.names) <= maxTextConfusion {
		_, confusion, _, _ = scoreClasses(held.Labels, pred, p.names, maxTextConfusion)
	}
	var wrong []live.Image
	if img := p.m.Image; img != nil {
		n := img.Len()
		for i, y := range held.Labels {
			if pred[i] == y {
				continue
			}
			if len(wrong) == maxShown {
				break
			}
			im := liveImage(held.X[i*n:(i+1)*n], img.C, img.H, img.W)
			im.Label = fmt.Sprintf("%s → %s", p.names[y], p.names[pred[i]])
			wrong = append(wrong, im)
		}
	}
	p.hub.Update(func(s *live.Snapshot) { s.Confusion, s.Misclassified = confusion, wrong })
	return nil
}
