package data

import (
	"fmt"
	"math"

	"gltrain/backend"
)

// Circles returns two concentric circles, as scikit-learn's make_circles
// (without its final shuffle): n/2 (rounded down) points evenly spaced on the
// unit circle with label 0, then the other points on a circle of radius
// factor with label 1, each point moved by N(0, noise²) in both coordinates:
//
//	outer: (cos θ_i, sin θ_i),               θ = linspace(0, 2π, n/2, endpoint=false)
//	inner: factor·(cos θ_i, sin θ_i),        θ = linspace(0, 2π, n-n/2, endpoint=false)
//	then x += noise·randn(), y += noise·randn() per point, in row order
//
// The normal draws come from backend.NewRand(seed). scikit-learn's default
// factor is 0.8; 0.5 leaves a wider gap. It returns an error unless n ≥ 2,
// noise ≥ 0 and 0 ≤ factor < 1.
func Circles(n int, noise, factor float64, seed uint64) (Set, error) {
	if err := checkPoints("circles", "points", n, 2); err != nil {
		return Set{}, err
	}
	if err := checkNoise("circles", noise); err != nil {
		return Set{}, err
	}
	if !(factor >= 0 && factor < 1) {
		return Set{}, fmt.Errorf("data: circles: factor %v outside [0,1)", factor)
	}
	nOut := n / 2
	s := twoD("circles", n, 2)
	for _, t := range linspace(0, 2*math.Pi, nOut, false) {
		s.add(math.Cos(t), math.Sin(t), 0)
	}
	for _, t := range linspace(0, 2*math.Pi, n-nOut, false) {
		s.add(factor*math.Cos(t), factor*math.Sin(t), 1)
	}
	addNoise(s, noise, seed)
	return s, nil
}

// addNoise adds N(0, noise²) to every feature of s, in storage order, drawn
// from backend.NewRand(seed). Noise 0 leaves s exact.
func addNoise(s Set, noise float64, seed uint64) {
	if noise == 0 {
		return
	}
	rng := backend.NewRand(seed)
	for k, v := range s.X {
		s.X[k] = float32(float64(v) + noise*rng.NormFloat64())
	}
}
