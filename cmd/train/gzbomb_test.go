package main

import (
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGzipCountStopsAtTheLimit: a small .csv.gz that decompresses to far
// more rows than the memory allows (here 64 MiB of text from about 100 KiB)
// is refused once the rows counted so far need more than -max-memory, not
// after counting the whole stream, which for a gzip bomb takes as long as
// its decompressed size (a second a GiB here).
func TestGzipCountStopsAtTheLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bomb.csv.gz")
	f, err := os.Create(path)
	require.NoError(t, err)
	z := gzip.NewWriter(f)
	chunk := []byte(strings.Repeat("1,2,3,0\n1,2,3,1\n", 1<<12)) // 64 KiB
	for range 1 << 10 {
		_, err := z.Write(chunk)
		require.NoError(t, err)
	}
	require.NoError(t, z.Close())
	require.NoError(t, f.Close())
	code, _, stderr := runTrain(t, "-backend=cpu", "-plot=", "-data="+path, "-max-memory=1M")
	assert.Equal(t, 1, code)
	assert.Regexp(t, `^train: -data `+path+`: its first [0-9]+ values in [0-9]+ rows already need [0-9.]+ MiB to read, more than the 1.0 MiB available by -max-memory`, stderr)
}
