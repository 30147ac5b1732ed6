package nn_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/nn"
)

// pythonCases use the operators gonnx lacks: the poolings, the
// normalisations, and (activationCases) every activation.
var pythonCases = []onnxCase{
	{name: "cnn-bn-pools", img: &nn.Image{C: 2, H: 10, W: 10}, std: true, net: func() nn.Module {
		return nn.Seq(&nn.Conv2D{Out: 4, KH: 3, Pad: 1}, &nn.BatchNorm{}, nn.Act(nn.ReLU), &nn.MaxPool2D{KH: 2},
			&nn.AvgPool2D{KH: 2, Stride: 1}, &nn.Conv2D{Out: 3, KH: 3}, &nn.GlobalAvgPool{}, &nn.BatchNorm{}, &nn.Linear{Out: 3})
	}},
	{name: "maxpool-strided", img: &nn.Image{C: 1, H: 7, W: 9}, net: func() nn.Module {
		return nn.Seq(&nn.MaxPool2D{KH: 3, KW: 2, Stride: 2}, &nn.Dropout{P: 0.5}, nn.Flatten{}, &nn.Linear{Out: 2})
	}},
	{name: "layernorm-mlp", in: 5, std: true, loss: nn.Huber, net: func() nn.Module {
		return nn.Seq(&nn.Linear{Out: 6}, &nn.LayerNorm{}, nn.Act(nn.GELU), &nn.Linear{Out: 6}, &nn.BatchNorm{},
			nn.Act(backend.Activation{Kind: backend.GELUTanh}), &nn.Linear{Out: 2})
	}},
}

// activationCases is a model per setting of every activation and
// primitive (backend.UnarySettings): Linear, the activation, Linear. Those
// defined for positive inputs only, and those that blow up at 0, take the
// sigmoid of the first layer's outputs.
func activationCases() []onnxCase {
	var cs []onnxCase
	for _, f := range backend.UnarySettings() {
		positive := f.Kind.Def().Domain != nil || f.Kind == backend.Reciprocal || f.Kind == backend.Rsqrt || (f.Kind == backend.Pow && f.Params[0] < 0)
		cs = append(cs, onnxCase{name: "act-" + f.String(), in: 4, net: func() nn.Module {
			if positive {
				return nn.Seq(&nn.Linear{Out: 6}, nn.Act(nn.Sigmoid), nn.Act(f), &nn.Linear{Out: 3})
			}
			return nn.Seq(&nn.Linear{Out: 6}, nn.Act(f), &nn.Linear{Out: 3})
		}})
	}
	return cs
}

// onnxRunJob is one model for testdata/onnx_run.py; onnxRunResult its answer.
type onnxRunJob struct {
	Model string    `json:"model"`
	Rows  int       `json:"rows"`
	Input []float32 `json:"input"`
}

type onnxRunResult struct {
	Opset   int                  `json:"opset"`
	Outputs map[string][]float32 `json:"outputs"`
}

// TestONNXPython checks every exported model with ONNX's own checker (full
// check, with shape inference) and runs it with torch's operators
// (testdata/onnx_run.py), comparing each output with gltrain's: the ops
// gonnx lacks are checked here, and the gonnx cases are checked again.
// Tolerance: onnxTol, relative beyond 1 (|d| ≤ 1e-5·max(1, |y|)), as for
// gonnx, float32 sums in another order; the activations' models reach
// outputs of a few tens (exp, pow 3, reciprocal), where 1e-5 absolute is a
// few ulps.
func TestONNXPython(t *testing.T) {
	python := backendtest.ONNX(t)
	dir := t.TempDir()
	cases := append(append(append([]onnxCase{}, gonnxCases...), pythonCases...), activationCases()...)
	var jobs []onnxRunJob
	var models []*nn.Model
	for i, c := range cases {
		m := buildONNXCase(t, c)
		path := filepath.Join(dir, fmt.Sprintf("%d.onnx", i))
		require.NoError(t, nn.SaveONNX(path, m), c.name)
		jobs = append(jobs, onnxRunJob{Model: path, Rows: 7, Input: onnxRows(m, c, 7)})
		models = append(models, m)
	}
	jobsPath := filepath.Join(dir, "jobs.json")
	buf, err := json.Marshal(jobs)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(jobsPath, buf, 0o644))
	cmd := exec.Command(python, filepath.Join("testdata", "onnx_run.py"), jobsPath)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	require.NoError(t, err, "onnx_run.py")
	var results []onnxRunResult
	require.NoError(t, json.Unmarshal(out, &results))
	require.Len(t, results, len(cases))
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, m := results[i], models[i]
			wantOpset := nn.ONNXOpset
			if c.name == "layernorm-mlp" {
				wantOpset = nn.ONNXOpsetLayerNorm
			}
			assert.Equal(t, wantOpset, r.Opset)
			want := gltrainOutputs(t, m, jobs[i].Input)
			assert.Len(t, r.Outputs, len(want))
			for name, w := range want {
				g := r.Outputs[name]
				require.Len(t, g, len(w), name)
				worst, worstRel := 0.0, 0.0
				for k := range w {
					d := math.Abs(float64(g[k]) - float64(w[k]))
					if math.IsNaN(d) && !(math.IsNaN(float64(g[k])) && math.IsNaN(float64(w[k]))) {
						d = math.Inf(1)
					}
					worst, worstRel = max(worst, d), max(worstRel, d/max(1, math.Abs(float64(w[k]))))
				}
				t.Logf("%s %s: max |torch-run ONNX − gltrain| = %.3g (relative beyond 1: %.3g)", c.name, name, worst, worstRel)
				assert.LessOrEqual(t, worstRel, onnxTol, "%s: onnx %v, gltrain %v", name, g[:min(6, len(g))], w[:min(6, len(w))])
			}
		})
	}
}
