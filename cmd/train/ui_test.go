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
// epoch, loss, elapsed time and ETA), percentage and count.
var barFrame = regexp.MustCompile(`epoch (\d+)/\d+  loss (\d+\.\d+)  acc [ \d.]+%  \S+ samples/s  (\d+\.\ds), ETA (\S+)  +(\d+)% \|[^|]*\| \((\d+)/(\d+)\)`)

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
		assert.Equal(t, []string{"100", "15", "15"}, last[5:], "epoch %d: the last frame %q", epoch+1, last[0])
		assert.Equal(t, "0.0s", last[4], "epoch %d: ETA at the last step", epoch+1)
		assert.Equal(t, lineLoss[1], last[2], "epoch %d: the last frame's loss is the epoch's", epoch+1)
		for _, f := range frames {
			assert.NotEqual(t, "0", f[6], "a frame shows no step done: %q", f[0])
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

// TestBarText: the elapsed time and the ETA at the epoch's pace so far.
func TestBarText(t *testing.T) {
	p := nn.Progress{Epoch: 3, Epochs: 30, Step: 45, StepsPerEpoch: 90, Samples: 45 * 128, Loss: 0.5123, Accuracy: 0.8, Elapsed: 1200 * time.Millisecond}
	assert.Equal(t, "epoch  3/30  loss 0.5123  acc  80.0%  4.8k samples/s  1.2s, ETA 1.2s", barText(p, 2))
	assert.Equal(t, "epoch  3/30  loss 0.5123  acc  80.0%  1.2s, ETA 1.2s", barText(p, 1))
	assert.Equal(t, "epoch  3/30  loss 0.5123  1.2s, ETA 1.2s", barText(p, 0))
	p.Step, p.Elapsed = 30, 3*time.Minute
	assert.Contains(t, barText(p, 2), "3m00s, ETA 6m00s")
	for i, tc := range []struct {
		d    time.Duration
		want string
	}{{0, "0.0s"}, {850 * time.Millisecond, "0.8s"}, {59 * time.Second, "59.0s"}, {245 * time.Second, "4m05s"}, {2*time.Hour + 3*time.Minute, "2h03m"}} {
		assert.Equal(t, tc.want, shortDuration(tc.d), "%d", i)
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
		{120, barWidth, 2}, // 68+20+24 = 112 columns
		{100, barWidth, 1}, // 68+20+4 leave 8 < 10 columns for the bar; 52+20+4 leave 24
		{80, 80 - 40 - 20 - barSlack, 0},
		{60, 1, 0},
	} {
		width := newBarWidth(p, tc.columns)
		assert.Equal(t, tc.width, width, "%d: %d columns", i, tc.columns)
		text := fitBarText(p, tc.columns, width)
		assert.Equal(t, barText(p, tc.detail), text, "%d: %d columns", i, tc.columns)
		if tc.columns >= 80 {
			assert.LessOrEqual(t, utf8.RuneCountInString(text)+barOverhead(90)+width, tc.columns, "%d", i)
		}
	}
	require.Len(t, barText(p, 2), 68)
	require.Len(t, barText(p, 1), 52)
	require.Len(t, barText(p, 0), 40)
}
