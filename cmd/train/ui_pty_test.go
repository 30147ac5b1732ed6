package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/creack/pty"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestProgressBarOnARealTerminal runs the command as main does, its stdout
// a pseudo-terminal, through run's errWriter, with the real isTerminal: the
// bar is drawn (with the epoch's and the run's ETA) and each epoch's line
// replaces it. The other bar tests replace isTerminal, so they could not see
// that the errWriter around stdout hid the terminal, and that no user ever
// saw a bar.
func TestProgressBarOnARealTerminal(t *testing.T) {
	ptmx, tty, err := pty.Open()
	require.NoError(t, err, "a pseudo-terminal (/dev/ptmx)")
	defer ptmx.Close()
	require.NoError(t, pty.Setsize(ptmx, &pty.Winsize{Rows: 40, Cols: 150}))
	got := make(chan string)
	go func() {
		var buf bytes.Buffer
		io.Copy(&buf, ptmx) // until the terminal's other end closes
		got <- buf.String()
	}()
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"-backend=cpu", "-epochs=2", "-plot=", "-batch=16"}, tty, &stderr)
	tty.Close()
	out := <-got
	require.Equal(t, 0, code, stderr.String())
	assert.Regexp(t, `epoch 1/2  loss \d\.\d{4}  acc [ \d.]+%  \S+ samples/s  \S+, ETA \S+, run \S+ +\d+% \|`, out, "a bar on the terminal")
	assert.Equal(t, 2, strings.Count(out, "\r\x1b[2Kepoch "), "each epoch's line replaces its bar")
}

// TestOutputFile: the bar finds the file below the writers that wrap it.
func TestOutputFile(t *testing.T) {
	f, ok := outputFile(&errWriter{w: &errWriter{w: os.Stdout}})
	assert.True(t, ok)
	assert.Same(t, os.Stdout, f)
	_, ok = outputFile(&bytes.Buffer{})
	assert.False(t, ok)
}
