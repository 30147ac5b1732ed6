package nn

import (
	"fmt"
	"math"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/nn/data"
)

// RegressionMetrics are the scores of a model on real-valued targets
// (data.Set.Targets), over n rows and k target columns, with e = output −
// target, computed in float64 on the host:
//
//	MAE  = Σ|e| / (n·k)
//	RMSE = sqrt(Σe² / (n·k))
//	R2   = (1/k) Σ_j (1 − SS_res[j] / SS_tot[j])   SS_res[j] = Σ_i e[i][j]²,
//	                                               SS_tot[j] = Σ_i (y[i][j] − ȳ[j])²
//
// R2 is scikit-learn's r2_score with multioutput='uniform_average' (its
// default; one column gives the usual R²); a column of constant targets
// scores 1 when it is predicted exactly and 0 otherwise, as r2_score's
// force_finite does. For BCEWithLogits (multi-label targets) the outputs
// are logits and the errors are those of σ(output), and LabelAccuracy is
// the fraction of (row, label) pairs where output > 0 agrees with target
// ≥ 0.5, ExactMatch the fraction of rows with every label right; both are
// NaN for the other losses.
type RegressionMetrics struct {
	MAE, RMSE, R2             float64
	LabelAccuracy, ExactMatch float64
}

// metricSums accumulates RegressionMetrics over batches: Welford's running
// mean and sum of squares per target column for SS_tot.
type metricSums struct {
	k, n              int
	sigmoid           bool // BCEWithLogits: compare σ(output), count labels
	abs, sq           float64
	res, mean, m2     []float64
	labelHits, exacts int
}

func newMetricSums(k int, loss Loss) *metricSums {
	return &metricSums{k: k, sigmoid: loss == BCEWithLogits, res: make([]float64, k), mean: make([]float64, k), m2: make([]float64, k)}
}

// add takes a batch of outputs and targets, rows×k row-major each.
func (s *metricSums) add(out, y []float32) {
	for i := 0; i < len(y)/s.k; i++ {
		s.n++
		exact := true
		for j := range s.k {
			o, t := float64(out[i*s.k+j]), float64(y[i*s.k+j])
			if s.sigmoid {
				if (o > 0) != (t >= 0.5) {
					exact = false
				} else {
					s.labelHits++
				}
				o = 1 / (1 + math.Exp(-o))
			}
			e := o - t
			s.abs += math.Abs(e)
			s.sq += e * e
			s.res[j] += e * e
			d := t - s.mean[j]
			s.mean[j] += d / float64(s.n)
			s.m2[j] += d * (t - s.mean[j])
		}
		if exact {
			s.exacts++
		}
	}
}

func (s *metricSums) metrics() RegressionMetrics {
	cells := float64(s.n * s.k)
	m := RegressionMetrics{MAE: s.abs / cells, RMSE: math.Sqrt(s.sq / cells), LabelAccuracy: math.NaN(), ExactMatch: math.NaN()}
	for j := range s.k {
		switch {
		case s.m2[j] > 0:
			m.R2 += 1 - s.res[j]/s.m2[j]
		case s.res[j] == 0:
			m.R2++
		}
	}
	m.R2 /= float64(s.k)
	if s.sigmoid {
		m.LabelAccuracy, m.ExactMatch = float64(s.labelHits)/cells, float64(s.exacts)/float64(s.n)
	}
	return m
}

// checkTargets refuses a validation set of another kind than the training
// set, and for BCEWithLogits targets outside [0, 1].
func (t *Trainer) checkTargets() error {
	if t.Val.Len() > 0 {
		if err := t.Loss.check("trainer", t.Val.Name, t.Val.Regression()); err != nil {
			return err
		}
		if t.Val.Outputs != t.Train.Outputs {
			return fmt.Errorf("nn: trainer: %s has %d targets a row, %s %d: %w", t.Train.Name, t.Train.Outputs, t.Val.Name, t.Val.Outputs, backend.ErrInvalidArgument)
		}
	}
	if t.Loss != BCEWithLogits {
		return nil
	}
	for _, s := range []data.Set{t.Train, t.Val} {
		if err := data.CheckUnitTargets(s); err != nil {
			return fmt.Errorf("nn: trainer: loss %v: %w", t.Loss, err)
		}
	}
	return nil
}

// accuracy is the epoch's accuracy so far: NaN for targets, which have
// none counted while training (Evaluate scores them).
func (r *run) accuracy() float64 {
	if r.train.Outputs > 0 {
		return math.NaN()
	}
	return r.hits / float64(r.samples)
}

// PredictValues returns the model's outputs for each row of x (raw
// features, row-major, m.Inputs per row), row-major, m.Outputs per row: the
// predicted targets of a regression. For a model trained with
// BCEWithLogits (m.Loss) they are σ(output), each label's probability.
// The Standardizer is applied as in Predict.
func PredictValues(m *Model, x []float32) ([]float32, error) {
	if err := m.check("predict values"); err != nil {
		return nil, err
	}
	out := make([]float32, 0, len(x)/max(1, m.Inputs)*m.Outputs)
	err := m.run("predict values", x, func(b backend.Backend, g *autograd.Graph, y *autograd.Value, rows int, _ []float32) error {
		k := len(out)
		out = append(out, make([]float32, rows*m.Outputs)...)
		return b.Download(out[k:], y.Tensor())
	})
	if m.Loss == BCEWithLogits {
		for i, v := range out {
			out[i] = float32(1 / (1 + math.Exp(-float64(v))))
		}
	}
	return out, err
}
