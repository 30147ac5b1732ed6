package nn

import (
	"errors"
	"fmt"

	"gltrain/autograd"
	"gltrain/backend"
)

// Evaluate returns the mean loss and the accuracy of the model on set, in
// batches of batchSize rows (1024 when 0; fewer where a row's widest
// tensor times the rows would exceed backend.MaxElems), without gradients.
// The sums accumulate on the device; the host reads them once. On a set of
// real-valued targets (DeviceSet.Outputs > 0) the accuracy is the
// per-label accuracy of BCEWithLogits and NaN for the other losses: see
// EvaluateRegression for their metrics. A loss that does not fit the set
// (a regression loss with class labels, softmax with targets) is refused
// with backend.ErrInvalidArgument. set is as the network sees its inputs:
// Evaluate does not apply the model's Standardizer (Predict and
// Probabilities do), so standardise raw rows first with
// m.Standardizer.Apply before Upload.
func Evaluate(m *Model, loss Loss, set *DeviceSet, batchSize int) (meanLoss, accuracy float64, err error) {
	meanLoss, accuracy, _, err = evaluate(m, loss, nil, set, batchSize)
	return meanLoss, accuracy, err
}

// EvaluateRegression returns the mean loss and the RegressionMetrics of
// the model on a set of real-valued targets, as Evaluate computes the loss;
// the outputs of each batch are read to the host for the metrics. A set of
// class labels is an error.
func EvaluateRegression(m *Model, loss Loss, set *DeviceSet, batchSize int) (meanLoss float64, metrics RegressionMetrics, err error) {
	if set != nil && set.Outputs == 0 {
		return 0, metrics, fmt.Errorf("nn: evaluate regression: %s holds class labels, not targets: %w", set.Name, backend.ErrInvalidArgument)
	}
	meanLoss, _, metrics, err = evaluate(m, loss, nil, set, batchSize)
	return meanLoss, metrics, err
}

// evaluate is Evaluate, with the regression metrics of a set of targets;
// ce, when not nil, is the cross-entropy's options (EvaluateCrossEntropy).
func evaluate(m *Model, loss Loss, ce *ceLoss, set *DeviceSet, batchSize int) (meanLoss, accuracy float64, rm RegressionMetrics, err error) {
	fail := func(err error) (float64, float64, RegressionMetrics, error) { return 0, 0, rm, err }
	if err := m.check("evaluate"); err != nil {
		return fail(err)
	}
	if set == nil || set.N < 1 || set.X == nil || set.Y == nil {
		return fail(errors.New("nn: evaluate: no data: the set is nil, empty or released (make it with Upload)"))
	}
	if err := fits(m, set.Name, set.Features, set.Classes, set.Outputs); err != nil {
		return fail(err)
	}
	defer m.evaluating()()
	if err := loss.check("evaluate", set.Name, set.Outputs > 0); err != nil {
		return fail(err)
	}
	if batchSize < 0 {
		return fail(fmt.Errorf("nn: evaluate: batch size %d: want 0 (1024) or more: %w", batchSize, backend.ErrInvalidArgument))
	}
	if batchSize == 0 {
		batchSize = 1024
	}
	batchSize = m.sequenceRows(m.evalRows(batchSize)) // no tensor over the element limit; whole sequences
	b := m.Backend()
	g := autograd.NewGraph(b)
	g.SetGrad(false)
	g.SetMode(autograd.ModeEval)
	bs := newBatches(b, set.Features, m.Outputs, set.yCols())
	defer bs.release()
	acc := make([]backend.Tensor, 3) // loss sum, hit sum, this batch's hits
	defer func() {
		for _, t := range acc {
			b.Release(t)
		}
	}()
	for i := range acc {
		if acc[i], err = zeros(b, backend.Shape{Rows: 1, Cols: 1}); err != nil {
			return fail(fmt.Errorf("nn: evaluate: %w", err))
		}
	}
	var sums *metricSums
	var out, y []float32
	if set.Outputs > 0 {
		sums = newMetricSums(set.Outputs, loss)
		out, y = make([]float32, batchSize*set.Outputs), make([]float32, batchSize*set.Outputs)
	}
	rows := make([]int, 0, batchSize)
	for start := 0; start < set.N; start += batchSize {
		rows = rows[:0]
		for i := start; i < min(start+batchSize, set.N); i++ {
			rows = append(rows, i)
		}
		bt, err := bs.gather(set, rows)
		if err != nil {
			return fail(fmt.Errorf("nn: evaluate: %w", err))
		}
		scores := m.Forward(g, g.Input(bt.x))
		var l *autograd.Value
		if sums != nil {
			l = loss.applyTargets(g, scores, g.Input(bt.y))
		} else if ce != nil {
			l, err = ce.applyCounting(g, scores, g.Input(bt.y), acc[2])
		} else {
			l, err = loss.applyCounting(g, scores, g.Input(bt.y), bt.onehot, acc[2])
		}
		if err == nil {
			err = g.Err()
		}
		if err == nil {
			err = errors.Join(
				b.Axpy(float32(len(rows)), l.Tensor(), acc[0]),
				b.Add(acc[1], acc[1], acc[2]),
			)
		}
		if err == nil && sums != nil {
			k := len(rows) * set.Outputs
			if err = errors.Join(b.Download(out[:k], scores.Tensor()), b.Download(y[:k], bt.y)); err == nil {
				sums.add(out[:k], y[:k])
			}
		}
		if err = errors.Join(err, g.Reset()); err != nil {
			return fail(fmt.Errorf("nn: evaluate: %w", err))
		}
	}
	host := make([]float32, 2)
	for i := range host {
		v, err := backend.ToHost(b, acc[i])
		if err != nil {
			return fail(fmt.Errorf("nn: evaluate: %w", err))
		}
		host[i] = v[0]
	}
	meanLoss, accuracy = float64(host[0])/float64(set.N), float64(host[1])/float64(set.N)
	if sums != nil {
		rm = sums.metrics()
		accuracy = rm.LabelAccuracy
	}
	return meanLoss, accuracy, rm, nil
}
