package data

import "gltrain/backend"

// XOR returns four Gaussian clusters at the corners (±1, ±1), each point
// labelled by the signs of its own coordinates:
//
//	corner c = ((-1)^(c&1), (-1)^(c>>1)) for rows [c·n/4, (c+1)·n/4)
//	(x, y) = corner + noise·(randn(), randn())
//	label = 1 if (x < 0) ≠ (y < 0) else 0            the XOR of the sign bits
//
// The draws come from backend.NewRand(seed), x then y per row. Labelling by the
// point rather than by its corner makes the classes exactly the quadrants, so
// one hidden layer of four ReLUs separates them all (the label is 1 exactly
// when |x-y| > |x+y|, and |a| = relu(a)+relu(-a)), while a line gets at most
// three of the four clusters right. With noise up to 0.2 (the default; the
// clusters then stay 5σ from the axes) no line gets more than 75% right, as
// the tests check exactly against every line for several seeds; noisier
// clusters blur into each other and the best line stays near 70–75%.
// It returns an error unless n ≥ 4 and noise ≥ 0.
func XOR(n int, noise float64, seed uint64) (Set, error) {
	if err := checkPoints("xor", "points", n, 4); err != nil {
		return Set{}, err
	}
	if err := checkNoise("xor", noise); err != nil {
		return Set{}, err
	}
	rng := backend.NewRand(seed)
	s := twoD("xor", n, 2)
	for i := range n {
		c := 4 * i / n
		x := float32(float64(1-2*(c&1)) + noise*rng.NormFloat64())
		y := float32(float64(1-2*(c>>1)) + noise*rng.NormFloat64())
		label := 0
		if (x < 0) != (y < 0) { // decided on the stored float32 values
			label = 1
		}
		s.X = append(s.X, x, y)
		s.Labels = append(s.Labels, label)
	}
	return s, nil
}
