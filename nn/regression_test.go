package nn

import (
	"math"
	"testing"
)

// TestRegressionMetrics checks the metrics against scikit-learn's on a
// two-column example (r2_score's default multioutput='uniform_average';
// the values printed by /usr/bin/python3 with sklearn 1.2):
//
//	y = [[3,-0.5],[2,1],[7,2],[1,0.5]]; p = [[2.5,0],[2,1.5],[8,2],[1.5,0]]
//	r2_score(y, p) = 0.8484708063021316
//	mean_absolute_error(y, p) = 0.4375
//	mean_squared_error(y, p) ** 0.5 = 0.5303300858899106
//
// fed in two batches. The float64 sums of float32 inputs that are exact
// binary fractions agree to rounding: tolerance 1e-12.
func TestRegressionMetrics(t *testing.T) {
	s := newMetricSums(2, MeanSquaredError)
	s.add([]float32{2.5, 0, 2, 1.5}, []float32{3, -0.5, 2, 1})
	s.add([]float32{8, 2, 1.5, 0}, []float32{7, 2, 1, 0.5})
	m := s.metrics()
	for i, c := range []struct {
		name      string
		got, want float64
	}{{"R2", m.R2, 0.8484708063021316}, {"MAE", m.MAE, 0.4375}, {"RMSE", m.RMSE, 0.5303300858899106}} {
		if math.Abs(c.got-c.want) > 1e-12 {
			t.Errorf("%d: %s = %.17g, want %.17g", i, c.name, c.got, c.want)
		}
	}
	if !math.IsNaN(m.LabelAccuracy) || !math.IsNaN(m.ExactMatch) {
		t.Errorf("label accuracy %v, exact match %v for mse: want NaN", m.LabelAccuracy, m.ExactMatch)
	}
	// A constant column: R² 1 when predicted exactly, else 0 (force_finite).
	c := newMetricSums(1, L1)
	c.add([]float32{4, 4}, []float32{4, 4})
	if r2 := c.metrics().R2; r2 != 1 {
		t.Errorf("constant column predicted exactly: R2 %v, want 1", r2)
	}
	c = newMetricSums(1, L1)
	c.add([]float32{4, 5}, []float32{4, 4})
	if r2 := c.metrics().R2; r2 != 0 {
		t.Errorf("constant column missed: R2 %v, want 0", r2)
	}
}

// TestLabelAccuracy: for BCEWithLogits, logits > 0 are label 1; errors are
// of σ(logit).
func TestLabelAccuracy(t *testing.T) {
	s := newMetricSums(2, BCEWithLogits)
	s.add([]float32{3, -1, -2, 0.5, 0, 4}, []float32{1, 0, 1, 1, 0, 1}) // rows: both right; one wrong; both right (0 is label 0)
	m := s.metrics()
	if m.LabelAccuracy != 5.0/6 || m.ExactMatch != 2.0/3 {
		t.Errorf("label accuracy %v, exact match %v; want 5/6, 2/3", m.LabelAccuracy, m.ExactMatch)
	}
	sig := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	want := (1 - sig(3) + sig(-1) + 1 - sig(-2) + 1 - sig(0.5) + sig(0) + 1 - sig(4)) / 6
	if math.Abs(m.MAE-want) > 1e-12 {
		t.Errorf("MAE %v, want %v (of σ(logits))", m.MAE, want)
	}
}
