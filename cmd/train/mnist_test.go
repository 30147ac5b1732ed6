package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/nn/data"
)

// mnistDir returns the MNIST cache, skipping the test when it lacks the
// files (`make mnist` fills it without internet access): the tests do not
// download.
func mnistDir(t *testing.T) string {
	t.Helper()
	dir, err := data.DefaultMNISTDir()
	if err != nil {
		t.Skipf("no MNIST cache: %v", err)
	}
	for _, f := range data.MNISTFiles {
		if _, err := os.Stat(filepath.Join(dir, f.Name)); err != nil {
			t.Skipf("MNIST is not in %s (make mnist puts it there): %v", dir, err)
		}
	}
	return dir
}

// TestMNISTValidationSplit: MNIST holds out 1/12 of its training set (5,000
// images) for validation by default, and -val of it when given, split by
// -seed; the test set is kept apart, evaluated once at the end, and named
// "test" in the summary.
func TestMNISTValidationSplit(t *testing.T) {
	dir := mnistDir(t)
	load := func(args ...string) dataset {
		c, err := parseFlags(append([]string{"-data=mnist", "-data-dir=" + dir}, args...), &bytes.Buffer{})
		require.NoError(t, err)
		d, err := loadData(context.Background(), c.dataSource(), nil, nil)
		require.NoError(t, err)
		return d
	}
	d := load()
	assert.Equal(t, 55000, d.train.Len())
	assert.Equal(t, 5000, d.held.Len())
	assert.Equal(t, "validation", d.heldName)
	assert.Equal(t, 10000, d.test.Len())
	assert.Equal(t, "mnist: 55000 training and 5000 validation samples, 784 features, 10 classes; 10000 test samples, evaluated at the end", d.describe())
	again, other := load(), load("-seed=2")
	assert.True(t, slices.Equal(d.held.X, again.held.X), "the same seed holds out the same images")
	assert.False(t, slices.Equal(d.held.X, other.held.X), "another seed holds out others")
	assert.Equal(t, 6000, load("-val=0.1").held.Len())

	// End to end: validation each epoch, the test set once, in the summary.
	code, stdout, stderr := runTrain(t, "-backend=cpu", "-data=mnist", "-data-dir="+dir, "-hidden=", "-epochs=1", "-batch=500", "-plot=", "-json")
	require.Equal(t, 0, code, stderr)
	var e epochJSON
	require.NoError(t, json.Unmarshal([]byte(stdout), &e), stdout)
	require.NotNil(t, e.ValAccuracy)
	assert.Greater(t, *e.ValAccuracy, 0.7)
	assert.Contains(t, stderr, "val acc")
	done := stderr[strings.Index(stderr, "done "):]
	assert.Regexp(t, `train accuracy [\d.]+% \(loss [\d.]+\), validation accuracy [\d.]+% \(loss [\d.]+\), test accuracy [\d.]+% \(loss [\d.]+\)\n`, done)
	assert.NotContains(t, stderr, "-val has no effect")
}

// TestMNISTEvalIsTestSet: -eval with MNIST evaluates its 10,000 test
// images, named "test", and warns that -val has no effect.
func TestMNISTEvalIsTestSet(t *testing.T) {
	dir := mnistDir(t)
	ck := filepath.Join(t.TempDir(), "mnist.safetensors")
	code, _, stderr := runTrain(t, "-backend=cpu", "-data=mnist", "-data-dir="+dir, "-hidden=", "-epochs=1", "-batch=1000", "-plot=", "-quiet", "-save="+ck)
	require.Equal(t, 0, code, stderr)
	code, stdout, stderr := runTrain(t, "-backend=cpu", "-data-dir="+dir, "-load="+ck, "-eval", "-val=0.5", "-json")
	require.Equal(t, 0, code, stderr)
	var r evalReport
	require.NoError(t, json.Unmarshal([]byte(stdout), &r), stdout)
	assert.Equal(t, "test", r.Set)
	assert.Equal(t, 10000, r.Samples)
	assert.Len(t, r.Confusion, 10)
	support := 0
	for _, c := range r.PerClass {
		support += c.Support
	}
	assert.Equal(t, 10000, support)
	assert.Contains(t, stderr, "data     mnist: 10000 test samples, 784 features, 10 classes")
	assert.Contains(t, stderr, "eval     test: accuracy ")
	assert.Contains(t, stderr, "warning: -val has no effect with -eval")
}
