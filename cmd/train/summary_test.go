package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSummaryFlag: -summary prints the model's table (nn.Summary) under
// the header, and stops before training; with -load it is the
// checkpoint's model, and -quiet keeps the table.
func TestSummaryFlag(t *testing.T) {
	code, stdout, stderr := runTrain(t, "-backend=cpu", "-plot=", "-summary")
	require.Equal(t, 0, code, stderr)
	assert.True(t, strings.HasSuffix(stdout, ""+
		"model    2-100 relu-3, 603 parameters, softmax loss\n"+
		"         layer  type            output    params\n"+
		"         0      Linear(2, 100)  (N, 100)     300\n"+
		"         1      relu            (N, 100)       0\n"+
		"         2      Linear(100, 3)  (N, 3)       303\n"+
		"         total: 603 parameters (2.4 kB in float32)\n"), stdout)
	assert.NotContains(t, stdout, "epoch ")
	assert.NotContains(t, stdout, "done ")

	dir := t.TempDir()
	ck := filepath.Join(dir, "m.safetensors")
	code, _, stderr = runTrain(t, "-backend=cpu", "-plot=", "-epochs=1", "-layers=8,dropout:0.5", "-save="+ck)
	require.Equal(t, 0, code, stderr)
	code, stdout, stderr = runTrain(t, "-backend=cpu", "-plot=", "-load="+ck, "-summary", "-quiet")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "2      Dropout(0.5)  (N, 8)")
	assert.Contains(t, stdout, "total: 51 parameters") // 2·8+8 + 8·3+3
	_, err := os.Stat(ck)
	assert.NoError(t, err)
}
