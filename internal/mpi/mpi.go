//go:build mpi

package mpi

/*
#cgo pkg-config: ompi
#include <mpi.h>

// alltoall_f32 is MPI_Alltoall of n floats a rank on the world, which the
// binding lacks.
static int alltoall_f32(float *send, float *recv, int n) {
	return MPI_Alltoall(send, n, MPI_FLOAT, recv, n, MPI_FLOAT, MPI_COMM_WORLD);
}
*/
import "C"

import (
	"fmt"
	"runtime"

	"cogentcore.org/lab/base/mpi"
)

// Built reports whether this build links MPI (the build tag mpi).
const Built = true

// MPI is initialised with MPI_THREAD_SINGLE semantics, which Open MPI ties
// to the thread that initialised it: the main goroutine stays on the main
// thread, where main calls Open and the training loop runs.
func init() { runtime.LockOSThread() }

var world *mpi.Comm

// Open initialises MPI (MPI_Init) and returns the world communicator. Call
// it once, from the main goroutine; Close finalises.
func Open() (*Comm, error) {
	mpi.LogErrors = false
	mpi.Init()
	if !mpi.IsOn() {
		return nil, fmt.Errorf("mpi: MPI_Init failed")
	}
	w, err := mpi.NewComm(nil)
	if err != nil {
		return nil, fmt.Errorf("mpi: the world communicator: %w", err)
	}
	world = w
	return &Comm{rank: w.Rank(), size: w.Size()}, nil
}

// AllReduceSum replaces buf on every rank by the element-wise sum of every
// rank's buf (MPI_Allreduce, MPI_SUM, in place). The order of the additions
// is Open MPI's: it depends on the rank count and the algorithm chosen.
func (c *Comm) AllReduceSum(buf []float32) error {
	if len(buf) == 0 {
		return nil
	}
	if err := world.AllReduceF32(mpi.OpSum, buf, nil); err != nil {
		return fmt.Errorf("mpi: all-reduce of %d floats: %w", len(buf), err)
	}
	return nil
}

// AllGather fills dst, Size()·len(src) floats, with every rank's src in
// rank order (MPI_Allgather). src and dst must not overlap.
func (c *Comm) AllGather(dst, src []float32) error {
	if len(dst) != c.size*len(src) {
		return fmt.Errorf("mpi: all-gather of %d floats from %d ranks into %d", len(src), c.size, len(dst))
	}
	if len(src) == 0 {
		return nil
	}
	if err := world.AllGatherF32(dst, src); err != nil {
		return fmt.Errorf("mpi: all-gather of %d floats: %w", len(src), err)
	}
	return nil
}

// AllToAll sends the k-th of Size() equal blocks of src to rank k, and
// fills dst's k-th block with what rank k sent this rank (MPI_Alltoall).
// src and dst must not overlap.
func (c *Comm) AllToAll(dst, src []float32) error {
	if len(src) != len(dst) || len(src)%c.size != 0 {
		return fmt.Errorf("mpi: all-to-all of %d floats into %d on %d ranks: want equal lengths, a multiple of the ranks", len(src), len(dst), c.size)
	}
	if len(src) == 0 {
		return nil
	}
	n := len(src) / c.size
	if rc := C.alltoall_f32((*C.float)(&src[0]), (*C.float)(&dst[0]), C.int(n)); rc != C.MPI_SUCCESS {
		return fmt.Errorf("mpi: all-to-all of %d floats: MPI error %d", len(src), int(rc))
	}
	return nil
}

// Close finalises MPI (MPI_Finalize).
func (c *Comm) Close() error {
	mpi.Finalize()
	return nil
}
