package nn

import (
	"errors"
	"fmt"

	"gltrain/autograd"
	"gltrain/backend"
)

// Evaluate returns the mean loss and the accuracy of the model on set, in
// batches of batchSize rows (1024 when 0; fewer where a row's widest
// tensor times the rows would exceed backend.MaxElems), without gradients. The sums
// accumulate on the device; the host reads them once. A DeviceSet holds
// class labels, so a regression loss (Loss.Regression) is refused with
// backend.ErrInvalidArgument rather than given an accuracy that means
// nothing; evaluate those with Loss.Apply on a targets tensor.
func Evaluate(m *Model, loss Loss, set *DeviceSet, batchSize int) (meanLoss, accuracy float64, err error) {
	if err := m.check("evaluate"); err != nil {
		return 0, 0, err
	}
	if set == nil || set.N < 1 || set.X == nil || set.Y == nil {
		return 0, 0, errors.New("nn: evaluate: no data: the set is nil, empty or released (make it with Upload)")
	}
	if err := fits(m, set.Name, set.Features, set.Classes); err != nil {
		return 0, 0, err
	}
	defer m.evaluating()()
	if err := loss.check("evaluate"); err != nil {
		return 0, 0, err
	}
	if batchSize < 0 {
		return 0, 0, fmt.Errorf("nn: evaluate: batch size %d: want 0 (1024) or more: %w", batchSize, backend.ErrInvalidArgument)
	}
	if batchSize == 0 {
		batchSize = 1024
	}
	batchSize = m.evalRows(batchSize) // no tensor over the element limit
	b := m.Backend()
	g := autograd.NewGraph(b)
	g.SetGrad(false)
	g.SetMode(autograd.ModeEval)
	bs := newBatches(b, set.Features, m.Outputs)
	defer bs.release()
	acc := make([]backend.Tensor, 3) // loss sum, hit sum, this batch's hits
	defer func() {
		for _, t := range acc {
			b.Release(t)
		}
	}()
	for i := range acc {
		if acc[i], err = zeros(b, backend.Shape{Rows: 1, Cols: 1}); err != nil {
			return 0, 0, fmt.Errorf("nn: evaluate: %w", err)
		}
	}
	rows := make([]int, 0, batchSize)
	for start := 0; start < set.N; start += batchSize {
		rows = rows[:0]
		for i := start; i < min(start+batchSize, set.N); i++ {
			rows = append(rows, i)
		}
		bt, err := bs.gather(set, rows)
		if err != nil {
			return 0, 0, fmt.Errorf("nn: evaluate: %w", err)
		}
		scores := m.Forward(g, g.Input(bt.x))
		l, err := loss.applyCounting(g, scores, g.Input(bt.y), bt.onehot, acc[2])
		if err == nil {
			err = g.Err()
		}
		if err == nil {
			err = errors.Join(
				b.Axpy(float32(len(rows)), l.Tensor(), acc[0]),
				b.Add(acc[1], acc[1], acc[2]),
			)
		}
		if err = errors.Join(err, g.Reset()); err != nil {
			return 0, 0, fmt.Errorf("nn: evaluate: %w", err)
		}
	}
	sums := make([]float32, 2)
	for i := range sums {
		v, err := backend.ToHost(b, acc[i])
		if err != nil {
			return 0, 0, fmt.Errorf("nn: evaluate: %w", err)
		}
		sums[i] = v[0]
	}
	return float64(sums[0]) / float64(set.N), float64(sums[1]) / float64(set.N), nil
}
