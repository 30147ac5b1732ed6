package main

import (
	"context"
	"net"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/nn"
)

// TestServeRefusals: -serve on a busy port, a malformed address, or a run
// that does not train exits 2 before anything is loaded or trained, naming
// the flag, the address and the problem.
func TestServeRefusals(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	busy := ln.Addr().String()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-serve=" + busy}, "train: -serve=" + busy + ": cannot listen on " + busy + ": bind: address already in use (another program has this port"},
		{[]string{"-serve=8080"}, "train: -serve=8080: want HOST:PORT or :PORT"},
		{[]string{"-serve=:0", "-summary"}, "-serve shows training, and this run does not train"},
	} {
		code, stdout, stderr := runTrain(t, append([]string{"-backend=cpu", "-plot=", "-epochs=1"}, tc.args...)...)
		assert.Equal(t, 2, code, "%v: %s", tc.args, stderr)
		assert.Contains(t, stderr, tc.want, "%v", tc.args)
		assert.NotContains(t, stdout+stderr, "data     ", "%v: refused before the data is loaded", tc.args)
	}
}

// TestHeadlessStartsNothing (issue #27 item 4): without -serve (or -view)
// there is no hub, the trainer gets no hook (its step costs the nil check
// of BeforeStep), and a whole run leaves no goroutine behind.
func TestHeadlessStartsNothing(t *testing.T) {
	c, err := parseFlags([]string{"-backend=cpu"}, &strings.Builder{})
	require.NoError(t, err)
	lv, err := startLive(&c, &strings.Builder{})
	require.NoError(t, err)
	assert.Nil(t, lv)
	assert.Nil(t, c.hub)
	r := &session{c: c}
	tr := nn.Trainer{}
	ctx := context.Background()
	got, unwatch := r.watch(ctx, &tr)
	unwatch()
	assert.Equal(t, ctx, got, "the context Fit runs under is the caller's")
	assert.Nil(t, tr.BeforeStep)
	assert.Nil(t, tr.OnEpoch)
	assert.Nil(t, tr.OnProgress)

	before := runtime.NumGoroutine()
	code, _, stderr := runTrain(t, "-backend=cpu", "-plot=", "-epochs=2")
	require.Equal(t, 0, code, stderr)
	assert.NotContains(t, stderr, "serving")
	assert.LessOrEqual(t, runtime.NumGoroutine(), before, "a headless run leaves no goroutine running")
}
