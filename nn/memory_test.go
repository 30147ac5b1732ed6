package nn_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/nn"
	"gltrain/nn/safetensors"
)

// TestLoadChecksTensorsBeforeBuilding: a checkpoint's tensors are checked
// against the layers its header describes before anything is allocated,
// and the error is one line: the first mismatch and how many more.
func TestLoadChecksTensorsBeforeBuilding(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	good := []safetensors.Tensor{
		{Name: "0.weight", Shape: []int{3, 2}, Data: make([]float32, 6)},
		{Name: "0.bias", Shape: []int{3}, Data: make([]float32, 3)},
		{Name: "2.weight", Shape: []int{4, 3}, Data: make([]float32, 12)},
		{Name: "2.bias", Shape: []int{4}, Data: make([]float32, 4)},
	}
	spec := func(hidden ...int) string {
		layers, in := "", 2
		for _, h := range hidden {
			layers += fmt.Sprintf(`{"type":"linear","in":%d,"out":%d},{"type":"relu"},`, in, h)
			in = h
		}
		return fmt.Sprintf(`{"inputs":2,"outputs":4,"layers":[%s{"type":"linear","in":%d,"out":4}]}`, layers, in)
	}
	with := func(extra safetensors.Tensor) []safetensors.Tensor {
		return append(append([]safetensors.Tensor(nil), good...), extra)
	}
	for i, tc := range []struct {
		model   string
		tensors []safetensors.Tensor
		want    string
	}{
		{spec(3), good, ""},
		{spec(170_000_000), good, "0.weight is [3 2] (6 values), the model's is [170000000 2] (and 2 more mismatches)"},
		{spec(make1s(20_000)...), good, "more than the 10000 layers a model may have"},
		{spec(3), good[:3], "2.bias is missing"},
		{spec(3), with(safetensors.Tensor{Name: "x", Shape: []int{1}, Data: []float32{0}}), `"x" is not a parameter of the model`},
		// A file's tensor name can be megabytes, and hold newlines: the
		// message quotes an excerpt.
		{spec(3), with(safetensors.Tensor{Name: strings.Repeat("y\n", 1<<20), Shape: []int{1}, Data: []float32{0}}),
			`"y\ny\ny\ny\ny\ny\ny\ny\ny\ny\ny\ny\ny\ny\ny\ny\n"… is not a parameter of the model`},
	} {
		path := filepath.Join(t.TempDir(), "m.safetensors")
		md := map[string]string{"format": "gltrain", "version": "2", "loss": "softmax", "model": tc.model}
		require.NoError(t, safetensors.WriteFile(path, tc.tensors, md))
		before := b.(backend.MemoryReporter).MemStats().Allocations
		m, err := nn.Load(path, b)
		if tc.want == "" {
			require.NoError(t, err)
			m.Release()
			continue
		}
		if assert.Error(t, err, "%d", i) {
			assert.Contains(t, err.Error(), tc.want, "%d", i)
			assert.NotContains(t, err.Error(), "\n", "%d: one line", i)
			assert.Less(t, len(err.Error()), 300, "%d: short", i)
		}
		assert.Equal(t, before, b.(backend.MemoryReporter).MemStats().Allocations, "%d: nothing allocated", i)
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
// optimiser's state, activations and data, without building anything, and
// the tensors of each batch size the run uses apart: a pool keeps them all.
func TestEstimateMemory(t *testing.T) {
	a := nn.MLP(2, []int{100}, 3, nn.ReLU) // 2·100+100 + 100·3+3 = 603 parameters
	if p := a.Params(); p != 603 {
		t.Errorf("Params = %v, want 603", p)
	}
	e := nn.EstimateMemory(a.Spec(), 16, 240, 300, nn.OptimizerSlots("adam"))
	// Elements a row: a training batch's 7 (indices, labels, 2 inputs, 3
	// one-hot), 300 + 200 + 9 for the layers, 11 for the loss; an
	// evaluation batch's 7, 100 + 100 + 3 and 8. Batches of 16 and 12
	// rows train, of 240 and 60 evaluate. Pooled buffers count 9/8.
	const pool = 9.0 / 8
	want := nn.MemoryEstimate{
		Params:      pool * 4 * 3 * 603, // the parameters, their gradients, a host copy
		Optimizer:   pool * 4 * 2 * 603,
		Activations: pool * 4 * ((16+12)*527 + (240+60)*218),
		Data:        300 * pool * 4 * 3,
		HostData:    300 * (4*2 + 8),
	}
	if e != want {
		t.Errorf("EstimateMemory = %+v, want %+v", e, want)
	}
	// A convolution's columns: per image 9·(28·28) patches, for 4 images
	// at once (the cpu backend's threads) or the whole batch (gl's).
	cnn := nn.Spec{Inputs: 784, Outputs: 10, Layers: []nn.LayerSpec{{Type: "conv2d", C: 1, H: 28, W: 28, Out: 8, KH: 3, KW: 3, Stride: 1, Pad: 1}, {Type: "flatten"}, {Type: "linear", In: 8 * 784, Out: 10}}}
	use := nn.MemoryUse{EvalSets: []int{1000}, ConvImages: 4}
	cpu, gl := nn.EstimateRun(cnn, use), nn.EstimateRun(cnn, nn.MemoryUse{EvalSets: []int{1000}})
	if d := gl.Activations - cpu.Activations; d != pool*4*2*9*784*(1000-4) {
		t.Errorf("the whole batch's columns over 4 images' = %v bytes", d)
	}
	if cpu.Optimizer != 0 || cpu.Params != pool*4*2*(8*9+8+8*784*10+10) {
		t.Errorf("evaluation only: %+v, want no gradients or optimiser", cpu)
	}
	huge := nn.MLP(1_000_000, []int{1_000_000, 1_000_000}, 10, nn.ReLU)
	if tot := nn.EstimateMemory(huge.Spec(), 1, 1, 1, 0).Total(); !(tot > 8e12) {
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
