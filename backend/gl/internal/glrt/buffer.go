package glrt

import (
	"unsafe"

	"github.com/go-gl/gl/v4.3-core/gl"
)

// Buffer is a shader storage buffer of float32 elements.
type Buffer struct {
	id    uint32
	elems int
	// The numbers of the last dispatch that wrote and that read the
	// buffer, for barrier tracking.
	written, read uint64
}

// Valid reports whether b names a live GL buffer.
func (b *Buffer) Valid() bool { return b != nil && b.id != 0 }

// Elems is the buffer's capacity in float32 elements.
func (b *Buffer) Elems() int { return b.elems }

// NewBuffer allocates a buffer of elems float32 elements.
func (d *Device) NewBuffer(elems int) (*Buffer, error) {
	b := &Buffer{elems: elems}
	gl.GenBuffers(1, &b.id)
	after("glGenBuffers")
	gl.BindBuffer(gl.SHADER_STORAGE_BUFFER, b.id)
	after("glBindBuffer")
	gl.BufferData(gl.SHADER_STORAGE_BUFFER, elems*4, nil, gl.DYNAMIC_DRAW)
	after("glBufferData")
	if err := Check("allocate buffer"); err != nil {
		gl.DeleteBuffers(1, &b.id)
		return nil, err
	}
	return b, nil
}

// DeleteBuffer frees b.
func (d *Device) DeleteBuffer(b *Buffer) {
	for i, bound := range d.bound {
		if bound == b.id {
			d.bound[i] = 0
		}
	}
	gl.DeleteBuffers(1, &b.id)
	after("glDeleteBuffers")
	b.id = 0
}

// hostBarrier orders a host transfer of b after the shader accesses to it.
func (d *Device) hostBarrier(b *Buffer) {
	if b.written > d.hostBarrierAt || b.read > d.hostBarrierAt {
		gl.MemoryBarrier(gl.BUFFER_UPDATE_BARRIER_BIT)
		after("glMemoryBarrier")
		d.hostBarrierAt = d.dispatches
	}
}

// Upload writes src into b from element offset on.
func (d *Device) Upload(b *Buffer, offset int, src []float32) {
	if len(src) == 0 {
		return
	}
	d.hostBarrier(b)
	gl.BindBuffer(gl.SHADER_STORAGE_BUFFER, b.id)
	after("glBindBuffer")
	gl.BufferSubData(gl.SHADER_STORAGE_BUFFER, offset*4, len(src)*4, unsafe.Pointer(&src[0]))
	after("glBufferSubData")
}

// Download reads b from element offset into dst, waiting for the dispatches
// that write it: the host's only synchronisation point besides Finish.
func (d *Device) Download(dst []float32, b *Buffer, offset int) error {
	if len(dst) == 0 {
		return nil
	}
	d.hostBarrier(b)
	gl.BindBuffer(gl.SHADER_STORAGE_BUFFER, b.id)
	after("glBindBuffer")
	gl.GetBufferSubData(gl.SHADER_STORAGE_BUFFER, offset*4, len(dst)*4, unsafe.Pointer(&dst[0]))
	after("glGetBufferSubData")
	return Check("download")
}

// Finish waits for every queued command and reports pending GL errors.
func (d *Device) Finish() error {
	gl.Finish()
	after("glFinish")
	return Check("sync")
}
