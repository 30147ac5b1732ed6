package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// How the sides are kept apart, and why.
//
// The two sides never run at once: gltrain's backends are measured in this
// process, then bench.py runs in a child that this process waits for, so no
// PyTorch thread (OpenMP's spinning workers included) exists while gltrain
// measures, and this process sits in wait(2) while PyTorch measures.
// TestSidesTakeTurns checks it by the child's CPU time.
//
// What did halve gltrain's products in some processes was other work on the
// machine: on this 2-core machine, shared by several people, a 512³ product
// took 2.79 ms while another process held one core (the bench process got
// 100% of a core, the rest of the machine 100%), and 1.12 ms in the next
// round of the same process with the machine to itself (the bench 200%,
// the rest 0%). A product split over both cores waits for the thread that
// shares its core, so one busy neighbour costs half the speed. So each case,
// on either side, waits until the rest of the machine is quiet, records how
// much CPU the rest of the machine used while it was measured, and is
// measured again when that was above the limit, keeping the quietest try.

// userHZ is the unit of /proc/stat's counters (USER_HZ), which the kernel
// fixes at 100 for user space on every architecture.
const userHZ = 100

// quietWindow is how long waitQuiet watches the machine at a time. With
// /proc/stat's 10 ms ticks on each core, 200 ms reads others' use to about
// ±0.1 core on 2 cores.
const quietWindow = 200 * time.Millisecond

// quietConfig is -quiet, -quiet-wait and -quiet-tries.
type quietConfig struct {
	limit float64       // cores the rest of the machine may use
	wait  time.Duration // longest wait for quiet before each try (0: none, one try)
	tries int           // tries per case when others used more than limit
}

// cpuClock is a reading of the machine's busy time and this process's CPU
// time.
type cpuClock struct {
	wall time.Time
	busy time.Duration // every core's time outside idle and iowait (/proc/stat)
	self time.Duration // this process's user and system time, all threads
}

// readCPU reads the clocks; ok is false where /proc/stat is missing (not
// Linux), and then nothing is waited for or reported.
func readCPU() (c cpuClock, ok bool) {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return c, false
	}
	line, _, _ := strings.Cut(string(raw), "\n")
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return c, false
	}
	var busy int64
	for i, s := range f[1:] {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return c, false
		}
		// user nice system idle iowait irq softirq steal (guest time is
		// inside user already, so it stops at steal).
		if i == 3 || i == 4 || i > 7 {
			continue
		}
		busy += v
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return c, false
	}
	c.wall = time.Now()
	c.busy = time.Duration(busy) * time.Second / userHZ
	c.self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return c, true
}

// othersCores is the CPU the rest of the machine used from a to b, in
// cores (CPU seconds per second): the machine's busy time less this
// process's.
func othersCores(a, b cpuClock) float64 {
	wall := b.wall.Sub(a.wall)
	if wall <= 0 {
		return 0
	}
	return max(0, float64((b.busy-a.busy)-(b.self-a.self))/float64(wall))
}

// waitQuiet watches the machine in quietWindow steps until the rest of it
// used at most limit cores in one, or until wait has passed. It returns
// how long it waited and the last window's use.
func waitQuiet(limit float64, wait time.Duration) (waited time.Duration, others float64) {
	start := time.Now()
	a, ok := readCPU()
	if !ok || wait <= 0 {
		return 0, 0
	}
	for {
		time.Sleep(quietWindow)
		b, _ := readCPU()
		others = othersCores(a, b)
		waited = time.Since(start)
		if others <= limit || waited >= wait {
			return waited, others
		}
		a = b
	}
}

// measureQuietly runs measure on a quiet machine: it waits for quiet,
// measures, and while the rest of the machine used more than q.limit
// during the measurement, waits and measures again, up to q.tries times.
// It keeps the try during which the rest used least, and returns it with
// that use and the time spent waiting.
func measureQuietly[R any](q quietConfig, measure func() (R, error)) (best R, others float64, waited time.Duration, err error) {
	others = -1
	for try := 0; try < max(1, q.tries); try++ {
		w, _ := waitQuiet(q.limit, q.wait)
		waited += w
		a, ok := readCPU()
		r, merr := measure()
		b, _ := readCPU()
		o := 0.0
		if ok {
			o = othersCores(a, b)
		}
		if merr != nil {
			return r, o, waited, merr
		}
		if others < 0 || o < others {
			best, others = r, o
		}
		if others <= q.limit || q.wait <= 0 {
			break
		}
	}
	return best, others, waited, nil
}

// describeIsolation is the header's line on how the sides were kept apart.
func describeIsolation(q quietConfig, pytorch bool) string {
	s := "gltrain's backends in this process"
	if pytorch {
		s += ", then PyTorch in a child process that exits before gltrain's next round: no PyTorch thread exists while gltrain measures, and this process waits in wait(2) while PyTorch measures"
	}
	if q.wait <= 0 {
		return s + "; no wait for quiet cores (-quiet-wait=0): the others' CPU column says what else ran"
	}
	return s + fmt.Sprintf("; before each case, on either side, the bench waited (up to %v) until the rest of the machine used at most %.2g cores over %v, and measured a case again (up to %d tries, the quietest kept) when the rest used more during it: the others' CPU column says how much it used",
		q.wait, q.limit, quietWindow, max(1, q.tries))
}
