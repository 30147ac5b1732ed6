package data

import (
	"math"

	"gltrain/backend"
)

// Spiral returns classes interleaved spiral arms of perClass points each, the
// set of the CS231n case study ("Putting it together: minimal neural network
// case study"). For class j, with N = perClass and i = 0…N-1:
//
//	r_i = linspace(0, 1, N)_i                          radius, 0 to 1 inclusive
//	t_i = linspace(4j, 4(j+1), N)_i + 0.2·randn()      angle in radians
//	x_i = (r_i·sin t_i, r_i·cos t_i),  label j
//
// The normal draws come from backend.NewRand(seed), class 0's N first. Rows
// are in class order: class j holds rows [jN, (j+1)N). Every arm starts at the
// origin and ends on the unit circle. It returns an error unless
// perClass ≥ 1, classes ≥ 2 and the total stays within 2^24 points.
func Spiral(perClass, classes int, seed uint64) (Set, error) {
	if err := checkPoints("spiral", "points per class", perClass, 1); err != nil {
		return Set{}, err
	}
	if err := checkPoints("spiral", "classes", classes, 2); err != nil {
		return Set{}, err
	}
	if err := checkPoints("spiral", "points", perClass*classes, 2); err != nil {
		return Set{}, err
	}
	rng := backend.NewRand(seed)
	s := twoD("spiral", perClass*classes, classes)
	r := linspace(0, 1, perClass, true)
	for j := range classes {
		t := linspace(4*float64(j), 4*float64(j+1), perClass, true)
		for i := range perClass {
			ti := t[i] + 0.2*rng.NormFloat64()
			s.add(r[i]*math.Sin(ti), r[i]*math.Cos(ti), j)
		}
	}
	return s, nil
}
