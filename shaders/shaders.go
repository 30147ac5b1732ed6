// Package shaders holds gltrain's GLSL compute shaders, embedded into the
// binary. common.glsl is prepended to every kernel by the GL runtime
// (backend/gl/internal/glrt), after "#version 430 core" and any #define
// overrides; each .comp file is one kernel, named after the CPU reference
// function it mirrors (matmul_forward.comp ↔ cpu Backend.MatMul,
// activation_backward.comp ↔ cpu activationBackward), and its header
// comment names that function and the buffer bindings. The activation
// kernels (activation_*.comp, linear_*.comp) are templates: backend/gl
// appends each activation's GLSL, from the table in backend/activations.go,
// to common.glsl and compiles them once per activation (#define ACT); so
// are the binary kernels (binary_*.comp), once per row of the table in
// backend/binary.go (#define BINOP).
//
// Conventions: shapes and scalars are uniforms, never #defines, so that no
// program is compiled per shape; 1-D kernels use work groups of WG (256)
// invocations in a grid-stride loop (FOR_EACH), so any size runs within the
// 65535-group dispatch limit, or, where no invocation may loop over a size
// the input sets (the convolution and pooling kernels), one invocation per
// element in a 2-D grid of work groups (grid_index); buffers are std430
// float arrays bound in the order the header lists.
package shaders

import "embed"

// FS holds the shader sources: common.glsl and the *.comp kernels.
//
//go:embed common.glsl *.comp
var FS embed.FS
