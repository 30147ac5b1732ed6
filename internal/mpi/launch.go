// Package mpi joins the processes of an MPI job (mpirun, or Kubeflow's
// MPIJob) for data-parallel training: each process is a rank of the world
// communicator, and the gradients are exchanged with MPI collectives.
//
// The binding to Open MPI is cogentcore.org/lab/base/mpi, compiled in by the
// build tag mpi (go build -tags mpi, which links libmpi through pkg-config
// ompi). Without the tag Built is false, Open returns ErrNotBuilt, and the
// program is one process; Launched still tells it that a launcher started
// it as one of several, so that it can refuse to train N copies of the
// same run.
package mpi

import (
	"errors"
	"os"
	"strconv"
)

// ErrNotBuilt is Open's error in a build without the tag mpi.
var ErrNotBuilt = errors.New("built without MPI: rebuild with go build -tags mpi (make train-mpi)")

// Launched is the number of ranks the launcher that started this process
// gave its job, read from the environment (Open MPI's OMPI_COMM_WORLD_SIZE,
// MPICH's and Slurm's PMI_SIZE); 1 when no launcher set them.
func Launched() int {
	for _, v := range []string{"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"} {
		if n, err := strconv.Atoi(os.Getenv(v)); err == nil && n > 1 {
			return n
		}
	}
	return 1
}

// Comm is the world communicator of an MPI job once Open has initialised
// MPI. Its methods are collective: every rank calls them in the same order.
type Comm struct {
	rank, size int
}

// Rank is this process's rank, from 0.
func (c *Comm) Rank() int { return c.rank }

// Size is the number of ranks.
func (c *Comm) Size() int { return c.size }

// LocalRank is this process's rank among the job's ranks on its machine,
// from the launcher's environment (Open MPI's OMPI_COMM_WORLD_LOCAL_RANK,
// MPICH's MPI_LOCALRANKID); -1 when no launcher set it.
func LocalRank() int {
	for _, v := range []string{"OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID"} {
		if n, err := strconv.Atoi(os.Getenv(v)); err == nil && n >= 0 {
			return n
		}
	}
	return -1
}
