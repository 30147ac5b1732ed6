package live

// Evenly is at most n of xs, evenly spread, the first and the last among
// them; xs itself when it holds at most n. Viewers draw that many of a
// large data set's points: all of them would hide the decision map under
// their markers and slow every frame.
func Evenly[T any](xs []T, n int) []T {
	switch {
	case len(xs) <= n:
		return xs
	case n <= 0:
		return nil
	case n == 1:
		return xs[:1]
	}
	out := make([]T, n)
	for i := range out {
		out[i] = xs[i*(len(xs)-1)/(n-1)]
	}
	return out
}
