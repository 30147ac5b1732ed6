package backendtest

import (
	"fmt"
	"math"
	"testing"

	"gltrain/backend"
)

// lossSpecial is a score put into row 1 of a two-row batch (row 0 stays
// ordinary), at the label's column or at another.
type lossSpecial struct {
	name    string
	v       float32
	atLabel bool
}

var lossSpecials = []lossSpecial{
	{"NaN at the label", nan32, true},
	{"NaN elsewhere", nan32, false},
	{"+Inf at the label", inf32, true},
	{"+Inf elsewhere", inf32, false},
	{"−Inf at the label", -inf32, true},
	{"−Inf elsewhere", -inf32, false},
}

// runLossSpecials checks that a batch with a NaN or ±Inf score gives a
// non-finite loss on every loss, so that divergence is never hidden, in rows
// a backend keeps whole (n = 4) and rows it may split (n = 5000):
//   - the hinge loss is NaN, with a NaN gradient on that row, wherever the
//     value is (max(0, ·) would otherwise give 0 for a NaN, or for +Inf at
//     the label; PyTorch's multi_margin_loss gives 0 there, a hidden
//     divergence this contract refuses);
//   - softmax cross-entropy is non-finite, as PyTorch's cross_entropy is,
//     except for −Inf at a column other than the label, a class of
//     probability 0, whose loss PyTorch too computes finite; the fused
//     SoftmaxCrossEntropyCount gives the same loss;
//   - mean squared error is non-finite with the value in the prediction or
//     in the target.
func runLossSpecials(t *testing.T, b backend.Backend) {
	for _, n := range []int{4, 5000} {
		for _, sp := range lossSpecials {
			t.Run(fmt.Sprintf("%s, rows of %d", sp.name, n), func(t *testing.T) {
				x := draw(In{Shape: shp(2, n)}, caseSeed("loss special", Dims{M: 2, N: n}, false), false)
				const label = 1
				y := []float32{0, label}
				col := label
				if !sp.atLabel {
					col = n - 1
				}
				x[n+col] = sp.v
				finiteCE := sp.v == -inf32 && !sp.atLabel
				for _, withGrad := range []bool{false, true} {
					loss, grad, err := lossPass(b, "svm", shp(2, n), x, y, withGrad)
					if err != nil {
						t.Fatal(err)
					}
					if !math.IsNaN(float64(loss)) {
						t.Errorf("svm hinge (gradient %v): loss %g, want NaN", withGrad, loss)
					}
					for j := 0; withGrad && j < n; j++ {
						g := grad[n+j]
						if !math.IsNaN(float64(g)) {
							t.Errorf("svm hinge: gradient [1, %d] = %g, want NaN", j, g)
							break
						}
					}
					for _, op := range []string{"cross-entropy", "cross-entropy count"} {
						loss, _, err := lossPass(b, op, shp(2, n), x, y, withGrad)
						if err != nil {
							t.Fatal(err)
						}
						if finite := isFinite32(loss); finite != finiteCE {
							t.Errorf("softmax %s (gradient %v): loss %g, want finite %v", op, withGrad, loss, finiteCE)
						}
					}
					ordinary := draw(In{Shape: shp(2, n)}, 3, false)
					for _, pair := range [][2][]float32{{x, ordinary}, {ordinary, x}} {
						loss, _, err := msePass(b, shp(2, n), pair[0], pair[1], withGrad)
						if err != nil {
							t.Fatal(err)
						}
						if isFinite32(loss) {
							t.Errorf("mean squared error (gradient %v): loss %g, want non-finite", withGrad, loss)
						}
					}
				}
			})
		}
	}
}

func isFinite32(v float32) bool { return !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0) }

// lossPass runs the classification loss op ("svm", "cross-entropy" or
// "cross-entropy count") on scores x and labels y and returns the loss and,
// when withGrad, the gradient. The count variant falls back to
// SoftmaxCrossEntropy when b does not implement it.
func lossPass(b backend.Backend, op string, sh backend.Shape, x, y []float32, withGrad bool) (float32, []float32, error) {
	ss := &session{b: b}
	defer ss.release()
	xt, yt, loss := ss.up(sh, x), ss.up(shp(sh.Rows, 1), y), ss.poisoned(scalar)
	var grad backend.Tensor
	if withGrad {
		grad = ss.poisoned(sh)
	}
	if ss.err == nil {
		switch op {
		case "svm":
			ss.do(b.SVMHinge(loss, grad, xt, yt, 1))
		case "cross-entropy":
			ss.do(b.SoftmaxCrossEntropy(loss, grad, xt, yt))
		default:
			c, ok := b.(backend.SoftmaxCrossEntropyCounter)
			if !ok {
				return lossPass(b, "cross-entropy", sh, x, y, withGrad)
			}
			correct := ss.poisoned(scalar)
			if ss.err == nil {
				ss.do(c.SoftmaxCrossEntropyCount(loss, grad, correct, xt, yt))
			}
		}
	}
	res := ss.down(loss, grad)
	if ss.err != nil {
		return 0, nil, ss.err
	}
	return res[0][0], res[1], nil
}

// msePass runs MeanSquaredError on pred and target and returns the loss.
func msePass(b backend.Backend, sh backend.Shape, pred, target []float32, withGrad bool) (float32, []float32, error) {
	ss := &session{b: b}
	defer ss.release()
	pt, tt, loss := ss.up(sh, pred), ss.up(sh, target), ss.poisoned(scalar)
	var grad backend.Tensor
	if withGrad {
		grad = ss.poisoned(sh)
	}
	if ss.err == nil {
		ss.do(b.MeanSquaredError(loss, grad, pt, tt))
	}
	res := ss.down(loss, grad)
	if ss.err != nil {
		return 0, nil, ss.err
	}
	return res[0][0], res[1], nil
}
