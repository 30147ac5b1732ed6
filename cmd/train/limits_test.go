package main

import (
	"strings"
	"testing"

	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/nn"
	"gltrain/nn/data"
)

// device is a backend with a memory of its own, as the gl backend has: the
// cpu backend renamed, telling its free memory (free > 0) or not (on
// llvmpipe or Intel the gl backend cannot).
type device struct {
	backend.Backend
	free int64
}

func (d device) Name() string { return "gl" }

func (d device) AvailableMemory() (int64, bool) { return d.free, d.free > 0 }

// TestMemoryAdvice: a model too large for the memory it may use is refused
// naming the limit, and where the backend has a device memory it cannot
// measure, the message says that the host's limit stood in for it.
func TestMemoryAdvice(t *testing.T) {
	cpu := backendtest.Open(t, "cpu")
	spiral, _ := data.Spiral(10, 3, 1)
	d := dataset{train: spiral}
	// 2^40 parameters: far more than any host or device has.
	huge := nn.Spec{Inputs: 2, Outputs: 3, Layers: []nn.LayerSpec{
		{Type: "linear", In: 2, Out: 1 << 20}, {Type: "relu"},
		{Type: "linear", In: 1 << 20, Out: 1 << 20}, {Type: "relu"},
		{Type: "linear", In: 1 << 20, Out: 3},
	}}
	const advice = "the gl backend cannot tell its device's memory, so the host's applies"
	for i, tc := range []struct {
		name      string
		b         backend.Backend
		maxMemory float64
		source    string // what the message names as the limit
		advice    bool
	}{
		{"device that cannot tell", device{cpu, 0}, 0, "available", true},
		{"device that tells", device{cpu, 1 << 30}, 0, "available free on the gl device", false},
		{"-max-memory", device{cpu, 0}, 1 << 30, "available by -max-memory", false},
		{"cpu", cpu, 0, "available", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := memoryNeed{batch: 16, opt: "adam", max: tc.maxMemory}
			err := checkMemory(huge, huge.String(), c, d, tc.b)
			if err == nil {
				t.Fatalf("%d: a model of 2^40 parameters was accepted", i)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.source) || strings.Contains(msg, advice) != tc.advice {
				t.Errorf("%d: got %q\nwant the limit %q, the advice %q: %v", i, msg, tc.source, advice, tc.advice)
			}
		})
	}
}
