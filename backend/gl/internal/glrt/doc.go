// Package glrt is the GPU runtime under backend/gl: the Runtime interface
// through which backend/gl's op code reaches a device, and Device, the
// OpenGL 4.3 runtime below it (typed handles, the one place GL errors are
// checked, the one place shaders are compiled and cached, and dispatch with
// the memory barriers dependent kernels need). A second GPU API, such as
// Vulkan running the same GLSL compiled to SPIR-V, would be a second
// Runtime, not a second backend: the op code, the command stream and the
// kernels stay as they are.
//
// # What a runtime provides
//
// Ordering. Dispatches, uploads and downloads take effect in the order they
// are issued, as if each completed before the next began: a dispatch sees
// every earlier dispatch's writes and every earlier upload, and a download
// sees every earlier write of its buffer. How is the runtime's business
// (barriers below), and a runtime may run independent dispatches at once.
//
// Barriers and visibility. A runtime inserts whatever barrier its API needs
// between dependent dispatches, from the access each Arg declares (In, Out,
// InOut): a read after a write, and a write after a read or a write, of the
// same buffer. Independent dispatches (optimiser steps over different
// parameters) should run without one. Device's rule: each buffer remembers
// the number of the last dispatch that wrote it and the last that read it,
// and a dispatch that reads a buffer written since the last shader-storage
// barrier, or writes one read or written since then, is preceded by
// glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT).
//
// Buffers. Storage is counted in float32 elements, never bytes: sizes,
// offsets and ranges (Arg.Range) are elements. NewBuffer makes only a
// handle, on any goroutine; the device storage is made by the buffer's
// first use on the runtime's thread, whose error reports a failed
// allocation. A ranged Arg binds Len elements from Off as the kernel's
// whole array; Off is a multiple of backend.PackAlign.
//
// Threads and errors. Everything but NewBuffer runs on one thread that owns
// the device (backend/gl/internal/glthread), one command after another.
// Errors are collected, not thrown: Check returns the device errors pending
// since the last Check, naming what was attempted, and TakePending the first
// error a debug build (tag gltraindebug) found after a single call, naming
// the call. backend/gl's command stream turns the first error of a queued
// command into its sticky error (stream.go), so a runtime need not stop on
// one. A lost device is reported as an error the stream can recognise
// (Device's *ErrGL with ContextLost).
//
// Programs. Program(name) compiles on first use and caches by name, so the
// name is the program's identity: a shader file of the sources, or a
// Variant, "file.comp?KEY=VALUE,…", the file compiled with those #defines,
// so that a choice made per call (an activation, a pass) is made by the
// compiler. Every kernel is compiled with CommonFile before it. A failure
// is a *CompileError with the name, the driver's log and the numbered
// source. Uniforms are set by name on the Program and keep their values;
// setting an unchanged value costs nothing. Kernels are 1-D work groups of
// WorkGroup invocations, dispatched at most MaxGroups per dimension, and
// loop over any elements beyond.
//
// Timers. TimeElapsed measures the device time of the work a function
// issues (GL_TIME_ELAPSED for Device), for the matmul tuner; Stats counts
// dispatches, barriers, staging buffers, allocations and compiles.
//
// Cost. A dispatch is on the hot path of every op: it must not allocate
// (hence Args, an array) and should issue no API call that is not needed
// (Device skips rebinding a buffer or re-setting a uniform that has not
// changed).
//
// # Device's host transfers
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
