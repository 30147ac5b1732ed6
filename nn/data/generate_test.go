package data

import (
	"math"
	"slices"
	"strings"
	"testing"

	"gltrain/backend"
)

// TestSpiralConstruction rebuilds the CS231n spiral from its definition,
// with the same normal draws, and compares every value exactly.
func TestSpiralConstruction(t *testing.T) {
	for i, tc := range []struct{ perClass, classes int }{{100, 3}, {5, 2}, {1, 4}, {7, 5}} {
		s, err := Spiral(tc.perClass, tc.classes, 42)
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		if s.Len() != tc.perClass*tc.classes || s.Features != 2 || s.Classes != tc.classes {
			t.Fatalf("%d: %d samples, %d features, %d classes", i, s.Len(), s.Features, s.Classes)
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		rng := backend.NewRand(42)
		n := tc.perClass
		for j := range tc.classes {
			for k := range n {
				row := j*n + k
				r, t0 := 0.0, 4*float64(j)
				if n > 1 {
					r = float64(k) / float64(n-1)                 // linspace(0, 1, N)
					t0 = 4*float64(j) + 4*float64(k)/float64(n-1) // linspace(4j, 4(j+1), N)
				}
				th := t0 + 0.2*rng.NormFloat64()
				want := []float32{float32(r * math.Sin(th)), float32(r * math.Cos(th))}
				if got := s.row(row); math.Abs(float64(got[0]-want[0])) > 1e-6 || math.Abs(float64(got[1]-want[1])) > 1e-6 {
					t.Errorf("%d: class %d point %d = %v, want %v", i, j, k, got, want)
				}
				if s.Labels[row] != j {
					t.Errorf("%d: row %d label %d, want %d", i, row, s.Labels[row], j)
				}
				if k == 0 && (s.row(row)[0] != 0 || s.row(row)[1] != 0) {
					t.Errorf("%d: class %d starts at %v, want the origin (radius 0)", i, j, s.row(row))
				}
				if radius := math.Hypot(float64(s.row(row)[0]), float64(s.row(row)[1])); math.Abs(radius-r) > 1e-6 {
					t.Errorf("%d: class %d point %d at radius %v, want linspace's %v", i, j, k, radius, r)
				}
			}
		}
	}
}

func TestCirclesConstruction(t *testing.T) {
	for i, tc := range []struct {
		n      int
		factor float64
	}{{300, 0.5}, {7, 0.8}, {2, 0}} {
		s, err := Circles(tc.n, 0, tc.factor, 1)
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		nOut := tc.n / 2
		for k := range s.Len() {
			radius, label := 1.0, 0
			if k >= nOut {
				radius, label = tc.factor, 1
			}
			p := s.row(k)
			if got := math.Hypot(float64(p[0]), float64(p[1])); math.Abs(got-radius) > 1e-6 || s.Labels[k] != label {
				t.Errorf("%d: point %d at radius %v label %d, want %v and %d", i, k, got, s.Labels[k], radius, label)
			}
		}
		if p := s.row(0); p[0] != 1 || p[1] != 0 { // θ = 0 first, endpoint excluded
			t.Errorf("%d: first outer point %v, want (1, 0)", i, p)
		}
	}
}

func TestMoonsConstruction(t *testing.T) {
	s, err := Moons(10, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	for k := range s.Len() {
		x, y := float64(s.row(k)[0]), float64(s.row(k)[1])
		var d float64 // distance from the moon's circle
		if k < 5 {
			d = math.Hypot(x, y) - 1
			if y < -1e-7 || s.Labels[k] != 0 {
				t.Errorf("upper moon point %d = (%v, %v) label %d", k, x, y, s.Labels[k])
			}
		} else {
			d = math.Hypot(x-1, y-0.5) - 1
			if y > 0.5+1e-7 || s.Labels[k] != 1 {
				t.Errorf("lower moon point %d = (%v, %v) label %d", k, x, y, s.Labels[k])
			}
		}
		if math.Abs(d) > 1e-6 {
			t.Errorf("point %d = (%v, %v) is %v off its moon", k, x, y, d)
		}
	}
	// linspace(0, π) includes both ends: the moons' tips are exact.
	for i, tc := range []struct {
		row  int
		want []float32
	}{{0, []float32{1, 0}}, {4, []float32{-1, 0}}, {5, []float32{0, 0.5}}, {9, []float32{2, 0.5}}} {
		if got := s.row(tc.row); math.Abs(float64(got[0]-tc.want[0])) > 1e-7 || math.Abs(float64(got[1]-tc.want[1])) > 1e-7 {
			t.Errorf("%d: row %d = %v, want %v", i, tc.row, got, tc.want)
		}
	}
}

// TestXORSeparability checks the promise of XOR's doc comment: no line gets
// more than 75% right, and a hand-built layer of four ReLUs gets all right.
func TestXORSeparability(t *testing.T) {
	relu := func(v float32) float32 { return max(v, 0) }
	for i, tc := range []struct {
		n     int
		noise float64
		seed  uint64
	}{{300, 0.2, 1}, {300, 0.2, 2}, {300, 0.2, 3}, {200, 0.2, 4}, {100, 0.1, 5}, {4, 0, 6}} {
		s, err := XOR(tc.n, tc.noise, tc.seed)
		if err != nil {
			t.Fatal(err)
		}
		if acc := bestLinearAccuracy(s); acc > 0.75 {
			t.Errorf("%d: a line gets %.1f%% of XOR(%d, %v) right, want at most 75%%", i, 100*acc, tc.n, tc.noise)
		}
		for k := range s.Len() {
			x, y := s.row(k)[0], s.row(k)[1]
			f := relu(x-y) + relu(y-x) - relu(x+y) - relu(-x-y) // |x-y| - |x+y|, > 0 iff x·y < 0
			if pred := map[bool]int{true: 1, false: 0}[f > 0]; pred != s.Labels[k] {
				t.Errorf("%d: point %d (%v, %v) label %d, hidden layer says %d", i, k, x, y, s.Labels[k], pred)
			}
		}
	}
}

// TestNotLinearlySeparable checks that no line separates any default set.
func TestNotLinearlySeparable(t *testing.T) {
	for i, name := range []string{"circles", "moons", "xor"} {
		s, err := Generate(name, 1)
		if err != nil {
			t.Fatal(err)
		}
		if acc := bestLinearAccuracy(s); acc >= 1 {
			t.Errorf("%d: %s: a line separates it", i, name)
		}
	}
	// The spiral has three classes: check each pair of arms.
	s, _ := Generate("spiral", 1)
	for a := range 3 {
		pair := Set{Features: 2, Classes: 2}
		for k := range s.Len() {
			if l := s.Labels[k]; l == a || l == (a+1)%3 {
				pair.X = append(pair.X, s.row(k)...)
				pair.Labels = append(pair.Labels, map[bool]int{true: 1, false: 0}[l == a])
			}
		}
		if acc := bestLinearAccuracy(pair); acc >= 1 {
			t.Errorf("spiral arms %d and %d: a line separates them", a, (a+1)%3)
		}
	}
}

func TestGenerate(t *testing.T) {
	if got, want := Generators(), []string{"circles", "moons", "spiral", "xor"}; !slices.Equal(got, want) {
		t.Errorf("Generators() = %v, want %v", got, want)
	}
	for i, tc := range []struct {
		name            string
		len, classes    int
		countsPerClass0 int
	}{{"spiral", 300, 3, 100}, {"circles", 300, 2, 150}, {"xor", 300, 2, 150}, {"moons", 300, 2, 150}} {
		s, err := Generate(tc.name, 9)
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		if err := s.Validate(); err != nil {
			t.Errorf("%d: %v", i, err)
		}
		if s.Name != tc.name || s.Len() != tc.len || s.Classes != tc.classes || s.Features != 2 {
			t.Errorf("%d: %s: %d samples of %d classes, want %d of %d", i, s.Name, s.Len(), s.Classes, tc.len, tc.classes)
		}
		if c := count(s.Labels, 0); c != tc.countsPerClass0 {
			t.Errorf("%d: %s: %d samples of class 0, want %d", i, tc.name, c, tc.countsPerClass0)
		}
		// Determinism: the same seed gives the same set, another seed another.
		again, _ := Generate(tc.name, 9)
		other, _ := Generate(tc.name, 10)
		if !slices.Equal(s.X, again.X) || !slices.Equal(s.Labels, again.Labels) {
			t.Errorf("%d: %s: seed 9 gave two different sets", i, tc.name)
		}
		if slices.Equal(s.X, other.X) {
			t.Errorf("%d: %s: seeds 9 and 10 gave the same set", i, tc.name)
		}
	}
	_, err := Generate("swissroll", 1)
	if err == nil || !strings.Contains(err.Error(), `unknown data set "swissroll" (valid: circles, moons, spiral, xor)`) {
		t.Errorf("Generate(swissroll): error %v", err)
	}
}

// count returns how many times v occurs in s.
func count(s []int, v int) int {
	n := 0
	for _, x := range s {
		if x == v {
			n++
		}
	}
	return n
}

func TestGeneratorErrors(t *testing.T) {
	for i, tc := range []struct {
		name string
		gen  func() (Set, error)
		want string
	}{
		{"spiral no points", func() (Set, error) { return Spiral(0, 3, 1) }, "spiral: points per class 0 outside [1,16777216]"},
		{"spiral one class", func() (Set, error) { return Spiral(10, 1, 1) }, "classes 1 outside [2,"},
		{"spiral too big", func() (Set, error) { return Spiral(1<<20, 1<<10, 1) }, "points 1073741824 outside"},
		{"circles n", func() (Set, error) { return Circles(1, 0.1, 0.5, 1) }, "circles: points 1 outside"},
		{"circles factor 1", func() (Set, error) { return Circles(10, 0.1, 1, 1) }, "factor 1 outside [0,1)"},
		{"circles factor NaN", func() (Set, error) { return Circles(10, 0.1, math.NaN(), 1) }, "factor NaN"},
		{"circles noise", func() (Set, error) { return Circles(10, -1, 0.5, 1) }, "noise -1, want a finite value ≥ 0"},
		{"moons noise Inf", func() (Set, error) { return Moons(10, math.Inf(1), 1) }, "moons: noise +Inf"},
		{"moons n", func() (Set, error) { return Moons(-5, 0.1, 1) }, "points -5 outside"},
		{"xor n", func() (Set, error) { return XOR(3, 0.1, 1) }, "xor: points 3 outside [4,"},
		{"xor noise NaN", func() (Set, error) { return XOR(8, math.NaN(), 1) }, "noise NaN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.gen(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%d: error %v, want one containing %q", i, err, tc.want)
			}
		})
	}
}
