package cpu

import (
	"gltrain/backend"
)

var _ backend.RowScatterer = (*Backend)(nil)

// ScatterAddRows adds each row i of src into row index[i] of dst, summing
// the rows of one index in backend.RowScatterer's pairwise tree; an index
// out of range makes dst NaN. The rows are ordered by a counting sort of
// their indices (stable: positions stay increasing within an index), then
// each index's rows are reduced in a scratch copy, the indices shared among
// the cores: every sum has one order whatever the thread count.
func (be *Backend) ScatterAddRows(dst, src, index backend.Tensor) error {
	if err := backend.Check(be).ScatterAddRows(dst, src, index); err != nil {
		return err
	}
	d, s, idx := dst.(*Tensor), src.(*Tensor), index.(*Tensor)
	rows, n, dim := d.shape.Rows, s.shape.Rows, s.shape.Cols
	ints := intsPool.get(rows + 1 + n)
	defer intsPool.put(ints)
	start, order := (*ints)[:rows+1], (*ints)[rows+1:]
	if !countingSort(start, order, idx.data, rows) {
		fillNaN(d.data)
		return nil
	}
	acc, err := be.scratch(n * dim)
	if err != nil {
		return err
	}
	defer be.Release(acc)
	parallelFor(rows, max(1, n*dim/rows), func(lo, hi int) {
		for v := lo; v < hi; v++ {
			a, b := int(start[v]), int(start[v+1])
			scatterRow(d.data[v*dim:(v+1)*dim], acc.data[a*dim:b*dim], s.data, order[a:b], dim)
		}
	})
	return nil
}

// countingSort sets order to the positions 0 … n−1 of index sorted by
// index, stably, and start[v] to the first place of index v in order
// (start[rows] = n). It returns false, leaving them undefined, when an
// index is not a row.
func countingSort(start, order []int32, index []float32, rows int) bool {
	clear(start)
	for _, x := range index {
		v, ok := classIndex(x, rows)
		if !ok {
			return false
		}
		start[v+1]++
	}
	for v := 1; v <= rows; v++ {
		start[v] += start[v-1]
	}
	for i, x := range index {
		v := int(x)
		order[start[v]] = int32(i)
		start[v]++
	}
	// start[v] now ends index v's run: shift back to starts.
	copy(start[1:], start[:rows])
	start[0] = 0
	return true
}

// scatterRow is the reference sum of one index's rows: the rows of src at
// positions pos (increasing, L of them) are copied into acc (L×dim),
// x_r = src[pos[r],:], then reduced pairwise,
//
//	for s := 1; s < L; s *= 2 { x_r += x_{r+s} for r = 0, 2s, 4s, … with r+s < L }
//
// and dstRow += x_0.
func scatterRow(dstRow, acc, src []float32, pos []int32, dim int) {
	L := len(pos)
	if L == 0 {
		return
	}
	for r, p := range pos {
		copy(acc[r*dim:(r+1)*dim], src[int(p)*dim:(int(p)+1)*dim])
	}
	for s := 1; s < L; s *= 2 {
		for r := 0; r+s < L; r += 2 * s {
			x, y := acc[r*dim:(r+1)*dim], acc[(r+s)*dim:(r+s+1)*dim]
			for j := range x {
				x[j] += y[j]
			}
		}
	}
	for j, x := range acc[:dim] {
		dstRow[j] += x
	}
}

// intsPool lends the int32 scratch of ScatterAddRows.
var intsPool scratchPool[int32]
