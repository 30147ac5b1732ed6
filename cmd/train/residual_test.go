package main

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/backend"
	"gltrain/nn"
)

// TestParseResidualItem: res(ITEMS) holds the items inside, a bare N
// there a Linear without activation, and formatLayers writes it back.
func TestParseResidualItem(t *testing.T) {
	relu := backend.Activation{Kind: backend.ReLU}
	items, err := parseLayers("16, res(16:relu, dropout:0.1, 16), relu, res(16:tanh,res(16),16)", relu)
	require.NoError(t, err)
	require.Len(t, items, 4)
	assert.Equal(t, layerItem{kind: "res", sub: []layerItem{
		{kind: "linear", units: 16, act: relu},
		{kind: "dropout", p: 0.1},
		{kind: "linear", units: 16, act: backend.Activation{Kind: backend.Identity}, plain: true},
	}}, items[1])
	assert.Equal(t, "16:relu,res(16:relu,dropout:0.1,16),relu,res(16:tanh,res(16),16)", formatLayers(items))
	assert.Equal(t, items, must(parseLayers(formatLayers(items), relu)), "formatLayers reads back")

	s, err := modelSpec(items[:2], 5, 3, nil)
	require.NoError(t, err)
	assert.Equal(t, []nn.LayerSpec{
		{Type: "linear", In: 5, Out: 16}, {Type: "relu"},
		{Type: "residual", Layers: []nn.LayerSpec{{Type: "sequential", Layers: []nn.LayerSpec{
			{Type: "linear", In: 16, Out: 16}, {Type: "relu"}, {Type: "dropout", P: 0.1}, {Type: "linear", In: 16, Out: 16}}}}},
		{Type: "linear", In: 16, Out: 3},
	}, s.Layers)
	require.NoError(t, s.Check())

	for i, tc := range []struct{ spec, want string }{
		{"res()", "want res(ITEMS)"},
		{"res(16", "a ( without its )"},
		{"16),4", "a ) without its ( at character 3"},
		{"res(16:relu,foo)", `item 1 "res(16:relu,foo)": in res(…): item 2 "foo": want N`},
	} {
		_, err := parseLayers(tc.spec, relu)
		if assert.Error(t, err, "%d", i) {
			assert.Contains(t, err.Error(), tc.want, "%d", i)
		}
	}
}

// TestResidualLayers: -layers with a residual group trains on both
// backends, saves, and -load evaluates it with no flags; a group that
// changes the width exits 2 naming it.
func TestResidualLayers(t *testing.T) {
	path := imagesCSV(t, 90)
	for _, be := range []string{"cpu", "gl"} {
		t.Run(be, func(t *testing.T) {
			if be == "gl" {
				glOr(t)
			}
			save := filepath.Join(t.TempDir(), "res.safetensors")
			stdout := mustTrain(t, "-backend="+be, "-plot=", "-data="+path,
				"-layers=16:relu,res(16:relu,16),relu", "-epochs=20", "-lr=0.05", "-save="+save)
			assert.Contains(t, stdout, "model    36-16 relu-res(16 relu-16) relu-3")
			code, out, errOut := runTrain(t, "-backend="+be, "-data="+path, "-load="+save, "-eval")
			require.Equal(t, 0, code, errOut)
			assert.Contains(t, out, "eval     "+path+": accuracy")
		})
	}
	code, _, stderr := runTrain(t, "-backend=cpu", "-plot=", "-data="+path, "-layers=16,res(16:relu,8)")
	assert.Equal(t, 2, code, stderr)
	assert.Contains(t, stderr, "-layers item 2 (res(16:relu,8)): gives 8 values from 16: x + f(x) needs its last layer of 16 units")
}
