// Command mpireduce measures what the data-parallel step's reduction in a
// fixed order costs against a plain all-reduce, on the ranks mpirun starts
// (build with -tags mpi):
//
//	go build -tags mpi -o mpireduce ./bench/mpireduce
//	mpirun --allow-run-as-root --oversubscribe -np 2 ./mpireduce -params=203530,603
//
// For P floats of gradients a step, on N ranks with M = micro micro-batches
// (default N, one a rank):
//
//	plain:   MPI_Allreduce of P floats (sum, in place): the order of the
//	         additions is Open MPI's, and changes with N
//	ordered: MPI_Allgather of M/N slots of P+2 floats from each rank, then
//	         the M slots summed in micro-batch order on every rank: the
//	         same bits for every N that divides M (nn's parallel)
//
// Rank 0 prints the median time of each over -iters calls, after a warm-up.
package main

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"gltrain/internal/mpi"
)

func main() {
	params := flag.String("params", "203530,603", "gradient sizes in floats, comma-separated (203530: the MNIST MLP 784-256-10; 603: the spiral's 2-100-3)")
	iters := flag.Int("iters", 50, "timed calls of each")
	micro := flag.Int("micro", 0, "micro-batches a step, a multiple of the ranks (0: one a rank)")
	flag.Parse()
	comm, err := mpi.Open()
	if err != nil {
		fmt.Fprintln(os.Stderr, "mpireduce:", err)
		os.Exit(2)
	}
	defer comm.Close()
	n := comm.Size()
	m := *micro
	if m == 0 {
		m = n
	}
	if m%n != 0 {
		fmt.Fprintf(os.Stderr, "mpireduce: %d micro-batches on %d ranks: want a multiple\n", m, n)
		os.Exit(2)
	}
	for _, f := range strings.Split(*params, ",") {
		p, err := strconv.Atoi(f)
		if err != nil || p < 1 {
			fmt.Fprintf(os.Stderr, "mpireduce: -params: %q is not a size\n", f)
			os.Exit(2)
		}
		plain, ordered := measure(comm, p, m, *iters)
		if comm.Rank() == 0 {
			fmt.Printf("ranks %d  micro-batches %d  P %8d floats  plain all-reduce %9v  ordered all-gather+sum %9v  (×%.2f)\n",
				n, m, p, plain, ordered, float64(ordered)/float64(plain))
		}
	}
}

// measure returns the median times of a plain all-reduce of p floats and of
// the ordered reduction of m slots of p+2.
func measure(comm *mpi.Comm, p, m, iters int) (plain, ordered time.Duration) {
	n, width := comm.Size(), p+2
	buf := make([]float32, p)
	local := make([]float32, m/n*width)
	all := make([]float32, m*width)
	sum := make([]float32, width)
	for i := range local {
		local[i] = float32(i%97) * 1e-3
	}
	var tp, to []time.Duration
	for i := range iters + 5 { // 5 warm-up calls of each
		for j := range buf {
			buf[j] = float32(j%89) * 1e-3
		}
		t0 := time.Now()
		check(comm.AllReduceSum(buf))
		t1 := time.Now()
		check(comm.AllGather(all, local))
		copy(sum, all[:width])
		for k := 1; k < m; k++ {
			for j, v := range all[k*width : (k+1)*width] {
				sum[j] += v
			}
		}
		t2 := time.Now()
		if i >= 5 {
			tp, to = append(tp, t1.Sub(t0)), append(to, t2.Sub(t1))
		}
	}
	return median(tp), median(to)
}

func median(d []time.Duration) time.Duration {
	slices.Sort(d)
	return d[len(d)/2]
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "mpireduce:", err)
		os.Exit(1)
	}
}
