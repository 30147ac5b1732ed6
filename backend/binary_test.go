package backend_test

import (
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/backend"
	"gltrain/backend/backendtest"
)

// TestBinaryGolden checks every row of the binary table's float64
// references against PyTorch's float64 values at every pair of golden
// points and every upstream gradient: exactly, NaN as NaN and zeros by
// sign (both compute the same IEEE operations). A row without golden
// values fails.
func TestBinaryGolden(t *testing.T) {
	golden, err := backendtest.BinaryGoldens()
	require.NoError(t, err)
	ps, dys := backendtest.BinaryGoldenPoints(), backendtest.BinaryGoldenDys()
	for _, op := range backend.BinaryOps() {
		g, ok := golden[op.String()]
		if !assert.True(t, ok, "binary_golden.json has no %s: run backend/backendtest/testdata/binary_golden.py", op) {
			continue
		}
		d := op.Def()
		for k := range g.F {
			a, b := float64(ps[k/len(ps)]), float64(ps[k%len(ps)])
			assert.True(t, same(d.F(a, b), g.F[k]), "%s(%g, %g) = %g, PyTorch %g", op, a, b, d.F(a, b), g.F[k])
			for j, dy32 := range dys {
				dy := float64(dy32)
				assert.True(t, same(d.DA(a, b, dy), g.DA[k][j]), "%s da(%g, %g, dy=%g) = %g, PyTorch %g", op, a, b, dy, d.DA(a, b, dy), g.DA[k][j])
				assert.True(t, same(d.DB(a, b, dy), g.DB[k][j]), "%s db(%g, %g, dy=%g) = %g, PyTorch %g", op, a, b, dy, d.DB(a, b, dy), g.DB[k][j])
			}
		}
	}
	assert.Len(t, golden, len(backend.BinaryOps()), "binary_golden.json has ops the table lacks")
}

// same reports whether x is y, NaN as NaN and zeros by sign.
func same(x, y float64) bool {
	if math.IsNaN(x) || math.IsNaN(y) {
		return math.IsNaN(x) && math.IsNaN(y)
	}
	return x == y && math.Signbit(x) == math.Signbit(y)
}

// TestBinaryDerivatives checks each row's DA and DB (dy = 1) against a
// central difference of F at points away from ties and zeros of b.
func TestBinaryDerivatives(t *testing.T) {
	pts := []float64{-2.7, -1.1, -0.35, 0.42, 1.3, 3.9}
	for _, op := range backend.BinaryOps() {
		d := op.Def()
		for _, a := range pts {
			for _, b := range pts {
				if a == b {
					continue
				}
				h := 1e-6
				fa := (d.F(a+h, b) - d.F(a-h, b)) / (2 * h)
				fb := (d.F(a, b+h) - d.F(a, b-h)) / (2 * h)
				// The central difference's error is h²·|f'''|/6 + 1e-16·|f|/h,
				// below 1e-8 for these ops at |b| ≥ 0.35.
				assert.InDelta(t, fa, d.DA(a, b, 1), 1e-7, "%s ∂/∂a at (%g, %g)", op, a, b)
				assert.InDelta(t, fb, d.DB(a, b, 1), 1e-7, "%s ∂/∂b at (%g, %g)", op, a, b)
			}
		}
	}
}

func TestBinaryShape(t *testing.T) {
	s := func(r, c int) backend.Shape { return backend.Shape{Rows: r, Cols: c} }
	for i, tc := range []struct {
		a, b, want backend.Shape
		ok         bool
	}{
		{s(3, 4), s(3, 4), s(3, 4), true},
		{s(3, 4), s(1, 4), s(3, 4), true},
		{s(3, 4), s(3, 1), s(3, 4), true},
		{s(3, 4), s(1, 1), s(3, 4), true},
		{s(1, 4), s(3, 4), s(3, 4), true},
		{s(1, 1), s(3, 4), s(3, 4), true},
		{s(1, 1), s(1, 1), s(1, 1), true},
		{s(3, 4), s(4, 3), backend.Shape{}, false},
		{s(3, 4), s(2, 4), backend.Shape{}, false},
		{s(1, 4), s(3, 1), backend.Shape{}, false}, // an outer broadcast: neither is m×n
	} {
		got, err := backend.BinaryShape("div", tc.a, tc.b)
		if !tc.ok {
			assert.True(t, errors.Is(err, backend.ErrShape), "%d: %v, %v: err %v", i, tc.a, tc.b, err)
			if err != nil {
				assert.Contains(t, err.Error(), "div: ", "%d", i)
			}
			continue
		}
		assert.NoError(t, err, "%d", i)
		assert.Equal(t, tc.want, got, "%d: %v, %v", i, tc.a, tc.b)
	}
}
