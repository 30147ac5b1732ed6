package backendtest

import (
	"errors"
	"fmt"
	"testing"

	"gltrain/backend"
)

// RunPack checks b's backend.Packer, and skips when b has none: the layout
// backend.PackOffsets describes, storage that starts zero, views that every
// case of Cases runs on with the padding between them left zero (a guard
// band: a kernel writing past a view is caught there), Release, and the
// errors of bad shapes. Run calls it.
func RunPack(t *testing.T, b backend.Backend) {
	p, ok := b.(backend.Packer)
	if !ok {
		t.Skipf("%s does not pack tensors", b.Name())
	}
	t.Run("layout", func(t *testing.T) { runPackLayout(t, b, p) })
	t.Run("release", func(t *testing.T) { runPackRelease(t, b, p) })
	t.Run("errors", func(t *testing.T) { runPackErrors(t, p) })
	t.Run("cases", func(t *testing.T) {
		exec := func(b backend.Backend, c Case, host [][]float32, ins []In, outs []Out) ([][]float32, error) {
			return ExecutePacked(b, p, c, host, ins, outs)
		}
		for _, c := range Cases() {
			t.Run(c.Name, func(t *testing.T) { runCase(t, c, b, nil, exec) })
		}
	})
}

// packShapes are sizes below, at and above PackAlign, so that some views end
// on an alignment boundary and others leave padding.
var packShapes = []backend.Shape{shp(3, 5), shp(1, 1), shp(64, 1), shp(2, 64), shp(7, 13)}

// runPackLayout writes distinct values through every view and reads the flat
// tensor back: each view's values must sit at its PackOffsets offset, and
// everything else must be zero.
func runPackLayout(t *testing.T, b backend.Backend, p backend.Packer) {
	flat, views, err := p.Pack(packShapes)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Release(flat)
	offsets, total := backend.PackOffsets(packShapes)
	if got := flat.Shape(); got != shp(1, total) {
		t.Fatalf("flat tensor %v, want %v", got, shp(1, total))
	}
	if len(views) != len(packShapes) {
		t.Fatalf("%d views for %d shapes", len(views), len(packShapes))
	}
	zero, err := backend.ToHost(b, flat)
	if err != nil {
		t.Fatal(err)
	}
	if i := firstNonZero(zero, 0, total); i >= 0 {
		t.Errorf("a new pack holds %v at element %d, want zeros", zero[i], i)
	}
	want := make([]float32, total)
	for i, v := range views {
		if v.Shape() != packShapes[i] {
			t.Errorf("view %d: shape %v, want %v", i, v.Shape(), packShapes[i])
		}
		data := make([]float32, packShapes[i].Len())
		for j := range data {
			data[j] = float32(1000*(i+1) + j)
		}
		copy(want[offsets[i]:], data)
		if err := b.Upload(v, data); err != nil {
			t.Fatalf("upload view %d: %v", i, err)
		}
	}
	got, err := backend.ToHost(b, flat)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("flat element %d is %v, want %v (offsets %v)", i, got[i], want[i], offsets)
		}
	}
}

// runPackRelease checks that releasing a view leaves it usable and that the
// flat tensor releases once.
func runPackRelease(t *testing.T, b backend.Backend, p backend.Packer) {
	flat, views, err := p.Pack(packShapes[:2])
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Release(views[0]); err != nil {
		t.Errorf("release of a view: %v, want nil", err)
	}
	if err := b.Fill(views[0], 2); err != nil {
		t.Errorf("a released view must stay usable: %v", err)
	}
	if got, err := backend.ToHost(b, views[0]); err != nil || got[0] != 2 {
		t.Errorf("view after its release: %v, %v; want 2s", got, err)
	}
	if err := b.Release(flat); err != nil {
		t.Errorf("release of the flat tensor: %v", err)
	}
	if err := b.Release(flat); err != nil {
		t.Errorf("second release of the flat tensor: %v, want nil", err)
	}
}

func runPackErrors(t *testing.T, p backend.Packer) {
	for i, shapes := range [][]backend.Shape{nil, {shp(2, 2), shp(0, 3)}, {shp(1<<20, 1<<10)}} {
		if _, _, err := p.Pack(shapes); !errors.Is(err, backend.ErrShape) {
			t.Errorf("%d: Pack(%v): error %v, want ErrShape", i, shapes, err)
		}
	}
}

// ExecutePacked is Execute with every input and output a view of one packed
// tensor, inputs first; after the run it checks that the padding between
// the views is still zero.
func ExecutePacked(b backend.Backend, p backend.Packer, c Case, host [][]float32, ins []In, outs []Out) ([][]float32, error) {
	shapes := make([]backend.Shape, 0, len(ins)+len(outs))
	for _, in := range ins {
		shapes = append(shapes, in.Shape)
	}
	for _, o := range outs {
		shapes = append(shapes, o.Shape)
	}
	flat, views, err := p.Pack(shapes)
	if err != nil {
		return nil, err
	}
	defer b.Release(flat)
	inT, outT := views[:len(ins)], views[len(ins):]
	for i := range ins {
		if err := b.Upload(inT[i], host[i]); err != nil {
			return nil, err
		}
	}
	for j, o := range outs {
		if err := b.Upload(outT[j], initialOutput(o, host)); err != nil {
			return nil, err
		}
	}
	if err := c.Run(b, outT, inT); err != nil {
		return nil, err
	}
	res := make([][]float32, len(outs))
	for j, o := range outT {
		if res[j], err = backend.ToHost(b, o); err != nil {
			return nil, err
		}
	}
	all, err := backend.ToHost(b, flat)
	if err != nil {
		return nil, err
	}
	offsets, total := backend.PackOffsets(shapes)
	for i, s := range shapes {
		end := total
		if i+1 < len(shapes) {
			end = offsets[i+1]
		}
		if k := firstNonZero(all, offsets[i]+s.Len(), end); k >= 0 {
			return nil, fmt.Errorf("padding after view %d (%v) holds %v at flat element %d: a kernel wrote past a view", i, s, all[k], k)
		}
	}
	return res, nil
}

// firstNonZero returns the index of the first element of x[from:to] that is
// not +0 or −0, or −1.
func firstNonZero(x []float32, from, to int) int {
	for i := from; i < to; i++ {
		if x[i] != 0 {
			return i
		}
	}
	return -1
}
