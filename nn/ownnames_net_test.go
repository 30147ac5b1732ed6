package nn_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/autograd"
	"gltrain/backend/backendtest"
	"gltrain/nn"
)

// twoBlocks is a network of the user's own: two residual blocks (their
// Linear layers made by NewLinear with an empty name prefix) in a slice,
// as a torch.nn.ModuleList holds them, and a head in a field.
type twoBlocks struct {
	Blocks []*userBlock
	Head   *nn.Linear
}

func (n *twoBlocks) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	for _, b := range n.Blocks {
		x = b.Forward(g, x)
	}
	return n.Head.Forward(g, x)
}

func (n *twoBlocks) Parameters() []*autograd.Value {
	var ps []*autograd.Value
	for _, b := range n.Blocks {
		ps = append(ps, b.Parameters()...)
	}
	return append(ps, n.Head.Parameters()...)
}

// TestOwnNetworkNames is issue #23's naming report with the blocks not in a
// Sequential but in the network itself, at the empty prefix, where every
// Linear was named "weight" and "bias" before NewModel renamed them: each
// is named by its field, as PyTorch names a ModuleList's members.
func TestOwnNetworkNames(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	head, err := nn.NewLinear(b, 4, 2, nn.Xavier, 7, "")
	require.NoError(t, err)
	m, err := nn.NewModel(b, &twoBlocks{Blocks: []*userBlock{newUserBlock(t, b, 4, 3), newUserBlock(t, b, 4, 5)}, Head: head}, 4, 1)
	require.NoError(t, err)
	defer m.Release()
	var names []string
	for _, p := range m.Parameters() {
		names = append(names, p.Name())
	}
	assert.Equal(t, []string{
		"blocks.0.fc1.weight", "blocks.0.fc1.bias", "blocks.0.fc2.weight", "blocks.0.fc2.bias",
		"blocks.1.fc1.weight", "blocks.1.fc1.bias", "blocks.1.fc2.weight", "blocks.1.fc2.bias",
		"head.weight", "head.bias"}, names)
}
