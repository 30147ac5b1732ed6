package data_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/nn/data"
)

// TestTextBatcherRows checks that Rows lists, as positions of TextSet, the
// very tokens and targets Fill writes, and that Epoch continues the step
// numbers across epochs.
func TestTextBatcherRows(t *testing.T) {
	text := []byte("the quick brown fox jumps over the lazy dog, twice over")
	const ctx, batch = 5, 3
	tb, err := data.NewTextBatcher(text, ctx, batch, 7)
	require.NoError(t, err)
	set := data.TextSet("t", text)
	require.Equal(t, len(text)-1, set.Len())
	x, y := make([]float32, batch*ctx), make([]float32, batch*ctx)
	per := tb.StepsPerEpoch()
	require.Equal(t, per, tb.Batches())
	for _, step := range []int{0, 1, per + 2} {
		tb.Fill(x, y, step)
		rows := tb.Rows(step)
		require.Len(t, rows, batch*ctx)
		for i, r := range rows {
			assert.Equal(t, x[i], set.X[r], "step %d row %d: token", step, i)
			assert.Equal(t, int(y[i]), set.Labels[r], "step %d row %d: target", step, i)
		}
	}
	assert.Equal(t, tb.Rows(per+2), tb.Epoch(1)[2], "epoch 1's third batch is step per+2")
}

func TestTextWindowSet(t *testing.T) {
	text := []byte("0123456789abc") // 13 bytes: 3 windows of 4 need 13
	s := data.TextWindowSet("w", text, 4)
	require.Equal(t, 12, s.Len())
	for i := 0; i < 12; i++ {
		assert.Equal(t, float32(text[i]), s.X[i])
		assert.Equal(t, int(text[i+1]), s.Labels[i])
	}
	assert.Equal(t, 8, data.TextWindowSet("w", text[:12], 4).Len(), "12 bytes: the third window lacks its last target")
	assert.Equal(t, 0, data.TextWindowSet("w", text[:4], 4).Len())
}
