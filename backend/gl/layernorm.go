package gl

import (
	"fmt"

	"gltrain/backend"
	"gltrain/backend/gl/internal/glrt"
)

var _ backend.Normalizer = (*Backend)(nil)

// LayerNormForward normalises the rows of x (see backend.Normalizer) in one
// dispatch of layernorm_forward.comp, a work group per row.
func (be *Backend) LayerNormForward(eps float32, y, stats, x, w, b backend.Tensor) error {
	const op = "layernorm forward"
	if err := backend.Check(be).LayerNormForward(eps, y, stats, x, w, b); err != nil {
		return err
	}
	if err := be.ready(op, "layernorm_forward.comp"); err != nil {
		return err
	}
	ty, ts, tx, tw, tb := y.(*Tensor), stats.(*Tensor), x.(*Tensor), w.(*Tensor), b.(*Tensor)
	return be.enqueue(op, func() error {
		p, err := be.program("layernorm_forward.comp")
		if err != nil {
			return err
		}
		m := tx.shape.Rows
		p.SetInt("m", m)
		p.SetInt("n", tx.shape.Cols)
		p.SetFloat("eps", eps)
		return be.dev.Dispatch(p, glrt.Cap(m), 1, 1, tx.in(), tw.in(), tb.in(), ty.out(), ts.out())
	})
}

// LayerNormBackward computes dx, dw and db (see backend.Normalizer): one
// dispatch of layernorm_backward.comp for dx and the products dy·x̂ in a
// pooled m×n tensor, then the column sums (ColSum, deterministic) of those
// products for dw and of dy for db.
func (be *Backend) LayerNormBackward(dx, dw, db, dy, x, w, stats backend.Tensor) error {
	const op = "layernorm backward"
	if err := backend.Check(be).LayerNormBackward(dx, dw, db, dy, x, w, stats); err != nil {
		return err
	}
	if err := be.ready(op, "layernorm_backward.comp"); err != nil {
		return err
	}
	tdx, tdy, tx, tw, ts := dx.(*Tensor), dy.(*Tensor), x.(*Tensor), w.(*Tensor), stats.(*Tensor)
	prod, err := be.New(tx.shape)
	if err != nil {
		return fmt.Errorf("gl: %s: %w", op, err)
	}
	defer be.Release(prod) // later commands that get its buffer run after these
	tp := prod.(*Tensor)
	err = be.enqueue(op, func() error {
		p, err := be.program("layernorm_backward.comp")
		if err != nil {
			return err
		}
		m := tx.shape.Rows
		p.SetInt("m", m)
		p.SetInt("n", tx.shape.Cols)
		return be.dev.Dispatch(p, glrt.Cap(m), 1, 1, tdy.in(), tx.in(), tw.in(), ts.in(), tdx.out(), tp.out())
	})
	if err != nil {
		return err
	}
	if err := be.ColSum(dw, prod); err != nil {
		return err
	}
	return be.ColSum(db, dy)
}
