// Package live carries a training run's state from the trainer to its
// viewers (the -view window, the -serve page) and their controls back.
//
// One Hub serves a run. The trainer publishes with Update and calls Gate
// before every optimiser step; viewers Subscribe, read Snapshot when told
// of a change, and send the controls (Pause, Resume, Step, Restart, Stop,
// SetStepsPerFrame). Without a viewer nothing of this package runs: the
// trainer's hook is a nil check.
//
// The values a Snapshot points to (a *Boundary, the Images' pixels) are
// immutable once published: the trainer replaces them with new ones, never
// writes into them, so a viewer may keep them as long as it likes.
package live

import (
	"encoding/json"
	"math"
)

// Point is a curve point, one per epoch.
type Point struct {
	Epoch int   // 1-based, continuing across -resume
	Step  int64 // global optimiser step, continuing across -resume
	// NaN where not measured (JSON null).
	TrainLoss, ValLoss, TrainAcc, ValAcc float64
}

// MarshalJSON writes NaN and infinities as null: JSON has no NaN.
func (p Point) MarshalJSON() ([]byte, error) {
	num := func(v float64) *float64 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return &v
	}
	return json.Marshal(struct {
		Epoch                                int
		Step                                 int64
		TrainLoss, ValLoss, TrainAcc, ValAcc *float64
	}{p.Epoch, p.Step, num(p.TrainLoss), num(p.ValLoss), num(p.TrainAcc), num(p.ValAcc)})
}

// Boundary is a 2-D data set's decision map: the model's class at each
// cell of a W×H grid over [XMin,XMax]×[YMin,YMax] (row 0 is the TOP row,
// y = YMax; cell (c, r) is centred on x = XMin+(c+½)(XMax−XMin)/W,
// y = YMax−(r+½)(YMax−YMin)/H), plus the data points.
type Boundary struct {
	W, H                   int
	XMin, XMax, YMin, YMax float64
	Class                  []uint8   // W*H argmax classes, row-major; nil when the viewer computes it on the device
	Conf                   []float32 // W*H largest probability in [0,1] (may be nil)
	Train, Val             []Sample  // the points, in data coordinates (raw, before standardisation)
	Epoch                  int
	Step                   int64
}

// Sample is a data point of a 2-D set.
type Sample struct {
	X, Y  float32
	Class int
}

// Image is a small grey (C = 1) or RGB (C = 3) picture: a misclassified
// example or a convolution filter.
type Image struct {
	W, H, C int
	Pix     []float32 // in [0,1], HWC
	Label   string
}

// Snapshot is what a viewer shows. The hub hands out copies; viewers never
// mutate them.
type Snapshot struct {
	Run     string // the run folder
	Task    string // "classification" | "regression" | "text"
	Classes []string
	// Epoch is the epoch in progress (1-based), Epochs the run's total.
	Epoch, Epochs int
	Step          int64 // optimiser steps done, continuing across -resume
	Paused        bool
	Curves        []Point
	// Confusion is the validation confusion matrix [true][predicted]; nil
	// if none.
	Confusion     [][]int
	Boundary      *Boundary // 2-D data sets only
	Misclassified []Image   // image data sets only (≤ 16)
	Filters       []Image   // the first Conv2D's filters, image models only
	Done          bool
	Err           string
}

// clone is a copy of s that shares only the immutable values.
func (s Snapshot) clone() Snapshot {
	c := s
	c.Classes = append([]string(nil), s.Classes...)
	c.Curves = append([]Point(nil), s.Curves...)
	if s.Confusion != nil {
		c.Confusion = make([][]int, len(s.Confusion))
		for i, row := range s.Confusion {
			c.Confusion[i] = append([]int(nil), row...)
		}
	}
	c.Misclassified = append([]Image(nil), s.Misclassified...)
	c.Filters = append([]Image(nil), s.Filters...)
	return c
}

// BoundaryFunc evaluates a 2-D model's decision map on a w×h grid. The
// trainer calls it between steps on the training backend, never during one.
type BoundaryFunc func(w, h int) (*Boundary, error)
