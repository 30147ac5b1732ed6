package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/backend"
	"gltrain/backend/backendtest"
)

// TestLoop runs the example's 100 steps on every backend (gl is skipped
// when OpenGL 4.3 is missing, unless CI=true or GLTRAIN_REQUIRE_GL=1) and
// checks what it prints:
//
//   - the loss of the untrained model (step 1) is near ln 3 ≈ 1.10, that of
//     a uniform guess among 3 classes; the loop printed 1.16 on both backends;
//   - the loss fell at least 10-fold by step 100: that is below 0.12, which
//     no linear classifier reaches on the spiral (its best is about 0.79,
//     the course notes' case study), so the hidden layers learned; the loop
//     printed 0.027 (43-fold) on both backends;
//   - the backend's live buffers are the same at every print although the
//     loop never calls Reset: a graph that kept each step's tensors would
//     add 6 buffers a step (what one step of this model holds after
//     Backward, measured on the CPU backend);
//   - at least 95% of the training points are classified right (99.3%).
func TestLoop(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		var out strings.Builder
		require.NoError(t, run(b, 100, &out))
		lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
		require.Len(t, lines, 12, out.String()) // steps 1, 10, 20, …, 100 and the accuracy

		stepLine := regexp.MustCompile(`^step +([0-9]+): loss ([0-9.]+), live buffers ([0-9]+)$`)
		var losses []float64
		var live []int
		for i, line := range lines[:11] {
			m := stepLine.FindStringSubmatch(line)
			require.NotNil(t, m, "line %q", line)
			step, _ := strconv.Atoi(m[1])
			assert.Equal(t, max(1, 10*i), step, "step of line %q", line)
			loss, err := strconv.ParseFloat(m[2], 64)
			require.NoError(t, err)
			buffers, _ := strconv.Atoi(m[3])
			losses, live = append(losses, loss), append(live, buffers)
		}
		first, last := losses[0], losses[len(losses)-1]
		assert.InDelta(t, 1.0986, first, 0.25, "loss of the untrained model")
		assert.Less(t, last, first/10, "loss after 100 steps vs step 1: want it 10 times smaller")
		for i, n := range live {
			assert.Equal(t, live[0], n, "live buffers at print %d vs step 1", i)
		}

		m := regexp.MustCompile(`^accuracy on the 300 training points: ([0-9.]+)%$`).FindStringSubmatch(lines[11])
		require.NotNil(t, m, "last line %q", lines[11])
		acc, _ := strconv.ParseFloat(m[1], 64)
		assert.GreaterOrEqual(t, acc, 95.0, "training accuracy (%%)")
	})
}
