package nn_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/autograd"
	"gltrain/backend/backendtest"
	"gltrain/nn"
)

// linBlock and linStack are modules of a user's own: a Linear in a field, and
// such a module in a field.
type linBlock struct{ Fc1 *nn.Linear }

func (m *linBlock) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return m.Fc1.Forward(g, x)
}
func (m *linBlock) Parameters() []*autograd.Value { return m.Fc1.Parameters() }

type linStack struct{ Block *linBlock }

func (m *linStack) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return m.Block.Forward(g, x)
}
func (m *linStack) Parameters() []*autograd.Value { return m.Block.Parameters() }

// TestNewLinearRenamedAtAnyDepth is NewLinear's doc: the prefix it is given
// gives way to the layer's place in the model, however deep.
func TestNewLinearRenamedAtAnyDepth(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	lin := func(prefix string) *nn.Linear {
		l, err := nn.NewLinear(b, 2, 2, nn.He, 1, prefix)
		require.NoError(t, err)
		return l
	}
	net := nn.Seq(lin("a."), nn.Seq(lin("b.")), &linBlock{lin("c.")}, &linStack{&linBlock{lin("d.")}}, &nn.Linear{Out: 2})
	m, err := nn.NewModel(b, net, 2, 1)
	require.NoError(t, err)
	defer m.Release()
	var names []string
	for _, p := range m.Parameters() {
		names = append(names, p.Name())
	}
	assert.Equal(t, []string{"0.weight", "0.bias", "1.0.weight", "1.0.bias", "2.fc1.weight", "2.fc1.bias",
		"3.block.fc1.weight", "3.block.fc1.bias", "4.weight", "4.bias"}, names)
}
