package gl

import (
	"testing"

	"gltrain/backend"
)

// TestSoftmaxCrossEntropyCountGuardBands fills the buffers of the fused
// call's three outputs with a sentinel beyond each tensor's end and checks
// that no kernel of it (the per-row pass, either layout of the pair
// reduction, the wide-row passes) writes there. Sizes are not multiples of
// the work group.
func TestSoftmaxCrossEntropyCountGuardBands(t *testing.T) {
	b := openForTest(t)
	const sentinel = float32(-12345.5)
	for i, s := range []backend.Shape{{Rows: 7, Cols: 13}, {Rows: 1025, Cols: 3}, {Rows: 3, Cols: 5001}} {
		x, _ := backend.FromData(b, s, backend.NormalData(s.Len(), uint64(i), 0, 1))
		labels := make([]float32, s.Rows)
		for r := range labels {
			labels[r] = float32(r % s.Cols)
		}
		y, _ := backend.FromData(b, backend.Shape{Rows: s.Rows, Cols: 1}, labels)
		out := make([]*Tensor, 3) // loss, correct, gradient
		for j, os := range []backend.Shape{{Rows: 1, Cols: 1}, {Rows: 1, Cols: 1}, s} {
			z, err := b.New(os)
			if err != nil {
				t.Fatal(err)
			}
			out[j] = z.(*Tensor)
			guard := make([]float32, out[j].capacity)
			for k := range guard {
				guard[k] = sentinel
			}
			if err := b.call("guard", func() error { return b.dev.Upload(out[j].buf, 0, guard) }); err != nil {
				t.Fatal(err)
			}
		}
		if err := b.SoftmaxCrossEntropyCount(out[0], out[2], out[1], x, y); err != nil {
			t.Fatalf("%d %v: %v", i, s, err)
		}
		for j, z := range out {
			full := make([]float32, z.capacity)
			if err := b.call("read", func() error { return b.dev.Download(full, z.buf, 0) }); err != nil {
				t.Fatal(err)
			}
			for k := z.shape.Len(); k < z.capacity; k++ {
				if full[k] != sentinel {
					t.Errorf("%d %v: output %d (%v, capacity %d): element %d beyond the end was overwritten with %v",
						i, s, j, z.shape, z.capacity, k, full[k])
					break
				}
			}
		}
		for _, z := range []backend.Tensor{x, y, out[0], out[1], out[2]} {
			b.Release(z)
		}
	}
}
