package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/backend/backendtest"
	"gltrain/nn/safetensors"
)

// tinyGPTFlag is the model of the text tests: small enough that an epoch over
// a few KB takes tens of milliseconds on the CPU.
const tinyGPTFlag = "-model=gpt:layers=1,heads=2,embd=16,ctx=16"

// writeText writes a few KB of code-like text (the same every run) and
// returns its path.
func writeText(t *testing.T, dir string, lines int) string {
	t.Helper()
	var b strings.Builder
	for i := 0; i < lines; i++ {
		fmt.Fprintf(&b, "func f%d(x int) int { return x*%d + %d }\n", i, i%7, i%13)
	}
	path := filepath.Join(dir, "corpus.txt")
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	return path
}

// TestTextBadFlags: each mistake of a text run is one line and exit 2.
func TestTextBadFlags(t *testing.T) {
	dir := t.TempDir()
	text := "-data=text:" + writeText(t, dir, 100)
	short := filepath.Join(dir, "short.txt")
	require.NoError(t, os.WriteFile(short, []byte("package main\n"), 0o644))
	for i, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-data=text:"}, "give the file or folder"},
		{[]string{text, "-layers=64"}, "-layers does not apply to text data"},
		{[]string{text, "-hidden=64"}, "-hidden does not apply to text data"},
		{[]string{text, "-loss=mse"}, "-loss=mse does not apply to text data"},
		{[]string{"-data=spiral", "-model=gpt"}, "trains on text: give -data=text:PATH or -data=go"},
		{[]string{text, "-model=gpt:embd=30,heads=4"}, "embd 30 is not a multiple of heads 4"},
		{[]string{text, "-model=gpt:ctx=4096"}, "ctx 4096: want 1 … 1024"},
		{[]string{"-data=text:" + short, tinyGPTFlag}, "shorter than a sequence: ctx 16 needs 17 bytes"},
		{[]string{text, tinyGPTFlag, "-val=0.001"}, "holds no window of ctx 16 tokens"},
		{[]string{"-data=text:" + filepath.Join(dir, "missing")}, "no such file"},
	} {
		code, stdout, stderr := runTrain(t, append(tc.args, "-backend=cpu", "-plot=")...)
		assert.Equal(t, 2, code, "%d %v: %s%s", i, tc.args, stdout, stderr)
		assert.Contains(t, stderr, tc.want, "%d %v", i, tc.args)
	}
}

// textEpoch is the part of an epoch's -json object the text tests read.
type textEpoch struct {
	Epoch        int      `json:"epoch"`
	Loss         float64  `json:"loss"`
	ValLoss      *float64 `json:"val_loss"`
	Steps        int      `json:"steps"`
	Samples      int      `json:"samples"`
	TokensPerSec *float64 `json:"tokens_per_sec"`
}

// TestTextTrainEval trains the tiny GPT on text with -json, then checks
// -eval's loss on the same file against nanoGPT in PyTorch: the model
// loaded strict from the checkpoint, the same windows, float64. An epoch
// is one pass over the training text: ⌈(bytes−1)/(batch·ctx)⌉ steps of
// batch·ctx tokens.
func TestTextTrainEval(t *testing.T) {
	dir := t.TempDir()
	path := writeText(t, dir, 100) // 4,230 bytes
	info, err := os.Stat(path)
	require.NoError(t, err)
	ck := filepath.Join(dir, "m.safetensors")
	code, stdout, stderr := runTrain(t, "-backend=cpu", "-data=text:"+path, tinyGPTFlag, "-batch=4", "-epochs=2", "-lr=3e-3",
		"-opt=adamw", "-wd=0.1", "-json", "-plot=", "-save="+ck)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, fmt.Sprintf("1 file, %d bytes, sha256 ", info.Size()))
	assert.Contains(t, stderr, "tokens/s")
	var epochs []textEpoch
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var e textEpoch
		require.NoError(t, json.Unmarshal([]byte(line), &e), line)
		epochs = append(epochs, e)
	}
	require.Len(t, epochs, 2)
	trainBytes := int(info.Size()) - int(0.1*float64(info.Size()))
	steps := (trainBytes - 1 + 4*16 - 1) / (4 * 16)
	for _, e := range epochs {
		assert.Equal(t, steps, e.Steps)
		assert.Equal(t, steps*4*16, e.Samples, "a sample is a token")
		require.NotNil(t, e.ValLoss)
		require.NotNil(t, e.TokensPerSec)
	}
	// From ln 256 ≈ 5.55 nats at the start, 2 epochs of this repetitive
	// text bring the validation loss well down.
	assert.Less(t, *epochs[1].ValLoss, 4.0)

	code, stdout, stderr = runTrain(t, "-backend=cpu", "-load="+ck, "-data=text:"+path, "-eval", "-json")
	require.Equal(t, 0, code, stderr)
	var r textReport
	require.NoError(t, json.Unmarshal([]byte(stdout), &r), stdout)
	assert.Equal(t, (int(info.Size())-1)/16, r.Windows)
	assert.Equal(t, r.Windows*16, r.Tokens)
	assert.InDelta(t, r.Loss/math.Ln2, r.BitsPerByte, 1e-12)

	python := backendtest.PyTorch(t)
	out, err := exec.Command(python, "../../nn/testdata/torch_gpt_eval.py", ck, path).CombinedOutput()
	require.NoError(t, err, "%s", out)
	want, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	require.NoError(t, err, "%s", out)
	// float32 against float64 through one block, and float32 sums of 4,224
	// per-token losses: a few 1e-7 relative; 1e-5 is the bound.
	assert.InEpsilon(t, want, r.Loss, 1e-5)
}

// modelTensors reads a checkpoint's tensors (model and optimiser state).
func modelTensors(t *testing.T, path string) map[string][]float32 {
	t.Helper()
	f, err := safetensors.ReadFile(path)
	require.NoError(t, err)
	out := map[string][]float32{}
	for _, ts := range f.Tensors {
		out[ts.Name] = ts.Data
	}
	return out
}

// TestTextResumeBitExact: 2 epochs in one run and 1 epoch resumed for a
// second give the same tensors, bit for bit, parameters and optimiser
// state, with AdamW, clipping, warm-up and the cosine schedule, and
// -save-best keeping the best epoch.
func TestTextResumeBitExact(t *testing.T) {
	dir := t.TempDir()
	path := writeText(t, dir, 60)
	flags := []string{"-backend=cpu", "-data=text:" + path, tinyGPTFlag, "-batch=4", "-lr=3e-3", "-opt=adamw", "-wd=0.1",
		"-clip=1", "-warmup=5", "-schedule=cosine", "-plot=", "-quiet"}
	whole, part := filepath.Join(dir, "whole.safetensors"), filepath.Join(dir, "part.safetensors")
	code, _, stderr := runTrain(t, append(flags, "-epochs=2", "-save="+whole)...)
	require.Equal(t, 0, code, stderr)
	code, _, stderr = runTrain(t, append(flags, "-epochs=1", "-save="+part)...)
	require.Equal(t, 0, code, stderr)
	code, _, stderr = runTrain(t, "-backend=cpu", "-resume="+part, "-epochs=2", "-plot=", "-quiet")
	require.Equal(t, 0, code, stderr)
	a, b := modelTensors(t, whole), modelTensors(t, part)
	require.Equal(t, len(a), len(b))
	for name, want := range a {
		assert.Equal(t, want, b[name], name)
	}

	best := filepath.Join(dir, "best.safetensors")
	code, stdout, stderr := runTrain(t, append(flags[:len(flags)-1], "-epochs=2", "-save-best", "-save="+best)...)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "the best model, epoch")
}

// TestTextGL trains a step on GL and evaluates its checkpoint on both
// backends: the losses agree to float32 rounding across backends
// (different summation orders over 2,000 tokens: 1e-5 relative).
func TestTextGL(t *testing.T) {
	gl := glOr(t)
	dir := t.TempDir()
	path := writeText(t, dir, 50)
	ck := filepath.Join(dir, "m.safetensors")
	code, _, stderr := runTrain(t, "-backend="+gl, "-data=text:"+path, tinyGPTFlag, "-batch=4", "-plot=", "-quiet", "-save="+ck)
	require.Equal(t, 0, code, stderr)
	loss := func(b string) float64 {
		code, stdout, stderr := runTrain(t, "-backend="+b, "-load="+ck, "-data=text:"+path, "-eval", "-json")
		require.Equal(t, 0, code, stderr)
		var r textReport
		require.NoError(t, json.Unmarshal([]byte(stdout), &r), stdout)
		return r.Loss
	}
	assert.InEpsilon(t, loss("cpu"), loss(gl), 1e-5)
}

// TestTextChanged: -resume refuses text that is not the checkpoint's
// (its SHA-256 differs), unless -data-changed=ok.
func TestTextChanged(t *testing.T) {
	dir := t.TempDir()
	path := writeText(t, dir, 40)
	ck := filepath.Join(dir, "m.safetensors")
	code, _, stderr := runTrain(t, "-backend=cpu", "-data=text:"+path, tinyGPTFlag, "-batch=4", "-plot=", "-quiet", "-save="+ck)
	require.Equal(t, 0, code, stderr)
	writeText(t, dir, 41)
	code, _, stderr = runTrain(t, "-backend=cpu", "-resume="+ck, "-epochs=2", "-plot=", "-quiet")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "is not the text "+ck+" was trained on")
	code, _, stderr = runTrain(t, "-backend=cpu", "-resume="+ck, "-epochs=2", "-plot=", "-quiet", "-data-changed=ok")
	assert.Equal(t, 0, code, stderr)
}

// TestTextMismatchedCheckpoint: a GPT checkpoint whose config does not fit
// its tensors (issue #24's bad input) is one line and exit 2, for -eval on
// text as for -generate, before any model is built.
func TestTextMismatchedCheckpoint(t *testing.T) {
	dir := t.TempDir()
	f, err := safetensors.ReadFile(tinyGPT(t))
	require.NoError(t, err)
	var model map[string]any
	require.NoError(t, json.Unmarshal([]byte(f.Metadata["model"]), &model))
	model["gpt"].(map[string]any)["layers"] = 2
	js, err := json.Marshal(model)
	require.NoError(t, err)
	f.Metadata["model"] = string(js)
	bad := filepath.Join(dir, "bad.safetensors")
	require.NoError(t, safetensors.WriteFile(bad, f.Tensors, f.Metadata))
	text := "-data=text:" + writeText(t, dir, 100)
	for _, args := range [][]string{{"-load=" + bad, text, "-eval"}, {"-load=" + bad, "-generate=5"}} {
		code, _, stderr := runTrain(t, append(args, "-backend=cpu")...)
		assert.Equal(t, 2, code, "%v: %s", args, stderr)
		assert.Contains(t, stderr, "bad.safetensors: not a usable gltrain checkpoint: transformer.h.1.ln_1.weight is missing", "%v", args)
		assert.Equal(t, 1, strings.Count(strings.TrimSpace(stderr), "\n")+1, "one line: %q", stderr)
	}
}
