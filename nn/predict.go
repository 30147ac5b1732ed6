package nn

import (
	"errors"
	"fmt"

	"gltrain/autograd"
	"gltrain/backend"
)

// predictBatch is the most rows Predict and Probabilities send to the
// device at once.
const predictBatch = 4096

// Predict returns the class (the index of the largest output) of each row
// of x: raw features, row-major, m.Inputs per row. The model's Standardizer,
// when set, is applied first; the model runs in evaluation mode, without
// gradients, in batches of up to 4096 rows (fewer where a row's widest
// tensor times the rows would exceed backend.MaxElems).
func Predict(m *Model, x []float32) ([]int, error) {
	if err := m.check("predict"); err != nil {
		return nil, err
	}
	out := make([]int, 0, len(x)/max(1, m.Inputs))
	err := m.run("predict", x, func(b backend.Backend, g *autograd.Graph, y *autograd.Value, rows int, host []float32) error {
		cls, err := b.New(backend.Shape{Rows: rows, Cols: 1})
		if err != nil {
			return err
		}
		err = b.Argmax(cls, y.Tensor())
		if err == nil {
			err = b.Download(host[:rows], cls)
		}
		if err = errors.Join(err, b.Release(cls)); err != nil {
			return err
		}
		for _, c := range host[:rows] {
			out = append(out, int(c))
		}
		return nil
	})
	return out, err
}

// Probabilities returns the softmax of the model's outputs for each row of
// x (raw features, row-major, m.Inputs per row): one row of m.Outputs
// probabilities summing to 1 per input row. A model whose last layer is
// Softmax gives its outputs as they are. The Standardizer is applied as in
// Predict.
func Probabilities(m *Model, x []float32) ([][]float32, error) {
	if err := m.check("probabilities"); err != nil {
		return nil, err
	}
	var out [][]float32
	softmaxed := endsInSoftmax(m.Net)
	err := m.run("probabilities", x, func(b backend.Backend, g *autograd.Graph, y *autograd.Value, rows int, _ []float32) error {
		if !softmaxed {
			y = g.Softmax(y)
			if err := g.Err(); err != nil {
				return err
			}
		}
		flat := make([]float32, rows*m.Outputs)
		if err := b.Download(flat, y.Tensor()); err != nil {
			return err
		}
		for i := 0; i < rows; i++ {
			out = append(out, flat[i*m.Outputs:(i+1)*m.Outputs:(i+1)*m.Outputs])
		}
		return nil
	})
	return out, err
}

// Rows flattens rows of equal width into the row-major slice Predict and
// Probabilities take.
func Rows(rows [][]float32) ([]float32, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	w := len(rows[0])
	out := make([]float32, 0, len(rows)*w)
	for i, r := range rows {
		if len(r) != w {
			return nil, fmt.Errorf("nn: rows: row %d has %d values, row 0 %d", i, len(r), w)
		}
		out = append(out, r...)
	}
	return out, nil
}

// endsInSoftmax reports whether mod's last layer is Softmax.
func endsInSoftmax(mod Module) bool {
	switch l := mod.(type) {
	case Softmax, *Softmax:
		return true
	case *Sequential:
		return len(l.Layers) > 0 && endsInSoftmax(l.Layers[len(l.Layers)-1])
	case *Graph:
		return len(l.Nodes) > 0 && endsInSoftmax(l.Nodes[len(l.Nodes)-1].Layer)
	}
	return false
}

// run feeds x through the model in evaluation mode, batch by batch, and
// calls each with the batch's outputs; host has room for a batch's rows.
func (m *Model) run(op string, x []float32, each func(b backend.Backend, g *autograd.Graph, y *autograd.Value, rows int, host []float32) error) error {
	if err := m.check(op); err != nil {
		return err
	}
	if err := m.checkInputs(op, x); err != nil {
		return err
	}
	in := m.Inputs
	if len(x)%in != 0 {
		return fmt.Errorf("nn: %s: %d values are not rows of %d inputs", op, len(x), in)
	}
	if st := m.Standardizer; st != nil && (len(st.Mean) != in || len(st.Std) != in) {
		return fmt.Errorf("nn: %s: the Standardizer has %d means and %d deviations for %d inputs", op, len(st.Mean), len(st.Std), in)
	}
	defer m.evaluating()()
	n := len(x) / in
	b := m.Backend()
	g := autograd.NewGraph(b)
	g.SetGrad(false)
	g.SetMode(autograd.ModeEval)
	step := m.evalRows(predictBatch) // no tensor over the element limit
	host := make([]float32, min(n, step))
	var buf []float32
	if m.Standardizer != nil {
		buf = make([]float32, min(n, step)*in)
	}
	for start := 0; start < n; start += step {
		rows := min(step, n-start)
		batch := m.standardize(x[start*in:(start+rows)*in], buf)
		xt, err := backend.FromData(b, backend.Shape{Rows: rows, Cols: in}, batch)
		if err != nil {
			return fmt.Errorf("nn: %s: %w", op, err)
		}
		y := m.Forward(g, g.Input(xt))
		err = g.Err()
		if err == nil {
			err = each(b, g, y, rows, host)
		}
		if err = errors.Join(err, g.Reset(), b.Release(xt)); err != nil {
			return fmt.Errorf("nn: %s: %w", op, err)
		}
	}
	return nil
}

// standardize returns x with the model's Standardizer applied (into buf),
// or x itself without one.
func (m *Model) standardize(x, buf []float32) []float32 {
	st := m.Standardizer
	if st == nil {
		return x
	}
	for k, v := range x {
		j := k % m.Inputs
		buf[k] = float32((float64(v) - st.Mean[j]) / st.Std[j])
	}
	return buf[:len(x)] // the last batch may be shorter than buf
}
