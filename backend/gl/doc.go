// Package gl is gltrain's OpenGL 4.3 compute-shader backend: every operation
// of the backend contract runs as a GLSL kernel (package shaders) on tensors
// that stay in GPU shader storage buffers.
//
// # Context
//
// New makes a context on a goroutine locked to its own OS thread
// (internal/glthread), which owns it for the backend's life; every method
// marshals its work onto that thread, so the backend is safe to call from
// any goroutine. The context is made headless through EGL first — the device
// platform (how NVIDIA GPUs are reached without X, and Mesa's llvmpipe
// without a GPU), then Mesa's surfaceless platform, then the default display
// — and in a hidden GLFW window last (internal/glctx). Options.Context, the
// registry options ("gl:glfw") or $GLTRAIN_GL_CONTEXT force one path. Device
// reports GL_VENDOR, GL_RENDERER, GL_VERSION and the path taken; when every
// path fails the error lists each with its reason.
//
// # Kernels
//
// Shapes and scalars are uniforms, so each kernel is one program, compiled
// on first use (or all at once by Warmup, timed on its own) and cached
// (internal/glrt). The op code reaches the GPU only through the
// glrt.Runtime interface (runtime.go), whose OpenGL implementation is
// glrt.Device: another GPU API would be another Runtime. A compile error names the shader file and carries the
// driver's log and the numbered source. Dependent dispatches are separated
// by shader-storage barriers, only where a buffer is read or rewritten after
// a write; Download is the only host synchronisation besides Sync.
// Reductions are trees in shared memory in a fixed order, without float
// atomics, so they give the same bits on every run. Convolutions are im2col
// and the tuned product (conv.go); their data-moving kernels and max
// pooling's run one invocation per element, looping only over a kernel
// window.
//
// # Memory
//
// Buffers come from a backend.Pool keyed by size class: after a first
// training step, steps allocate no GL buffers (MemStats counts them).
// GL errors are read in one place (glrt.Check) after allocation,
// compilation, transfers and Sync; build with -tags gltraindebug to check
// after every GL call.
package gl
