package nn_test

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/nn"
)

// TestSummaryMLP: the table of the train command's default model, each
// count (in·out + out for a Linear) checked by hand.
func TestSummaryMLP(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	relu := backend.Activation{Kind: backend.ReLU}
	m, err := nn.NewModel(b, nn.Seq(&nn.Linear{Out: 100}, nn.Act(relu), &nn.Dropout{P: 0.1}, &nn.Linear{Out: 3}, nn.Softmax{}), 2, 1)
	require.NoError(t, err)
	defer m.Release()
	s, err := nn.Summary(m)
	require.NoError(t, err)
	assert.Equal(t, ""+
		"layer  type            output    params\n"+
		"0      Linear(2, 100)  (N, 100)     300\n"+
		"1      relu            (N, 100)       0\n"+
		"2      Dropout(0.1)    (N, 100)       0\n"+
		"3      Linear(100, 3)  (N, 3)       303\n"+
		"4      Softmax         (N, 3)         0\n"+
		"total: 603 parameters (2.4 kB in float32)\n", s)
}

// TestSummaryCNN: images keep their channels, height and width through the
// convolution, its activation and the pooling; Flatten makes them rows. On
// each backend: the shapes are measured by a forward pass.
func TestSummaryCNN(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		relu := backend.Activation{Kind: backend.ReLU}
		net := nn.Seq(&nn.Conv2D{Out: 4, KH: 3, Pad: 1}, nn.Act(relu), &nn.MaxPool2D{KH: 2}, nn.Flatten{}, &nn.Linear{Out: 10})
		m, err := nn.NewImageModel(b, net, nn.Image{C: 1, H: 6, W: 6}, 1)
		require.NoError(t, err)
		defer m.Release()
		rows, err := nn.SummaryRows(m)
		require.NoError(t, err)
		require.Len(t, rows, 5)
		want := [][]int{{4, 6, 6}, {4, 6, 6}, {4, 3, 3}, {36}, {10}}
		params := []int{1*4*3*3 + 4, 0, 0, 0, 36*10 + 10}
		for i, r := range rows {
			assert.Equal(t, want[i], r.Output, "row %d %s", i, r.Layer)
			assert.Equal(t, params[i], r.Params, "row %d %s", i, r.Layer)
		}
		assert.Equal(t, "Conv2D(1→4, 3×3, stride 1, pad 1)", rows[0].Layer)
		assert.Equal(t, "MaxPool2D(2×2, stride 2)", rows[2].Layer)
		s, err := nn.Summary(m)
		require.NoError(t, err)
		assert.Contains(t, s, "(N, 4, 3, 3)")
		assert.Contains(t, s, "total: 410 parameters")
	})
}

// TestSummaryGPT: a network that is not a Sequential has a row per module
// of parameters, which add up to the model's, and its output last.
func TestSummaryGPT(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	c := nn.GPTConfig{Vocab: 11, Ctx: 6, Layers: 2, Heads: 2, Embd: 8}
	m, err := nn.NewModel(b, &nn.GPT{Config: c}, 1, 7)
	require.NoError(t, err)
	defer m.Release()
	rows, err := nn.SummaryRows(m)
	require.NoError(t, err)
	total, all := 0, 0
	for _, r := range rows {
		total += r.Params
	}
	for _, p := range m.Parameters() {
		all += p.Shape().Len()
	}
	assert.Equal(t, all, total)
	assert.Equal(t, []int{11}, rows[len(rows)-1].Output)
	assert.Greater(t, len(rows), 2*c.Layers, "a row per module")
	s, err := nn.Summary(m)
	require.NoError(t, err)
	assert.Contains(t, s, "total: "+strconv.Itoa(all)+" parameters (")
	t.Log("\n" + s)
}

// TestSummaryBadModel: a nil or released model is an error naming the
// summary, not a panic.
func TestSummaryBadModel(t *testing.T) {
	_, err := nn.Summary(nil)
	assert.EqualError(t, err, "nn: summary: the model was not made by NewModel (or Arch.Build, or Load)")
	b := backendtest.Open(t, "cpu")
	m, err := nn.NewModel(b, nn.Seq(&nn.Linear{Out: 2}), 2, 1)
	require.NoError(t, err)
	require.NoError(t, m.Release())
	_, err = nn.SummaryRows(m)
	assert.EqualError(t, err, "nn: summary: the model was released (Release)")
}
