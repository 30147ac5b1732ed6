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
//	ordered: MPI_Allgather of M/N slots of P+3 floats from each rank, then
//	         the M slots summed in micro-batch order on every rank: the
//	         same bits for every N that divides M (nn's parallel)
//	scatter: the same sums by a reduce-scatter: MPI_Alltoall of each
//	         slot's N chunks, rank r summing chunk r of the M slots in
//	         micro-batch order, then MPI_Allgather of the chunks' sums
//	         (nn's parallel.reduceScatter): the same bits again
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
		plain, ordered, scatter := measure(comm, p, m, *iters)
		if comm.Rank() == 0 {
			fmt.Printf("ranks %d  micro-batches %d  P %8d floats  plain all-reduce %9v  ordered all-gather+sum %9v (×%.2f)  reduce-scatter %9v (×%.2f)\n",
				n, m, p, plain, ordered, float64(ordered)/float64(plain), scatter, float64(scatter)/float64(plain))
		}
	}
}

// measure returns the median times of a plain all-reduce of p floats, of
// the ordered reduction of m slots of p+3 by an all-gather, and by a
// reduce-scatter.
func measure(comm *mpi.Comm, p, m, iters int) (plain, ordered, scatter time.Duration) {
	n, width := comm.Size(), p+3
	s := m / n
	c := (width + n - 1) / n
	buf := make([]float32, p)
	local := make([]float32, s*width)
	all := make([]float32, max(m*width, n*c))
	sum := make([]float32, width)
	send, recv, part := make([]float32, n*s*c), make([]float32, n*s*c), make([]float32, c)
	for i := range local {
		local[i] = float32(i%97) * 1e-3
	}
	var tp, to, ts []time.Duration
	for i := range iters + 5 { // 5 warm-up calls of each
		for j := range buf {
			buf[j] = float32(j%89) * 1e-3
		}
		t0 := time.Now()
		check(comm.AllReduceSum(buf))
		t1 := time.Now()
		check(comm.AllGather(all[:m*width], local))
		sumSlots(sum, all, m, width)
		t2 := time.Now()
		for d := range n {
			lo, hi := min(d*c, width), min((d+1)*c, width)
			for j := range s {
				dst := send[(d*s+j)*c : (d*s+j+1)*c]
				clear(dst[copy(dst, local[j*width+lo:j*width+hi]):])
			}
		}
		check(comm.AllToAll(recv, send))
		sumSlots(part, recv, m, c)
		check(comm.AllGather(all[:n*c], part))
		copy(sum, all[:width])
		t3 := time.Now()
		if i >= 5 {
			tp, to, ts = append(tp, t1.Sub(t0)), append(to, t2.Sub(t1)), append(ts, t3.Sub(t2))
		}
	}
	return median(tp), median(to), median(ts)
}

// sumSlots is nn's: sum = ((all[0] + all[1]) + …) over m slots of w.
func sumSlots(sum, all []float32, m, w int) {
	copy(sum, all[:w])
	for k := 1; k < m; k++ {
		for i, v := range all[k*w : (k+1)*w] {
			sum[i] += v
		}
	}
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
