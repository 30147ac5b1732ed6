package main

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHonestTime: the summary names one epoch in the singular and gives the
// training time and the final evaluation's apart; the last line adds the
// rest and a wall time that covers them and is within the time run took.
func TestHonestTime(t *testing.T) {
	began := time.Now()
	code, stdout, stderr := runTrain(t, "-backend=cpu", "-epochs=1", "-plot=")
	took := time.Since(began)
	require.Equal(t, 0, code, stderr)
	dur := `(\d+\.\dms|\d+ms|\d+\.\ds|\d+m\d\ds)`
	done := regexp.MustCompile(`\ndone     1 epoch in ` + dur + ` \([\d.]+[kM]? samples/s\), evaluated in ` + dur + `: train accuracy`).FindStringSubmatch(stdout)
	require.NotNil(t, done, stdout)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	last := regexp.MustCompile(`^time     training ` + dur + `, evaluation ` + dur + `, other ` + dur + ` \(.*\), wall ` + dur + `$`).FindStringSubmatch(lines[len(lines)-1])
	require.NotNil(t, last, "the last line: %q", lines[len(lines)-1])
	assert.Equal(t, done[1:3], last[1:3], "the summary's times are the last line's")
	wall := parseDuration(t, last[4])
	// Each figure is rounded to 0.05ms, 0.5ms or 0.05s: the sum is within 3
	// roundings of the wall time, which is within the time run took.
	sum := parseDuration(t, last[1]) + parseDuration(t, last[2]) + parseDuration(t, last[3])
	assert.InDelta(t, float64(wall), float64(sum), float64(3*wall/20+time.Millisecond), "%v", last)
	assert.LessOrEqual(t, wall, took+took/20, "wall %v, run took %v", wall, took)
	assert.NotContains(t, stdout, " 0s", "a duration rounded to nothing")
}

// parseDuration reads what duration wrote.
func parseDuration(t *testing.T, s string) time.Duration {
	t.Helper()
	if m, sec, ok := strings.Cut(s, "m"); ok && sec != "s" && sec != "" {
		s = m + "m" + strings.TrimPrefix(sec, "0")
	}
	d, err := time.ParseDuration(s)
	require.NoError(t, err, s)
	return d
}

// TestDurationPlural: 1 epoch, 2 epochs.
func TestDurationPlural(t *testing.T) {
	assert.Equal(t, "1 epoch", epochCount(1))
	assert.Equal(t, "0 epochs", epochCount(0))
	assert.Equal(t, "2 epochs", epochCount(2))
}
