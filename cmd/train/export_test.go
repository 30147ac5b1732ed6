package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/advancedclimatesystems/gonnx"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	gtensor "gorgonia.org/tensor"

	"gltrain/backend/cpu"
	"gltrain/nn"
)

// TestExportONNX: train -load=CK -export=FILE writes the checkpoint's model
// as ONNX and stops; gonnx runs the file on raw rows and gives the loaded
// model's probabilities (within 1e-5: float32 sums in another order, as in
// nn's TestONNXGonnx).
func TestExportONNX(t *testing.T) {
	dir := t.TempDir()
	ck := trainCheckpoint(t, dir)
	out := filepath.Join(dir, "m.onnx")
	code, stdout, stderr := runTrain(t, "-load="+ck, "-export="+out)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "exported 2-")
	assert.Contains(t, stdout, `input "input" (2 values a row`)
	assert.Contains(t, stdout, "outputs logits, probabilities")
	assert.NotContains(t, stdout, "epoch", "-export does not train")

	b := cpu.New()
	defer b.Close()
	m, err := nn.Load(ck, b)
	require.NoError(t, err)
	defer m.Release()
	rt, err := gonnx.NewModelFromFile(out)
	require.NoError(t, err)
	x := []float32{0.5, -0.25, 3, 1, -2, 0.75, 0, 0}
	want, err := nn.Probabilities(m, x)
	require.NoError(t, err)
	got, err := rt.Run(gonnx.Tensors{nn.ONNXInput: gtensor.New(gtensor.WithShape(4, 2), gtensor.WithBacking(append([]float32(nil), x...)))})
	require.NoError(t, err)
	p := got[nn.ONNXProbabilities].Data().([]float32)
	require.Len(t, p, 4*m.Outputs)
	for i, row := range want {
		for j, v := range row {
			assert.InDelta(t, v, p[i*m.Outputs+j], 1e-5)
		}
	}
	// A second export replaces the file whole.
	code, _, stderr = runTrain(t, "-load="+ck, "-export="+out, "-quiet")
	require.Equal(t, 0, code, stderr)
}

// TestExportONNXErrors: each misuse of -export exits with one line naming
// it, and writes nothing.
func TestExportONNXErrors(t *testing.T) {
	dir := t.TempDir()
	ck := trainCheckpoint(t, dir)
	b := cpu.New()
	defer b.Close()
	cfg, err := nn.ParseGPTConfig("gpt:layers=1,heads=1,embd=4,ctx=4,vocab=5")
	require.NoError(t, err)
	gm, err := nn.NewModel(b, &nn.GPT{Config: cfg}, 1, 1)
	require.NoError(t, err)
	gpt := filepath.Join(dir, "gpt.safetensors")
	require.NoError(t, nn.Save(gpt, gm, nil))
	gm.Release()
	out := filepath.Join(dir, "m.onnx")
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no -load", []string{"-export=" + out}, 2, "-export needs -load"},
		{"with -eval", []string{"-load=" + ck, "-eval", "-export=" + out}, 2, "drop -eval"},
		{"with -save", []string{"-load=" + ck, "-save=" + filepath.Join(dir, "n.safetensors"), "-export=" + out}, 2, "drop -save"},
		{"with -resume", []string{"-resume=" + ck, "-export=" + out}, 2, "use -load=" + ck},
		{"over the checkpoint", []string{"-load=" + ck, "-export=" + ck}, 2, ck},
		{"missing checkpoint", []string{"-load=" + filepath.Join(dir, "none.safetensors"), "-export=" + out}, 1, "none.safetensors"},
		{"unwritable", []string{"-load=" + ck, "-export=" + filepath.Join(dir, "no", "such", "m.onnx")}, 1, "export onnx"},
		{"a GPT", []string{"-load=" + gpt, "-export=" + out}, 2, "nn.GPT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runTrain(t, tc.args...)
			assert.Equal(t, tc.code, code, stderr)
			assert.Contains(t, stderr, tc.want)
			assert.Empty(t, strings.TrimSpace(stdout))
			assert.NoFileExists(t, out)
		})
	}
	_, err = os.Stat(ck)
	assert.NoError(t, err, "the checkpoint is still there")
}
