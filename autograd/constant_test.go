package autograd_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
)

// TestConstant: a constant holds a copy of its data, takes no gradient, and
// its tensor goes back to the pool at Reset, so a loop making one per step
// holds the same buffers; a length that is not the shape's is an error.
func TestConstant(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		mem, ok := b.(backend.MemoryReporter)
		require.True(t, ok)
		g := autograd.NewGraph(b)
		data := []float32{1, 2, 3, 4, 5, 6}
		var live int
		for step := 0; step < 3; step++ {
			c := g.Constant(backend.Shape{Rows: 2, Cols: 3}, data)
			require.NoError(t, g.Err())
			assert.False(t, c.RequiresGrad())
			got, err := backend.ToHost(b, c.Tensor())
			require.NoError(t, err)
			assert.Equal(t, data, got)
			require.NoError(t, g.Reset())
			if step == 0 {
				live = mem.MemStats().LiveBuffers
			}
			assert.Equal(t, live, mem.MemStats().LiveBuffers, "step %d", step)
		}
		g.Constant(backend.Shape{Rows: 2, Cols: 2}, data)
		assert.ErrorIs(t, g.Err(), backend.ErrShape)
		g.Reset()
	})
}

// TestSetName renames a parameter, and refuses a value that is not one.
func TestSetName(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	w, _ := b.New(backend.Shape{Rows: 1, Cols: 1})
	defer b.Release(w)
	p := autograd.NewParameter(b, "w", w)
	require.NoError(t, p.SetName("0.weight"))
	assert.Equal(t, "0.weight", p.Name())
	g := autograd.NewGraph(b)
	assert.ErrorIs(t, g.Input(w).SetName("x"), backend.ErrInvalidArgument)
}
