package nn

import (
	"errors"

	"gltrain/autograd"
	"gltrain/backend"
)

// Confidence returns the model's class for each row of x (raw features,
// row-major, m.Inputs per row, standardised as in Predict) and its
// probability there, the largest of the row's softmax:
//
//	p = softmax(model(x_i)),  class[i] = argmax_k p_k (the first),  prob[i] = p_class[i]
//
// On a backend with backend.AxisReducer (the CPU and GL backends) the
// reduction runs on the device, and only those two values a row are
// downloaded, never the model's outputs: it is what the live view's
// decision map (train -view, -serve) shows. Elsewhere the probabilities are
// downloaded and reduced on the host, to the same result.
func Confidence(m *Model, x []float32) (class []int, prob []float32, err error) {
	if err := m.check("confidence"); err != nil {
		return nil, nil, err
	}
	softmaxed := endsInSoftmax(m.Net)
	err = m.run("confidence", x, func(b backend.Backend, g *autograd.Graph, y *autograd.Value, rows int, host []float32) error {
		if !softmaxed {
			y = g.Softmax(y)
			if err := g.Err(); err != nil {
				return err
			}
		}
		r, ok := b.(backend.AxisReducer)
		if !ok {
			return hostConfidence(b, y.Tensor(), rows, m.Outputs, &class, &prob)
		}
		mx, err := b.New(backend.Shape{Rows: rows, Cols: 1})
		if err != nil {
			return err
		}
		arg, err := b.New(backend.Shape{Rows: rows, Cols: 1})
		if err != nil {
			return errors.Join(err, b.Release(mx))
		}
		err = r.ReduceMax(backend.AlongRows, mx, arg, y.Tensor())
		if err == nil {
			err = b.Download(host[:rows], arg)
		}
		if err == nil {
			for _, c := range host[:rows] {
				class = append(class, int(c))
			}
			prob = append(prob, make([]float32, rows)...)
			err = b.Download(prob[len(prob)-rows:], mx)
		}
		return errors.Join(err, b.Release(mx), b.Release(arg))
	})
	return class, prob, err
}

// hostConfidence is Confidence's reduction on the host, for a backend
// without AxisReducer: p is rows×outputs.
func hostConfidence(b backend.Backend, p backend.Tensor, rows, outputs int, class *[]int, prob *[]float32) error {
	flat := make([]float32, rows*outputs)
	if err := b.Download(flat, p); err != nil {
		return err
	}
	for i := 0; i < rows; i++ {
		row, best := flat[i*outputs:(i+1)*outputs], 0
		for k, v := range row {
			if v > row[best] {
				best = k
			}
		}
		*class, *prob = append(*class, best), append(*prob, row[best])
	}
	return nil
}
