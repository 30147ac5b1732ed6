package nn_test

import (
	"fmt"
	"strings"
	"testing"

	"gltrain/backend"
	"gltrain/nn"
)

// TestCheckState: the state of a checkpoint is checked against the
// architecture without building it, and the error is one line: the first
// mismatch and how many more.
func TestCheckState(t *testing.T) {
	arch := nn.MLP(2, []int{3}, 4, nn.ReLU)
	good := []nn.NamedTensor{
		{Name: "layers.0.weight", Shape: backend.Shape{Rows: 2, Cols: 3}, Data: make([]float32, 6)},
		{Name: "layers.0.bias", Shape: backend.Shape{Rows: 1, Cols: 3}, Data: make([]float32, 3)},
		{Name: "layers.2.weight", Shape: backend.Shape{Rows: 3, Cols: 4}, Data: make([]float32, 12)},
		{Name: "layers.2.bias", Shape: backend.Shape{Rows: 1, Cols: 4}, Data: make([]float32, 4)},
	}
	if err := arch.CheckState(good); err != nil {
		t.Fatalf("matching state: %v", err)
	}
	extra := append(append([]nn.NamedTensor(nil), good...), nn.NamedTensor{Name: "x", Shape: backend.Shape{Rows: 1, Cols: 1}, Data: []float32{0}})
	// A file's tensor name can be megabytes, and hold newlines: the message
	// quotes an excerpt.
	long := append(append([]nn.NamedTensor(nil), good...), nn.NamedTensor{Name: strings.Repeat("y\n", 1<<20), Shape: backend.Shape{Rows: 1, Cols: 1}, Data: []float32{0}})
	for i, tc := range []struct {
		arch  nn.Arch
		state []nn.NamedTensor
		want  string
	}{
		{nn.MLP(2, []int{170_000_000}, 4, nn.ReLU), good, "layers.0.weight is 2×3 (6 values), the model's is 2×170000000 (and 2 more mismatches)"},
		{nn.MLP(2, make1s(100_000), 4, nn.ReLU), good, "nn: state of a 2-(100000 hidden layers)-4 relu: layers.0.weight is 2×3 (6 values), the model's is 2×1 (and 200001 more mismatches)"},
		{arch, good[:3], "layers.2.bias is missing"},
		{arch, extra, `"x" is not a parameter of the model`},
		{arch, long, `"y\ny\ny\ny\ny\ny\ny\ny\ny\ny\ny\ny\ny\ny\ny\ny\n"… is not a parameter of the model`},
	} {
		err := tc.arch.CheckState(tc.state)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") || len(err.Error()) > 200 {
			t.Errorf("%d: %v; want one line with %q", i, err, tc.want)
		}
	}
}

func make1s(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = 1
	}
	return s
}

// TestEstimateMemory: the estimate counts parameters, gradients, the
// optimiser's state, activations and data, without building anything.
func TestEstimateMemory(t *testing.T) {
	a := nn.MLP(2, []int{100}, 3, nn.ReLU) // 2·100+100 + 100·3+3 = 603 parameters
	if p := a.Params(); p != 603 {
		t.Errorf("Params = %v, want 603", p)
	}
	e := nn.EstimateMemory(a, 16, 240, 300, nn.OptimizerSlots("adam"))
	want := nn.MemoryEstimate{Params: 4 * 2 * 603, Optimizer: 4 * 2 * 603, Activations: 4 * 480 * 105, Data: 4 * 300 * 3}
	if e != want {
		t.Errorf("EstimateMemory = %+v, want %+v", e, want)
	}
	huge := nn.MLP(1_000_000, []int{1_000_000, 1_000_000}, 10, nn.ReLU)
	if tot := nn.EstimateMemory(huge, 1, 1, 1, 0).Total(); !(tot > 8e12) {
		t.Errorf("a 2·10¹²-parameter model: %v bytes", tot)
	}
}

// TestCheckpointFieldErrorsShort: a checkpoint's architecture type or
// activation, or its loss, megabytes long, is refused with a message that
// quotes an excerpt (before, the whole field).
func TestCheckpointFieldErrorsShort(t *testing.T) {
	long := strings.Repeat("r", 1<<20)
	for i, tc := range []struct {
		name string
		err  func() error
	}{
		{"type", func() error {
			var a nn.Arch
			return a.UnmarshalJSON([]byte(`{"type":"` + long + `","inputs":2,"hidden":[3],"outputs":4,"activation":"relu"}`))
		}},
		{"activation", func() error {
			var a nn.Arch
			return a.UnmarshalJSON([]byte(`{"type":"mlp","inputs":2,"hidden":[3],"outputs":4,"activation":"` + long + `"}`))
		}},
		{"loss", func() error { _, err := nn.ParseLoss(long); return err }},
	} {
		if err := tc.err(); err == nil || len(err.Error()) > 200 {
			t.Errorf("%d: %s: error of %d bytes, want one under 200: %.200v", i, tc.name, len(fmt.Sprint(err)), err)
		}
	}
}
