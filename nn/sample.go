package nn

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gltrain/backend"
)

// Sampler draws the next token from a row of logits as nanoGPT's
// generate() does:
//
//	l = logits / Temperature
//	l_i = −Inf where l_i < the TopK-th largest l   (TopK > 0; ties kept)
//	p = softmax(l)
//	next ~ Multinomial(p)   (one draw from a seeded backend.NewRand)
//
// in float64 on the host, from the logits row the model downloaded. A
// Temperature of 0 is the limit of the above: the argmax, the lowest index
// among equal largest logits, with no random draw. Since the same seed
// gives the same draws, a cpu and a gl model give the same tokens unless
// float32 rounding of the logits moves a draw across a boundary between
// two tokens' probabilities (or changes a top-k tie or the argmax).
type Sampler struct {
	temperature float64
	topK        int
	rng         *rand.Rand
	p           []float64 // the probabilities, reused
	sorted      []float64 // the logits sorted for top-k, reused
}

// NewSampler returns a sampler with temperature ≥ 0 (finite) and topK ≥ 0
// (0: every token), drawing from seed. topK is checked against the
// vocabulary by Sample.
func NewSampler(temperature float64, topK int, seed uint64) (*Sampler, error) {
	switch {
	case !(temperature >= 0) || math.IsInf(temperature, 1):
		return nil, fmt.Errorf("nn: sampler: temperature %v: want a finite value ≥ 0 (0: the argmax): %w", temperature, backend.ErrInvalidArgument)
	case topK < 0:
		return nil, fmt.Errorf("nn: sampler: top-k %d: want ≥ 0 (0: every token): %w", topK, backend.ErrInvalidArgument)
	}
	return &Sampler{temperature: temperature, topK: topK, rng: backend.NewRand(seed)}, nil
}

// Sample returns a token drawn from logits. Logits holding NaN or +Inf,
// or only −Inf, and a topK above len(logits), are errors.
func (s *Sampler) Sample(logits []float32) (int, error) {
	n := len(logits)
	if n == 0 || s.topK > n {
		return 0, fmt.Errorf("nn: sample: top-k %d of %d logits: want 1 … %d logits and top-k at most their count: %w", s.topK, n, n, backend.ErrInvalidArgument)
	}
	best := 0
	for i, l := range logits {
		if math.IsNaN(float64(l)) || math.IsInf(float64(l), 1) {
			return 0, fmt.Errorf("nn: sample: logit %d is %v: want finite logits (or −Inf): %w", i, l, backend.ErrInvalidArgument)
		}
		if l > logits[best] {
			best = i
		}
	}
	if math.IsInf(float64(logits[best]), -1) {
		return 0, fmt.Errorf("nn: sample: every logit is −Inf: %w", backend.ErrInvalidArgument)
	}
	if s.temperature == 0 {
		return best, nil
	}
	cut := math.Inf(-1)
	if s.topK > 0 && s.topK < n {
		s.sorted = s.sorted[:0]
		for _, l := range logits {
			s.sorted = append(s.sorted, float64(l))
		}
		slices.SortFunc(s.sorted, func(a, b float64) int { return cmp.Compare(b, a) })
		cut = s.sorted[s.topK-1]
	}
	s.p = s.p[:0]
	// exp((l − max)/T), the softmax's shift taken before the division
	// so that a tiny T cannot make Inf − Inf.
	mx, sum := float64(logits[best]), 0.0
	for _, l := range logits {
		p := 0.0
		if float64(l) >= cut {
			p = math.Exp((float64(l) - mx) / s.temperature)
		}
		s.p = append(s.p, p)
		sum += p
	}
	u := s.rng.Float64() * sum
	last := best
	for i, p := range s.p {
		if p == 0 {
			continue
		}
		if u < p {
			return i, nil
		}
		u -= p
		last = i
	}
	return last, nil // u rounded past the end
}
