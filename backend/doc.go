// Package backend defines the contract between gltrain's computational graph
// and the devices that execute it, and owns what every implementation shares:
// shapes and their checks, the error vocabulary, the activation and optimiser
// descriptions, the buffer pool, seeded initialisation and the registry.
//
// # Tensors
//
// A Tensor is an opaque handle to a float32 matrix stored row-major on one
// backend (host memory for backend/cpu, a shader storage buffer for
// backend/gl). Tensors are 2-D: rows are the batch, columns the features.
// Only Upload and Download move data between the host and the device; every
// other operation reads and writes device memory. A tensor belongs to the
// backend that created it; passing it to another backend is an error.
// Release returns its storage to the backend's pool for reuse.
//
// Class labels travel as float32 tensors of shape batch×1 holding whole
// numbers (exact up to 2^24), so that labels stay on the device with the data.
//
// # Dimensions
//
// Matrix products use m, n and k: op(A) is m×k, op(B) is k×n and C is m×n.
// Layers use batch, in and out: x is batch×in, W is in×out, y is batch×out.
//
// # Errors
//
// Every operation returns an error; none panics on bad input. Each
// implementation validates its arguments at its exported entry with one
// call, Check(be).Op(args…) (check.go), which asks the backend only whether
// each tensor is its own (Owner) and applies the Check functions of this
// package (shape.go), so the rules, their order and the wording live in one
// place for every backend; its kernels then trust their inputs. A shape
// mismatch wraps ErrShape and names the operation and the shapes involved:
//
//	matmul: op(a) 3×4 × op(b) 5×2: inner dimensions differ: shape mismatch
//
// The other errors are listed in errors.go. Device execution may be
// asynchronous: a failure inside a kernel (a lost device, say) is reported by
// the next Sync or Download. An implementation panics only when its own
// invariants are broken, with a "cpu: " or "gl: " prefix.
//
// # Aliasing
//
// Elementwise operations (Add, Sub, Mul, Scale, Axpy, activations, bias add,
// optimiser steps) accept an output that is the same tensor as one of their
// inputs, which makes them usable in place. MatMul's C must not be A or B,
// and the losses' gradient outputs, the fused layer's outputs and the
// softmax's outputs must not be their inputs (ErrAlias).
//
// # Broadcasting
//
// The binary operations (Binarier, with the table of binary.go: add, sub,
// mul, div, maximum and minimum) follow one rule. The output is m×n, and
// each operand is m×n, 1×n (the same row for every row), m×1 (the same
// column for every column) or 1×1 (one value for every element); at least
// one of them is m×n, and either may be the smaller one:
//
//	dst[i,j] = f(a[i·ra, j·ca], b[i·rb, j·cb])
//
// where ra is 0 when a has one row and 1 otherwise, ca 0 when a has one
// column, and the same for b. Other pairs (3×4 with 4×3, 1×4 with 3×1)
// are ErrShape, naming the op and both shapes (BinaryShape). The backward
// pass gives dy·∂f/∂a and dy·∂f/∂b at the output's shape; an operand that
// was broadcast gets their sum over the dimensions it was broadcast along
// (autograd sums with ColSum, Sum, or a product with a column of ones).
//
// # Composition
//
// Backend is composed of small interfaces, in the manner of
// gonum's blas.Float32: Allocator, MatMuler, Elementwise, Broadcaster,
// Reducer, Activator, Losser, Optimizer and Indexer. Optional capabilities
// (MemoryReporter, Describer (whose DeviceInfo says whether the device is
// emulated on the CPU), Packer, and in capability.go FreeMemoryReporter, Warmer, ProgramCounter and ActivityCounter), optional
// operations (Softmaxer, Binarier; AxisReducer, LogSoftmaxer and Shaper;
// in losses2.go RegressionLosser and WeightedLosser; in norm.go,
// batchnorm.go and avgpool.go the layers' Normalizer, BatchNormer and
// AvgPooler) and fused fast paths
// (SoftmaxCrossEntropyCounter,
// LinearFuser) are separate interfaces found by type assertion. A program
// probes only for these: none names an implementation's type.
package backend
