// Package glrt is the GL runtime under backend/gl: typed handles, the one
// place GL errors are checked, the one place shaders are compiled (and
// cached), and dispatch with the memory barriers dependent kernels need.
//
// Everything here runs on the GL thread (backend/gl/internal/glthread),
// with the context current; nothing here is safe for concurrent use.
//
// Barriers: each buffer remembers the number of the last dispatch that
// wrote it and the last that read it. A dispatch that reads a buffer written
// since the last shader-storage barrier, or writes one read or written since
// then, is preceded by glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT);
// independent dispatches (optimiser steps over different parameters) run
// without one.
//
// Host transfers do not trust barriers. On NVIDIA's driver (an H100) a
// glBufferSubData into a buffer that queued kernels still used landed at
// once, ahead of them, even after glMemoryBarrier(GL_ALL_BARRIER_BITS), and
// orphaning the buffer let earlier kernels read the new storage: a model's
// zero-filled biases overwrote the checkpoint uploaded after them, and
// evaluation read the next batch's indices. So an upload into a busy buffer
// goes through an idle staging buffer and a copy kernel, ordered like every
// other kernel, and a download of a buffer that queued kernels write waits
// for the device (glFinish). Idle buffers are written and read in place.
package glrt
