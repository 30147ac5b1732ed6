// Package backendtest is the conformance suite every gltrain backend passes,
// in the manner of gonum's blas/testblas and testing/fstest.
//
// Run checks a backend against float64 oracles written here, independently
// of backend/cpu, on seeded random inputs at many shapes (1×1 to 257×129,
// every transpose of MatMul) and on extreme inputs (±1e4, ±88, ±0), plus a
// table of hand-computed cases and the error paths of the contract. Compare
// runs the same cases on two backends with the same inputs and compares
// their outputs: the GL backend is checked against the CPU reference this
// way. Output tensors are filled with NaN before every run, so an element a
// kernel fails to write cannot pass.
//
// Tolerances are stated beside each case with the reason for their size. A
// value is close when
//
//	|got − want| ≤ ATol + RTol·|want|
//
// and, where the oracle is finite, got is finite too. Matrix products are
// compared in norm, ‖got − want‖₂ ≤ RTol·‖want‖₂, as BLAS error bounds are
// stated. A failure reports the case, the shape, the largest absolute and
// relative errors, the worst index and the first mismatching pairs.
package backendtest
