package main

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/backend"
)

// TestParseNormAndPoolItems: avgpool:K[:S] takes maxpool's defaults, and
// gap and layernorm take no parameter.
func TestParseNormAndPoolItems(t *testing.T) {
	for i, tc := range []struct {
		spec string
		want layerItem
	}{
		{"avgpool:2", layerItem{kind: "avgpool", k: 2, s: 2}},
		{"avgpool:3:1", layerItem{kind: "avgpool", k: 3, s: 1}},
		{"gap", layerItem{kind: "gap"}},
		{"LayerNorm", layerItem{kind: "layernorm"}},
	} {
		items, err := parseLayers(tc.spec, backend.Activation{Kind: backend.ReLU})
		require.NoError(t, err, "%d %s", i, tc.spec)
		require.Len(t, items, 1, "%d %s", i, tc.spec)
		assert.Equal(t, tc.want, items[0], "%d %s", i, tc.spec)
		assert.Equal(t, items, must(parseLayers(formatLayers(items), backend.Activation{})), "%d %s: formatLayers reads back", i, tc.spec)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestNormAndPoolLayers: -layers builds a CNN with average pooling, global
// average pooling and LayerNorm, trains it, saves it so that -load
// evaluates it with no flags; items that do not fit exit 2 naming the item
// and the shapes.
func TestNormAndPoolLayers(t *testing.T) {
	path := imagesCSV(t, 90)
	save := filepath.Join(t.TempDir(), "cnn.safetensors")
	stdout := mustTrain(t, "-backend=cpu", "-plot=", "-data="+path, "-input-shape=1x6x6",
		"-layers=conv:4:3:1:1,relu,avgpool:2,conv:8:2,relu,gap,layernorm,8:relu", "-epochs=30", "-lr=0.05", "-save="+save)
	assert.Contains(t, stdout, "model    36-conv 4@3×3+1 relu-avgpool 2×2-conv 8@2×2 relu-gap-layernorm-8 relu-3")
	code, out, errOut := runTrain(t, "-backend=cpu", "-data="+path, "-load="+save, "-eval")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "eval     "+path+": accuracy")

	for i, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-input-shape=1x6x6", "-layers=conv:4:3,layernorm"}, "-layers item 2 (layernorm): takes flat features, but its input is 4x4x4 images (put flatten or gap before it)"},
		{[]string{"-layers=gap"}, "-layers item 1 (gap): needs images, but its input is 36 flat features"},
		{[]string{"-input-shape=1x6x6", "-layers=avgpool:7"}, "-layers item 1 (avgpool:7:7): on 1x6x6 images: avgpool: a 7×7 window is larger than the 6×6 input"},
		{[]string{"-layers=gap:2"}, `item 1 "gap:2": gap takes no parameter`},
		{[]string{"-layers=avgpool:0"}, `item 1 "avgpool:0": want avgpool:K[:S]`},
	} {
		code, _, stderr := runTrain(t, append([]string{"-backend=cpu", "-plot=", "-data=" + path}, tc.args...)...)
		assert.Equal(t, 2, code, "%d %v: %s", i, tc.args, stderr)
		assert.Contains(t, stderr, tc.want, "%d %v", i, tc.args)
	}
}
