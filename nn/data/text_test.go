package data_test

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/nn/data"
)

func TestLoadTextFolder(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{
		"b.txt": "BB", "a/z.go": "Z", "a.txt": "A", ".hidden": "H", ".git/x": "G", "a/.h": "H", "c/d/e": "E",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	}
	txt, err := data.LoadText(dir, 0)
	require.NoError(t, err)
	// Sorted by slash path: "a.txt" < "a/z.go" ('.' < '/') < "b.txt" < "c/d/e"; hidden ones left out.
	assert.Equal(t, "AZBBE", string(txt.Data))
	assert.Equal(t, []data.TextFile{{"a.txt", 1}, {"a/z.go", 1}, {"b.txt", 2}, {"c/d/e", 1}}, txt.Files)
	assert.Len(t, txt.SHA256(), 64)

	one, err := data.LoadText(filepath.Join(dir, "b.txt"), 0)
	require.NoError(t, err)
	assert.Equal(t, "BB", string(one.Data))
}

func TestLoadTextRefuses(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.txt")
	require.NoError(t, os.WriteFile(big, []byte(strings.Repeat("x", 100)), 0o644))
	empty := filepath.Join(dir, "empty")
	require.NoError(t, os.WriteFile(empty, nil, 0o644))
	emptyDir := filepath.Join(dir, "none")
	require.NoError(t, os.Mkdir(emptyDir, 0o755))
	for _, c := range []struct {
		path string
		max  int64
		err  string
	}{
		{big, 99, "more than 99 bytes"},
		{empty, 0, "no bytes to train on"},
		{emptyDir, 0, "holds no files"},
		{filepath.Join(dir, "missing"), 0, "no such file"},
	} {
		_, err := data.LoadText(c.path, c.max)
		require.Error(t, err, c.path)
		assert.Contains(t, err.Error(), c.err)
		assert.Contains(t, err.Error(), c.path)
	}
	_, err := data.LoadText(big, 100)
	assert.NoError(t, err, "exactly the limit")
}

func TestTextSplitAndWindows(t *testing.T) {
	txt := data.Text{Name: "t", Data: []byte("0123456789")}
	tr, va, err := txt.Split(0.25)
	require.NoError(t, err)
	assert.Equal(t, "01234567", string(tr))
	assert.Equal(t, "89", string(va))
	_, _, err = txt.Split(1)
	assert.Error(t, err)

	// 10 bytes, ctx 4: windows "0123"→"1234" and "4567"→"5678"; "89" is dropped.
	assert.Equal(t, 2, data.TextWindows(txt.Data, 4))
	assert.Equal(t, 3, data.TextWindows(txt.Data, 3), "9 = 3·3 bytes + 1: the last window's target is the last byte")
	assert.Equal(t, 0, data.TextWindows(txt.Data, 10), "a window needs ctx+1 bytes")
	x, y := make([]float32, 4), make([]float32, 4)
	data.FillTextWindow(x, y, txt.Data, 4, 1)
	assert.Equal(t, []float32{'4', '5', '6', '7'}, x)
	assert.Equal(t, []float32{'5', '6', '7', '8'}, y)
}

func TestTextBatcher(t *testing.T) {
	text := []byte("abcdefghijklmnopqrstuvwxyz")
	_, err := data.NewTextBatcher(text[:4], 4, 2, 1)
	assert.ErrorContains(t, err, "needs 5")
	b, err := data.NewTextBatcher(text, 4, 3, 7)
	require.NoError(t, err)
	assert.Equal(t, 3, b.StepsPerEpoch(), "25 targets in batches of 12 tokens")
	fill := func(step int) ([]float32, []float32) {
		x, y := make([]float32, 12), make([]float32, 12)
		b.Fill(x, y, step)
		return x, y
	}
	x0, y0 := fill(0)
	x0b, _ := fill(0)
	assert.Equal(t, x0, x0b, "a step's batch depends on (seed, step) alone")
	x1, _ := fill(1)
	assert.NotEqual(t, x0, x1)
	for i := range x0 {
		assert.Equal(t, x0[i]+1, y0[i], "targets are the next bytes")
		if i%4 != 0 {
			assert.Equal(t, x0[i-1]+1, x0[i], "a sequence is contiguous text")
		}
	}
	// Every start is drawn, the last one included: over many steps the
	// sequences cover the text's first and last bytes.
	seenFirst, seenLast := false, false
	for s := 0; s < 200; s++ {
		x, y := fill(s)
		for i := range x {
			seenFirst = seenFirst || x[i] == 'a'
			seenLast = seenLast || y[i] == 'z'
		}
	}
	assert.True(t, seenFirst && seenLast)
}

func TestLoadGoCorpus(t *testing.T) {
	txt, err := data.LoadGoCorpus(runtime.GOROOT())
	require.NoError(t, err)
	assert.Greater(t, len(txt.Data), 1<<20)
	assert.Less(t, len(txt.Data), 2<<20)
	assert.Equal(t, "bufio/bufio.go", txt.Files[0].Path)
	sum := 0
	for _, f := range txt.Files {
		assert.False(t, strings.HasSuffix(f.Path, "_test.go"), f.Path)
		sum += f.Bytes
	}
	assert.Equal(t, len(txt.Data), sum)
	_, err = data.LoadGoCorpus(t.TempDir())
	assert.ErrorContains(t, err, "package bufio")
}
