package autograd_test

import (
	"errors"
	"testing"

	"gltrain/autograd"
	"gltrain/backend/backendtest"
)

// TestFailAndMode: Fail records the first error, which later operations and
// Backward return; Reset clears it and keeps the mode SetMode set.
func TestFailAndMode(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	g := autograd.NewGraph(b)
	if g.Mode() != autograd.ModeDefault {
		t.Fatalf("a new graph's mode is %v, want ModeDefault", g.Mode())
	}
	g.SetMode(autograd.ModeEval)
	first := errors.New("layer 3: bad input")
	v := g.Fail(first)
	g.Fail(errors.New("second"))
	y := g.Scale(2, v)
	if !errors.Is(g.Err(), first) || !errors.Is(g.Backward(y), first) {
		t.Fatalf("Err %v, want the first error", g.Err())
	}
	if err := g.Reset(); err != nil || g.Err() != nil {
		t.Fatalf("after Reset: %v, %v", err, g.Err())
	}
	if g.Mode() != autograd.ModeEval {
		t.Errorf("Reset changed the mode to %v", g.Mode())
	}
}
