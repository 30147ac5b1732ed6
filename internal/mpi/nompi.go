//go:build !mpi

package mpi

// Built reports whether this build links MPI (the build tag mpi).
const Built = false

// Open returns ErrNotBuilt: this build has no MPI.
func Open() (*Comm, error) { return nil, ErrNotBuilt }

// AllReduceSum is never reached without MPI (Open fails).
func (c *Comm) AllReduceSum(buf []float32) error { return ErrNotBuilt }

// AllGather is never reached without MPI (Open fails).
func (c *Comm) AllGather(dst, src []float32) error { return ErrNotBuilt }

// AllToAll is never reached without MPI (Open fails).
func (c *Comm) AllToAll(dst, src []float32) error { return ErrNotBuilt }

// Close is never reached without MPI (Open fails).
func (c *Comm) Close() error { return nil }
