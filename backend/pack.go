package backend

import "fmt"

// PackAlign is the alignment, in elements, of every view of a packed tensor:
// 64 float32s, 256 bytes, the largest GL_SHADER_STORAGE_BUFFER_OFFSET_ALIGNMENT
// the GL specification allows, so that a GL backend can bind any view with
// glBindBufferRange.
const PackAlign = 64

// Packer is implemented by backends that can lay several tensors out in one
// flat tensor, so that an elementwise kernel (an optimiser step, say) can run
// once over all of them instead of once per tensor.
type Packer interface {
	// Pack returns a flat tensor of shape 1×total and one view per shape
	// into it, laid out as PackOffsets says. Every element of the flat
	// tensor starts zero. A view is a Tensor of its shape usable by every
	// operation, views do not overlap, and operations on views never write
	// the flat tensor's elements outside every view (the alignment
	// padding), so the padding stays zero under elementwise kernels that
	// map zero to zero. Releasing a view does nothing; releasing the flat
	// tensor releases the storage, and the views must not be used after.
	// A view shares memory with its flat tensor, which the aliasing checks
	// cannot see: an operation whose output must not alias an input
	// (MatMul's C) must not be given both.
	// Pack returns an ErrShape error when a shape is invalid (CheckPack).
	Pack(shapes []Shape) (flat Tensor, views []Tensor, err error)
}

// PackOffsets returns where each view of a packed tensor starts, in elements:
// the views in order, each at the first multiple of PackAlign after the end
// of the previous one,
//
//	offsets[0] = 0
//	offsets[i] = ⌈(offsets[i−1] + shapes[i−1].Len()) / PackAlign⌉ · PackAlign
//
// and total, the flat tensor's length: the end of the last view rounded up to
// a multiple of PackAlign.
func PackOffsets(shapes []Shape) (offsets []int, total int) {
	offsets = make([]int, len(shapes))
	for i, s := range shapes {
		offsets[i] = total
		total = roundUp(total+s.Len(), PackAlign)
	}
	return offsets, total
}

// CheckPack validates the shapes of a Pack: at least one, each a valid
// tensor shape (CheckNew), and a flat tensor within the size limit.
func CheckPack(shapes []Shape) error {
	if len(shapes) == 0 {
		return fmt.Errorf("pack: no shapes: %w", ErrShape)
	}
	total := 0
	for i, s := range shapes {
		if err := CheckNew(s); err != nil {
			return fmt.Errorf("pack: view %d: %w", i, err)
		}
		if total = roundUp(total+s.Len(), PackAlign); total > maxElems {
			return fmt.Errorf("pack: %d views: more than %d elements in all: %w", len(shapes), maxElems, ErrShape)
		}
	}
	return nil
}

// roundUp rounds n ≥ 0 up to a multiple of m.
func roundUp(n, m int) int { return (n + m - 1) / m * m }

// NewPacked is the checked entry of Packer.Pack, shared by the
// implementations: it checks shapes, and returns a new flat tensor (1×total) of
// their total size with each shape's offset in it (PackOffsets).
func NewPacked(a Allocator, shapes []Shape) (Tensor, []int, error) {
	if err := CheckPack(shapes); err != nil {
		return nil, nil, err
	}
	offsets, total := PackOffsets(shapes)
	t, err := a.New(Shape{Rows: 1, Cols: total})
	return t, offsets, err
}
