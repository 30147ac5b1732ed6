package gl

import (
	"testing"

	"gltrain/backend"
	"gltrain/backend/backendtest"
)

func openForTest(t *testing.T) *Backend {
	t.Helper()
	b, err := New(Options{})
	if err != nil {
		if backendtest.RequireGL() {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// TestGuardBands runs every conformance case at 7×13 (sizes that are not
// multiples of any work group) with each output's buffer filled with a
// sentinel beyond the tensor's end — pooled buffers are larger than their
// tensors — and checks no kernel writes past its tensor.
func TestGuardBands(t *testing.T) {
	b := openForTest(t)
	const sentinel = float32(-12345.5)
	d := backendtest.Dims{M: 7, N: 13, K: 5}
	for _, c := range backendtest.Cases() {
		ins, outs := c.Setup(d)
		inT := make([]backend.Tensor, len(ins))
		for i, in := range ins {
			data := make([]float32, in.Shape.Len())
			for j := range data {
				if in.Dist == backendtest.Labels {
					data[j] = float32(j % in.Range)
				} else {
					data[j] = float32(j%7) * 0.5
				}
			}
			var err error
			if inT[i], err = backend.FromData(b, in.Shape, data); err != nil {
				t.Fatal(err)
			}
		}
		outT := make([]backend.Tensor, len(outs))
		for j, o := range outs {
			z, err := b.New(o.Shape)
			if err != nil {
				t.Fatal(err)
			}
			outT[j] = z
			gt := z.(*Tensor)
			guard := make([]float32, gt.capacity)
			for i := range guard {
				guard[i] = sentinel
			}
			if err := b.call("guard", func() error { return b.dev.Upload(gt.buf, 0, guard) }); err != nil {
				t.Fatal(err)
			}
			if o.From >= 0 {
				b.Upload(z, make([]float32, o.Shape.Len()))
			}
		}
		if err := c.Run(b, outT, inT); err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		for j, z := range outT {
			gt := z.(*Tensor)
			full := make([]float32, gt.capacity)
			if err := b.call("read", func() error { return b.dev.Download(full, gt.buf, 0) }); err != nil {
				t.Fatal(err)
			}
			for i := gt.shape.Len(); i < gt.capacity; i++ {
				if full[i] != sentinel {
					t.Errorf("%s: output %d (%v, capacity %d): element %d beyond the end was overwritten with %v",
						c.Name, j, gt.shape, gt.capacity, i, full[i])
					break
				}
			}
		}
		for _, z := range append(inT, outT...) {
			b.Release(z)
		}
	}
}

// TestBarriersOnlyWhereNeeded checks the barrier tracking: two independent
// fills need none between them; a kernel reading their results needs one;
// a kernel reading that result needs another.
func TestBarriersOnlyWhereNeeded(t *testing.T) {
	b := openForTest(t)
	s := backend.Shape{Rows: 3, Cols: 5}
	x, _ := b.New(s)
	y, _ := b.New(s)
	z, _ := b.New(s)
	w, _ := b.New(s)
	start := b.Counters()
	for i, err := range []error{b.Fill(x, 1), b.Fill(y, 2), b.Add(z, x, y), b.Scale(w, 2, z)} {
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	c := b.Counters()
	if got := c.Barriers - start.Barriers; got != 2 {
		t.Errorf("%d barriers for fill, fill, add(fills), scale(add): want 2", got)
	}
	got, err := backend.ToHost(b, w)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range got {
		if v != 6 {
			t.Fatalf("element %d = %v, want 2·(1+2) = 6", i, v)
		}
	}
}
