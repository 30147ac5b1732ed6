package nn_test

import (
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
	for i, tc := range []struct {
		arch  nn.Arch
		state []nn.NamedTensor
		want  string
	}{
		{nn.MLP(2, []int{170_000_000}, 4, nn.ReLU), good, "layers.0.weight is 2×3 (6 values), the model's is 2×170000000 (and 2 more mismatches)"},
		{nn.MLP(2, make1s(100_000), 4, nn.ReLU), good, "nn: state of a 2-(100000 hidden layers)-4 relu: layers.0.weight is 2×3 (6 values), the model's is 2×1 (and 200001 more mismatches)"},
		{arch, good[:3], "layers.2.bias is missing"},
		{arch, extra, "x is not a parameter of the model"},
	} {
		err := tc.arch.CheckState(tc.state)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
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
