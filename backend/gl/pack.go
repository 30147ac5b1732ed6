package gl

import (
	"gltrain/backend"
)

var _ backend.Packer = (*Backend)(nil)

// Pack returns a flat tensor (1×total) of one pooled buffer, zero-filled by
// a queued fill.comp, and a view per shape at the offsets
// backend.PackOffsets gives. A kernel binds a view as its range of the
// buffer (glBindBufferRange; the offsets are multiples of 256 bytes, the
// largest offset alignment GL allows), so every kernel runs on views
// unchanged and cannot reach past them. Barrier tracking is per buffer, so
// kernels on different views of one flat tensor are ordered as if they
// shared a tensor: correct, and at worst a barrier more than needed.
// Releasing a view does nothing; releasing the flat tensor returns the
// buffer and marks the views released.
func (b *Backend) Pack(shapes []backend.Shape) (backend.Tensor, []backend.Tensor, error) {
	t, offsets, err := backend.NewPacked(b, shapes)
	if err != nil {
		return nil, nil, err
	}
	flat := t.(*Tensor)
	if err := b.Fill(flat, 0); err != nil {
		b.Release(flat)
		return nil, nil, err
	}
	views := make([]backend.Tensor, len(shapes))
	flat.views = make([]*Tensor, len(shapes))
	for i, s := range shapes {
		v := &Tensor{shape: s, buf: flat.buf, off: offsets[i], view: true, owner: b}
		views[i], flat.views[i] = v, v
	}
	return flat, views, nil
}
