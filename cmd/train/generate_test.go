package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/backend/backendtest"
	"gltrain/nn"
)

// tinyGPT saves an untrained byte-level GPT (vocab 256, ctx 16) and
// returns its path. Its weights are nanoGPT's N(0, 0.02²), so its logits
// are close together and sampling at temperature 1 draws widely.
func tinyGPT(t *testing.T) string {
	t.Helper()
	m, err := nn.NewModel(backendtest.Open(t, "cpu"), &nn.GPT{Config: nn.GPTConfig{Vocab: 256, Ctx: 16, Layers: 1, Heads: 2, Embd: 8}}, 1, 3)
	require.NoError(t, err)
	defer m.Release()
	path := filepath.Join(t.TempDir(), "gpt.safetensors")
	require.NoError(t, nn.Save(path, m, nil))
	return path
}

// TestGenerate: -generate prints the prompt and that many bytes, the same
// for a seed, other bytes for another seed (two 40-byte draws from nearly
// uniform 256-way choices agree with odds of about 256⁻⁴⁰), and only the
// text on stdout.
func TestGenerate(t *testing.T) {
	ck := tinyGPT(t)
	gen := func(args ...string) (string, string) {
		code, stdout, stderr := runTrain(t, append([]string{"-backend=cpu", "-load=" + ck, "-generate=40", "-prompt=func main() {"}, args...)...)
		require.Equal(t, 0, code, "stderr: %s", stderr)
		return stdout, stderr
	}
	one, stderr := gen("-seed=1")
	assert.True(t, strings.HasPrefix(one, "func main() {"), "%q", one)
	assert.Len(t, one, len("func main() {")+40+1, "the prompt, 40 bytes, a newline")
	assert.Contains(t, stderr, "generated 40 bytes")
	again, _ := gen("-seed=1")
	assert.Equal(t, one, again, "seed 1 twice")
	two, _ := gen("-seed=2")
	assert.NotEqual(t, one, two, "seeds 1 and 2")
	cold, _ := gen("-temperature=0", "-seed=1")
	coldOther, _ := gen("-temperature=0", "-seed=9")
	assert.Equal(t, cold, coldOther, "temperature 0 is the argmax, whatever the seed")
	topK, _ := gen("-top-k=1", "-seed=5")
	assert.Equal(t, cold, topK, "top-1 is the argmax (no ties among float32 logits here)")
	slid, _ := gen("-slide=1", "-quiet")
	assert.Len(t, slid, len("func main() {")+40+1)

	code, stdout, stderr := runTrain(t, "-backend=cpu", "-load="+ck, "-generate=5", "-quiet")
	require.Equal(t, 0, code, stderr)
	assert.Len(t, stdout, 5+1, "an empty prompt prints nothing of its own: 5 bytes after a newline not printed, and a newline")
	assert.Empty(t, stderr, "-quiet")

	code, _, stderr = runTrain(t, "-backend=cpu", "-load="+ck, "-generate=5", "-quiet", "-epochs=3", "-lr=0.1")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "warning: -lr, -epochs: no effect with -generate, which only reads the -load checkpoint\n", stderr)
}

// TestGenerateAcrossBackends: a seed gives the same text on gl as on cpu
// (their logits differ by float32 rounding, about 1e-7, which changes a
// draw with odds of about 1e-6 a byte).
func TestGenerateAcrossBackends(t *testing.T) {
	ck := tinyGPT(t)
	var texts []string
	for _, b := range []string{"cpu", glOr(t)} {
		code, stdout, stderr := runTrain(t, "-backend="+b, "-load="+ck, "-generate=30", "-prompt=ab", "-temperature=0.8", "-top-k=40", "-seed=4", "-quiet")
		require.Equal(t, 0, code, stderr)
		texts = append(texts, stdout)
	}
	assert.Equal(t, texts[0], texts[1])
}

// TestGenerateBadInput: exit 2 and one line naming the problem, before a
// backend is opened.
func TestGenerateBadInput(t *testing.T) {
	ck := tinyGPT(t)
	mlp := filepath.Join(t.TempDir(), "mlp.safetensors")
	m, err := nn.MLP(2, []int{4}, 3, nn.ReLU).Build(backendtest.Open(t, "cpu"), 1)
	require.NoError(t, err)
	require.NoError(t, nn.Save(mlp, m, nil))
	m.Release()
	for i, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-generate=10"}, "-generate needs -load"},
		{[]string{"-generate=-1", "-load=" + ck}, "invalid value -1 for -generate"},
		{[]string{"-load=" + ck, "-prompt=x"}, "-prompt shapes -generate's text; there is no -generate"},
		{[]string{"-generate=10", "-load=" + ck, "-eval"}, "-generate conflicts with -resume, -eval and -predict"},
		{[]string{"-generate=10", "-load=" + ck, "-temperature=-0.1"}, "invalid value -0.1 for -temperature"},
		{[]string{"-generate=10", "-load=" + ck, "-temperature=NaN"}, "invalid value NaN for -temperature"},
		{[]string{"-generate=10", "-load=" + ck, "-top-k=-1"}, "invalid value -1 for -top-k"},
		{[]string{"-generate=10", "-load=" + ck, "-top-k=257"}, "invalid value 257 for -top-k: the model has 256 tokens"},
		{[]string{"-generate=10", "-load=" + ck, "-slide=17"}, "invalid value 17 for -slide: at most the model's context, 16"},
		{[]string{"-generate=10", "-load=" + ck, "-prompt=" + strings.Repeat("x", 17)}, "-prompt of 17 bytes: longer than the model's context of 16"},
		{[]string{"-generate=10", "-load=" + mlp}, "holds a sequential network of 2 inputs and 3 outputs, not a GPT"},
		{[]string{"-generate=10", "-load=" + filepath.Join(t.TempDir(), "none.safetensors")}, "none.safetensors"},
	} {
		code, stdout, stderr := runTrain(t, append([]string{"-backend=cpu"}, tc.args...)...)
		assert.Equal(t, 2, code, "case %d: %v: %s", i, tc.args, stderr)
		assert.Contains(t, stderr, tc.want, "case %d", i)
		assert.Empty(t, stdout, "case %d", i)
	}
}
