package mpi

import "testing"

// TestLaunched reads the launchers' environment: Open MPI's, then MPICH's
// and Slurm's; a size of 1, or none, or one that is not a number, is one
// process.
func TestLaunched(t *testing.T) {
	for _, c := range []struct {
		ompi, pmi string
		want      int
	}{
		{"", "", 1},
		{"4", "", 4},
		{"", "3", 3},
		{"1", "", 1},
		{"x", "2", 2},
	} {
		t.Setenv("OMPI_COMM_WORLD_SIZE", c.ompi)
		t.Setenv("PMI_SIZE", c.pmi)
		if got := Launched(); got != c.want {
			t.Errorf("OMPI_COMM_WORLD_SIZE=%q PMI_SIZE=%q: %d ranks, want %d", c.ompi, c.pmi, got, c.want)
		}
	}
}

// TestLocalRank reads the rank on this machine: Open MPI's, then MPICH's;
// -1 without either.
func TestLocalRank(t *testing.T) {
	for _, c := range []struct {
		ompi, mpich string
		want        int
	}{
		{"", "", -1},
		{"2", "", 2},
		{"", "1", 1},
		{"0", "5", 0},
	} {
		t.Setenv("OMPI_COMM_WORLD_LOCAL_RANK", c.ompi)
		t.Setenv("MPI_LOCALRANKID", c.mpich)
		if got := LocalRank(); got != c.want {
			t.Errorf("OMPI_COMM_WORLD_LOCAL_RANK=%q MPI_LOCALRANKID=%q: %d, want %d", c.ompi, c.mpich, got, c.want)
		}
	}
}

// TestNotBuilt: without the tag mpi, Open says how to get MPI.
func TestNotBuilt(t *testing.T) {
	if Built {
		t.Skip("built with MPI")
	}
	if _, err := Open(); err != ErrNotBuilt {
		t.Fatalf("Open: %v, want ErrNotBuilt", err)
	}
}
