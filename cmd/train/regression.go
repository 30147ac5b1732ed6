package main

// Regression and multi-label runs: real-valued targets read from a CSV
// file's -label-col columns, trained with -loss=mse, l1, huber or bce, and
// scored by MAE, RMSE and R² (nn.RegressionMetrics) instead of accuracy.

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"gltrain/nn"
	"gltrain/nn/data"
)

// normalLabelCols checks -label-col, comma-separated column numbers or
// header names, and returns it with its items trimmed.
func normalLabelCols(s string) (string, error) {
	items := strings.Split(s, ",")
	for i, it := range items {
		items[i] = strings.TrimSpace(it)
		switch {
		case items[i] == "":
			return "", fmt.Errorf("item %d is empty (want column numbers from 1, 0 or -1 for the last, or header names, separated by commas)", i+1)
		case !printablePath(items[i]):
			return "", fmt.Errorf("item %d is not UTF-8, or holds control characters", i+1)
		}
	}
	return strings.Join(items, ","), nil
}

// labelItems splits a normalised -label-col into its items.
func labelItems(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// regressionTask reports whether a run without a checkpoint reads
// real-valued targets: a regression loss, or mse on a CSV file (on the
// built-in sets mse compares with one-hot class targets, as before).
func regressionTask(loss nn.Loss, dataName string) bool {
	return loss.Regression() || (loss == nn.MeanSquaredError && isCSV(dataName))
}

// checkTask refuses a loss that does not fit the checkpoint's task (exit
// status 2).
func checkTask(c config, ck checkpoint) error {
	from := checkpointPath(c)
	switch {
	case ck.Regression && !(c.loss.Regression() || c.loss == nn.MeanSquaredError):
		return exitCode{2, fmt.Errorf("-loss=%v: %s is a regression on real-valued targets; use mse, l1, huber or bce", c.loss, from)}
	case !ck.Regression && c.loss.Regression():
		return exitCode{2, fmt.Errorf("-loss=%v: %s is a classifier of class labels; use softmax, svm or mse", c.loss, from)}
	}
	return nil
}

// Metadata keys of a regression checkpoint, in the model's Meta: "task" is
// "regression" (absent for a classifier) and "targets" the JSON list of the
// target columns' names (empty names where the file has no header).
const (
	metaTask    = "task"
	metaTargets = "targets"
)

// recordTask writes the run's task into a checkpoint's Meta.
func recordTask(meta map[string]string, d dataset) {
	if !d.train.Regression() {
		return
	}
	meta[metaTask] = "regression"
	names := targetNames(d.train.TargetNames, d.train.Outputs)
	js, _ := json.Marshal(names)
	meta[metaTargets] = string(js)
}

// readTask reads the task of a checkpoint's Meta into c, checked: the
// names must be one per output and printable.
func (c *checkpoint) readTask(meta map[string]string) error {
	field := func(key, format string, args ...any) error {
		return fmt.Errorf("__metadata__ \"meta\" %q: %s", key, fmt.Sprintf(format, args...))
	}
	switch meta[metaTask] {
	case "", "classification":
		if _, ok := meta[metaTargets]; ok {
			return field(metaTargets, "recorded for a classifier")
		}
		return nil
	case "regression":
	default:
		return field(metaTask, "%s, want \"regression\" or none", excerpt(meta[metaTask]))
	}
	c.Regression = true
	if err := json.Unmarshal([]byte(meta[metaTargets]), &c.TargetNames); err != nil {
		return field(metaTargets, "%v", shorten(err))
	}
	if len(c.TargetNames) != c.Spec.Outputs {
		return field(metaTargets, "%d names for %d outputs", len(c.TargetNames), c.Spec.Outputs)
	}
	for i, n := range c.TargetNames {
		if err := data.CheckClassName(n); err != nil {
			return field(metaTargets, "name %d: %v", i, err)
		}
	}
	return nil
}

// targetNames are the names of a set's targets for headers and messages:
// the file's, or target1, target2, … where it has none (or an empty one).
func targetNames(names []string, outputs int) []string {
	out := make([]string, outputs)
	for i := range out {
		if i < len(names) && names[i] != "" {
			out[i] = names[i]
		} else {
			out[i] = "target" + strconv.Itoa(i+1)
		}
	}
	return out
}

// prepareTargets checks a CSV file's targets for the run: bce takes
// targets in [0, 1]; a checkpoint's model predicts as many targets as the
// file's -label-col gives. Errors have exit status 2.
func prepareTargets(src dataSource, set data.Set, ck *checkpoint) error {
	if src.loss == nn.BCEWithLogits {
		if err := data.CheckUnitTargets(set); err != nil {
			return exitCode{2, fmt.Errorf("-loss=bce: %s: %w", src.name, err)}
		}
	}
	if ck != nil && ck.Spec.Outputs != set.Outputs {
		return exitCode{2, fmt.Errorf("%s predicts %d targets (%s), but -label-col=%s gives %d of %s", src.checkpoint, ck.Spec.Outputs,
			strings.Join(ck.TargetNames, ", "), src.labelCol, set.Outputs, src.name)}
	}
	return nil
}

// notRegressionData is the error for a regression loss on a built-in data
// set, which holds class labels.
func notRegressionData(src dataSource) error {
	return exitCode{2, fmt.Errorf("-loss=%v needs real-valued targets, read from a CSV file's -label-col columns; %s holds class labels (for classes use -loss=softmax, svm or mse)", src.loss, src.name)}
}

// realLabels adds the command's advice to a CSV file's error for a label
// that is a number but not a whole one, or a target that is no number.
func realLabels(err error) error {
	if errors.Is(err, data.ErrTargetNotNumber) {
		return exitCode{2, fmt.Errorf("%w\n(a regression loss reads -label-col as real-valued targets; for class labels use -loss=softmax or svm)", err)}
	}
	if !errors.Is(err, data.ErrRealLabels) {
		return err
	}
	msg := strings.TrimSuffix(err.Error(), " ("+data.ErrRealLabels.Error()+")")
	return exitCode{2, fmt.Errorf("%s\n(the label column holds real numbers: for a regression on it, use -loss=mse, l1 or huber)", msg)}
}

// regressionLine formats metrics as the epoch lines and the summary print
// them: "MAE 2.512  RMSE 3.771  R² 0.8123", and the label accuracy for bce.
func regressionLine(prefix string, rm nn.RegressionMetrics, loss nn.Loss) string {
	s := fmt.Sprintf("%sMAE %.4g  %sRMSE %.4g  %sR² %.4f", prefix, rm.MAE, prefix, rm.RMSE, prefix, rm.R2)
	if loss == nn.BCEWithLogits {
		s += fmt.Sprintf("  %slabel acc %5.1f%%", prefix, 100*rm.LabelAccuracy)
	}
	return s
}

// regressionOn evaluates the model on a host data set of targets.
func regressionOn(m *nn.Model, loss nn.Loss, s data.Set) (float64, nn.RegressionMetrics, error) {
	ds, err := nn.Upload(m.Backend(), s)
	if err != nil {
		return 0, nn.RegressionMetrics{}, err
	}
	defer ds.Release()
	return nn.EvaluateRegression(m, loss, ds, 0)
}

// regressionScores is scores for a regression: the metrics on the whole
// training and held-out sets.
func regressionScores(m *nn.Model, loss nn.Loss, d dataset) (string, error) {
	trainLoss, rm, err := regressionOn(m, loss, d.train)
	if err != nil {
		return "", err
	}
	line := fmt.Sprintf("train %s (loss %.4f)", regressionLine("", rm, loss), trainLoss)
	if d.held.Len() > 0 {
		heldLoss, rm, err := regressionOn(m, loss, d.held)
		if err != nil {
			return "", err
		}
		line += fmt.Sprintf(", %s %s (loss %.4f)", d.heldName, regressionLine("", rm, loss), heldLoss)
	}
	if d.test.Len() > 0 { // -test-data
		testLoss, rm, err := regressionOn(m, loss, d.test)
		if err != nil {
			return "", err
		}
		line += fmt.Sprintf(", test %s (loss %.4f)", regressionLine("", rm, loss), testLoss)
	}
	return line, nil
}

// regressionReport is -eval's result on real-valued targets; with -json it
// is written as it stands. R2 is scikit-learn's r2_score with its default
// multioutput='uniform_average' (nn.RegressionMetrics).
type regressionReport struct {
	Set           string   `json:"set"`
	Samples       int      `json:"samples"`
	Loss          float64  `json:"loss"`
	MAE           float64  `json:"mae"`
	RMSE          float64  `json:"rmse"`
	R2            float64  `json:"r2"`
	LabelAccuracy *float64 `json:"label_accuracy,omitempty"` // bce only
	ExactMatch    *float64 `json:"exact_match,omitempty"`    // bce only
	Targets       []string `json:"targets"`
	Backend       string   `json:"backend"`
}

// evaluateRegression is -eval on real-valued targets.
func evaluateRegression(m *nn.Model, loss nn.Loss, d dataset, u *ui) error {
	l, rm, err := regressionOn(m, loss, d.train)
	if err != nil {
		return err
	}
	r := regressionReport{Set: d.evalName, Samples: d.train.Len(), Loss: l, MAE: rm.MAE, RMSE: rm.RMSE, R2: rm.R2,
		Targets: targetNames(d.train.TargetNames, d.train.Outputs), Backend: u.backend}
	if loss == nn.BCEWithLogits {
		r.LabelAccuracy, r.ExactMatch = &rm.LabelAccuracy, &rm.ExactMatch
	}
	for _, v := range []float64{l, rm.MAE, rm.RMSE, rm.R2} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("the %s metrics are not finite (loss %v, MAE %v, RMSE %v, R² %v): the model has diverged", d.evalName, l, rm.MAE, rm.RMSE, rm.R2)
		}
	}
	fmt.Fprintf(u.out, "eval     %s: %s (%d samples, %s), loss %.4f\n", r.Set, regressionLine("", rm, loss), r.Samples, strings.Join(r.Targets, ", "), r.Loss)
	return u.writeJSON(r)
}

// predictValues is -predict for a regression: the predicted targets of each
// row, one column per target under its name (for bce each label's
// probability, σ(output)):
//
//	MEDV
//	24.71
func predictValues(c predictFiles, m *nn.Model, x []float32, lines []int, ck checkpoint, u *ui) error {
	vals, err := nn.PredictValues(prepared(m), x)
	if err != nil {
		return err
	}
	k := m.Outputs
	for i, v := range vals {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("-predict %s: line %d: the model %s predicts NaN or Inf (it has diverged, or holds NaN or Inf); nothing was written",
				c.features, lines[i/k], c.model)
		}
	}
	names := targetNames(ck.TargetNames, k)
	write := func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		cw := csv.NewWriter(bw)
		cw.Write(names)
		rec := make([]string, k)
		for i := 0; i < len(vals); i += k {
			for j, v := range vals[i : i+k] {
				rec[j] = strconv.FormatFloat(float64(v), 'g', 7, 32)
			}
			cw.Write(rec)
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		return bw.Flush()
	}
	return writePredictions(c, len(vals)/k, write, u)
}

// plotR2 draws the held-out set's R² against the epoch (MAE and RMSE are
// in the targets' units, and in metrics.jsonl).
func plotR2(path string, h *nn.History, heldName, title string) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text, p.Y.Label.Text = "epoch", heldName+" R²"
	var pts plotter.XYs
	for _, e := range h.Epochs {
		if e.ValRegression != nil && !math.IsNaN(e.ValRegression.R2) && !math.IsInf(e.ValRegression.R2, 0) {
			pts = append(pts, plotter.XY{X: float64(e.Epoch), Y: e.ValRegression.R2})
		}
	}
	if len(pts) == 0 {
		return nil
	}
	l, dots, err := plotter.NewLinePoints(pts)
	if err != nil {
		return err
	}
	c := color.RGBA{214, 39, 40, 255}
	l.Color, dots.Color, l.Width = c, c, vg.Points(1.5)
	p.Add(l, dots)
	curveAxis(&p.X, pts[0].X, pts[len(pts)-1].X, 1)
	curveAxis(&p.Y, 0, 0, 0)
	if lo, hi := extent(ys(pts)); lo <= hi {
		curveAxis(&p.Y, lo, hi, 0)
	}
	fitTitle(p, curveWidth)
	return savePNG(p, curveWidth, curveHeight, path)
}
