package nn_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/nn"
)

// userBlock is a residual block as a user writes it, its Linear layers
// made by NewLinear with an empty name prefix and held in exported fields.
type userBlock struct{ Fc1, Fc2 *nn.Linear }

func (u *userBlock) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return g.Add(x, u.Fc2.Forward(g, g.Activation(nn.ReLU, u.Fc1.Forward(g, x))))
}

func (u *userBlock) Parameters() []*autograd.Value {
	return append(u.Fc1.Parameters(), u.Fc2.Parameters()...)
}

// hiddenBlock holds its Linear in an unexported field, where NewModel
// cannot see it.
type hiddenBlock struct{ l *nn.Linear }

func (h *hiddenBlock) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return g.Add(x, h.l.Forward(g, x))
}

func (h *hiddenBlock) Parameters() []*autograd.Value { return h.l.Parameters() }

func newUserBlock(t *testing.T, b backend.Backend, n int, seed uint64) *userBlock {
	t.Helper()
	l1, err := nn.NewLinear(b, n, n, nn.He, seed, "")
	require.NoError(t, err)
	l2, err := nn.NewLinear(b, n, n, nn.Xavier, seed+1, "")
	require.NoError(t, err)
	return &userBlock{Fc1: l1, Fc2: l2}
}

// TestOwnModuleNames is issue #23's report: two residual blocks of the
// user's own, their Linear layers made with an empty name prefix, failed
// NewModel with `two parameters are named "weight"`. NewModel now names
// the parameters of a module of one's own as PyTorch names those of a
// module with the same attributes: by the exported field that holds each
// (its name with the first letter lowered), under the module's place; a
// parameter it cannot reach keeps its name under that place. The model
// then trains a step, saves, and loads into a fresh copy (LoadInto).
func TestOwnModuleNames(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	l, err := nn.NewLinear(b, 4, 4, nn.He, 9, "")
	require.NoError(t, err)
	net := nn.Seq(&nn.Linear{Out: 4}, newUserBlock(t, b, 4, 3), newUserBlock(t, b, 4, 5), &hiddenBlock{l}, &nn.Linear{Out: 2})
	m, err := nn.NewModel(b, net, 3, 1)
	require.NoError(t, err)
	defer m.Release()
	var names []string
	for _, p := range m.Parameters() {
		names = append(names, p.Name())
	}
	assert.Equal(t, []string{"0.weight", "0.bias",
		"1.fc1.weight", "1.fc1.bias", "1.fc2.weight", "1.fc2.bias",
		"2.fc1.weight", "2.fc1.bias", "2.fc2.weight", "2.fc2.bias",
		"3.weight", "3.bias", "4.weight", "4.bias"}, names)

	path := filepath.Join(t.TempDir(), "m.safetensors")
	require.NoError(t, nn.Save(path, m, nil))
	l2, err := nn.NewLinear(b, 4, 4, nn.He, 19, "")
	require.NoError(t, err)
	other, err := nn.NewModel(b, nn.Seq(&nn.Linear{Out: 4}, newUserBlock(t, b, 4, 13), newUserBlock(t, b, 4, 15), &hiddenBlock{l2}, &nn.Linear{Out: 2}), 3, 2)
	require.NoError(t, err)
	defer other.Release()
	require.NoError(t, nn.LoadInto(path, other))
	x := sines(2*3, 2)
	assert.Equal(t, layerGrads(t, m, x, sines(4, 1)).Y, layerGrads(t, other, x, sines(4, 1)).Y, "the loaded copy's outputs")
}

// TestOwnModuleNameClash: two parameters a module of one's own holds out of
// NewModel's sight, of one name, are still refused, and the error says
// how to name them.
func TestOwnModuleNameClash(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	l1, err := nn.NewLinear(b, 3, 3, nn.He, 1, "")
	require.NoError(t, err)
	l2, err := nn.NewLinear(b, 3, 3, nn.He, 2, "")
	require.NoError(t, err)
	m, err := nn.NewModel(b, nn.Seq(&pair{l1, l2}), 3, 1)
	if m != nil {
		m.Release()
	}
	require.Error(t, err)
	assert.Contains(t, err.Error(), `two parameters are named "0.weight"`)
	assert.Contains(t, err.Error(), "exported field")
}

// pair holds two Linear layers in unexported fields.
type pair struct{ a, b *nn.Linear }

func (p *pair) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return p.b.Forward(g, p.a.Forward(g, x))
}

func (p *pair) Parameters() []*autograd.Value { return append(p.a.Parameters(), p.b.Parameters()...) }
