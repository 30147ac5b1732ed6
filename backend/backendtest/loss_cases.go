package backendtest

import (
	"math"

	"gltrain/backend"
)

// lossTol is relative to the magnitudes the oracles set as Scale: for
// cross-entropy, |log Σexp(x − max)| + |max − x_y| per row, since the loss of
// a confident right answer is a small difference of those; for gradients, the
// magnitude of each of the two terms of softmax − onehot. Exponentials of
// arguments below −87 fall into float32's subnormal range, where GPUs may
// flush to zero: the 1e-30 floor admits that and nothing a training run sees.
var lossTol = Tol{ATol: 1e-30, RTol: 1e-5}

func labelsOf(d Dims) In {
	return In{Shape: backend.Shape{Rows: d.M, Cols: 1}, Dist: Labels, Range: d.N}
}

var scalar = backend.Shape{Rows: 1, Cols: 1}

func lossCases() []Case {
	var cs []Case
	for _, withGrad := range []bool{true, false} {
		name := map[bool]string{true: " with gradient", false: " loss only"}[withGrad]
		grad := func(out []backend.Tensor) backend.Tensor {
			if withGrad {
				return out[1]
			}
			return nil
		}
		outs := func(d Dims) []Out {
			if withGrad {
				return []Out{poisoned(scalar), poisoned(shapeOf(d))}
			}
			return []Out{poisoned(scalar)}
		}
		cs = append(cs, Case{
			Name: "softmax cross-entropy" + name, Dims: ElementDims, Tol: lossTol,
			Setup: func(d Dims) ([]In, []Out) { return []In{{Shape: shapeOf(d)}, labelsOf(d)}, outs(d) },
			Run: func(b backend.Backend, out, in []backend.Tensor) error {
				return b.SoftmaxCrossEntropy(out[0], grad(out), in[0], in[1])
			},
			Oracle: crossEntropyOracle,
		}, Case{
			Name: "mean squared error" + name, Dims: ElementDims, Tol: lossTol,
			Setup: func(d Dims) ([]In, []Out) { return []In{{Shape: shapeOf(d)}, {Shape: shapeOf(d)}}, outs(d) },
			Run: func(b backend.Backend, out, in []backend.Tensor) error {
				return b.MeanSquaredError(out[0], grad(out), in[0], in[1])
			},
			Oracle: mseOracle,
		}, Case{
			Name: "svm hinge" + name, Dims: ElementDims, Tol: lossTol,
			Setup: func(d Dims) ([]In, []Out) { return []In{{Shape: shapeOf(d)}, labelsOf(d)}, outs(d) },
			Run: func(b backend.Backend, out, in []backend.Tensor) error {
				return b.SVMHinge(out[0], grad(out), in[0], in[1], 1)
			},
			Oracle: svmOracle,
		})
	}
	return cs
}

// crossEntropyOracle fills out[0] with the mean loss and, when present,
// out[1] with the gradient with respect to the logits.
func crossEntropyOracle(out, in []Mat) {
	x, y := &in[0], &in[1]
	m, n := x.Shape.Rows, x.Shape.Cols
	var loss, scale float64
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
		loss += math.Log(s) + mx - x.at(i, c)
		scale += math.Abs(math.Log(s)) + math.Abs(mx-x.at(i, c))
		if len(out) > 1 {
			for j := 0; j < n; j++ {
				p, onehot := math.Exp(x.at(i, j)-mx)/s, 0.0
				if j == c {
					onehot = 1
				}
				out[1].Data[i*n+j] = (p - onehot) / float64(m)
				out[1].setScale(i*n+j, (p+onehot)/float64(m))
			}
		}
	}
	out[0].Data[0] = loss / float64(m)
	out[0].setScale(0, scale/float64(m))
}

func mseOracle(out, in []Mat) {
	p, t := &in[0], &in[1]
	count := float64(len(p.Data))
	var loss, scale float64
	for i, v := range p.Data {
		d, mag := v-t.Data[i], math.Abs(v)+math.Abs(t.Data[i])
		loss += d * d
		scale += mag * mag
		if len(out) > 1 {
			out[1].Data[i] = 2 * d / count
			out[1].setScale(i, 2*mag/count)
		}
	}
	out[0].Data[0] = loss / count
	out[0].setScale(0, scale/count)
}

// svmOracle is the multiclass hinge loss with margin 1.
func svmOracle(out, in []Mat) {
	s, y := &in[0], &in[1]
	m, n := s.Shape.Rows, s.Shape.Cols
	var loss, scale float64
	for i := 0; i < m; i++ {
		c := int(y.Data[i])
		active := 0
		for j := 0; j < n; j++ {
			g := 0.0
			if d := s.at(i, j) - s.at(i, c) + 1; j != c && d > 0 {
				loss += d
				scale += math.Abs(s.at(i, j)) + math.Abs(s.at(i, c)) + 1
				active++
				g = 1 / float64(m)
			}
			if len(out) > 1 {
				out[1].Data[i*n+j] = g
			}
		}
		if len(out) > 1 {
			out[1].Data[i*n+c] = -float64(active) / float64(m)
		}
	}
	out[0].Data[0] = loss / float64(m)
	out[0].setScale(0, scale/float64(m))
}
