package nn_test

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/backend/backendtest"
	"gltrain/nn"
)

// TestSaveWritesOnlyWhatLoads: Save refuses, with the rule Load applies, a
// model whose file Load would refuse (names that JSON would make equal or
// alter, a field too large, an unknown loss), and writes nothing; what it
// writes loads back.
func TestSaveWritesOnlyWhatLoads(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	m, err := nn.NewModel(b, nn.Seq(&nn.Linear{Out: 2}), 2, 1)
	require.NoError(t, err)
	defer m.Release()
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		set  func(m *nn.Model)
		want string
	}{
		{"names equal but for invalid UTF-8", func(m *nn.Model) { m.ClassNames = []string{"a\xff", "a\xfe"} },
			`__metadata__ "class_names": name 0: "a\xff" is not valid UTF-8`},
		{"a name of invalid UTF-8", func(m *nn.Model) { m.ClassNames = []string{"b", "caf\xe9"} },
			`name 1: "caf\xe9" is not valid UTF-8`},
		{"a Meta value of invalid UTF-8", func(m *nn.Model) { m.Meta = map[string]string{"data": "\xff.csv"} },
			`__metadata__ "meta": "data": "\xff.csv" is not valid UTF-8`},
		{"a Meta key of invalid UTF-8", func(m *nn.Model) { m.Meta = map[string]string{"\xff": "x"} },
			`"\xff": "x" is not valid UTF-8`},
		{"a 5 MiB Meta value", func(m *nn.Model) { m.Meta = map[string]string{"notes": strings.Repeat("x", 5<<20)} },
			`Load would refuse it: __metadata__ "meta": 5242892 bytes, more than the 4194304 a field may have`},
		{"loss 7", func(m *nn.Model) { m.Loss = 7 }, `__metadata__ "loss": loss(7), want one of softmax, svm, mse`},
		{"loss -1", func(m *nn.Model) { m.Loss = -1 }, `__metadata__ "loss": loss(-1)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m.ClassNames, m.Meta, m.Loss = nil, nil, nn.SoftmaxCrossEntropy
			tc.set(m)
			path := filepath.Join(dir, "m.safetensors")
			err := nn.Save(path, m, nil)
			assert.ErrorContains(t, err, tc.want)
			assert.ErrorContains(t, err, "nn: save "+path+": ")
			_, statErr := os.Stat(path)
			assert.True(t, os.IsNotExist(statErr), "nothing is written")
		})
	}
	m.ClassNames, m.Meta, m.Loss = []string{"café", "naïve"}, map[string]string{"notes": strings.Repeat("x", 1<<20)}, nn.SVMHinge
	path := filepath.Join(dir, "good.safetensors")
	require.NoError(t, nn.Save(path, m, nil))
	l, err := nn.Load(path, b)
	require.NoError(t, err)
	defer l.Release()
	assert.Equal(t, m.ClassNames, l.ClassNames)
	assert.Equal(t, m.Meta, l.Meta)
	assert.Equal(t, nn.SVMHinge, l.Loss)
}

// TestSaveRefusesOptimizerResumeWouldRefuse: an optimiser whose learning
// rate was set out of range is refused by Save, by Resume's rule.
func TestSaveRefusesOptimizerResumeWouldRefuse(t *testing.T) {
	b := backendtest.Open(t, "cpu")
	m, err := nn.NewModel(b, nn.Seq(&nn.Linear{Out: 2}), 2, 1)
	require.NoError(t, err)
	defer m.Release()
	for _, name := range []string{"sgd", "adam"} {
		opt, err := nn.NewOptimizer(name, b, m.Parameters(), 0.1, 0)
		require.NoError(t, err)
		for _, lr := range []float32{-1, float32(math.NaN())} {
			opt.SetLR(lr)
			path := filepath.Join(t.TempDir(), "m.safetensors")
			err := nn.Save(path, m, &nn.TrainState{Optimizer: opt, Epochs: 1, Steps: 1})
			assert.ErrorContains(t, err, "Resume would refuse the optimiser: "+name+": learning rate", "%s %v", name, lr)
			_, statErr := os.Stat(path)
			assert.True(t, os.IsNotExist(statErr), "nothing is written")
		}
		require.NoError(t, opt.Release())
	}
}
