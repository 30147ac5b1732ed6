package cpu

import (
	"fmt"
	"unsafe"

	"gltrain/backend"
)

// Where a buffer starts within its 4 KiB page matters to the products. Go
// starts every allocation of a page or more on a page boundary, and the
// pool's power-of-two size classes keep smaller ones on a few fixed
// offsets, so the operands of a product often line up in the caches. The
// mlp's 128×10×256 product took 10.9–12.0 µs with the pool's buffers as Go
// placed them and 6.6–7.6 µs staggered, through the same OpenBLAS call
// (bench -filter=mlp-b128, two runs of each, interleaved). alloc staggers
// the pool's buffers, as C allocators' headers happen to do: each new
// buffer of a page or more starts a different number of cache lines into
// its page.

// staggerMin is the buffer size (float32s) from which alloc staggers; the
// padding (one page) at most doubles such a buffer.
const staggerMin = 1 << 10

// staggerStep is the number of cache lines between the offsets of
// successive buffers: odd, so that 64 successive buffers take all 64 line
// offsets of a page.
const staggerStep = 23

// checkMin is the buffer size (float32s, 16 MiB) from which alloc checks the
// memory the host has left: reading it costs tens of µs, and the pool
// recycles buffers, so only large new ones pay.
const checkMin = 1 << 22

// alloc makes a zeroed buffer of n float32s for the pool; from staggerMin
// on, when a BLAS library computes the products, it starts at the next
// staggered offset within a page. gonum's Sgemm was 8–13% slower on
// staggered buffers in the mnist-784-256-10 training step (5.75–6.16 ms
// against 5.31–5.42 ms, two runs each), so without a library Go places
// them.
//
// From checkMin on, a buffer larger than the memory the host has left
// (hostAvailable) is refused with backend.ErrOutOfMemory, where make would
// end the process with "fatal error: out of memory".
func (b *Backend) alloc(n int) ([]float32, error) {
	if n >= checkMin {
		if left, what, ok := hostAvailable(); ok && int64(n)*4+4096 > left {
			return nil, fmt.Errorf("cpu: new: a buffer of %d float32s (%d MiB) does not fit in the %d MiB left (%s): %w",
				n, int64(n)*4>>20, left>>20, what, backend.ErrOutOfMemory)
		}
	}
	if n < staggerMin || b.blas == nil {
		return make([]float32, n), nil
	}
	const page, line = 4096, 64
	raw := make([]float32, n+page/4)
	want := uintptr(b.staggered.Add(1)*staggerStep%(page/line)) * line
	at := uintptr(unsafe.Pointer(unsafe.SliceData(raw))) % page
	skip := int((want + page - at) % page / 4)
	return raw[skip : skip+n : skip+n], nil
}
