package view

import "math"

// span is one pixel column of a decimated series, in pixels: the
// column, the y of its first and last points, and its least and greatest
// y. joined says that its first point continues the line from the span
// before (no unmeasured point between them).
type span struct {
	col                   int
	first, last, ylo, yhi float32
	joined                bool
}

// decimate folds a series of n points, point i at at(i) in pixels (ok
// false where it was not measured, which breaks the line), into a span per
// pixel column, in order, as plotting libraries decimate long series: a
// column's least and greatest y are kept, so no extreme is lost however
// many points share the column, and drawing costs at most a few segments
// a column, not a segment a point. The points' x must not decrease.
func decimate(n int, at func(i int) (x, y float32, ok bool)) []span {
	var out []span
	joined := false
	for i := range n {
		x, y, ok := at(i)
		if !ok {
			joined = false
			continue
		}
		col := int(math.Floor(float64(x)))
		if k := len(out) - 1; joined && out[k].col == col {
			s := &out[k]
			s.last, s.ylo, s.yhi = y, min(s.ylo, y), max(s.yhi, y)
			continue
		}
		out = append(out, span{col: col, first: y, last: y, ylo: y, yhi: y, joined: joined})
		joined = true
	}
	return out
}

// series draws spans as a line t pixels wide: each column's span from its
// least to its greatest y, reaching t/2 past both so that the pixel rows of
// the extremes are covered, joined to the column before from its last
// point to this one's first.
func (r *renderer) series(spans []span, t float32, c rgba) {
	for i, s := range spans {
		x := float32(s.col) + 0.5
		if s.joined {
			p := spans[i-1]
			r.line(float32(p.col)+0.5, p.last, x, s.first, t, c)
		}
		r.rect(x-t/2, s.ylo-t/2, x+t/2, s.yhi+t/2, c)
	}
}
