package data

import "math"

// Moons returns two interleaving half circles, as scikit-learn's make_moons
// (without its final shuffle): n/2 (rounded down) points on the upper moon
// with label 0, then the other points on the lower moon with label 1, each
// point moved by N(0, noise²) in both coordinates:
//
//	upper: (cos θ_i, sin θ_i),               θ = linspace(0, π, n/2)
//	lower: (1 - cos θ_i, 0.5 - sin θ_i),     θ = linspace(0, π, n-n/2)
//	then x += noise·randn(), y += noise·randn() per point, in row order
//
// The normal draws come from backend.NewRand(seed). It returns an error unless
// n ≥ 2 and noise ≥ 0.
func Moons(n int, noise float64, seed uint64) (Set, error) {
	if err := checkPoints("moons", "points", n, 2); err != nil {
		return Set{}, err
	}
	if err := checkNoise("moons", noise); err != nil {
		return Set{}, err
	}
	nOut := n / 2
	s := twoD("moons", n, 2)
	for _, t := range linspace(0, math.Pi, nOut, true) {
		s.add(math.Cos(t), math.Sin(t), 0)
	}
	for _, t := range linspace(0, math.Pi, n-nOut, true) {
		s.add(1-math.Cos(t), 0.5-math.Sin(t), 1)
	}
	addNoise(s, noise, seed)
	return s, nil
}
