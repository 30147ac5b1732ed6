package cpu

import "sync"

// scratchPool lends slices of T for a kernel's scratch space, so that a
// steady state allocates none. get returns a slice of length n (its
// contents are whatever the last user left); put gives it back.
type scratchPool[T any] struct{ p sync.Pool }

func (s *scratchPool[T]) get(n int) *[]T {
	if p, ok := s.p.Get().(*[]T); ok && cap(*p) >= n {
		*p = (*p)[:n]
		return p
	}
	v := make([]T, n)
	return &v
}

func (s *scratchPool[T]) put(p *[]T) { s.p.Put(p) }
