package backendtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"testing"

	"gltrain/backend"
)

// weightedCE is one setting of the weighted softmax cross-entropy under
// test: class weights or nil, and the label smoothing.
type weightedCE struct {
	weighted  bool
	smoothing float32
}

func (c weightedCE) String() string {
	return fmt.Sprintf("weighted softmax cross-entropy (weights %v, smoothing %g)", c.weighted, c.smoothing)
}

var weightedCESettings = []weightedCE{{false, 0}, {true, 0}, {false, 0.1}, {true, 0.25}}

// runWeightedCrossEntropy checks backend.WeightedLosser, when b implements
// it: against the float64 oracle on random and extreme logits (with and
// without the gradient, at ElementDims' sizes) and against PyTorch's value
// and gradient (loss_golden.json's "ce" cases, NaN and ±Inf logits and a
// bad label included), and its argument errors.
func runWeightedCrossEntropy(t *testing.T, b backend.Backend) {
	wb, ok := b.(backend.WeightedLosser)
	if !ok {
		t.Skip("backend does not implement backend.WeightedLosser")
	}
	t.Run("cases", func(t *testing.T) {
		for _, st := range weightedCESettings {
			for _, withGrad := range []bool{true, false} {
				c := weightedCECase(wb, st, withGrad)
				t.Run(c.Name, func(t *testing.T) { runCase(t, c, b, nil, Execute) })
			}
		}
	})
	t.Run("pytorch", func(t *testing.T) { runWeightedCEGolden(t, b, wb) })
	t.Run("errors", func(t *testing.T) { runWeightedCEErrors(t, b, wb) })
}

func weightedCECase(wb backend.WeightedLosser, st weightedCE, withGrad bool) Case {
	name := st.String() + map[bool]string{true: " with gradient", false: " loss only"}[withGrad]
	return Case{
		Name: name, Dims: ElementDims, Tol: lossTol,
		Setup: func(d Dims) ([]In, []Out) {
			ins := []In{{Shape: shapeOf(d)}, labelsOf(d)}
			if st.weighted {
				ins = append(ins, In{Shape: backend.Shape{Rows: 1, Cols: d.N}, Dist: Positive})
			}
			outs := []Out{poisoned(scalar)}
			if withGrad {
				outs = append(outs, poisoned(shapeOf(d)))
			}
			return ins, outs
		},
		Run: func(_ backend.Backend, out, in []backend.Tensor) error {
			var grad, weight backend.Tensor
			if withGrad {
				grad = out[1]
			}
			if st.weighted {
				weight = in[2]
			}
			return wb.SoftmaxCrossEntropyWeighted(out[0], grad, in[0], in[1], weight, st.smoothing)
		},
		Oracle: func(out, in []Mat) { weightedCEOracle(st.smoothing, out, in) },
	}
}

// weightedCEOracle is PyTorch's CrossEntropyLoss(weight, label_smoothing)
// in float64 (WeightedLosser's formula); the error scales are the sums of
// the terms' magnitudes, over W.
func weightedCEOracle(smoothing float32, out, in []Mat) {
	x, y := &in[0], &in[1]
	m, n := x.Shape.Rows, x.Shape.Cols
	eps, cls := float64(smoothing), float64(n)
	w := func(j int) float64 {
		if len(in) > 2 {
			return in[2].Data[j]
		}
		return 1
	}
	var total, scale, wsum, sw float64
	for j := 0; j < n; j++ {
		sw += w(j)
	}
	for i := 0; i < m; i++ {
		wsum += w(int(y.Data[i]))
	}
	for i := 0; i < m; i++ {
		c := int(y.Data[i])
		mx := math.Inf(-1)
		for j := 0; j < n; j++ {
			mx = math.Max(mx, x.at(i, j))
		}
		var s float64
		for j := 0; j < n; j++ {
			s += math.Exp(x.at(i, j) - mx)
		}
		lse := mx + math.Log(s)
		total += (1 - eps) * w(c) * (lse - x.at(i, c))
		scale += (1 - eps) * w(c) * (math.Abs(lse) + math.Abs(x.at(i, c)))
		for j := 0; j < n; j++ {
			total += eps / cls * w(j) * (lse - x.at(i, j))
			scale += eps / cls * w(j) * (math.Abs(lse) + math.Abs(x.at(i, j)))
		}
		for j := 0; len(out) > 1 && j < n; j++ {
			p, d := math.Exp(x.at(i, j)-lse), 0.0
			if j == c {
				d = 1
			}
			out[1].Data[i*n+j] = ((1-eps)*w(c)*(p-d) + eps/cls*(p*sw-w(j))) / wsum
			out[1].setScale(i*n+j, ((1-eps)*w(c)*(p+d)+eps/cls*(p*sw+w(j)))/wsum)
		}
	}
	out[0].Data[0] = total / wsum
	out[0].setScale(0, scale/wsum)
}

// runWeightedCEErrors checks the argument errors: a weight of the wrong
// shape or aliased with an output, a smoothing outside [0, 1], labels that
// do not fit.
func runWeightedCEErrors(t *testing.T, b backend.Backend, wb backend.WeightedLosser) {
	ss := &session{b: b}
	defer ss.release()
	x, y, g := ss.poisoned(shp(3, 4)), ss.up(shp(3, 1), []float32{0, 1, 2}), ss.poisoned(shp(3, 4))
	w, wBad, loss := ss.poisoned(shp(1, 4)), ss.poisoned(shp(1, 3)), ss.poisoned(scalar)
	yBad := ss.poisoned(shp(2, 1))
	if ss.err != nil {
		t.Fatal(ss.err)
	}
	for i, tc := range []struct {
		name                 string
		grad, labels, weight backend.Tensor
		smoothing            float32
		want                 error
	}{
		{"weight 1×3 for 4 classes", g, y, wBad, 0, backend.ErrShape},
		{"weight is the gradient", g, y, g, 0, backend.ErrShape},
		{"labels 2×1 for 3 rows", g, yBad, w, 0, backend.ErrShape},
		{"smoothing −0.1", g, y, w, -0.1, backend.ErrInvalidArgument},
		{"smoothing 1.5", nil, y, nil, 1.5, backend.ErrInvalidArgument},
		{"smoothing NaN", g, y, w, float32(math.NaN()), backend.ErrInvalidArgument},
	} {
		if err := wb.SoftmaxCrossEntropyWeighted(loss, tc.grad, x, tc.labels, tc.weight, tc.smoothing); !errors.Is(err, tc.want) {
			t.Errorf("case %d (%s): err %v, want %v", i, tc.name, err, tc.want)
		}
	}
}

// runWeightedCEGolden compares the loss and gradient with PyTorch's
// (loss_golden.json's "ce" cases, torch 1.13's CrossEntropyLoss), within
// lossGoldenTol where PyTorch's is finite. Where PyTorch's loss is not
// finite, b's must not be either (a +Inf logit is NaN here where PyTorch
// may give +Inf: both report the divergence), and the gradient is not
// compared.
func runWeightedCEGolden(t *testing.T, b backend.Backend, wb backend.WeightedLosser) {
	var file struct{ Cases []lossGoldenCase }
	if err := json.Unmarshal(lossGoldenJSON, &file); err != nil {
		t.Fatalf("loss_golden.json: %v", err)
	}
	n := 0
	for i, gc := range file.Cases {
		if gc.LossFn != "ce" {
			continue
		}
		n++
		eps, _ := strconv.ParseFloat(gc.Smoothing, 64)
		sh := shp(gc.Rows, gc.Cols)
		ss := &session{b: b}
		x, y := ss.up(sh, narrowAll(parseAll(gc.Pred))), ss.up(shp(gc.Rows, 1), narrowAll(parseAll(gc.Labels)))
		var w backend.Tensor
		if len(gc.Weight) > 0 {
			w = ss.up(shp(1, gc.Cols), narrowAll(parseAll(gc.Weight)))
		}
		loss, grad := ss.poisoned(scalar), ss.poisoned(sh)
		if ss.err == nil {
			ss.do(wb.SoftmaxCrossEntropyWeighted(loss, grad, x, y, w, float32(eps)))
		}
		res := ss.down(loss, grad)
		ss.release()
		where := fmt.Sprintf("case %d (%s, weights %v, smoothing %v)", i, gc.Inputs, len(gc.Weight) > 0, eps)
		if ss.err != nil {
			t.Fatalf("%s: %v", where, ss.err)
		}
		want := parseAll([]string{gc.Loss})[0]
		if math.IsNaN(want) || math.IsInf(want, 0) {
			if got := float64(res[0][0]); !math.IsNaN(got) && !math.IsInf(got, 0) {
				t.Errorf("%s: loss %g, PyTorch %g", where, got, want)
			}
			continue
		}
		for j, got := range append(res[0], res[1]...) {
			wantJ := want
			if j > 0 {
				wantJ = parseAll(gc.Grad[j-1 : j])[0]
			}
			if msg := goldenMismatch(float64(got), wantJ); msg != "" {
				t.Errorf("%s: element %d (0 the loss, then the gradient): %s", where, j, msg)
			}
		}
	}
	if n == 0 {
		t.Fatal("loss_golden.json has no cross-entropy cases: run backend/backendtest/testdata/loss_golden.py")
	}
}
