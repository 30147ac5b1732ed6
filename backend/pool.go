package backend

import (
	"math/bits"
	"sync"
)

// SizeClass rounds a buffer request of n elements up to its pool class: 16
// elements at least, then steps of one eighth of the power of two below n,
// so a buffer is never more than 12.5% larger than asked for.
func SizeClass(n int) int {
	if n <= 16 {
		return 16
	}
	b := bits.Len(uint(n - 1)) // 2^(b-1) < n ≤ 2^b
	step := 1 << (b - 4)       // one eighth of 2^(b-1)
	return (n + step - 1) / step * step
}

// Pool recycles device buffers by size class, so that after warm-up a
// training step allocates no new device memory. B is the backend's buffer
// handle. Pool is safe for concurrent use; its alloc and free functions are
// called with the pool's lock held, from the goroutine calling Get or Trim.
type Pool[B any] struct {
	mu    sync.Mutex
	alloc func(elems int) (B, error)
	free  func(B)
	idle  map[int][]B
	stats MemStats
}

// NewPool returns a pool whose buffers are made by alloc (for a class of
// elems float32 elements) and destroyed by free.
func NewPool[B any](alloc func(elems int) (B, error), free func(B)) *Pool[B] {
	return &Pool[B]{alloc: alloc, free: free, idle: make(map[int][]B)}
}

// Get returns a buffer for n elements and its capacity (its size class), a
// recycled one when one is idle.
func (p *Pool[B]) Get(n int) (B, int, error) {
	class := SizeClass(n)
	p.mu.Lock()
	defer p.mu.Unlock()
	if list := p.idle[class]; len(list) > 0 {
		b := list[len(list)-1]
		p.idle[class] = list[:len(list)-1]
		p.stats.IdleBuffers--
		p.stats.IdleBytes -= int64(class) * 4
		p.stats.LiveBuffers++
		p.stats.LiveBytes += int64(class) * 4
		return b, class, nil
	}
	b, err := p.alloc(class)
	if err != nil {
		return b, 0, err
	}
	p.stats.Allocations++
	p.stats.LiveBuffers++
	p.stats.LiveBytes += int64(class) * 4
	return b, class, nil
}

// Put returns a buffer of the given capacity (as Get reported it) to the pool.
func (p *Pool[B]) Put(b B, capacity int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.idle[capacity] = append(p.idle[capacity], b)
	p.stats.LiveBuffers--
	p.stats.LiveBytes -= int64(capacity) * 4
	p.stats.IdleBuffers++
	p.stats.IdleBytes += int64(capacity) * 4
}

// Trim frees every idle buffer.
func (p *Pool[B]) Trim() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for class, list := range p.idle {
		for _, b := range list {
			p.free(b)
		}
		delete(p.idle, class)
	}
	p.stats.IdleBuffers, p.stats.IdleBytes = 0, 0
}

// Stats returns the pool's counters.
func (p *Pool[B]) Stats() MemStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

// New is the checked entry of Allocator.New, shared by the
// implementations: it checks the shape (CheckNew) and that the backend is
// usable (usable("new"), the backend's own test), then takes a buffer for
// s.Len() elements with its capacity, as Get.
func (p *Pool[B]) New(s Shape, usable func(op string) error) (B, int, error) {
	var zero B
	if err := CheckNew(s); err != nil {
		return zero, 0, err
	}
	if err := usable("new"); err != nil {
		return zero, 0, err
	}
	return p.Get(s.Len())
}
