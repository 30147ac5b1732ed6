package cpu

import "gltrain/backend"

// Pack returns a zeroed flat tensor (1×total) from the pool and a view per
// shape into it, at the offsets backend.PackOffsets gives. A view's data is
// the sub-slice data[off : off+len : off+len] of the flat tensor's, so every
// kernel, which indexes data by the view's shape only, works on it unchanged
// and cannot reach past it. Releasing a view does nothing; releasing the flat
// tensor returns its memory to the pool and marks the views released, so
// that later use of one fails with ErrReleased.
func (b *Backend) Pack(shapes []backend.Shape) (backend.Tensor, []backend.Tensor, error) {
	t, offsets, err := backend.NewPacked(b, shapes)
	if err != nil {
		return nil, nil, err
	}
	flat := t.(*Tensor)
	clear(flat.data)
	views := make([]backend.Tensor, len(shapes))
	flat.views = make([]*Tensor, len(shapes))
	for i, s := range shapes {
		off, n := offsets[i], s.Len()
		v := &Tensor{shape: s, data: flat.data[off : off+n : off+n], owner: b, view: true}
		views[i], flat.views[i] = v, v
	}
	return flat, views, nil
}
