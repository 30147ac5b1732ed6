package backend

import (
	"fmt"
	"math"
)

// The entry checks of the layers' optional interfaces (Normalizer,
// AvgPooler), in the order Checker's doc comment gives.

// LayerNormForward checks Normalizer.LayerNormForward (CheckLayerNorm): eps
// finite and at least 0.
func (ck Checker) LayerNormForward(eps float32, y, stats, x, w, b Tensor) error {
	const op = "layernorm forward"
	if err := ck.own(op, y, stats, x, w, b); err != nil {
		return err
	}
	if !(eps >= 0) || math.IsInf(float64(eps), 0) {
		return fmt.Errorf("%s: eps %g: want a finite eps ≥ 0: %w", op, eps, ErrInvalidArgument)
	}
	return CheckLayerNorm(op, x, w, b, stats, y)
}

// LayerNormBackward checks Normalizer.LayerNormBackward (CheckLayerNorm).
func (ck Checker) LayerNormBackward(dx, dw, db, dy, x, w, stats Tensor) error {
	const op = "layernorm backward"
	if err := ck.own(op, dx, dw, db, dy, x, w, stats); err != nil {
		return err
	}
	if err := CheckLayerNorm(op, x, w, db, stats, dx, dy); err != nil {
		return err
	}
	if err := CheckLayerNorm(op, x, dw, nil, nil); err != nil {
		return err
	}
	if dx == dy || dw == db {
		return fmt.Errorf("%s: two outputs or an output and dy are one tensor: %w", op, ErrInvalidArgument)
	}
	return nil
}

// AvgPool2DForward checks AvgPooler.AvgPool2DForward (CheckAvgPool2D).
func (ck Checker) AvgPool2DForward(p Pool2D, y, x Tensor) error {
	const op = "avgpool2d forward"
	if err := ck.own(op, y, x); err != nil {
		return err
	}
	return CheckAvgPool2D(op, p, x, y)
}

// AvgPool2DBackward checks AvgPooler.AvgPool2DBackward (CheckAvgPool2D).
func (ck Checker) AvgPool2DBackward(p Pool2D, dx, dy Tensor) error {
	const op = "avgpool2d backward"
	if err := ck.own(op, dx, dy); err != nil {
		return err
	}
	return CheckAvgPool2D(op, p, dx, dy)
}
