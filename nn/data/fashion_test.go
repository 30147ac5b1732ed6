package data_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/nn/data"
)

// fashionInstalled skips, naming the reason, where Debian's
// dataset-fashion-mnist is not installed, except under CI (make test-deps
// installs it), where that fails.
func fashionInstalled(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(data.FashionMNISTDir, data.FashionMNISTFiles[0].Name)); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Fashion-MNIST is not installed: %v (make test-deps installs dataset-fashion-mnist)", err)
		}
		t.Skipf("Fashion-MNIST is not installed: %v; apt-get install dataset-fashion-mnist", err)
	}
}

// TestLoadFashionMNIST reads the test set from Debian's package: 10000
// images of 784 pixels in [0, 1], the class names, and the first labels
// (an ankle boot, a pullover, two trousers: the dataset's README shows
// them).
func TestLoadFashionMNIST(t *testing.T) {
	fashionInstalled(t)
	s, err := data.LoadFashionMNIST(context.Background(), "", false)
	require.NoError(t, err)
	assert.Equal(t, "fashion-mnist-test", s.Name)
	assert.Equal(t, []int{10000, 784, 10}, []int{s.Len(), s.Features, s.Classes})
	assert.Equal(t, []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}, s.ClassNames)
	assert.Equal(t, []int{9, 2, 1, 1}, s.Labels[:4])
	lo, hi := float32(1), float32(0)
	for _, v := range s.X[:4*784] {
		lo, hi = min(lo, v), max(hi, v)
	}
	assert.Equal(t, []float32{0, 1}, []float32{lo, hi}, "the first images' pixels span 0 to 255")
	require.NoError(t, s.Validate())
}

// TestFashionMNISTChecksums: a file that is not Fashion-MNIST's (here
// MNIST's name with other bytes) is refused, naming the hashes, and a
// folder without the files says which package installs them.
func TestFashionMNISTChecksums(t *testing.T) {
	fashionInstalled(t)
	dir := t.TempDir()
	for _, f := range data.FashionMNISTFiles {
		b, err := os.ReadFile(filepath.Join(data.FashionMNISTDir, f.Name))
		require.NoError(t, err)
		if f.Name == "t10k-labels-idx1-ubyte.gz" {
			b[len(b)/2] ^= 1
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, f.Name), b, 0o644))
	}
	_, err := data.LoadFashionMNIST(context.Background(), dir, false)
	assert.ErrorContains(t, err, "t10k-labels-idx1-ubyte.gz is not the file it should be (SHA-256 ")
	_, err = data.LoadFashionMNIST(context.Background(), t.TempDir(), false)
	assert.True(t, errors.Is(err, fs.ErrNotExist), "%v", err)
	assert.ErrorContains(t, err, "apt-get install dataset-fashion-mnist")
}
