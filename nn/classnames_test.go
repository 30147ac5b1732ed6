package nn_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/backend/backendtest"
	"gltrain/nn"
	"gltrain/nn/safetensors"
)

// TestClassNamesWithoutControls: a class name holding control characters
// (a terminal escape, CR or LF), which the CSV reader refuses
// (data.CheckClassName), is refused by Save and, in a crafted checkpoint,
// by Load too, naming the field: no command prints one raw. Before, both
// took it.
func TestClassNamesWithoutControls(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	m, err := nn.NewModel(b, issueNet(), 2, 1)
	require.NoError(t, err)
	defer m.Release()
	dir := t.TempDir()
	names := func(bad string) []string {
		n := make([]string, m.Outputs)
		for i := range n {
			n[i] = strings.Repeat("c", i+1)
		}
		n[m.Outputs-1] = bad
		return n
	}
	for _, bad := range []string{"\x1b[2J", "a\r\nb", "b\u009bc"} {
		m.ClassNames = names(bad)
		err := nn.Save(filepath.Join(dir, "bad.safetensors"), m, nil)
		require.Error(t, err, "%q", bad)
		assert.Contains(t, err.Error(), `__metadata__ "class_names": name `, "%q", bad)
		assert.Contains(t, err.Error(), "holds control characters", "%q", bad)
		assert.NoFileExists(t, filepath.Join(dir, "bad.safetensors"))
	}
	m.ClassNames = names("ok")
	good := filepath.Join(dir, "good.safetensors")
	require.NoError(t, nn.Save(good, m, nil))
	f, err := safetensors.ReadFile(good)
	require.NoError(t, err)
	crafted, err := json.Marshal(names("\x1b]0;pwned\x07"))
	require.NoError(t, err)
	f.Metadata["class_names"] = string(crafted)
	path := filepath.Join(dir, "crafted.safetensors")
	require.NoError(t, safetensors.WriteFile(path, f.Tensors, f.Metadata))
	_, err = nn.Load(path, b)
	require.Error(t, err)
	assert.Contains(t, err.Error(), path+`: not a usable gltrain checkpoint: __metadata__ "class_names": name `)
	assert.Contains(t, err.Error(), `holds control characters (U+001B)`)
}
