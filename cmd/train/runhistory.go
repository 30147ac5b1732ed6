package main

// Plots that last: the run folder's pictures are redrawn as the run goes
// and when it stops however it stops (Ctrl-C, early stop, divergence), and
// a resumed run continues its folder, so that its curves and step axis
// continue where the checkpoint's run left them.
//
// The folder keeps, beside metrics.jsonl (one line per epoch), steps.csv:
// each step's loss, by the run's step number. A checkpoint records its run
// folder (runFolderKey); -resume reads both files back, up to the
// checkpoint's epoch and step, and carries on writing them.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gltrain/internal/safefile"
	"gltrain/nn"
)

// stepsFile is the run folder's record of each step's loss ("step,loss").
const stepsFile = "steps.csv"

// runFolderKey is the checkpoint metadata key that names the run folder.
const runFolderKey = "run-folder"

// maxRecord bounds what -resume reads of a run folder's metrics.jsonl and
// steps.csv (64 MiB: about three million steps); a larger record is not
// continued.
const maxRecord = 64 << 20

// drawShare is the most of the run's time that redrawing the pictures at
// epoch ends may take: an epoch redraws them when at least (1/drawShare-1)
// times the last drawing's cost has passed since, so runs of many short
// epochs redraw every few epochs instead of spending their time drawing.
const drawShare = 0.1

// record writes the run folder's absolute path into a checkpoint's
// metadata, so that -resume can continue it.
func (r *runFolder) record(meta map[string]string) {
	if r == nil || meta == nil {
		return
	}
	if abs, err := filepath.Abs(r.dir); err == nil {
		meta[runFolderKey] = abs
	}
}

// continueRun makes a resumed run continue the folder its checkpoint
// records: it takes the folder's metrics.jsonl and steps.csv up to the
// checkpoint's epoch and step as the start of the curves, writes them back
// without what came after the checkpoint, and (unless -plot named another
// folder, which then gets the record up to the checkpoint) writes into that
// folder instead of a new one. Without a usable record (no folder, or one
// that does not reach the checkpoint) the new folder's curves start at the
// checkpoint's step. It says what it did on out.
func (r *runFolder) continueRun(ck *checkpoint, resumed bool, out io.Writer) *runFolder {
	if r == nil || ck == nil || !resumed {
		return r
	}
	r.first = ck.Steps + 1
	from := ck.Hyper[runFolderKey]
	if from == "" {
		return r
	}
	prior, metrics, err := readRunRecord(from, ck.Epochs, ck.Steps)
	if err != nil {
		fmt.Fprintf(out, "run      not continuing %s: %v; the curves start at step %d\n", from, err, r.first)
		return r
	}
	if r.created { // the default folder: use the run's own instead
		r.close()
		r.dir, r.created, r.madeRuns = from, false, false
	}
	if err := r.writeRecord(prior, metrics); err != nil {
		fmt.Fprintf(out, "run      not continuing %s: %v; the curves start at step %d\n", from, err, r.first)
		return r
	}
	r.prior, r.first, r.appendMetrics = prior, 1, true
	fmt.Fprintf(out, "run      %s: continuing from epoch %d, step %d\n", r.dir, ck.Epochs, ck.Steps)
	return r
}

// readRunRecord reads dir's metrics.jsonl and steps.csv: the epochs 1 to
// epochs and the steps 1 to steps, each present once and in order, with
// the metrics' lines as they were written. Anything else is an error.
func readRunRecord(dir string, epochs, steps int) (h nn.History, metrics []byte, err error) {
	raw, err := readBounded(filepath.Join(dir, metricsFile))
	if err != nil {
		return h, nil, err
	}
	sum := 0
	for _, line := range bytes.SplitAfter(raw, []byte("\n")) {
		if len(h.Epochs) == epochs || len(bytes.TrimSpace(line)) == 0 {
			break
		}
		var e epochJSON
		if err := json.Unmarshal(line, &e); err != nil {
			return h, nil, fmt.Errorf("%s, line %d: %v", metricsFile, len(h.Epochs)+1, err)
		}
		if e.Epoch != len(h.Epochs)+1 {
			return h, nil, fmt.Errorf("%s, line %d: epoch %d, want %d", metricsFile, len(h.Epochs)+1, e.Epoch, len(h.Epochs)+1)
		}
		sum += e.Steps
		h.Epochs = append(h.Epochs, e.stats(sum))
		metrics = append(metrics, line...)
	}
	if len(h.Epochs) < epochs {
		return h, nil, fmt.Errorf("%s has %d epochs, the checkpoint %d", metricsFile, len(h.Epochs), epochs)
	}
	if raw, err = readBounded(filepath.Join(dir, stepsFile)); err != nil {
		return h, nil, err
	}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() && len(h.StepLoss) < steps {
		f := strings.Split(sc.Text(), ",")
		if len(f) != 2 || f[0] == "step" {
			continue // the header
		}
		n, err1 := strconv.Atoi(f[0])
		l, err2 := strconv.ParseFloat(f[1], 32)
		if err1 != nil || err2 != nil || n != len(h.StepLoss)+1 {
			return h, nil, fmt.Errorf("%s: %q, want step %d and its loss", stepsFile, excerpt(sc.Text()), len(h.StepLoss)+1)
		}
		h.StepLoss = append(h.StepLoss, float32(l))
	}
	if len(h.StepLoss) < steps {
		return h, nil, fmt.Errorf("%s has %d steps, the checkpoint %d", stepsFile, len(h.StepLoss), steps)
	}
	return h, metrics, nil
}

// readBounded reads a regular file of at most maxRecord bytes.
func readBounded(path string) ([]byte, error) {
	f, _, err := safefile.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, maxRecord+1))
	if err == nil && len(raw) > maxRecord {
		err = fmt.Errorf("%s is over %d MiB", path, maxRecord>>20)
	}
	return raw, err
}

// stats is the epoch as the pictures need it; globalStep is the run's step
// at its end.
func (e epochJSON) stats(globalStep int) nn.EpochStats {
	val := func(p *float64) float64 {
		if p == nil {
			return math.NaN()
		}
		return *p
	}
	s := nn.EpochStats{Epoch: e.Epoch, Loss: e.Loss, Accuracy: val(e.Accuracy), ValLoss: val(e.ValLoss),
		ValAccuracy: val(e.ValAccuracy), LR: e.LR, Steps: e.Steps, Samples: e.Samples, GlobalStep: globalStep}
	if e.ValR2 != nil {
		s.ValRegression = &nn.RegressionMetrics{MAE: val(e.ValMAE), RMSE: val(e.ValRMSE), R2: *e.ValR2}
	}
	return s
}

// writeRecord writes metrics.jsonl and steps.csv anew, atomically, holding
// the record up to the checkpoint, for the run to append to.
func (r *runFolder) writeRecord(h nn.History, metrics []byte) error {
	if err := safefile.WriteAtomic(filepath.Join(r.dir, metricsFile), func(w io.Writer) error {
		_, err := w.Write(metrics)
		return err
	}); err != nil {
		return err
	}
	return safefile.WriteAtomic(filepath.Join(r.dir, stepsFile), func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		bw.WriteString("step,loss\n")
		for i, l := range h.StepLoss {
			fmt.Fprintf(bw, "%d,%s\n", i+1, strconv.FormatFloat(float64(l), 'g', -1, 32))
		}
		return bw.Flush()
	})
}

// appendSteps adds losses, the first being the run's step first, to
// steps.csv, which it creates (with its header) unless the run continues
// one. Its first error is kept, like metrics.jsonl's.
func (r *runFolder) appendSteps(first int, losses []float32) {
	if r.stepsErr != nil || len(losses) == 0 {
		return
	}
	if r.steps == nil {
		flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
		if r.appendMetrics {
			flags = os.O_WRONLY | os.O_APPEND
		}
		if r.steps, r.stepsErr = os.OpenFile(filepath.Join(r.dir, stepsFile), flags, 0o644); r.stepsErr != nil {
			return
		}
		if !r.appendMetrics {
			r.steps.WriteString("step,loss\n")
		}
	}
	var b strings.Builder
	for i, l := range losses {
		fmt.Fprintf(&b, "%d,%s\n", first+i, strconv.FormatFloat(float64(l), 'g', -1, 32))
	}
	_, r.stepsErr = r.steps.WriteString(b.String())
}

// merged is the whole run's history: a resumed run's earlier record, then
// this process's epochs and steps.
func (r *runFolder) merged(h *nn.History) *nn.History {
	if h == nil {
		h = &nn.History{}
	}
	if len(r.prior.Epochs) == 0 && len(r.prior.StepLoss) == 0 {
		return h
	}
	return &nn.History{
		Epochs:   append(append([]nn.EpochStats(nil), r.prior.Epochs...), h.Epochs...),
		StepLoss: append(append([]float32(nil), r.prior.StepLoss...), h.StepLoss...),
	}
}

// livePlots is the Callback that redraws the run folder's pictures at
// epoch ends (see drawShare) and when training stops early, however it
// stops; a run that ends normally draws them in finish.
type livePlots struct {
	r     *runFolder
	m     *nn.Model
	d     dataset
	title string
	hist  nn.History    // this process's epochs and steps so far
	next  time.Time     // the earliest time an epoch end redraws
	took  time.Duration // drawing, in all
}

// spent is the time the pictures took during training, which the
// summary's training time leaves out (0 for nil).
func (p *livePlots) spent() time.Duration {
	if p == nil {
		return 0
	}
	return p.took
}

var _ nn.TrainEnder = (*livePlots)(nil)

// plots is the run folder's livePlots, nil without a folder.
func (r *runFolder) plots(m *nn.Model, d dataset, title string) *livePlots {
	if r == nil {
		return nil
	}
	return &livePlots{r: r, m: m, d: d, title: title}
}

func (p *livePlots) OnEpochEnd(_ *nn.Trainer, s nn.EpochStats) error {
	p.hist.Epochs = append(p.hist.Epochs, s)
	p.hist.StepLoss = append(p.hist.StepLoss, s.StepLoss...)
	p.r.appendSteps(s.GlobalStep-len(s.StepLoss)+1, s.StepLoss)
	if time.Now().After(p.next) {
		p.draw(&p.hist)
	}
	return nil
}

// OnTrainEnd records the steps of an unfinished epoch and draws the
// pictures when training stopped before its end (interrupted, diverged,
// or failed); a run that ran to its end, or that early stopping ended,
// draws them in finish, after its summary.
func (p *livePlots) OnTrainEnd(_ *nn.Trainer, h *nn.History, err error) error {
	if err == nil || h == nil {
		return nil
	}
	if n := len(p.hist.StepLoss); len(h.StepLoss) > n { // numbered on from the epochs' steps
		p.r.appendSteps(p.r.firstStep()+len(p.r.prior.StepLoss)+n, h.StepLoss[n:])
	}
	p.draw(h)
	return nil
}

// draw writes the pictures of the run so far, keeping the first error for
// finish to report, and sets when the next epoch end may draw again.
func (p *livePlots) draw(h *nn.History) {
	began := time.Now()
	_, err := plotAll(p.r.dir, p.m, p.d, p.r.merged(h), p.r.firstStep(), p.title)
	if err != nil && p.r.plotErr == nil {
		p.r.plotErr = err
	}
	cost := time.Since(began)
	p.took += cost
	p.next = time.Now().Add(time.Duration(float64(cost) * (1/drawShare - 1)))
}

// plotTitle is the pictures' title: the model, the data and the backend.
func (r *session) plotTitle(m *nn.Model) string {
	return fmt.Sprintf("%v on %s (%s)", m, r.c.data, r.b.Name())
}

// firstStep is the run's step number of the first loss drawn: 1, or the
// step after a checkpoint whose earlier steps are not at hand.
func (r *runFolder) firstStep() int { return max(1, r.first) }

// closeSteps closes steps.csv and returns its first error.
func (r *runFolder) closeSteps() error {
	if r.steps != nil {
		if err := r.steps.Close(); r.stepsErr == nil {
			r.stepsErr = err
		}
		r.steps = nil
	}
	if r.stepsErr != nil {
		return fmt.Errorf("%s: %w", filepath.Join(r.dir, stepsFile), r.stepsErr)
	}
	return errors.Join(r.plotErr)
}

// mention adds to an interruption's error (status 130) where the run's
// record and pictures are, once an epoch has written them: a stopped run
// keeps them, and its user should not have to look for the folder.
func (r *runFolder) mention(err error) error {
	var code exitCode
	if r == nil || r.metrics == nil || !errors.As(err, &code) || code.code != 130 {
		return err
	}
	return exitCode{130, fmt.Errorf("%w; the run's record and pictures are in %s", code.err, r.dir)}
}
