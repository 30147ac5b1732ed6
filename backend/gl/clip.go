package gl

import (
	"fmt"

	"gltrain/backend"
	"gltrain/backend/gl/internal/glrt"
)

var _ backend.GradNormClipper = (*Backend)(nil)

// AddSquares adds Σ x² to acc (1×1) (add_squares.comp, in sum.comp's
// two passes for a large x).
func (be *Backend) AddSquares(acc, x backend.Tensor) error {
	if err := backend.Check(be).AddSquares(acc, x); err != nil {
		return err
	}
	if err := be.ready("add squares", "add_squares.comp"); err != nil {
		return err
	}
	a, xt := acc.(*Tensor), x.(*Tensor)
	n := xt.shape.Len()
	g := min((n+glrt.WorkGroup*sumPerThread-1)/(glrt.WorkGroup*sumPerThread), maxSumGroups)
	var partial scratch
	if g > 1 {
		var err error
		if partial, err = be.getScratch(g); err != nil {
			return fmt.Errorf("gl: add squares: %w", err)
		}
		defer be.putScratch(partial)
	}
	return be.enqueue("add squares", func() error {
		p, err := be.program("add_squares.comp")
		if err != nil {
			return err
		}
		p.SetInt("n", n)
		p.SetInt("square", 1)
		if g <= 1 {
			p.SetInt("accumulate", 1)
			return be.dev.Dispatch(p, 1, 1, 1, xt.in(), a.inOut())
		}
		p.SetInt("accumulate", 0)
		if err := be.dev.Dispatch(p, g, 1, 1, xt.in(), glrt.Out(partial.buf)); err != nil {
			return err
		}
		p.SetInt("n", g)
		p.SetInt("square", 0)
		p.SetInt("accumulate", 1)
		return be.dev.Dispatch(p, 1, 1, 1, glrt.In(partial.buf), a.inOut())
	})
}

// ClipScale scales x by the clipping coefficient of the summed squares in
// sumSq (clip_scale.comp), read on the device: no wait.
func (be *Backend) ClipScale(x, sumSq backend.Tensor, maxNorm float32) error {
	if err := backend.Check(be).ClipScale(x, sumSq, maxNorm); err != nil {
		return err
	}
	if err := be.ready("clip scale", "clip_scale.comp"); err != nil {
		return err
	}
	xt, s := x.(*Tensor), sumSq.(*Tensor)
	n := xt.shape.Len()
	return be.enqueue("clip scale", func() error {
		p, err := be.program("clip_scale.comp")
		if err != nil {
			return err
		}
		p.SetInt("n", n)
		p.SetFloat("max_norm", maxNorm)
		return be.dev.Dispatch(p, groups(n), 1, 1, xt.inOut(), s.in())
	})
}
