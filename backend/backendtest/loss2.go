package backendtest

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"testing"

	"gltrain/backend"
)

// regressionLoss names one RegressionLosser method for the tests, with its
// float64 oracle per element: the value, the derivative in the prediction,
// and the error scales of both (sums of the magnitudes of the terms).
type regressionLoss struct {
	name  string
	delta float32 // HuberLoss's; 0 for the others
	// target is the distribution of the targets: BCE's lie in [0, 1].
	target Dist
	elem   func(x, y, delta float64) (v, d, vScale, dScale float64)
}

var regressionLosses = []regressionLoss{
	{"l1", 0, Values, func(x, y, _ float64) (float64, float64, float64, float64) {
		d := x - y
		s := 0.0
		if d > 0 {
			s = 1
		} else if d < 0 {
			s = -1
		}
		return math.Abs(d), s, math.Abs(x) + math.Abs(y), 1
	}},
	{"huber", 1, Values, huberOracle},
	{"huber", 0.5, Values, huberOracle},
	{"bce", 0, Positive, func(x, y, _ float64) (float64, float64, float64, float64) {
		sp := math.Log1p(math.Exp(-math.Abs(x)))
		sig := 1 / (1 + math.Exp(-x))
		return (1-y)*x + math.Max(-x, 0) + sp, sig - y, math.Abs((1-y)*x) + math.Max(-x, 0) + sp, sig + math.Abs(y)
	}},
}

func huberOracle(x, y, delta float64) (float64, float64, float64, float64) {
	d, mag := x-y, math.Abs(x)+math.Abs(y)
	if math.Abs(d) <= delta {
		return 0.5 * d * d, d, 0.5 * mag * mag, mag
	}
	return delta * (math.Abs(d) - 0.5*delta), math.Copysign(delta, d), delta*mag + 0.5*delta*delta, delta
}

// run calls the loss on b.
func (rl regressionLoss) run(b backend.RegressionLosser, loss, grad, pred, target backend.Tensor) error {
	switch rl.name {
	case "l1":
		return b.L1Loss(loss, grad, pred, target)
	case "huber":
		return b.HuberLoss(loss, grad, pred, target, rl.delta)
	}
	return b.BCEWithLogits(loss, grad, pred, target)
}

func (rl regressionLoss) String() string {
	if rl.name == "huber" {
		return fmt.Sprintf("huber delta %g", rl.delta)
	}
	return rl.name
}

// runLosses2 checks the optional losses: backend.RegressionLosser and
// backend.WeightedLosser, each where b implements it.
func runLosses2(t *testing.T, b backend.Backend) {
	t.Run("regression", func(t *testing.T) { runRegressionLosses(t, b) })
	t.Run("weighted cross-entropy", func(t *testing.T) { runWeightedCrossEntropy(t, b) })
	t.Run("bce pos_weight", func(t *testing.T) { runPosWeightBCE(t, b) })
	t.Run("steady state", func(t *testing.T) { runLosses2Steady(t, b) })
}

// runLosses2Steady checks that, once each loss has run, running them all
// again allocates no device buffer (their scratch comes from the pool),
// when b reports its memory (backend.MemoryReporter) and implements them.
// The inputs (2×5000 values, 600×7 logits) take several work groups, and
// the regression sums two passes (gl sums 1024 elements per group).
func runLosses2Steady(t *testing.T, b backend.Backend) {
	mr, ok := b.(backend.MemoryReporter)
	rb, okR := b.(backend.RegressionLosser)
	wb, okW := b.(backend.WeightedLosser)
	if !ok || !okR || !okW {
		t.Skip("backend does not report memory or lacks RegressionLosser or WeightedLosser")
	}
	ss := &session{b: b}
	defer ss.release()
	sh, ce := shp(2, 5000), shp(600, 7)
	p, y, g, loss := ss.up(sh, draw(In{Shape: sh}, 1, false)), ss.up(sh, draw(In{Shape: sh, Dist: Positive}, 2, false)), ss.poisoned(sh), ss.poisoned(scalar)
	x, lab, w, gx := ss.up(ce, draw(In{Shape: ce}, 3, false)), ss.up(shp(600, 1), draw(In{Shape: shp(600, 1), Dist: Labels, Range: 7}, 4, false)),
		ss.up(shp(1, 7), draw(In{Shape: shp(1, 7), Dist: Positive}, 5, false)), ss.poisoned(ce)
	if ss.err != nil {
		t.Fatal(ss.err)
	}
	all := func() error {
		for _, rl := range regressionLosses {
			if err := rl.run(rb, loss, g, p, y); err != nil {
				return err
			}
		}
		return wb.SoftmaxCrossEntropyWeighted(loss, gx, x, lab, w, 0.1)
	}
	if err := all(); err != nil {
		t.Fatal(err)
	}
	if _, err := backend.ToHost(b, loss); err != nil {
		t.Fatal(err)
	}
	warm := mr.MemStats()
	for i := 0; i < 3; i++ {
		if err := all(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := backend.ToHost(b, loss); err != nil {
		t.Fatal(err)
	}
	if after := mr.MemStats(); after.Allocations != warm.Allocations {
		t.Errorf("%d device allocations in 3 rounds of the losses after warm-up, want 0", after.Allocations-warm.Allocations)
	}
}

// runRegressionLosses checks backend.RegressionLosser, when b implements
// it: every loss against its float64 oracle on random and extreme inputs
// (with and without the gradient, at ElementDims' sizes, which are not
// multiples of the work group), against PyTorch's values and gradients
// (loss_golden.json, including NaN and ±Inf inputs), and its argument
// errors.
func runRegressionLosses(t *testing.T, b backend.Backend) {
	rb, ok := b.(backend.RegressionLosser)
	if !ok {
		t.Skip("backend does not implement backend.RegressionLosser")
	}
	t.Run("cases", func(t *testing.T) {
		for _, c := range regressionLossCases(rb) {
			t.Run(c.Name, func(t *testing.T) { runCase(t, c, b, nil, Execute) })
		}
	})
	t.Run("pytorch", func(t *testing.T) { runLossGolden(t, b, rb) })
	t.Run("errors", func(t *testing.T) { runRegressionLossErrors(t, b, rb) })
}

// regressionLossTol: each element's value and derivative are a few float32
// operations from float32 inputs (relative error a few ulp of the terms'
// magnitudes, the Scale the oracle sets), and the mean is a float32 sum
// tree over at most 257·129 elements, whose error relative to the sum of
// magnitudes is well under 1e-5 (llm.c's float32 reduction tolerance).
var regressionLossTol = Tol{ATol: 1e-30, RTol: 1e-5}

func regressionLossCases(rb backend.RegressionLosser) []Case {
	var cs []Case
	for _, rl := range regressionLosses {
		for _, withGrad := range []bool{true, false} {
			rl, withGrad := rl, withGrad
			name := map[bool]string{true: " with gradient", false: " loss only"}[withGrad]
			cs = append(cs, Case{
				Name: rl.String() + name, Dims: ElementDims, Tol: regressionLossTol,
				Setup: func(d Dims) ([]In, []Out) {
					outs := []Out{poisoned(scalar)}
					if withGrad {
						outs = append(outs, poisoned(shapeOf(d)))
					}
					return []In{{Shape: shapeOf(d)}, {Shape: shapeOf(d), Dist: rl.target}}, outs
				},
				Run: func(_ backend.Backend, out, in []backend.Tensor) error {
					var grad backend.Tensor
					if withGrad {
						grad = out[1]
					}
					return rl.run(rb, out[0], grad, in[0], in[1])
				},
				Oracle: func(out, in []Mat) { regressionOracle(rl, out, in) },
			})
		}
	}
	return cs
}

// regressionOracle fills out[0] with the mean loss and, when present,
// out[1] with the gradient.
func regressionOracle(rl regressionLoss, out, in []Mat) {
	p, y := &in[0], &in[1]
	count := float64(len(p.Data))
	var loss, scale float64
	for i, x := range p.Data {
		v, d, vs, ds := rl.elem(x, y.Data[i], float64(rl.delta))
		loss += v
		scale += vs
		if len(out) > 1 {
			out[1].Data[i] = d / count
			out[1].setScale(i, ds/count)
		}
	}
	out[0].Data[0] = loss / count
	out[0].setScale(0, scale/count)
}

//go:embed testdata/loss_golden.json
var lossGoldenJSON []byte

// lossGoldenCase is one row of loss_golden.json.
type lossGoldenCase struct {
	LossFn             string `json:"loss_fn"`
	Delta, Inputs      string
	Rows, Cols         int
	Pred, Target, Grad []string
	Loss               string
	// The cross-entropy cases' ("ce"): labels (batch×1), weight (1×classes,
	// none for all 1) and smoothing.
	Labels, Weight []string
	Smoothing      string
	// BCEWithLogits' pos_weight (1×cols), for PosWeightedBCE.
	PosWeight []string `json:"pos_weight"`
}

// lossGoldenTol: the golden file holds PyTorch's float64 results on float32
// inputs of at most 28 elements; a float32 kernel differs by a few ulp of
// each term, so 1e-5 relative to the value (1e-6 absolute for values that
// cancel to near 0) holds with a margin, and is the bound.
var lossGoldenTol = Tol{ATol: 1e-6, RTol: 1e-5}

// runLossGolden compares each loss's value and gradient on b with
// PyTorch's (and Losser.MeanSquaredError's on real-valued targets) (testdata/loss_golden.py, torch 1.13): within lossGoldenTol
// where PyTorch's is finite, and NaN, +Inf or −Inf exactly where PyTorch's
// is.
func runLossGolden(t *testing.T, b backend.Backend, rb backend.RegressionLosser) {
	var file struct{ Cases []lossGoldenCase }
	if err := json.Unmarshal(lossGoldenJSON, &file); err != nil {
		t.Fatalf("loss_golden.json: %v", err)
	}
	if len(file.Cases) == 0 {
		t.Fatal("loss_golden.json has no cases: run backend/backendtest/testdata/loss_golden.py")
	}
	for i, gc := range file.Cases {
		if gc.LossFn == "ce" || len(gc.PosWeight) > 0 {
			continue // runWeightedCEGolden's, runPosWeightGolden's
		}
		delta, _ := strconv.ParseFloat(gc.Delta, 64)
		rl := regressionLoss{name: gc.LossFn, delta: float32(delta)}
		sh := shp(gc.Rows, gc.Cols)
		ss := &session{b: b}
		pred, target := ss.up(sh, narrowAll(parseAll(gc.Pred))), ss.up(sh, narrowAll(parseAll(gc.Target)))
		loss, grad := ss.poisoned(scalar), ss.poisoned(sh)
		switch {
		case ss.err != nil:
		case gc.LossFn == "mse":
			ss.do(b.MeanSquaredError(loss, grad, pred, target))
		default:
			ss.do(rl.run(rb, loss, grad, pred, target))
		}
		res := ss.down(loss, grad)
		ss.release()
		if ss.err != nil {
			t.Fatalf("case %d (%v, %s): %v", i, rl, gc.Inputs, ss.err)
		}
		want := append(parseAll([]string{gc.Loss}), parseAll(gc.Grad)...)
		for j, got := range append(res[0], res[1]...) {
			if msg := goldenMismatch(float64(got), want[j]); msg != "" {
				what := "loss"
				if j > 0 {
					what = fmt.Sprintf("gradient[%d]", j-1)
				}
				t.Errorf("case %d (%v, %s): %s %s", i, rl, gc.Inputs, what, msg)
			}
		}
	}
}

// goldenMismatch is "" when got is within lossGoldenTol of PyTorch's want,
// or the same non-finite value, else a report.
func goldenMismatch(got, want float64) string {
	switch {
	case math.IsNaN(want):
		if !math.IsNaN(got) {
			return fmt.Sprintf("= %g, PyTorch NaN", got)
		}
	case math.IsInf(want, 0):
		if got != want {
			return fmt.Sprintf("= %g, PyTorch %g", got, want)
		}
	case !(math.Abs(got-want) <= lossGoldenTol.ATol+lossGoldenTol.RTol*math.Abs(want)):
		return fmt.Sprintf("= %.9g, PyTorch %.9g", got, want)
	}
	return ""
}

func narrowAll(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// runRegressionLossErrors checks that a shape mismatch, a wrong loss
// shape, an aliased gradient and a bad Huber delta are errors naming the
// operation, never a panic.
func runRegressionLossErrors(t *testing.T, b backend.Backend, rb backend.RegressionLosser) {
	ss := &session{b: b}
	defer ss.release()
	p, y, wide := ss.poisoned(shp(3, 2)), ss.poisoned(shp(3, 2)), ss.poisoned(shp(2, 3))
	loss, notScalar := ss.poisoned(scalar), ss.poisoned(shp(1, 2))
	if ss.err != nil {
		t.Fatal(ss.err)
	}
	for _, rl := range regressionLosses {
		for i, tc := range []struct {
			name                  string
			loss, grad, pred, tgt backend.Tensor
			want                  error
		}{
			{"target shape", loss, nil, p, wide, backend.ErrShape},
			{"gradient shape", loss, wide, p, y, backend.ErrShape},
			{"loss shape", notScalar, nil, p, y, backend.ErrShape},
			{"gradient is the prediction", loss, p, p, y, backend.ErrAlias},
		} {
			err := rl.run(rb, tc.loss, tc.grad, tc.pred, tc.tgt)
			if !errors.Is(err, tc.want) {
				t.Errorf("%v: case %d (%s): err %v, want %v", rl, i, tc.name, err, tc.want)
			}
		}
	}
	for _, delta := range []float32{0, -1, float32(math.NaN()), float32(math.Inf(1))} {
		if err := rb.HuberLoss(loss, nil, p, y, delta); !errors.Is(err, backend.ErrInvalidArgument) {
			t.Errorf("huber delta %v: err %v, want ErrInvalidArgument", delta, err)
		}
	}
}
