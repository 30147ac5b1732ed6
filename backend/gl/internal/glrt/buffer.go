package glrt

import (
	"fmt"
	"unsafe"

	"github.com/go-gl/gl/v4.3-core/gl"
)

// buffer is a GL shader storage buffer of float32 elements: the Device's
// Buffer.
type buffer struct {
	id    uint32
	elems int
	// The numbers of the last dispatch that wrote and that read the
	// buffer, for barrier tracking.
	written, read uint64
}

// Valid reports whether b names a live GL buffer.
func (b *buffer) Valid() bool { return b != nil && b.id != 0 }

// Elems is the buffer's capacity in float32 elements.
func (b *buffer) Elems() int { return b.elems }

// NewBuffer returns a buffer of elems float32 elements that exists only on
// the host until its first use on the GL thread makes it on the device
// (ensure). It needs no GL call, so any goroutine may make one: the command
// stream hands out tensors without waiting for the GL thread, and an
// allocation failure surfaces as the error of the first command using it.
func (d *Device) NewBuffer(elems int) Buffer { return &buffer{elems: elems} }

// ensure makes b on the device if it is not there yet.
func (d *Device) ensure(b *buffer) error {
	if b.id != 0 {
		return nil
	}
	return d.create(b)
}

// newBuffer allocates a buffer of elems float32 elements now.
func (d *Device) newBuffer(elems int) (*buffer, error) {
	b := &buffer{elems: elems}
	if err := d.create(b); err != nil {
		return nil, err
	}
	return b, nil
}

// create makes b's storage on the device; on failure b stays unmade.
func (d *Device) create(b *buffer) error {
	elems := b.elems
	gl.GenBuffers(1, &b.id)
	d.after("glGenBuffers")
	gl.BindBuffer(gl.SHADER_STORAGE_BUFFER, b.id)
	d.after("glBindBuffer")
	gl.BufferData(gl.SHADER_STORAGE_BUFFER, elems*4, nil, gl.DYNAMIC_DRAW)
	d.after("glBufferData")
	if err := d.Check(fmt.Sprintf("allocate buffer of %d bytes", elems*4)); err != nil {
		gl.DeleteBuffers(1, &b.id)
		b.id = 0
		return err
	}
	d.allocated++
	return nil
}

// DeleteBuffer frees b.
func (d *Device) DeleteBuffer(buf Buffer) {
	b := buf.(*buffer)
	if b.id == 0 {
		return
	}
	d.unbind(b)
	gl.DeleteBuffers(1, &b.id)
	d.after("glDeleteBuffers")
	b.id = 0
}

// busy reports whether a dispatch queued since the device was last known
// idle reads or writes b.
func (d *Device) busy(b *buffer) bool { return b.written > d.syncedAt || b.read > d.syncedAt }

// Upload writes src into b from element offset on.
//
// Host writes never touch a buffer that queued kernels may still read or
// write. On NVIDIA's driver (an H100, driver 580) neither ordering held: a
// glBufferSubData into such a buffer landed at once, ahead of the kernels
// queued before it, whatever glMemoryBarrier said, and orphaning the buffer
// with glBufferData let kernels queued before it read the new storage. So a
// busy buffer is written by a kernel: src goes into an idle staging buffer,
// and copy_rows.comp, a dispatch like any other, copies it over, ordered by
// the barrier tracking. An idle buffer is written in place.
func (d *Device) Upload(buf Buffer, offset int, src []float32) error {
	if len(src) == 0 {
		return nil
	}
	b := buf.(*buffer)
	if err := d.ensure(b); err != nil {
		return err
	}
	if !d.busy(b) {
		d.write(b, offset, src)
		return nil
	}
	p, err := d.Program("copy_rows.comp")
	if err != nil {
		return err
	}
	st, err := d.staging(len(src))
	if err != nil {
		return err
	}
	d.write(st, 0, src)
	p.SetInt("n", len(src))
	p.SetInt("offset", offset)
	d.inflight = append(d.inflight, st)
	return d.dispatch(p, Groups(len(src)), 1, 1, &Args{In(st), InOut(b)})
}

// write copies src into b in place with glBufferSubData.
func (d *Device) write(b *buffer, offset int, src []float32) {
	gl.BindBuffer(gl.SHADER_STORAGE_BUFFER, b.id)
	d.after("glBindBuffer")
	gl.BufferSubData(gl.SHADER_STORAGE_BUFFER, offset*4, len(src)*4, unsafe.Pointer(&src[0]))
	d.after("glBufferSubData")
}

// maxInflightStaging bounds the staging buffers waiting for their copies;
// beyond it Upload waits for the device. A training loop reads its loss
// (and so waits) far more often.
const maxInflightStaging = 64

// staging returns an idle staging buffer of at least n elements: one whose
// copy has completed, else a new one (the size classes of the pool).
func (d *Device) staging(n int) (*buffer, error) {
	if len(d.inflight) >= maxInflightStaging {
		d.finish()
	}
	kept := d.inflight[:0]
	for _, st := range d.inflight {
		if d.busy(st) {
			kept = append(kept, st)
		} else {
			d.idleStaging = append(d.idleStaging, st)
		}
	}
	d.inflight = kept
	best := -1
	for i, st := range d.idleStaging {
		if st.elems >= n && (best < 0 || st.elems < d.idleStaging[best].elems) {
			best = i
		}
	}
	if best >= 0 {
		st := d.idleStaging[best]
		d.idleStaging = append(d.idleStaging[:best], d.idleStaging[best+1:]...)
		return st, nil
	}
	d.staged++
	return d.newBuffer(sizeClass(n))
}

// sizeClass rounds n up to a power of two of at least 64 elements, so that
// staging buffers are few and reusable.
func sizeClass(n int) int {
	c := 64
	for c < n {
		c *= 2
	}
	return c
}

// unbind forgets b on the binding points, so the next dispatch binds it
// again (and so its new storage).
func (d *Device) unbind(b *buffer) {
	for i, bound := range d.bound {
		if bound.id == b.id {
			d.bound[i] = binding{}
		}
	}
}

// Download reads b from element offset into dst: the host's only
// synchronisation point besides Finish. When kernels queued since the last
// wait write b, it waits for the device first (glFinish after a
// buffer-update barrier), rather than trust the driver to order the read
// after them.
func (d *Device) Download(dst []float32, buf Buffer, offset int) error {
	if len(dst) == 0 {
		return nil
	}
	b := buf.(*buffer)
	if err := d.ensure(b); err != nil {
		return err
	}
	if b.written > d.syncedAt {
		d.finish()
	}
	gl.BindBuffer(gl.SHADER_STORAGE_BUFFER, b.id)
	d.after("glBindBuffer")
	gl.GetBufferSubData(gl.SHADER_STORAGE_BUFFER, offset*4, len(dst)*4, unsafe.Pointer(&dst[0]))
	d.after("glGetBufferSubData")
	return d.Check("download")
}

// finish waits for every queued command, behind a buffer-update barrier so
// that host reads after it see the shaders' writes; afterwards no buffer is
// busy.
func (d *Device) finish() {
	gl.MemoryBarrier(gl.BUFFER_UPDATE_BARRIER_BIT)
	d.after("glMemoryBarrier")
	gl.Finish()
	d.after("glFinish")
	d.syncedAt = d.dispatches
}

// Finish waits for every queued command and reports pending GL errors.
func (d *Device) Finish() error {
	d.finish()
	return d.Check("sync")
}
