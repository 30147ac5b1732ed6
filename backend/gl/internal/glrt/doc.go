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
// without one. Host transfers of a buffer that shaders touched since the
// last buffer-update barrier are preceded by
// glMemoryBarrier(GL_BUFFER_UPDATE_BARRIER_BIT). No other bits are used.
package glrt
