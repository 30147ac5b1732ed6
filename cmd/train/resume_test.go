package main

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestProgressFromCheckpoint: what -save-best and -patience continue from
// is read from the checkpoint's meta, and what no run records is ignored.
// Before, a best loss of −Inf was taken: no epoch beat it, so -save-best
// never saved and -patience stopped the run.
func TestProgressFromCheckpoint(t *testing.T) {
	unset := []any{math.Inf(1), 0, 0}
	for i, tc := range []struct {
		loss, epoch, stale string
		want               []any
	}{
		{"0.25", "3", "1", []any{0.25, 3, 1}},
		{"", "3", "1", unset},
		{"NaN", "3", "1", unset},
		{"-Inf", "3", "1", unset},
		{"0.25", "-1", "1", unset},
		{"0.25", "3", "-1", unset},
		{"0.25", "9", "1", unset}, // past the 4 epochs done
		{"0.25", "3", "9", unset},
	} {
		ck := checkpoint{Epochs: 4, Hyper: map[string]string{"best_val_loss": tc.loss, "best_epoch": tc.epoch, "stale_epochs": tc.stale}}
		m := ck.monitor()
		assert.Equal(t, tc.want, []any{m.Best, m.BestEpoch, m.Stale}, "%d %+v", i, tc)
	}
}
