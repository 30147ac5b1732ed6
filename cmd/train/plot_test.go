package main

import (
	"math"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/nn"
	"gltrain/nn/data"
)

// TestRoundTicks: steps are 1, 2 or 5 times a power of ten; ranges widen to
// multiples of the step; every tick is a multiple of it, labelled exactly
// (the label parses back to the value), and the range's ends are ticks.
func TestRoundTicks(t *testing.T) {
	for i, tc := range []struct {
		lo, hi, step float64
	}{
		{-1.2073, 1.1893, 0.5}, {0.013, 0.0871, 0.02}, {-13.7, 242, 100}, {3, 3.3, 0.1}, {-0.31, 0.29, 0.2},
	} {
		step := niceStep(tc.hi-tc.lo, 5)
		assert.InDelta(t, tc.step, step, 1e-12*tc.step, "%d: step", i)
		lo, hi := roundRange(tc.lo, tc.hi, step)
		assert.LessOrEqual(t, lo, tc.lo, "%d", i)
		assert.GreaterOrEqual(t, hi, tc.hi, "%d", i)
		ticks := roundTicks{step}.Ticks(lo, hi)
		require.GreaterOrEqual(t, len(ticks), 2, "%d", i)
		assert.InDelta(t, lo, ticks[0].Value, 1e-9, "%d: the low end is a tick", i)
		assert.InDelta(t, hi, ticks[len(ticks)-1].Value, 1e-9, "%d: the high end is a tick", i)
		for _, tk := range ticks {
			k := tk.Value / step
			assert.InDelta(t, math.Round(k), k, 1e-9, "%d: %v is not a multiple of %v", i, tk.Value, step)
			v, err := strconv.ParseFloat(tk.Label, 64)
			require.NoError(t, err, tk.Label)
			assert.InDelta(t, tk.Value, v, 1e-9*step, "%d: label %q of %v", i, tk.Label, tk.Value)
			assert.LessOrEqual(t, len(tk.Label), 6, "%d: label %q", i, tk.Label)
			assert.NotEqual(t, "-0", tk.Label)
		}
	}
	assert.Equal(t, []string{"-0.5", "0.0", "0.5"}, labels(roundTicks{0.5}.Ticks(-0.5, 0.5)))
}

func labels(ticks []plot.Tick) []string {
	var out []string
	for _, t := range ticks {
		out = append(out, t.Label)
	}
	return out
}

// TestDecisionBoundaryLayout: the decision boundary of a generated set has
// round ticks at both axes' ends, and is drawn with the same scale on both
// axes (the data area's height over its width is the y range over the x
// range), for the spiral and for the wider than high moons.
func TestDecisionBoundaryLayout(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	m, err := nn.MLP(2, []int{8}, 3, backend.Activation{Kind: backend.ReLU}).Build(b, 1)
	require.NoError(t, err)
	defer m.Release()
	for _, name := range []string{"spiral", "moons"} {
		set, err := data.Generate(name, 1)
		require.NoError(t, err)
		train, held, err := set.Split(0.2, 1)
		require.NoError(t, err)
		p, _, err := boundaryPlot(m, train, held, "validation", "decision boundary: "+name)
		require.NoError(t, err)
		for _, ax := range []struct {
			name     string
			min, max float64
			ticks    []plot.Tick
		}{{"x", p.X.Min, p.X.Max, p.X.Tick.Marker.Ticks(p.X.Min, p.X.Max)}, {"y", p.Y.Min, p.Y.Max, p.Y.Tick.Marker.Ticks(p.Y.Min, p.Y.Max)}} {
			require.NotEmpty(t, ax.ticks)
			assert.Equal(t, ax.min, ax.ticks[0].Value, "%s: %s's low end", name, ax.name)
			assert.Equal(t, ax.max, ax.ticks[len(ax.ticks)-1].Value, "%s: %s's high end", name, ax.name)
		}
		ratio := (p.Y.Max - p.Y.Min) / (p.X.Max - p.X.Min)
		h := equalAspectHeight(p, boundaryWidth, ratio)
		dc := p.DataCanvas(draw.New(vgimg.New(boundaryWidth, h)))
		got := float64((dc.Max.Y - dc.Min.Y) / (dc.Max.X - dc.Min.X))
		assert.InDelta(t, ratio, got, 0.01*ratio, "%s: data area %v×%v for ranges %v×%v", name,
			dc.Max.X-dc.Min.X, dc.Max.Y-dc.Min.Y, p.X.Max-p.X.Min, p.Y.Max-p.Y.Min)
	}
}
