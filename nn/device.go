package nn

import (
	"errors"
	"fmt"

	"gltrain/backend"
	"gltrain/nn/data"
)

// DeviceSet is a data set uploaded to a backend once: features (N×Features)
// and labels (N×1, as float32 whole numbers) or, for a set of real-valued
// targets (Outputs > 0), the targets (N×Outputs), from which mini-batches
// are gathered on the device.
type DeviceSet struct {
	Name                 string
	X, Y                 backend.Tensor
	N, Features, Classes int
	// Outputs is the number of target columns of Y; 0 for class labels.
	Outputs int
	b       backend.Backend
}

// yCols is the width of Y: Outputs, or 1 for class labels.
func (d *DeviceSet) yCols() int { return max(1, d.Outputs) }

// maxRows is the most rows a DeviceSet holds: row indices and labels travel
// as float32, whose whole numbers are exact up to 2^24.
const maxRows = 1 << 24

// Upload validates s and copies it to b.
func Upload(b backend.Backend, s data.Set) (*DeviceSet, error) {
	if b == nil {
		return nil, fmt.Errorf("nn: upload %s: nil backend", s.Name)
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	n := s.Len()
	if n == 0 {
		return nil, fmt.Errorf("nn: upload %s: the data set is empty", s.Name)
	}
	if n > maxRows {
		return nil, fmt.Errorf("nn: upload %s: %d rows; batches index rows on the device as float32, exact up to %d rows", s.Name, n, maxRows)
	}
	x, err := backend.FromData(b, backend.Shape{Rows: n, Cols: s.Features}, s.X)
	if err != nil {
		return nil, fmt.Errorf("nn: upload %s: %w", s.Name, err)
	}
	labels, cols := s.Targets, max(1, s.Outputs)
	if !s.Regression() {
		labels = make([]float32, n)
		for i, l := range s.Labels {
			labels[i] = float32(l)
		}
	}
	y, err := backend.FromData(b, backend.Shape{Rows: n, Cols: cols}, labels)
	if err != nil {
		b.Release(x)
		return nil, fmt.Errorf("nn: upload %s: %w", s.Name, err)
	}
	return &DeviceSet{Name: s.Name, X: x, Y: y, N: n, Features: s.Features, Classes: s.Classes, Outputs: s.Outputs, b: b}, nil
}

// Release frees the device copies; releasing twice frees nothing twice.
func (d *DeviceSet) Release() error {
	if d == nil || d.b == nil {
		return nil
	}
	var errs []error
	for _, t := range []*backend.Tensor{&d.X, &d.Y} {
		if *t != nil {
			errs = append(errs, d.b.Release(*t))
			*t = nil
		}
	}
	return errors.Join(errs...)
}

// batch holds the device tensors of one batch size, reused every step: the
// row indices uploaded from the host, the gathered features and labels (or
// targets), and the one-hot targets of MeanSquaredError.
type batch struct {
	idx, x, y, onehot backend.Tensor
	host              []float32
}

// batches caches a batch per size: a training run uses at most two (the
// full batch and the last, partial one), so after the first epoch no step
// allocates.
type batches struct {
	b        backend.Backend
	features int
	classes  int
	yCols    int // columns of the labels (1) or targets
	bySize   map[int]*batch
}

func newBatches(b backend.Backend, features, classes, yCols int) *batches {
	return &batches{b: b, features: features, classes: classes, yCols: yCols, bySize: map[int]*batch{}}
}

// gather fills the batch of len(rows) rows of src (rows given as indices)
// and returns it.
func (bs *batches) gather(src *DeviceSet, rows []int) (*batch, error) {
	n := len(rows)
	bt, ok := bs.bySize[n]
	if !ok {
		bt = &batch{host: make([]float32, n)}
		var err error
		shapes := []backend.Shape{{Rows: n, Cols: 1}, {Rows: n, Cols: bs.features}, {Rows: n, Cols: bs.yCols}, {Rows: n, Cols: bs.classes}}
		ts := []*backend.Tensor{&bt.idx, &bt.x, &bt.y, &bt.onehot}
		for i, s := range shapes {
			if *ts[i], err = bs.b.New(s); err != nil {
				bs.releaseBatch(bt)
				return nil, err
			}
		}
		bs.bySize[n] = bt
	}
	for i, r := range rows {
		bt.host[i] = float32(r)
	}
	if err := bs.b.Upload(bt.idx, bt.host); err != nil {
		return nil, err
	}
	if err := bs.b.GatherRows(bt.x, src.X, bt.idx); err != nil {
		return nil, err
	}
	if err := bs.b.GatherRows(bt.y, src.Y, bt.idx); err != nil {
		return nil, err
	}
	return bt, nil
}

func (bs *batches) releaseBatch(bt *batch) {
	for _, t := range []backend.Tensor{bt.idx, bt.x, bt.y, bt.onehot} {
		if t != nil {
			bs.b.Release(t)
		}
	}
}

func (bs *batches) release() {
	for n, bt := range bs.bySize {
		bs.releaseBatch(bt)
		delete(bs.bySize, n)
	}
}
