// Package cpu is gltrain's reference backend: every operation of the
// backend contract written as plain Go loops over float32 slices, for clarity
// first. It is the truth the GL backend is checked against and the fallback
// on machines without OpenGL 4.3.
//
// Transcendental functions and reductions are evaluated in float64 and
// rounded once to float32, so the reference is as exact as float32 storage
// allows. Matrix products use gonum's blas32 Sgemm, which splits large
// products across every core; elementwise kernels split across cores above a
// size where that pays (parallelMin elements).
//
// Open("cpu") from the backend registry, or New, returns a backend. It takes
// no options. Its tensors live in host memory recycled through a
// backend.Pool, so the memory counters mean the same as the GL backend's.
package cpu
