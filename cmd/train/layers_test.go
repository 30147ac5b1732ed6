package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/backend"
)

// TestParseConvAndPoolDefaults: the optional fields of conv:C:K[:S[:P]]
// and maxpool:K[:S] take their defaults, stride 1 (maxpool: K) and padding
// 0, whichever of them are given. Before, conv:C:K:S padded by 1.
func TestParseConvAndPoolDefaults(t *testing.T) {
	for i, tc := range []struct {
		spec string
		want layerItem
	}{
		{"conv:4:3", layerItem{kind: "conv", units: 4, k: 3, s: 1, pad: 0}},
		{"conv:4:3:2", layerItem{kind: "conv", units: 4, k: 3, s: 2, pad: 0}},
		{"conv:4:3:2:1", layerItem{kind: "conv", units: 4, k: 3, s: 2, pad: 1}},
		{"conv:4:3:1:0", layerItem{kind: "conv", units: 4, k: 3, s: 1, pad: 0}},
		{"maxpool:2", layerItem{kind: "maxpool", k: 2, s: 2}},
		{"maxpool:3:1", layerItem{kind: "maxpool", k: 3, s: 1}},
	} {
		items, err := parseLayers(tc.spec, backend.Activation{Kind: backend.ReLU})
		require.NoError(t, err, "%d %s", i, tc.spec)
		require.Len(t, items, 1, "%d %s", i, tc.spec)
		assert.Equal(t, tc.want, items[0], "%d %s", i, tc.spec)
	}
}
