package data

import (
	"fmt"
	"slices"

	"gltrain/backend"
)

// StrokeClasses names the classes of Strokes.
var StrokeClasses = []string{"horizontal", "vertical", "diagonal"}

// Strokes returns perClass grey images of size×size pixels for each of
// three classes, a stroke one pixel wide across the whole image: a row
// (horizontal), a column (vertical) or a diagonal, at an offset drawn at
// random, on a zero background, with noise·randn() added to every pixel:
//
//	horizontal: x[o, j] = 1,  vertical: x[i, o] = 1,  diagonal: x[i, (i+o) mod size] = 1
//
// Each row of X is one image, row-major (a model of nn.Image{C: 1, H: size,
// W: size}); the classes alternate (row r is class r mod 3). The draws come
// from backend.NewRand(seed), each image's offset and then its noise. It is
// a small image set for a CNN where MNIST is not at hand: a dense layer on
// the pixels must learn each offset apart, a convolution learns the stroke
// once. It returns an error unless perClass ≥ 1, size ≥ 2, noise is finite
// and ≥ 0, and the pixels stay within 2^24.
func Strokes(perClass, size int, noise float64, seed uint64) (Set, error) {
	if err := checkPoints("strokes", "images per class", perClass, 1); err != nil {
		return Set{}, err
	}
	if size < 2 || size > 4096 {
		return Set{}, fmt.Errorf("data: strokes: size %d outside [2,4096]", size)
	}
	if err := checkPoints("strokes", "pixels", 3*perClass*size*size, 1); err != nil {
		return Set{}, err
	}
	if err := checkNoise("strokes", noise); err != nil {
		return Set{}, err
	}
	rng := backend.NewRand(seed)
	n := 3 * perClass
	s := Set{Name: "strokes", X: make([]float32, n*size*size), Labels: make([]int, n), Features: size * size, Classes: 3,
		ClassNames: slices.Clone(StrokeClasses)}
	for r := range n {
		c, o := r%3, rng.IntN(size)
		img := s.X[r*size*size : (r+1)*size*size]
		for k := range size {
			switch c {
			case 0:
				img[o*size+k] = 1
			case 1:
				img[k*size+o] = 1
			default:
				img[k*size+(k+o)%size] = 1
			}
		}
		for k := range img {
			img[k] += float32(noise * rng.NormFloat64())
		}
		s.Labels[r] = c
	}
	return s, nil
}
