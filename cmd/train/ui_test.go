package main

import (
	"io"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/nn"
)

// asTerminal makes the command take its output for a terminal while the
// test runs.
func asTerminal(t *testing.T) {
	saved := isTerminal
	isTerminal = func(io.Writer) bool { return true }
	t.Cleanup(func() { isTerminal = saved })
}

// barFrame matches one drawing of the progress bar: its description (the
// epoch, loss, elapsed time, the epoch's ETA and the run's), percentage and
// count.
var barFrame = regexp.MustCompile(`epoch (\d+)/\d+  loss (\d+\.\d+)  acc [ \d.]+%  \S+ samples/s  (\d+\.?\d*m?s), ETA (\S+), run (\S+)  +(\d+)% \|[^|]*\| \((\d+)/(\d+)\)`)

// TestProgressBar: on a terminal each epoch's bar is drawn with the current
// step count, up to the epoch's last step at 100%, with the figures of that
// step (the epoch's line then repeats its loss); it never shows 0/N. Off a
// terminal the output is one line per epoch, without a bar.
func TestProgressBar(t *testing.T) {
	asTerminal(t)
	// spiral: 240 training samples in batches of 16 are 15 steps, each read
	// (LogEvery is 1 below 20 steps).
	code, stdout, stderr := runTrain(t, "-backend=cpu", "-epochs=2", "-plot=")
	require.Equal(t, 0, code, stderr)
	for epoch, part := range strings.Split(stdout, "\r\x1b[2Kepoch ")[1:] {
		line, _, _ := strings.Cut(part, "\n") // the epoch's line, after its bar
		lineLoss := regexp.MustCompile(`loss (\d+\.\d+)`).FindStringSubmatch(line)
		require.NotNil(t, lineLoss, "epoch line %q", line)
		before := stdout[:strings.Index(stdout, "\r\x1b[2Kepoch "+line)]
		frames := barFrame.FindAllStringSubmatch(before, -1)
		require.NotEmpty(t, frames, "no bar before epoch %d:\n%q", epoch+1, before)
		last := frames[len(frames)-1]
		assert.Equal(t, []string{"100", "15", "15"}, last[6:], "epoch %d: the last frame %q", epoch+1, last[0])
		assert.Equal(t, "0.0ms", last[4], "epoch %d: ETA at the last step", epoch+1)
		if epoch == 1 {
			assert.Equal(t, "0.0ms", last[5], "the run's ETA at its last step")
		} else {
			assert.NotEqual(t, "0.0ms", last[5], "the run's ETA with an epoch to go")
		}
		assert.Equal(t, lineLoss[1], last[2], "epoch %d: the last frame's loss is the epoch's", epoch+1)
		for _, f := range frames {
			assert.NotEqual(t, "0", f[7], "a frame shows no step done: %q", f[0])
		}
	}
	assert.Equal(t, 2, strings.Count(stdout, "\r\x1b[2Kepoch "), "each epoch's line replaces its bar")

	// On an 80-column terminal every drawing fits on its line: one that
	// wraps cannot be redrawn in place.
	savedWidth := terminalWidth
	terminalWidth = func(io.Writer) int { return 80 }
	t.Cleanup(func() { terminalWidth = savedWidth })
	code, stdout, stderr = runTrain(t, "-backend=cpu", "-epochs=1", "-plot=")
	require.Equal(t, 0, code, stderr)
	drawings := 0
	for _, d := range strings.Split(stdout, "\r")[1:] {
		d, _, _ = strings.Cut(d, "\x1b[0K")
		if strings.HasPrefix(d, "epoch 1/1  loss") && strings.Contains(d, "%") {
			drawings++
			assert.Less(t, utf8.RuneCountInString(d), 80, "%q", d)
			assert.Contains(t, d, ", ETA ")
		}
	}
	assert.Positive(t, drawings)

	// Off a terminal (the default in tests: a buffer is not one).
	isTerminal = func(io.Writer) bool { return false }
	code, stdout, stderr = runTrain(t, "-backend=cpu", "-epochs=2", "-plot=")
	require.Equal(t, 0, code, stderr)
	assert.NotContains(t, stdout, "\r")
	assert.NotContains(t, stdout, "%|")
	assert.Equal(t, 2, strings.Count(stdout, "\nepoch "))
}

// TestBarText: the elapsed time, the epoch's ETA at its pace so far, and
// the run's: at that pace until an epoch has ended, then at the last whole
// epoch's wall time (its validation included) for each epoch after this.
func TestBarText(t *testing.T) {
	p := nn.Progress{Epoch: 3, Epochs: 30, Step: 45, StepsPerEpoch: 90, Samples: 45 * 128, Loss: 0.5123, Accuracy: 0.8, Elapsed: 1200 * time.Millisecond}
	// 1.2s left of this epoch and 27 more of 2.4s: 66s.
	assert.Equal(t, "epoch  3/30  loss 0.5123  acc  80.0%  4.8k samples/s  1.2s, ETA 1.2s, run 1m06s", barText(p, 0, 2))
	assert.Equal(t, "epoch  3/30  loss 0.5123  acc  80.0%  1.2s, ETA 1.2s, run 1m06s", barText(p, 0, 1))
	assert.Equal(t, "epoch  3/30  loss 0.5123  1.2s, ETA 1.2s, run 1m06s", barText(p, 0, 0))
	// Whole epochs of 10s: 1.2s and 27×10s.
	assert.Equal(t, "epoch  3/30  loss 0.5123  1.2s, ETA 1.2s, run 4m31s", barText(p, 10*time.Second, 0))
	p.Step, p.Elapsed = 30, 3*time.Minute
	assert.Contains(t, barText(p, 0, 2), "3m00s, ETA 6m00s, run 4h09m") // 6m, and 27 epochs of 9m
	p.Step = 0
	assert.Contains(t, barText(p, 0, 2), "ETA –, run –", "no pace before a step")
	for i, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0.0ms"}, {340 * time.Microsecond, "0.3ms"}, {12 * time.Millisecond, "12ms"}, {850 * time.Millisecond, "850ms"},
		{59 * time.Second, "59.0s"}, {245 * time.Second, "4m05s"}, {2*time.Hour + 3*time.Minute, "2h03m"},
	} {
		assert.Equal(t, tc.want, duration(tc.d), "%d", i)
	}
}

// TestBarLayout: on a narrow terminal the bar narrows and the description
// loses the throughput, then the accuracy, so that a drawing fits its line.
func TestBarLayout(t *testing.T) {
	p := nn.Progress{Epoch: 3, Epochs: 30, Step: 45, StepsPerEpoch: 90, Samples: 45 * 128, Loss: 0.5123, Accuracy: 0.8, Elapsed: time.Second}
	// " 50% |…| (45/90) " and the cursor's column: 20 columns for 90 steps.
	require.Equal(t, 20, barOverhead(90))
	for i, tc := range []struct {
		columns, width, detail int
	}{
		{0, barWidth, 2}, // unknown: the full line
		{200, barWidth, 2},
		{130, barWidth, 2}, // 79+20+24 = 123 columns
		{110, 23, 1},       // 79+20+4 leave 7 < 10 columns for the bar; 63+20+4 leave 23
		{80, 80 - 51 - 20 - barSlack, 0},
		{60, 1, 0},
	} {
		width := newBarWidth(p, 0, tc.columns)
		assert.Equal(t, tc.width, width, "%d: %d columns", i, tc.columns)
		text := fitBarText(p, 0, tc.columns, width)
		assert.Equal(t, barText(p, 0, tc.detail), text, "%d: %d columns", i, tc.columns)
		if tc.columns >= 80 {
			assert.LessOrEqual(t, utf8.RuneCountInString(text)+barOverhead(90)+width, tc.columns, "%d", i)
		}
	}
	require.Len(t, barText(p, 0, 2), 79)
	require.Len(t, barText(p, 0, 1), 63)
	require.Len(t, barText(p, 0, 0), 51)
}
