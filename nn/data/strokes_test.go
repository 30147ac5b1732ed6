package data

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStrokes: without noise each image holds exactly its class's stroke
// (size ones: a full row, a full column, or one in each row and column on
// a wrapped diagonal), the classes alternate, the seed fixes the set, and
// bad arguments are refused naming the set.
func TestStrokes(t *testing.T) {
	const size = 5
	s, err := Strokes(20, size, 0, 7)
	require.NoError(t, err)
	require.Equal(t, 60, s.Len())
	require.Equal(t, size*size, s.Features)
	offsets := map[int]bool{}
	for r := range s.Len() {
		require.Equal(t, r%3, s.Labels[r], "row %d", r)
		img := s.X[r*size*size : (r+1)*size*size]
		rows, cols := make([]int, size), make([]int, size)
		ones := 0
		for i := range size {
			for j := range size {
				switch img[i*size+j] {
				case 1:
					rows[i]++
					cols[j]++
					ones++
				case 0:
				default:
					t.Fatalf("row %d: pixel (%d,%d) = %v without noise", r, i, j, img[i*size+j])
				}
			}
		}
		require.Equal(t, size, ones, "row %d: one stroke of %d pixels", r, size)
		full := func(counts []int) int {
			for k, n := range counts {
				if n == size {
					return k
				}
			}
			return -1
		}
		switch s.Labels[r] {
		case 0:
			o := full(rows)
			assert.GreaterOrEqual(t, o, 0, "row %d: horizontal without a full row", r)
			offsets[o] = true
		case 1:
			assert.GreaterOrEqual(t, full(cols), 0, "row %d: vertical without a full column", r)
		case 2:
			assert.Equal(t, []int{1, 1, 1, 1, 1}, rows, "row %d: diagonal, one a row", r)
			assert.Equal(t, []int{1, 1, 1, 1, 1}, cols, "row %d: diagonal, one a column", r)
		}
	}
	assert.Greater(t, len(offsets), 2, "the offsets are drawn")
	again, err := Strokes(20, size, 0, 7)
	require.NoError(t, err)
	assert.Equal(t, s.X, again.X, "the seed fixes the set")
	noisy, err := Strokes(20, size, 0.1, 7)
	require.NoError(t, err)
	assert.NotEqual(t, s.X, noisy.X)

	for i, tc := range []struct {
		perClass, size int
		noise          float64
		want           string
	}{
		{0, 5, 0, "images per class 0"},
		{1, 1, 0, "size 1"},
		{1, 5, -1, "noise -1"},
	} {
		_, err := Strokes(tc.perClass, tc.size, tc.noise, 1)
		if assert.Error(t, err, "%d", i) {
			assert.Contains(t, err.Error(), "data: strokes: "+tc.want, "%d", i)
		}
	}
}
