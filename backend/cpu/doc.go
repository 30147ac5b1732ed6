// Package cpu is gltrain's reference backend: every operation of the
// backend contract written as plain Go loops over float32 slices, for clarity
// first. It is the truth the GL backend is checked against and the fallback
// on machines without OpenGL 4.3.
//
// Transcendental functions and reductions are evaluated in float64 and
// rounded once to float32, so the reference is as exact as float32 storage
// allows. Matrix products go to OpenBLAS, found at run time
// (internal/blas), or else to gonum's blas32 Sgemm; convolutions run as one
// product per image through im2col, the images spread over the cores.
// Elementwise kernels split across cores above a size where that pays
// (parallelMin elements). Where the build has cgo on amd64, Adam, ReLU, the
// 2×2 max pool and im2col run eight values at a time with AVX2 in C, each
// to the bits of its Go loop, which the tests compare them with; without
// cgo the Go loops run.
//
// Open("cpu") from the backend registry, New or NewWithOptions returns a
// backend (options: the BLAS library and its threads). Its tensors live in
// host memory recycled through a backend.Pool, so the memory counters mean
// the same as the GL backend's.
package cpu
