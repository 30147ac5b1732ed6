package data

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// maxPoints bounds the size of a generated set (16 Mi points, 128 MiB of
// features), so that a mistyped size is an error rather than an allocation
// the machine cannot make.
const maxPoints = 1 << 24

// generators are the named sets Generate makes, with their defaults: a few
// hundred points, noise low enough that a small network can fit them.
var generators = map[string]func(seed uint64) (Set, error){
	"spiral":  func(seed uint64) (Set, error) { return Spiral(100, 3, seed) },
	"circles": func(seed uint64) (Set, error) { return Circles(300, 0.1, 0.5, seed) },
	"xor":     func(seed uint64) (Set, error) { return XOR(300, 0.2, seed) },
	"moons":   func(seed uint64) (Set, error) { return Moons(300, 0.1, seed) },
}

// Generators returns the names Generate accepts, sorted.
func Generators() []string {
	names := make([]string, 0, len(generators))
	for name := range generators {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// Generate returns the 2-D set called name, drawn from seed, with these
// defaults:
//
//	spiral   Spiral(100, 3, seed)          300 points, 3 classes
//	circles  Circles(300, 0.1, 0.5, seed)  300 points, 2 classes
//	xor      XOR(300, 0.2, seed)           300 points, 2 classes
//	moons    Moons(300, 0.1, seed)         300 points, 2 classes
//
// An unknown name is an error that lists the valid ones.
func Generate(name string, seed uint64) (Set, error) {
	gen, ok := generators[name]
	if !ok {
		return Set{}, fmt.Errorf("data: unknown data set %q (valid: %s)", name, strings.Join(Generators(), ", "))
	}
	return gen(seed)
}

// linspace returns n evenly spaced values from lo to hi, as numpy.linspace:
// hi is included when endpoint is true (n = 1 gives lo alone).
func linspace(lo, hi float64, n int, endpoint bool) []float64 {
	out := make([]float64, n)
	div := float64(n)
	if endpoint {
		div = float64(n - 1)
	}
	for i := range out {
		if div > 0 {
			out[i] = lo + (hi-lo)*float64(i)/div
		} else {
			out[i] = lo
		}
	}
	if endpoint && n > 1 {
		out[n-1] = hi
	}
	return out
}

// checkPoints returns an error unless min ≤ n ≤ maxPoints.
func checkPoints(set string, what string, n, min int) error {
	if n < min || n > maxPoints {
		return fmt.Errorf("data: %s: %s %d outside [%d,%d]", set, what, n, min, maxPoints)
	}
	return nil
}

// checkNoise returns an error unless noise is finite and ≥ 0.
func checkNoise(set string, noise float64) error {
	if !(noise >= 0) || math.IsInf(noise, 1) {
		return fmt.Errorf("data: %s: noise %v, want a finite value ≥ 0", set, noise)
	}
	return nil
}

// twoD returns an empty 2-feature set named name with room for n points.
func twoD(name string, n, classes int) Set {
	return Set{Name: name, X: make([]float32, 0, 2*n), Labels: make([]int, 0, n), Features: 2, Classes: classes}
}

// add appends the point (x, y) of class c to s.
func (s *Set) add(x, y float64, c int) {
	s.X = append(s.X, float32(x), float32(y))
	s.Labels = append(s.Labels, c)
}
