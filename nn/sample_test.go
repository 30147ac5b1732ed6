package nn_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/nn"
)

// TestSamplerFrequencies: draws follow softmax(logits/T) restricted to the
// top k. With 40,000 draws a frequency's standard deviation is at most
// √(0.25/40000) = 0.0025; the tolerance, 0.01, is 4 of them.
func TestSamplerFrequencies(t *testing.T) {
	logits := []float32{0, float32(math.Log(2)), float32(math.Log(3)), float32(math.Log(4)), -5}
	for i, tc := range []struct {
		name  string
		temp  float64
		topK  int
		probs []float64
	}{
		{"T=1", 1, 0, softmaxOf([]float64{1, 2, 3, 4, math.Exp(-5)})},
		{"T=2", 2, 0, softmaxOf([]float64{1, math.Sqrt(2), math.Sqrt(3), 2, math.Exp(-2.5)})},
		{"top-2", 1, 2, []float64{0, 0, 3.0 / 7, 4.0 / 7, 0}},
		{"top-5 is all", 1, 5, softmaxOf([]float64{1, 2, 3, 4, math.Exp(-5)})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := nn.NewSampler(tc.temp, tc.topK, 3)
			require.NoError(t, err)
			const n = 40000
			counts := make([]float64, len(logits))
			for range n {
				tok, err := s.Sample(logits)
				require.NoError(t, err)
				counts[tok]++
			}
			for j := range counts {
				assert.InDelta(t, tc.probs[j], counts[j]/n, 0.01, "case %d token %d", i, j)
				if tc.probs[j] == 0 {
					assert.Zero(t, counts[j], "case %d token %d is outside the top k", i, j)
				}
			}
		})
	}
}

func softmaxOf(w []float64) []float64 {
	sum := 0.0
	for _, x := range w {
		sum += x
	}
	out := make([]float64, len(w))
	for i, x := range w {
		out[i] = x / sum
	}
	return out
}

// TestSamplerArgmax: temperature 0 and top-1 take the largest logit, the
// lowest index among ties; top-k keeps every token tied with the k-th.
func TestSamplerArgmax(t *testing.T) {
	logits := []float32{1, 3, -2, 3, float32(math.Inf(-1))}
	s, err := nn.NewSampler(0, 0, 1)
	require.NoError(t, err)
	for range 10 {
		tok, err := s.Sample(logits)
		require.NoError(t, err)
		assert.Equal(t, 1, tok, "temperature 0: the first of the largest")
	}
	s, err = nn.NewSampler(1, 1, 1)
	require.NoError(t, err)
	seen := map[int]bool{}
	for range 200 {
		tok, err := s.Sample(logits)
		require.NoError(t, err)
		seen[tok] = true
	}
	assert.Equal(t, map[int]bool{1: true, 3: true}, seen, "top-1 keeps both tokens tied at the largest logit, as nanoGPT's logits < v[-1] does")
	tiny, err := nn.NewSampler(1e-300, 0, 1)
	require.NoError(t, err)
	tok, err := tiny.Sample([]float32{1, 2, 1.5})
	require.NoError(t, err)
	assert.Equal(t, 1, tok, "a tiny temperature is the argmax, no Inf − Inf")
}

// TestSamplerSeed: a seed gives one sequence of draws; another seed
// another.
func TestSamplerSeed(t *testing.T) {
	logits := make([]float32, 50)
	draw := func(seed uint64) []int {
		s, err := nn.NewSampler(1, 0, seed)
		require.NoError(t, err)
		out := make([]int, 30)
		for i := range out {
			out[i], err = s.Sample(logits)
			require.NoError(t, err)
		}
		return out
	}
	assert.Equal(t, draw(5), draw(5))
	assert.NotEqual(t, draw(5), draw(6))
}

// TestSamplerErrors: bad settings and logits are errors, never a panic.
func TestSamplerErrors(t *testing.T) {
	for i, tc := range []struct {
		temp float64
		topK int
		want string
	}{
		{-0.5, 0, "temperature -0.5"},
		{math.NaN(), 0, "temperature NaN"},
		{math.Inf(1), 0, "temperature +Inf"},
		{1, -1, "top-k -1"},
	} {
		_, err := nn.NewSampler(tc.temp, tc.topK, 1)
		assert.ErrorContains(t, err, tc.want, "case %d", i)
	}
	s, err := nn.NewSampler(1, 4, 1)
	require.NoError(t, err)
	inf := float32(math.Inf(1))
	for i, tc := range []struct {
		logits []float32
		want   string
	}{
		{[]float32{1, 2, 3}, "top-k 4 of 3 logits"},
		{nil, "top-k 4 of 0 logits"},
		{[]float32{1, float32(math.NaN()), 3, 4}, "logit 1 is NaN"},
		{[]float32{1, 2, inf, 4}, "logit 2 is +Inf"},
		{[]float32{-inf, -inf, -inf, -inf}, "every logit is −Inf"},
	} {
		_, err := s.Sample(tc.logits)
		assert.ErrorContains(t, err, tc.want, "case %d", i)
	}
}
