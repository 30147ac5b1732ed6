package cpu

import (
	"runtime"
	"sync"
)

// parallelMin is the element count below which a kernel runs on the calling
// goroutine: under it, starting workers costs more than it saves.
const parallelMin = 1 << 16

// parallelFor calls body over [0, n) in contiguous chunks, one per core when
// n·cost ≥ parallelMin, else once on the caller. cost is the work per index
// in elements (a row's length, say).
func parallelFor(n, cost int, body func(lo, hi int)) {
	parallelForW(n, parallelWorkers(n, cost), func(_, lo, hi int) { body(lo, hi) })
}

// parallelWorkers is the number of goroutines parallelFor would share n
// indices of the given cost among: one per core, one per index at most,
// and 1 (the caller) when n·cost < parallelMin.
func parallelWorkers(n, cost int) int {
	workers := runtime.GOMAXPROCS(0)
	if workers == 1 || n < 2 || int64(n)*int64(cost) < parallelMin {
		return 1
	}
	return min(workers, n)
}

// parallelForW calls body(w, lo, hi) over [0, n) in at most workers
// contiguous chunks, chunk w (0 ≤ w < workers) on a goroutine of its own,
// or once on the caller when workers ≤ 1. w lets a chunk use its own
// scratch space.
func parallelForW(n, workers int, body func(w, lo, hi int)) {
	if workers <= 1 || n < 2 {
		body(0, 0, n)
		return
	}
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for w, lo := 0, 0; lo < n; w, lo = w+1, lo+chunk {
		hi := min(lo+chunk, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			body(w, lo, hi)
		}()
	}
	wg.Wait()
}
