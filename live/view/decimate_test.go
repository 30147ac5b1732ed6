package view

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
)

type pt struct {
	x, y float32
	ok   bool
}

func decimated(pts []pt) []span {
	return decimate(len(pts), func(i int) (float32, float32, bool) { return pts[i].x, pts[i].y, pts[i].ok })
}

// TestDecimate: small series whose spans are worked out by hand.
func TestDecimate(t *testing.T) {
	for _, tc := range []struct {
		name string
		pts  []pt
		want []span
	}{
		{"one column keeps first, last, least and greatest",
			[]pt{{10.1, 5, true}, {10.4, 9, true}, {10.6, 1, true}, {10.9, 4, true}},
			[]span{{col: 10, first: 5, last: 4, ylo: 1, yhi: 9}}},
		{"a point a column",
			[]pt{{1.5, 3, true}, {2.5, 7, true}, {3.5, 2, true}},
			[]span{{col: 1, first: 3, last: 3, ylo: 3, yhi: 3}, {col: 2, first: 7, last: 7, ylo: 7, yhi: 7, joined: true}, {col: 3, first: 2, last: 2, ylo: 2, yhi: 2, joined: true}}},
		{"an unmeasured point breaks the line",
			[]pt{{1.2, 3, true}, {1.7, 8, true}, {2.2, 0, false}, {3.1, 6, true}, {3.3, 2, true}},
			[]span{{col: 1, first: 3, last: 8, ylo: 3, yhi: 8}, {col: 3, first: 6, last: 2, ylo: 2, yhi: 6}}},
		{"a break inside a column starts a new span there",
			[]pt{{4.1, 1, true}, {4.3, 0, false}, {4.5, 7, true}, {4.8, 5, true}, {5.2, 3, true}},
			[]span{{col: 4, first: 1, last: 1, ylo: 1, yhi: 1}, {col: 4, first: 7, last: 5, ylo: 5, yhi: 7}, {col: 5, first: 3, last: 3, ylo: 3, yhi: 3, joined: true}}},
		{"nothing measured", []pt{{1, 1, false}, {2, 2, false}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) { assert.Equal(t, tc.want, decimated(tc.pts)) })
	}
}

// TestDecimateKeepsExtremes: 20,000 noisy points over 300 columns, with one
// spike up and one down, fold into at most a span a column, and each
// column's span runs exactly from the least to the greatest of its points
// (exact: decimate only compares and copies values), the spikes included.
func TestDecimateKeepsExtremes(t *testing.T) {
	const n, cols = 20000, 300
	rng := rand.New(rand.NewPCG(1, 2))
	pts := make([]pt, n)
	for i := range pts {
		pts[i] = pt{x: 40 + float32(i)*cols/n, y: 100 + 10*rng.Float32(), ok: true}
	}
	pts[7777].y, pts[12345].y = 3, 240
	spans := decimated(pts)
	if len(spans) > cols {
		t.Fatalf("%d spans for %d pixel columns", len(spans), cols)
	}
	lo, hi := map[int]float32{}, map[int]float32{}
	for _, p := range pts {
		c := int(math.Floor(float64(p.x)))
		if _, seen := lo[c]; !seen {
			lo[c], hi[c] = p.y, p.y
		}
		lo[c], hi[c] = min(lo[c], p.y), max(hi[c], p.y)
	}
	assert.Len(t, spans, len(lo), "one span a column touched")
	var least, greatest float32 = math.MaxFloat32, -math.MaxFloat32
	for i, s := range spans {
		assert.Equal(t, lo[s.col], s.ylo, "column %d's least", s.col)
		assert.Equal(t, hi[s.col], s.yhi, "column %d's greatest", s.col)
		assert.Equal(t, i > 0, s.joined, "span %d joined", i)
		least, greatest = min(least, s.ylo), max(greatest, s.yhi)
	}
	assert.Equal(t, float32(3), least, "the spike down")
	assert.Equal(t, float32(240), greatest, "the spike up")
}
