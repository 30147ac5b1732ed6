package backendtest

import (
	"encoding/json"
	"fmt"
	"math"
	"testing"

	"gltrain/backend"
)

// runPosWeightBCE checks backend.PosWeightedBCE, when b implements it:
// against a float64 oracle on random and extreme inputs (with and without
// the gradient, at ElementDims' sizes), against PyTorch's values and
// gradients (the loss_golden.json cases with a pos_weight, NaN and ±Inf
// among them), and its argument errors.
func runPosWeightBCE(t *testing.T, b backend.Backend) {
	pb, ok := b.(backend.PosWeightedBCE)
	if !ok {
		t.Skip("backend does not implement backend.PosWeightedBCE")
	}
	t.Run("cases", func(t *testing.T) {
		for _, c := range posWeightCases(pb) {
			t.Run(c.Name, func(t *testing.T) { runCase(t, c, b, nil, Execute) })
		}
	})
	t.Run("pytorch", func(t *testing.T) { runPosWeightGolden(t, b, pb) })
	t.Run("errors", func(t *testing.T) { runPosWeightErrors(t, b, pb) })
}

// posWeightElement is the float64 oracle of one element, with lw = 1 +
// (p − 1)·y: the value (1 − y)·x + lw·(max(−x, 0) + log1p(exp(−|x|))),
// the derivative (p·y + 1 − y)·σ(x) − p·y, and their error scales (sums of
// the terms' magnitudes).
func posWeightElement(x, y, p float64) (v, d, vScale, dScale float64) {
	lw := 1 + (p-1)*y
	sp := math.Max(-x, 0) + math.Log1p(math.Exp(-math.Abs(x)))
	sig := 1 / (1 + math.Exp(-x))
	py := p * y
	return (1-y)*x + lw*sp, (py+1-y)*sig - py,
		math.Abs((1-y)*x) + (1+math.Abs((p-1)*y))*sp, (math.Abs(py)+1+math.Abs(y))*sig + math.Abs(py)
}

func posWeightCases(pb backend.PosWeightedBCE) []Case {
	var cs []Case
	for _, withGrad := range []bool{true, false} {
		name := map[bool]string{true: "with gradient", false: "loss only"}[withGrad]
		cs = append(cs, Case{
			// Tolerance: regressionLossTol's reasoning (a few float32
			// operations per element, a float32 sum tree) holds here.
			Name: name, Dims: ElementDims, Tol: regressionLossTol,
			Setup: func(d Dims) ([]In, []Out) {
				outs := []Out{poisoned(scalar)}
				if withGrad {
					outs = append(outs, poisoned(shapeOf(d)))
				}
				// Weights |N(0,1)|, most below and some well above 1.
				pw := In{Shape: shp(1, d.N), Dist: Positive, Map: func(v float32) float32 { return 10 * v }}
				return []In{{Shape: shapeOf(d)}, {Shape: shapeOf(d), Dist: Positive}, pw}, outs
			},
			Run: func(_ backend.Backend, out, in []backend.Tensor) error {
				var grad backend.Tensor
				if withGrad {
					grad = out[1]
				}
				return pb.BCEWithLogitsPosWeight(out[0], grad, in[0], in[1], in[2])
			},
			Oracle: func(out, in []Mat) {
				x, y, p := &in[0], &in[1], &in[2]
				n, count := x.Shape.Cols, float64(len(x.Data))
				var loss, scale float64
				for i, xv := range x.Data {
					v, d, vs, ds := posWeightElement(xv, y.Data[i], p.Data[i%n])
					loss, scale = loss+v, scale+vs
					if len(out) > 1 {
						out[1].Data[i] = d / count
						out[1].setScale(i, ds/count)
					}
				}
				out[0].Data[0] = loss / count
				out[0].setScale(0, scale/count)
			},
		})
	}
	return cs
}

// runPosWeightGolden compares the value and gradient on b with PyTorch's
// BCEWithLogitsLoss(pos_weight=p) (testdata/loss_golden.py, torch 1.13),
// as runLossGolden does.
func runPosWeightGolden(t *testing.T, b backend.Backend, pb backend.PosWeightedBCE) {
	var file struct{ Cases []lossGoldenCase }
	if err := json.Unmarshal(lossGoldenJSON, &file); err != nil {
		t.Fatalf("loss_golden.json: %v", err)
	}
	seen := 0
	for i, gc := range file.Cases {
		if len(gc.PosWeight) == 0 {
			continue
		}
		seen++
		sh := shp(gc.Rows, gc.Cols)
		ss := &session{b: b}
		x, y := ss.up(sh, narrowAll(parseAll(gc.Pred))), ss.up(sh, narrowAll(parseAll(gc.Target)))
		p := ss.up(shp(1, gc.Cols), narrowAll(parseAll(gc.PosWeight)))
		loss, grad := ss.poisoned(scalar), ss.poisoned(sh)
		if ss.err == nil {
			ss.do(pb.BCEWithLogitsPosWeight(loss, grad, x, y, p))
		}
		res := ss.down(loss, grad)
		ss.release()
		if ss.err != nil {
			t.Fatalf("case %d (%s): %v", i, gc.Inputs, ss.err)
		}
		want := append(parseAll([]string{gc.Loss}), parseAll(gc.Grad)...)
		for j, got := range append(res[0], res[1]...) {
			if msg := goldenMismatch(float64(got), want[j]); msg != "" {
				what := "loss"
				if j > 0 {
					what = fmt.Sprintf("gradient[%d]", j-1)
				}
				t.Errorf("case %d (%s, pos_weight %v): %s %s", i, gc.Inputs, gc.PosWeight, what, msg)
			}
		}
	}
	if seen == 0 {
		t.Fatal("loss_golden.json has no pos_weight cases: run backend/backendtest/testdata/loss_golden.py")
	}
}

func runPosWeightErrors(t *testing.T, b backend.Backend, pb backend.PosWeightedBCE) {
	ss := &session{b: b}
	defer ss.release()
	x, y, loss := ss.poisoned(shp(3, 2)), ss.poisoned(shp(3, 2)), ss.poisoned(scalar)
	pw, long, col := ss.poisoned(shp(1, 2)), ss.poisoned(shp(1, 3)), ss.poisoned(shp(2, 1))
	one, tgt := ss.poisoned(scalar), ss.poisoned(scalar) // 1×1 logits: a 1×1 pos_weight fits
	if ss.err != nil {
		t.Fatal(ss.err)
	}
	checkErrors(t, []errorCase{
		{"pos_weight 1×3", func() error { return pb.BCEWithLogitsPosWeight(loss, nil, x, y, long) }, backend.ErrShape, []string{"pos_weight", "3×2", "1×3"}},
		{"pos_weight 2×1", func() error { return pb.BCEWithLogitsPosWeight(loss, nil, x, y, col) }, backend.ErrShape, []string{"pos_weight", "2×1"}},
		{"target shape", func() error { return pb.BCEWithLogitsPosWeight(loss, nil, x, pw, pw) }, backend.ErrShape, []string{"pos_weight"}},
		{"pos_weight is the loss", func() error { return pb.BCEWithLogitsPosWeight(loss, nil, one, tgt, loss) }, backend.ErrAlias, []string{"pos_weight"}},
		{"gradient is the logits", func() error { return pb.BCEWithLogitsPosWeight(loss, x, x, y, pw) }, backend.ErrAlias, []string{"pos_weight"}},
		{"nil pos_weight", func() error { return pb.BCEWithLogitsPosWeight(loss, nil, x, y, nil) }, backend.ErrForeign, []string{"pos_weight"}},
	})
}
