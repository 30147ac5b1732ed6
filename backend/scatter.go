package backend

import "fmt"

// RowScatterer is an optional interface, found by type assertion: the
// scatter-add that is GatherRows' gradient (an embedding table's), summed
// in an order that depends on the indices alone, so that its result has the
// same bits on every run, for any thread count and any repeated indices.
//
//	dst[index[i], :] += src[i, :]   for every row i of src
//
// The rows of src with one index v are summed in a fixed pairwise tree over
// their positions, in increasing order: with x_0 … x_{L−1} those rows, a
// pass of stride s = 1, 2, 4, … adds x_{r+s} into x_r for every r that is a
// multiple of 2s with r+s < L, and dst[v,:] gains x_0. Backends sum in that
// order exactly, without atomics: the CPU per index in turn, the GPU by a
// stable sort of the positions by index and one dispatch per pass.
//
// An index that is not a row of dst (not a whole number in [0, dst.rows))
// makes the whole of dst NaN, as GatherRows fills such a row with NaN and
// the gradient of a NaN row reaches every row of the table. NaN and ±Inf in
// src add like any other value.
type RowScatterer interface {
	// ScatterAddRows adds each row i of src (n×d) into row index[i,0] of
	// dst (rows×d), as above; index is n×1. It returns ErrShape for shapes
	// that do not fit, ErrAlias when dst is src or index, and ErrForeign
	// for a nil tensor or another backend's.
	ScatterAddRows(dst, src, index Tensor) error
}

// CheckScatterAddRows validates dst[index[i],:] += src[i,:].
func CheckScatterAddRows(dst, src, index Shape) error {
	if index != (Shape{src.Rows, 1}) || dst.Cols != src.Cols {
		return fmt.Errorf("scatter add rows: src %v, index %v, dst %v: want index %d×1 and dst %d columns: %w",
			src, index, dst, src.Rows, src.Cols, ErrShape)
	}
	return nil
}

// ScatterAddRows checks RowScatterer.ScatterAddRows (CheckScatterAddRows):
// dst is neither src nor index.
func (ck Checker) ScatterAddRows(dst, src, index Tensor) error {
	const op = "scatter add rows"
	if err := ck.own(op, dst, src, index); err != nil {
		return err
	}
	if err := CheckScatterAddRows(dst.Shape(), src.Shape(), index.Shape()); err != nil {
		return err
	}
	if dst == src || dst == index {
		return fmt.Errorf("%s: dst %v is also an input: %w", op, dst.Shape(), ErrAlias)
	}
	return nil
}
