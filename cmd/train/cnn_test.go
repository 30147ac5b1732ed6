package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// imagesCSV writes a CSV file of n 1×6×6 images of three classes (a bright
// row, a bright column, a bright diagonal, with noise) and returns its path.
func imagesCSV(t *testing.T, n int) string {
	t.Helper()
	var b strings.Builder
	for i := 0; i < n; i++ {
		class := i % 3
		for p := 0; p < 36; p++ {
			y, x := p/6, p%6
			v := 0.1 * math.Sin(float64(7*i+p))
			if (class == 0 && y == 2) || (class == 1 && x == 3) || (class == 2 && x == y) {
				v += 1
			}
			fmt.Fprintf(&b, "%.3f,", v)
		}
		fmt.Fprintf(&b, "%d\n", class)
	}
	path := filepath.Join(t.TempDir(), "images.csv")
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	return path
}

// TestConvLayers: -layers builds a CNN on -input-shape images, trains it,
// and saves it with its geometry so that -load evaluates it with no flags;
// a convolution needs -input-shape on a CSV file, and a kernel larger than
// the image exits 2 naming the item and the shapes.
func TestConvLayers(t *testing.T) {
	path := imagesCSV(t, 90)
	save := filepath.Join(t.TempDir(), "cnn.safetensors")
	stdout := mustTrain(t, "-backend=cpu", "-plot=", "-data="+path, "-input-shape=1x6x6",
		"-layers=conv:4:3,relu,maxpool:2,flatten,8:relu", "-epochs=40", "-lr=0.02", "-save="+save)
	assert.Contains(t, stdout, "model    36-conv 4@3×3 relu-maxpool 2×2-flatten-8 relu-3")
	code, out, errOut := runTrain(t, "-backend=cpu", "-data="+path, "-load="+save, "-eval")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "eval     "+path+": accuracy 100.00% (90 samples)", "three bright lines are easy")

	for i, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-layers=conv:4:3,flatten"}, `-layers item 1 (conv:4:3:1:0): needs images, but its input is 36 flat features (give -input-shape=CxHxW`},
		{[]string{"-input-shape=1x6x6", "-layers=conv:4:9"}, "-layers item 1 (conv:4:9:1:0): on 1x6x6 images: conv: a 9×9 kernel is larger than the 6×6 input padded by 0"},
		{[]string{"-input-shape=1x6x6", "-layers=conv:4:3,maxpool:5"}, "-layers item 2 (maxpool:5:5): on 4x4x4 images: maxpool: a 5×5 window is larger than the 4×4 input"},
		{[]string{"-input-shape=2x6x6", "-layers=conv:4:3"}, "-input-shape=2x6x6 holds 72 values, but " + path + " has 36 features"},
		{[]string{"-input-shape=1x6", "-layers=8"}, `invalid value "1x6" for -input-shape: want CxHxW`},
		{[]string{"-input-shape=1x6x6", "-layers=16,conv:4:3"}, "-layers item 2 (conv:4:3:1:0): needs images"},
		{[]string{"-layers=conv:4"}, `item 1 "conv:4": want conv:C:K[:S[:P]]`},
		{[]string{"-layers=maxpool:0"}, `item 1 "maxpool:0": want maxpool:K[:S]`},
	} {
		code, _, stderr := runTrain(t, append([]string{"-backend=cpu", "-plot=", "-data=" + path}, tc.args...)...)
		assert.Equal(t, 2, code, "%d %v: %s", i, tc.args, stderr)
		assert.Contains(t, stderr, tc.want, "%d %v", i, tc.args)
	}
}
