package main

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"gltrain/backend/backendtest"
	"gltrain/nn"
)

// readmeSnippetMarker precedes, in README.md, the Python block that
// TestREADMEPyTorchSnippet runs.
const readmeSnippetMarker = "<!-- README test: TestREADMEPyTorchSnippet runs the block below -->"

// readmeBlock returns the fenced block of language lang that follows marker
// in README.md, with the list item's indentation removed.
func readmeBlock(t *testing.T, marker, lang string) string {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	_, after, ok := strings.Cut(string(readme), marker)
	require.True(t, ok, "README.md has no %q", marker)
	m := regexp.MustCompile("(?s)^\\s*\n([ \t]*)```" + lang + "\n(.*?)\n[ \t]*```").FindStringSubmatch(after)
	require.NotNil(t, m, "README.md: no ```%s block right after %q", lang, marker)
	var b strings.Builder
	for _, line := range strings.Split(m[2], "\n") {
		b.WriteString(strings.TrimPrefix(line, m[1]) + "\n")
	}
	return b.String()
}

// readmeSnippetCheck runs after the README's block, in the folder of
// model.safetensors: it prints, as JSON, the largest difference between the
// block's probabilities and gltrain's, on x.f32 (raw rows), and the one
// without the standardisation (the block's net on the raw rows).
const readmeSnippetCheck = `
x = np.fromfile("x.f32", dtype="<f4").reshape(-1, 2)
want = np.fromfile("p.f32", dtype="<f4").reshape(-1, 3)
got = probabilities(x).numpy()
with torch.no_grad():
    raw = torch.softmax(net(torch.from_numpy(x)), dim=1).numpy()
print(json.dumps({"diff": float(np.abs(got - want).max()), "unstandardised": float(np.abs(raw - want).max())}))
`

// TestREADMEPyTorchSnippet runs the README's PyTorch block, as it stands
// there, on a model train saved (2-64 tanh-32 relu-dropout 0.2-3, the
// block's network) from a CSV file whose features are far from standard
// (around 1000 and around 0.05), and requires its probabilities on raw rows
// to be nn.Probabilities' within 1e-5. Both sides standardise in float64
// and round to float32, so the inputs are the same bits; what differs is
// the float32 sums of the matrix products (64 and 32 terms, another order
// in torch), a few ulps of the logits, and softmax's slope is at most 1/2,
// so about 1e-7 is expected (seen: 1.2e-7), and 1e-5 leaves room for another
// BLAS. Leaving the standardisation out must be caught: the block's net on
// the raw rows must be off by more than 0.1.
func TestREADMEPyTorchSnippet(t *testing.T) {
	python := backendtest.PyTorch(t)
	block := readmeBlock(t, readmeSnippetMarker, "python")
	dir := t.TempDir()
	csv := filepath.Join(dir, "far.csv")
	var rows strings.Builder
	rows.WriteString("a,b,class\n")
	var x []float32
	for i := range 150 {
		c := i % 3
		a := 1000 + 40*math.Cos(2*math.Pi*float64(c)/3) + 12*math.Sin(1.7*float64(i))
		b := 0.05 + 0.02*math.Sin(2*math.Pi*float64(c)/3) + 0.006*math.Cos(2.3*float64(i))
		fmt.Fprintf(&rows, "%.6g,%.6g,c%d\n", a, b, c)
		x = append(x, float32(a), float32(b))
	}
	require.NoError(t, os.WriteFile(csv, []byte(rows.String()), 0o644))
	model := filepath.Join(dir, "model.safetensors")
	mustTrain(t, "-backend=cpu", "-plot=", "-quiet", "-data="+csv, "-layers=64:tanh,32:relu,dropout:0.2", "-epochs=3", "-save="+model)

	m, err := nn.Load(model, backendtest.Open(t, "cpu"))
	require.NoError(t, err)
	require.Equal(t, "2-64 tanh-32 relu-dropout 0.2-3", nn.SpecOf(m).String(), "the README block's network")
	require.NotNil(t, m.Standardizer)
	p, err := nn.Probabilities(m, x)
	require.NoError(t, err)
	writeF32(t, filepath.Join(dir, "x.f32"), x)
	var flat []float32
	for _, r := range p {
		flat = append(flat, r...)
	}
	writeF32(t, filepath.Join(dir, "p.f32"), flat)

	script := filepath.Join(dir, "snippet.py")
	require.NoError(t, os.WriteFile(script, []byte(block+readmeSnippetCheck), 0o644))
	cmd := exec.Command(python, script)
	cmd.Dir = dir
	out, err := cmd.Output()
	require.NoError(t, err, "the README's block:\n%s\n%s", block, out)
	var got struct{ Diff, Unstandardised float64 }
	require.NoError(t, json.Unmarshal(out, &got), "%s", out)
	t.Logf("max |torch - gltrain| over %d probabilities: %.3g (without the standardisation: %.3g)", len(flat), got.Diff, got.Unstandardised)
	if !(got.Diff <= 1e-5) {
		t.Errorf("the README's block gives probabilities %.3g from gltrain's, want within 1e-5", got.Diff)
	}
	if !(got.Unstandardised > 0.1) {
		t.Errorf("without the standardisation the probabilities are %.3g from gltrain's, want > 0.1: the data do not test the README's standardisation", got.Unstandardised)
	}
}

// writeF32 writes x to path as little-endian float32s (numpy's "<f4").
func writeF32(t *testing.T, path string, x []float32) {
	t.Helper()
	buf := make([]byte, 0, 4*len(x))
	for _, v := range x {
		buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
	}
	require.NoError(t, os.WriteFile(path, buf, 0o644))
}
