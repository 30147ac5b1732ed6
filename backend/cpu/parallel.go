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
	workers := runtime.GOMAXPROCS(0)
	if workers == 1 || n*cost < parallelMin || n < 2 {
		body(0, n)
		return
	}
	if workers > n {
		workers = n
	}
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			body(lo, hi)
		}()
	}
	wg.Wait()
}
