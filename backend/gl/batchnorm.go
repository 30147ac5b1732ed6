package gl

import (
	"fmt"

	"gltrain/backend"
	"gltrain/backend/gl/internal/glrt"
)

var _ backend.BatchNormer = (*Backend)(nil)

// batchNormChunk is the values of a channel one work group of
// batchnorm_partial.comp sums: WG·PER_THREAD.
const batchNormChunk = glrt.WorkGroup * 16

// The modes of the batch normalisation kernels.
const (
	bnForward           = 0
	bnBackward          = 1
	bnInference         = 2
	bnInferenceBackward = 3
)

// BatchNormForward normalises x with its batch statistics (see
// backend.BatchNormer): batchnorm_partial.comp sums each channel in blocks,
// batchnorm_finish.comp combines a channel's blocks into stats, and
// batchnorm_apply.comp normalises every value.
func (be *Backend) BatchNormForward(p backend.BatchNorm, eps float32, y, stats, x, w, b backend.Tensor) error {
	const op = "batchnorm forward"
	if err := backend.Check(be).BatchNormForward(p, eps, y, stats, x, w, b); err != nil {
		return err
	}
	tx, ts := x.(*Tensor), stats.(*Tensor)
	if err := be.batchNormSums(op, bnForward, p, eps, tx, tx, ts, ts, ts, ts); err != nil {
		return err
	}
	return be.batchNormApply(op, bnForward, p, eps, y.(*Tensor), tx, tx, ts, w.(*Tensor), b.(*Tensor), tx, tx)
}

// BatchNormBackward computes dw and db as BatchNormForward's sums (mode 1)
// and then dx from them (see backend.BatchNormer).
func (be *Backend) BatchNormBackward(p backend.BatchNorm, dx, dw, db, dy, x, w, stats backend.Tensor) error {
	const op = "batchnorm backward"
	if err := backend.Check(be).BatchNormBackward(p, dx, dw, db, dy, x, w, stats); err != nil {
		return err
	}
	tx, tdy, ts, tdw, tdb := x.(*Tensor), dy.(*Tensor), stats.(*Tensor), dw.(*Tensor), db.(*Tensor)
	if err := be.batchNormSums(op, bnBackward, p, 0, tx, tdy, ts, ts, tdw, tdb); err != nil {
		return err
	}
	return be.batchNormApply(op, bnBackward, p, 0, dx.(*Tensor), tx, tdy, ts, w.(*Tensor), w.(*Tensor), tdw, tdb)
}

// batchNormSums runs the two levels of the per-channel sums in mode: the
// partials of each block into a pooled tensor, then one work group per
// channel writes stats (forward) or dw and db (backward). in is the stats
// the backward sums read; out the stats the forward writes.
func (be *Backend) batchNormSums(op string, mode int, p backend.BatchNorm, eps float32, x, dy, in, out, dw, db *Tensor) error {
	if err := be.ready(op, "batchnorm_partial.comp", "batchnorm_finish.comp"); err != nil {
		return err
	}
	rows := x.shape.Rows
	k := (rows*p.HW + batchNormChunk - 1) / batchNormChunk
	part, err := be.New(backend.Shape{Rows: p.C * k, Cols: 3})
	if err != nil {
		return fmt.Errorf("gl: %s: %w", op, err)
	}
	defer be.Release(part) // later commands that get its buffer run after these
	tp := part.(*Tensor)
	return be.enqueue(op, func() error {
		prog, err := be.program("batchnorm_partial.comp")
		if err != nil {
			return err
		}
		prog.SetInt("rows", rows)
		prog.SetInt("channels", p.C)
		prog.SetInt("hw", p.HW)
		prog.SetInt("k_blocks", k)
		prog.SetInt("mode", mode)
		if err := be.dev.Dispatch(prog, glrt.Cap(p.C*k), 1, 1, x.in(), dy.in(), in.in(), tp.out()); err != nil {
			return err
		}
		fin, err := be.program("batchnorm_finish.comp")
		if err != nil {
			return err
		}
		fin.SetInt("channels", p.C)
		fin.SetInt("k_blocks", k)
		fin.SetInt("mode", mode)
		fin.SetFloat("eps", eps)
		if mode == bnForward {
			return be.dev.Dispatch(fin, glrt.Cap(p.C), 1, 1, tp.in(), out.out(), out.out(), out.out())
		}
		return be.dev.Dispatch(fin, glrt.Cap(p.C), 1, 1, tp.in(), dw.out(), dw.out(), db.out())
	})
}

// batchNormApply runs batchnorm_apply.comp in mode over every value of x
// into dst (see the shader for what each binding holds in each mode).
func (be *Backend) batchNormApply(op string, mode int, p backend.BatchNorm, eps float32, dst, x, dy, stats, w, b, s1, s2 *Tensor) error {
	if err := be.ready(op, "batchnorm_apply.comp"); err != nil {
		return err
	}
	return be.enqueue(op, func() error {
		prog, err := be.program("batchnorm_apply.comp")
		if err != nil {
			return err
		}
		rows := x.shape.Rows
		prog.SetInt("rows", rows)
		prog.SetInt("channels", p.C)
		prog.SetInt("hw", p.HW)
		prog.SetInt("mode", mode)
		prog.SetFloat("eps", eps)
		return be.dev.Dispatch(prog, groups(x.shape.Len()), 1, 1, x.in(), dy.in(), stats.in(), w.in(), b.in(), s1.in(), s2.in(), dst.out())
	})
}

// BatchNormUpdate moves the running statistics towards the batch's (see
// backend.BatchNormer) in one dispatch of batchnorm_update.comp.
func (be *Backend) BatchNormUpdate(momentum float32, count int, mean, variance, stats backend.Tensor) error {
	const op = "batchnorm update"
	if err := backend.Check(be).BatchNormUpdate(momentum, count, mean, variance, stats); err != nil {
		return err
	}
	if err := be.ready(op, "batchnorm_update.comp"); err != nil {
		return err
	}
	tm, tv, ts := mean.(*Tensor), variance.(*Tensor), stats.(*Tensor)
	unbias := float32(float64(count) / float64(count-1))
	return be.enqueue(op, func() error {
		prog, err := be.program("batchnorm_update.comp")
		if err != nil {
			return err
		}
		c := ts.shape.Cols
		prog.SetInt("channels", c)
		prog.SetInt("mode", 0)
		prog.SetFloat("momentum", momentum)
		prog.SetFloat("unbias", unbias)
		return be.dev.Dispatch(prog, groups(c), 1, 1, ts.in(), tm.inOut(), tv.inOut())
	})
}

// BatchNormInference normalises x with the running statistics (see
// backend.BatchNormer) in one dispatch of batchnorm_apply.comp.
func (be *Backend) BatchNormInference(p backend.BatchNorm, eps float32, y, x, w, b, mean, variance backend.Tensor) error {
	const op = "batchnorm inference"
	if err := backend.Check(be).BatchNormInference(p, eps, y, x, w, b, mean, variance); err != nil {
		return err
	}
	tx := x.(*Tensor)
	return be.batchNormApply(op, bnInference, p, eps, y.(*Tensor), tx, tx, tx, w.(*Tensor), b.(*Tensor), mean.(*Tensor), variance.(*Tensor))
}

// BatchNormInferenceBackward computes dx, dw and db of the evaluation
// forward (see backend.BatchNormer): batchnorm_update.comp writes the
// running statistics as stats (μ, σ², r) into a pooled tensor, the
// training backward's sums give dw and db from them, and
// batchnorm_apply.comp gives dx = dy·w·r.
func (be *Backend) BatchNormInferenceBackward(p backend.BatchNorm, eps float32, dx, dw, db, dy, x, w, mean, variance backend.Tensor) error {
	const op = "batchnorm inference backward"
	if err := backend.Check(be).BatchNormInferenceBackward(p, eps, dx, dw, db, dy, x, w, mean, variance); err != nil {
		return err
	}
	if err := be.ready(op, "batchnorm_update.comp"); err != nil {
		return err
	}
	stats, err := be.New(backend.Shape{Rows: 3, Cols: p.C})
	if err != nil {
		return fmt.Errorf("gl: %s: %w", op, err)
	}
	defer be.Release(stats) // later commands that get its buffer run after these
	ts, tm, tv := stats.(*Tensor), mean.(*Tensor), variance.(*Tensor)
	err = be.enqueue(op, func() error {
		prog, err := be.program("batchnorm_update.comp")
		if err != nil {
			return err
		}
		prog.SetInt("channels", p.C)
		prog.SetInt("mode", 1)
		prog.SetFloat("eps", eps)
		return be.dev.Dispatch(prog, groups(p.C), 1, 1, ts.inOut(), tm.inOut(), tv.inOut())
	})
	if err != nil {
		return err
	}
	tx, tdy, tdw, tdb := x.(*Tensor), dy.(*Tensor), dw.(*Tensor), db.(*Tensor)
	if err := be.batchNormSums(op, bnBackward, p, 0, tx, tdy, ts, ts, tdw, tdb); err != nil {
		return err
	}
	return be.batchNormApply(op, bnInferenceBackward, p, 0, dx.(*Tensor), tx, tdy, ts, w.(*Tensor), w.(*Tensor), tx, tx)
}
