package backendtest

import (
	"fmt"
	"math"
	"strings"

	"gltrain/backend"
)

// Tol is a comparison tolerance.
type Tol struct {
	ATol, RTol float64
	// Norm compares ‖got − want‖₂ ≤ RTol·‖want‖₂ + ATol instead of element
	// by element.
	Norm bool
}

// Diff compares got with want (both row-major, of shape s) and returns "" when
// they are close under tol, else a report: the largest absolute and relative
// errors, the worst index and the first five mismatching pairs.
func Diff(s backend.Shape, got []float32, want []float64, tol Tol) string {
	return DiffScaled(s, got, want, nil, tol)
}

// DiffScaled is Diff with the relative tolerance applied to scale[i] instead
// of |want[i]| (scale nil: |want|): the magnitude of the terms whose
// cancellation gave want[i].
func DiffScaled(s backend.Shape, got []float32, want, scale []float64, tol Tol) string {
	if len(got) != len(want) {
		return fmt.Sprintf("length %d, want %d", len(got), len(want))
	}
	var (
		maxAbs, maxRel, diff2, want2 float64
		worst                        = -1
		bad                          []string
		nBad                         int
	)
	for i, w := range want {
		g := float64(got[i])
		d := math.Abs(g - w)
		fail := false
		switch {
		case math.IsNaN(w):
			fail = !math.IsNaN(g)
		case math.IsInf(w, 0):
			fail = g != w
		case math.IsNaN(g) || math.IsInf(g, 0):
			fail = true
		default:
			diff2 += d * d
			want2 += w * w
			mag := math.Abs(w)
			if scale != nil {
				mag = scale[i]
			}
			fail = !tol.Norm && d > tol.ATol+tol.RTol*mag
			if d > maxAbs {
				maxAbs, worst = d, i
			}
			if w != 0 && d/math.Abs(w) > maxRel {
				maxRel = d / math.Abs(w)
			}
		}
		if fail {
			nBad++
			if worst < 0 || math.IsNaN(g) || math.IsInf(g, 0) {
				worst = i
			}
			if len(bad) < 5 {
				bad = append(bad, fmt.Sprintf("[%d,%d] got %g want %g", i/s.Cols, i%s.Cols, g, w))
			}
		}
	}
	if tol.Norm && nBad == 0 {
		if rel := math.Sqrt(diff2); rel > tol.RTol*math.Sqrt(want2)+tol.ATol {
			return fmt.Sprintf("%v: ‖got−want‖ = %.3g, ‖want‖ = %.3g: relative %.3g > %g (max abs %.3g at [%d,%d])",
				s, rel, math.Sqrt(want2), rel/math.Sqrt(want2), tol.RTol, maxAbs, worst/s.Cols, worst%s.Cols)
		}
		return ""
	}
	if nBad == 0 {
		return ""
	}
	against := "|want|"
	if scale != nil {
		against = "the terms' magnitude"
	}
	return fmt.Sprintf("%v: %d of %d elements differ (atol %g, rtol %g of %s); max abs %.3g, max rel %.3g, worst [%d,%d]; first: %s",
		s, nBad, len(want), tol.ATol, tol.RTol, against, maxAbs, maxRel, worst/s.Cols, worst%s.Cols, strings.Join(bad, "; "))
}

// To64 widens a float32 slice.
func To64(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}
