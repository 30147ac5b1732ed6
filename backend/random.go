package backend

import (
	"fmt"
	"math/rand/v2"
)

// Initialisation happens on the host from a seed and is then uploaded, so the
// same seed gives bit-identical tensors on every backend.

// NewRand returns the generator gltrain uses for seed: PCG, whose output is
// specified, so a seed means the same numbers on every machine.
func NewRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
}

// NormalData returns n samples of N(mean, std²) drawn from seed.
func NormalData(n int, seed uint64, mean, std float64) []float32 {
	r := NewRand(seed)
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(mean + std*r.NormFloat64())
	}
	return out
}

// UniformData returns n samples of U[lo, hi) drawn from seed.
func UniformData(n int, seed uint64, lo, hi float64) []float32 {
	r := NewRand(seed)
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(lo + (hi-lo)*r.Float64())
	}
	return out
}

// InitNormal fills t with N(mean, std²) samples drawn on the host from seed.
func InitNormal(a Allocator, t Tensor, seed uint64, mean, std float64) error {
	if err := a.Upload(t, NormalData(t.Shape().Len(), seed, mean, std)); err != nil {
		return fmt.Errorf("init normal: %w", err)
	}
	return nil
}

// InitUniform fills t with U[lo, hi) samples drawn on the host from seed.
func InitUniform(a Allocator, t Tensor, seed uint64, lo, hi float64) error {
	if err := a.Upload(t, UniformData(t.Shape().Len(), seed, lo, hi)); err != nil {
		return fmt.Errorf("init uniform: %w", err)
	}
	return nil
}

// FromData creates a tensor of shape s on b and uploads data into it.
func FromData(b Allocator, s Shape, data []float32) (Tensor, error) {
	if err := CheckData("from data", s, len(data)); err != nil {
		return nil, err
	}
	t, err := b.New(s)
	if err != nil {
		return nil, err
	}
	if err := b.Upload(t, data); err != nil {
		b.Release(t)
		return nil, err
	}
	return t, nil
}

// ToHost downloads t into a new slice.
func ToHost(b Allocator, t Tensor) ([]float32, error) {
	out := make([]float32, t.Shape().Len())
	if err := b.Download(out, t); err != nil {
		return nil, err
	}
	return out, nil
}
