package glthread

import (
	"errors"
	"sync"
	"syscall"
	"testing"
)

func TestCallsRunOnOneThread(t *testing.T) {
	var tid int
	th, err := Start(func() error { tid = syscall.Gettid(); return nil })
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[int]int{}
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				th.Call(func() error {
					mu.Lock()
					seen[syscall.Gettid()]++
					mu.Unlock()
					return nil
				})
			}
		}()
	}
	wg.Wait()
	if len(seen) != 1 || seen[tid] != 800 {
		t.Errorf("calls ran on threads %v, want all 800 on the init thread %d", seen, tid)
	}
	if err := th.Stop(func() error { return nil }); err != nil {
		t.Fatal(err)
	}
	if err := th.Call(func() error { return nil }); !errors.Is(err, ErrStopped) {
		t.Errorf("call after stop: %v, want ErrStopped", err)
	}
}

func TestInitErrorIsReturned(t *testing.T) {
	want := errors.New("no context")
	if _, err := Start(func() error { return want }); !errors.Is(err, want) {
		t.Errorf("Start: %v, want %v", err, want)
	}
}

func TestCallReturnsError(t *testing.T) {
	th, _ := Start(func() error { return nil })
	defer th.Stop(func() error { return nil })
	want := errors.New("kernel failed")
	if err := th.Call(func() error { return want }); !errors.Is(err, want) {
		t.Errorf("Call: %v, want %v", err, want)
	}
}

// TestPostRunsInOrderBeforeLaterCalls posts many functions without waiting,
// then makes one Call: every posted function has run, in order, by the time
// the Call returns.
func TestPostRunsInOrderBeforeLaterCalls(t *testing.T) {
	th, err := Start(func() error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	var got []int // touched only on the thread
	for i := range 1000 {
		if err := th.Post(func() error { got = append(got, i); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	th.Call(func() error { n = len(got); return nil })
	if n != 1000 {
		t.Fatalf("%d of 1000 posted functions had run before the next Call", n)
	}
	for i, v := range got {
		if v != i {
			t.Fatalf("posted function %d ran in position %d", v, i)
		}
	}
	if err := th.Stop(func() error { return nil }); err != nil {
		t.Fatal(err)
	}
	if err := th.Post(func() error { return nil }); !errors.Is(err, ErrStopped) {
		t.Fatalf("Post after Stop: %v, want ErrStopped", err)
	}
	if err := th.Call(func() error { return nil }); !errors.Is(err, ErrStopped) {
		t.Fatalf("Call after Stop: %v, want ErrStopped", err)
	}
}
