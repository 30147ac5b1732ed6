package main

import (
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gltrain/backend/backendtest"
)

// childrenCPU maps each live child process of this one to its CPU time
// (utime+stime of all its threads, in /proc's 10 ms ticks).
func childrenCPU(t *testing.T) map[int]int64 {
	t.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Skip("no /proc:", err)
	}
	me := os.Getpid()
	kids := map[int]int64{}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		raw, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue // gone since ReadDir
		}
		_, rest, ok := strings.Cut(string(raw), ") ")
		f := strings.Fields(rest)
		if !ok || len(f) < 13 {
			continue
		}
		if ppid, _ := strconv.Atoi(f[1]); ppid != me {
			continue
		}
		ut, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		kids[pid] = ut + st
	}
	return kids
}

// spinner starts a child that keeps one core busy until the test ends.
func spinner(t *testing.T) {
	t.Helper()
	cmd := exec.Command("sh", "-c", "while :; do :; done")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
}

// TestChildrenCPUSeesASpinner: the check TestSidesTakeTurns relies on sees
// a child that computes: a busy loop gets more than 3 ticks (30 ms) in
// 150 ms even when it shares its core with two others on this 2-core
// machine (it would get about 50 ms).
func TestChildrenCPUSeesASpinner(t *testing.T) {
	spinner(t)
	before := childrenCPU(t)
	time.Sleep(150 * time.Millisecond)
	after := childrenCPU(t)
	var most int64
	for pid, ticks := range after {
		most = max(most, ticks-before[pid])
	}
	if most <= 3 {
		t.Fatalf("a spinning child used %d ticks in 150 ms, want > 3: %v → %v", most, before, after)
	}
}

// TestSidesTakeTurns runs both sides twice (-rounds=2) and checks, through
// the child's CPU time in /proc, that no child of the bench (the PyTorch
// side, its OpenMP or BLAS threads included) computes while gltrain's side
// measures: each child's time may grow by at most 1 tick (10 ms, a reading
// straddling the end of a child that is exiting) during gltrain's side.
// Before the sides took turns strictly, a spinning OpenMP pool would add
// a tick every 10 ms of the side.
func TestSidesTakeTurns(t *testing.T) {
	backendtest.PyTorch(t)
	if testing.Short() {
		t.Skip("starts PyTorch twice (about 5 s)")
	}
	var (
		mu      sync.Mutex
		first   map[int]int64 // each child's ticks when first seen in the side
		grew    = map[int]int64{}
		sides   int
		stop    chan struct{}
		stopped sync.WaitGroup
	)
	look := func() {
		mu.Lock()
		defer mu.Unlock()
		for pid, ticks := range childrenCPU(t) {
			if at, seen := first[pid]; !seen {
				first[pid] = ticks
			} else {
				grew[pid] = max(grew[pid], ticks-at)
			}
		}
	}
	sideHook = func(side string, start bool) {
		if side != "gltrain" {
			return
		}
		if start {
			sides++
			first, stop = map[int]int64{}, make(chan struct{})
			look()
			stopped.Add(1)
			go func(stop chan struct{}) {
				defer stopped.Done()
				for {
					select {
					case <-stop:
						return
					case <-time.After(5 * time.Millisecond):
						look()
					}
				}
			}(stop)
			return
		}
		close(stop)
		stopped.Wait()
		look()
	}
	t.Cleanup(func() { sideHook = func(string, bool) {} })

	var out, errb bytes.Buffer
	args := []string{"-backends=cpu", "-filter=MatMul/256x256x256", "-pytorch=on", "-rounds=2",
		"-samples=2", "-min-sample=30ms", "-quiet-wait=0"}
	if st := run(args, &out, &errb); st != 0 {
		t.Fatalf("bench %v: status %d\n%s", args, st, errb.String())
	}
	if sides != 2 {
		t.Fatalf("gltrain's side ran %d times, want 2", sides)
	}
	for pid, ticks := range grew {
		if ticks > 1 {
			t.Errorf("child %d used %d ticks (10 ms each) while gltrain's side measured, want ≤ 1", pid, ticks)
		}
	}
	if !strings.Contains(out.String(), "- isolation: gltrain's backends in this process, then PyTorch in a child process that exits") {
		t.Errorf("the header does not say how the sides were isolated:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "pytorch-cpu") {
		t.Errorf("no PyTorch row:\n%s", out.String())
	}
}

// TestQuiet: with a spinning neighbour, the bench sees the rest of the
// machine use more than the limit, waits for quiet as long as it is told
// and no longer, measures every try, and reports the use of the try kept.
// Bounds: the spinner alone keeps at least about half a core busy on this
// shared 2-core machine (0.3 allows for /proc/stat's ±0.1-core reading and
// a crowded machine); other people's work can only add to it.
func TestQuiet(t *testing.T) {
	if _, ok := readCPU(); !ok {
		t.Skip("no /proc/stat")
	}
	spinner(t)
	waited, others := waitQuiet(0.1, 400*time.Millisecond)
	if others < 0.3 || waited < 400*time.Millisecond || waited > 2*time.Second {
		t.Errorf("waitQuiet with a spinner: waited %v, others %.2f cores; want ≥ 400ms (its limit), < 2s, and ≥ 0.3 cores", waited, others)
	}
	tries := 0
	q := quietConfig{limit: 0.1, wait: 200 * time.Millisecond, tries: 3}
	got, o, w, err := measureQuietly(q, func() (int, error) {
		tries++
		time.Sleep(100 * time.Millisecond)
		return tries, nil
	})
	if err != nil || tries != 3 || got < 1 || got > 3 || o < 0.3 || w < 3*200*time.Millisecond {
		t.Errorf("measureQuietly with a spinner: %d tries, kept try %d, others %.2f cores, waited %v, err %v; want 3 tries, ≥ 0.3 cores, ≥ 600ms",
			tries, got, o, w, err)
	}
	q.wait = 0 // no waiting: one try, whatever the machine does
	tries = 0
	if _, _, w, _ := measureQuietly(q, func() (int, error) { tries++; return 0, nil }); tries != 1 || w != 0 {
		t.Errorf("-quiet-wait=0: %d tries, waited %v; want 1 try, no wait", tries, w)
	}
}
