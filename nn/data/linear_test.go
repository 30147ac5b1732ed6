package data

// bestLinearAccuracy returns an upper bound on the training accuracy any
// line (any linear classifier on two features) reaches on the two-class set
// s, exact when no three points are collinear. An optimal line can be moved,
// without changing the side of any point, until it passes through two points
// i and j; points on the line can then be pushed to either side by a small
// rotation or shift. So for every pair (i, j) it counts the points each side
// classifies right, in both orientations, plus the points on the line, which
// it counts as right (an upper bound when more than two points are
// collinear or coincide). O(n³): fine for a few hundred points.
func bestLinearAccuracy(s Set) float64 {
	n := s.Len()
	best := 0
	for i := range n {
		xi, yi := float64(s.X[2*i]), float64(s.X[2*i+1])
		for j := i + 1; j < n; j++ {
			nx, ny := -(float64(s.X[2*j+1]) - yi), float64(s.X[2*j])-xi
			if nx == 0 && ny == 0 {
				continue // the same point twice: no line
			}
			pos, neg, on := 0, 0, 0 // right if class 1 is on the positive side; if on the negative side
			for k := range n {
				d := nx*(float64(s.X[2*k])-xi) + ny*(float64(s.X[2*k+1])-yi)
				switch one := s.Labels[k] == 1; {
				case d == 0:
					on++
				case (d > 0) == one:
					pos++
				default:
					neg++
				}
			}
			best = max(best, pos+on, neg+on)
		}
	}
	return float64(best) / float64(n)
}
