package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/backend/cpu"
	"gltrain/nn"
)

// TestTrainingFlagValues: -momentum, -warmup and -clip refuse what no run
// can use with exit status 2 and a line naming the flag.
func TestTrainingFlagValues(t *testing.T) {
	for i, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-opt=momentum", "-momentum=1"}, "invalid value 1 for -momentum: want 0 < m < 1"},
		{[]string{"-opt=momentum", "-momentum=-0.1"}, "invalid value -0.1 for -momentum"},
		{[]string{"-opt=nesterov", "-momentum=0"}, "invalid value 0 for -momentum with -opt=nesterov"},
		{[]string{"-opt=momentum", "-momentum=NaN"}, "invalid value NaN for -momentum"},
		{[]string{"-opt=adam", "-momentum=0.5"}, "-momentum applies to -opt=momentum and nesterov, not -opt=adam"},
		{[]string{"-warmup=-1"}, "invalid value -1 for -warmup"},
		{[]string{"-clip=-1"}, `invalid value "-1" for -clip: want a finite number > 0`},
		{[]string{"-clip=0"}, `invalid value "0" for -clip: want a finite number > 0`},
		{[]string{"-clip=inf"}, `invalid value "inf" for -clip: want a finite number > 0`},
		{[]string{"-clip=NaN"}, `invalid value "NaN" for -clip: want a finite number > 0`},
		{[]string{"-clip=1e39"}, `invalid value "1e39" for -clip: want a finite number > 0 that float32 holds`},
		{[]string{"-clip=x"}, `invalid value "x" for -clip: not a number`},
	} {
		code, stdout, stderr := runTrain(t, tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) || stdout != "" {
			t.Errorf("%d %v: exit %d, stderr %q, stdout %q; want 2 and %q", i, tc.args, code, stderr, stdout, tc.want)
		}
	}
}

// TestMomentumIsRecorded: -momentum trains with that momentum (the
// optimiser state the checkpoint holds says so), is recorded with the
// other hyperparameters, and -resume keeps it, refusing another.
func TestMomentumIsRecorded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.safetensors")
	code, stdout, stderr := runTrain(t, "-backend=cpu", "-epochs=1", "-plot=", "-opt=momentum", "-momentum=0.5", "-save="+path)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "training -opt=momentum -momentum=0.5 -lr=")
	info, err := nn.ReadInfo(path)
	require.NoError(t, err)
	assert.Equal(t, "0.5", info.Meta["momentum"])
	b := cpu.New()
	defer b.Close()
	m, st, err := nn.Resume(path, b)
	require.NoError(t, err)
	defer m.Release()
	defer st.Optimizer.Release()
	sgd, ok := st.Optimizer.(*nn.SGD)
	require.True(t, ok, "%T", st.Optimizer)
	assert.Equal(t, float32(0.5), sgd.Config().Momentum)

	code, _, stderr = runTrain(t, "-backend=cpu", "-epochs=2", "-plot=", "-resume="+path, "-momentum=0.8")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `-momentum="0.8" disagrees with the run`)
	code, stdout, stderr = runTrain(t, "-backend=cpu", "-epochs=2", "-plot=", "-resume="+path)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "-momentum=0.5")
}

// TestOlderCheckpointsTrainedWithDefaults: a checkpoint saved before
// -momentum, -warmup and -clip were recorded resumes with what it was
// trained with: momentum 0.9, no warm-up, no clipping.
func TestOlderCheckpointsTrainedWithDefaults(t *testing.T) {
	c := config{given: map[string]bool{"epochs": true}, resume: "old.safetensors", epochs: 3}
	h := map[string]string{"loss": "softmax", "opt": "momentum", "lr": "0.01", "wd": "0", "schedule": "constant",
		"batch": "16", "epochs": "2", "seed": "1", "val": "0.2"}
	require.NoError(t, c.adoptRun(checkpoint{Optimizer: true, Epochs: 2, Data: "spiral", Hyper: h}))
	assert.Equal(t, []any{0.9, 0, 0.0}, []any{c.momentum, c.warmup, c.clip})
}

// TestWarmupFlag: -warmup ramps the rate over its steps (the first
// epoch's reported rate is the rate of its last step), is recorded, and
// shows in the header line.
func TestWarmupFlag(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.safetensors")
	// spiral: 240 training rows, 15 steps of 16 an epoch; warm-up over 30
	// steps: epoch 1 ends at step 14, at 15/30 of -lr.
	code, stdout, stderr := runTrain(t, "-backend=cpu", "-epochs=1", "-plot=", "-json", "-opt=sgd", "-lr=0.1", "-warmup=30", "-save="+path)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "-schedule=constant -warmup=30 -batch=")
	assert.Contains(t, stdout, `"lr":0.05`)
	info, err := nn.ReadInfo(path)
	require.NoError(t, err)
	assert.Equal(t, "30", info.Meta["warmup"])
}

// TestClipFlag: -clip trains (here on the CPU) with the clip, shows it in
// the header line and records it.
func TestClipFlag(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.safetensors")
	code, stdout, stderr := runTrain(t, "-backend=cpu", "-epochs=1", "-plot=", "-clip=0.5", "-save="+path)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "-schedule=constant -clip=0.5 -batch=")
	info, err := nn.ReadInfo(path)
	require.NoError(t, err)
	assert.Equal(t, "0.5", info.Meta["clip"])
}

// TestPlateauResumesToTheBit: a -plateau run of 6 epochs and one of 3
// resumed to 6 end with the same plateau state and the same weights, bit
// for bit, the rate having been lowered along the way; a bad -plateau and
// one without a validation set exit with status 2.
func TestPlateauResumesToTheBit(t *testing.T) {
	dir := t.TempDir()
	whole, half := filepath.Join(dir, "whole.safetensors"), filepath.Join(dir, "half.safetensors")
	args := []string{"-backend=cpu", "-plot=", "-opt=sgd", "-lr=3", "-plateau=0:0.5", "-hidden=16"}
	code, stdout, stderr := runTrain(t, append(args, "-epochs=6", "-save="+whole)...)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "-plateau=0:0.5")
	code, _, stderr = runTrain(t, append(args, "-epochs=3", "-save="+half)...)
	require.Equal(t, 0, code, stderr)
	code, _, stderr = runTrain(t, "-backend=cpu", "-plot=", "-epochs=6", "-resume="+half)
	require.Equal(t, 0, code, stderr)
	a, err := nn.ReadInfo(whole)
	require.NoError(t, err)
	b, err := nn.ReadInfo(half)
	require.NoError(t, err)
	assert.NotEqual(t, "1", a.Meta[nn.MetaPlateauScale], "the rate was never lowered: the test tests nothing")
	for _, k := range []string{nn.MetaPlateauBest, nn.MetaPlateauBad, nn.MetaPlateauCooldown, nn.MetaPlateauScale, "plateau"} {
		assert.Equal(t, a.Meta[k], b.Meta[k], k)
	}
	be := cpu.New()
	defer be.Close()
	ma, err := nn.Load(whole, be)
	require.NoError(t, err)
	defer ma.Release()
	mb, err := nn.Load(half, be)
	require.NoError(t, err)
	defer mb.Release()
	sa, err := ma.State()
	require.NoError(t, err)
	sb, err := mb.State()
	require.NoError(t, err)
	assert.Equal(t, sa, sb)

	for i, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-plateau=x"}, `invalid value "x" for -plateau: want PATIENCE[:FACTOR]`},
		{[]string{"-plateau=-1"}, `invalid value "-1" for -plateau`},
		{[]string{"-plateau=3:1"}, `invalid value "3:1" for -plateau`},
		{[]string{"-plateau=3", "-val=0"}, "-plateau needs a validation set"},
	} {
		code, stdout, stderr := runTrain(t, tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) || stdout != "" {
			t.Errorf("%d %v: exit %d, stderr %q; want 2 and %q", i, tc.args, code, stderr, tc.want)
		}
	}
}

// TestFashionMNISTPresets: -data=fashion-mnist takes MNIST's presets and
// image shape.
func TestFashionMNISTPresets(t *testing.T) {
	c, err := parseFlags([]string{"-data=fashion-mnist"}, &bytes.Buffer{})
	require.NoError(t, err)
	m, err := parseFlags([]string{"-data=mnist"}, &bytes.Buffer{})
	require.NoError(t, err)
	assert.Equal(t, []any{m.hidden, m.epochs, m.batch, m.lr, m.valFraction()}, []any{c.hidden, c.epochs, c.batch, c.lr, c.valFraction()})
	img, err := c.image(784)
	require.NoError(t, err)
	assert.Equal(t, nn.Image{C: 1, H: 28, W: 28}, *img)
}
