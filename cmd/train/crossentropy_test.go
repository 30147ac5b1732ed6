package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/nn"
	"gltrain/nn/safetensors"
)

// TestCrossEntropyFlagsRefused: -label-smoothing and -class-weights with
// another loss, out of range, unreadable or of the wrong count exit 2
// with one line naming the flag, before anything trains; -h documents
// both.
func TestCrossEntropyFlagsRefused(t *testing.T) {
	dir := t.TempDir()
	svm := filepath.Join(dir, "svm.safetensors")
	mustTrain(t, "-backend=cpu", "-plot=", "-epochs=1", "-layers=8", "-loss=svm", "-save="+svm)
	for i, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-loss=svm", "-label-smoothing=0.1"}, "-label-smoothing and -class-weights are options of -loss=softmax, not -loss=svm"},
		{[]string{"-loss=mse", "-class-weights=balanced"}, "-label-smoothing and -class-weights are options of -loss=softmax, not -loss=mse"},
		{[]string{"-label-smoothing=1"}, "invalid value 1 for -label-smoothing: want a number in [0, 1)"},
		{[]string{"-label-smoothing=0.999999999"}, "invalid value 0.999999999 for -label-smoothing"}, // 1 as a float32
		{[]string{"-label-smoothing=-0.1"}, "invalid value -0.1 for -label-smoothing"},
		{[]string{"-label-smoothing=NaN"}, "invalid value NaN for -label-smoothing"},
		{[]string{"-class-weights=1,0,1"}, `invalid value "1,0,1" for -class-weights: weight 1, "0", is not a finite number > 0`},
		{[]string{"-class-weights=1,x,1"}, `weight 1, "x", is not`},
		{[]string{"-class-weights=1,1,Inf"}, `weight 2, "Inf", is not`},
		{[]string{"-class-weights=1,1,1e-40"}, `weight 2, "1e-40", is not a finite number > 0 that float32 holds`},
		{[]string{"-class-weights=1,2"}, `-class-weights="1,2" gives 2 weights, but the model has 3 classes: give one per class`},
		{[]string{"-class-weights=1,2,3,4"}, `gives 4 weights, but the model has 3 classes`},
		{[]string{"-load=" + svm, "-label-smoothing=0.1"}, svm + ": -label-smoothing and -class-weights are options of -loss=softmax, not -loss=svm"},
	} {
		base := []string{"-backend=cpu", "-plot=", "-epochs=1"}
		if !strings.HasPrefix(tc.args[0], "-load=") {
			base = append(base, "-layers=8")
		}
		code, stdout, stderr := runTrain(t, append(base, tc.args...)...)
		assert.Equal(t, 2, code, "%d %v: %s", i, tc.args, stderr)
		assert.Contains(t, stderr, tc.want, "%d %v", i, tc.args)
		assert.NotContains(t, stdout, "epoch 1/1", "%d %v: nothing should train", i, tc.args)
	}
	_, stdout, _ := runTrain(t, "-h")
	for _, f := range []string{"  -label-smoothing ", "  -class-weights "} {
		assert.Contains(t, stdout, f)
	}
}

// TestCrossEntropyResumeBitIdentical: with -label-smoothing and balanced
// -class-weights, 4 epochs in one run and 2 resumed to 4 end with the same
// tensors to the bit, on each backend; the checkpoint records the options
// (the model's, and the flags among the hyperparameters), and a flag that
// disagrees is refused.
func TestCrossEntropyResumeBitIdentical(t *testing.T) {
	for _, backendName := range []string{"cpu", "gl"} {
		t.Run(backendName, func(t *testing.T) {
			if backendName == "gl" {
				glOr(t)
			}
			args := []string{"-backend=" + backendName, "-plot=", "-layers=16", "-batch=40", "-label-smoothing=0.1", "-class-weights=balanced"}
			dir := t.TempDir()
			a, b := filepath.Join(dir, "a.safetensors"), filepath.Join(dir, "b.safetensors")
			mustTrain(t, append(args, "-epochs=4", "-save="+a)...)
			mustTrain(t, append(args, "-epochs=2", "-save="+b)...)
			ck, err := loadCheckpoint(b)
			require.NoError(t, err)
			assert.Equal(t, "0.1", ck.Hyper["label-smoothing"])
			assert.Equal(t, "balanced", ck.Hyper["class-weights"])
			assert.Equal(t, float32(0.1), ck.CrossEntropy.LabelSmoothing)
			require.Len(t, ck.CrossEntropy.ClassWeights, 3)
			stdout := mustTrain(t, "-backend="+backendName, "-plot=", "-resume="+b, "-epochs=4")
			assert.Contains(t, stdout, "-label-smoothing=0.1 -class-weights=balanced", "the training line")
			requireSameTensors(t, a, b)
		})
	}
	dir := t.TempDir()
	b := filepath.Join(dir, "b.safetensors")
	mustTrain(t, "-backend=cpu", "-plot=", "-epochs=1", "-layers=8", "-class-weights=1,2,3", "-save="+b)
	before, err := os.ReadFile(b)
	require.NoError(t, err)
	for _, tc := range []struct{ args []string }{{[]string{"-class-weights=balanced"}}, {[]string{"-label-smoothing=0.2"}}} {
		code, _, stderr := runTrain(t, append([]string{"-backend=cpu", "-plot=", "-resume=" + b, "-epochs=2"}, tc.args...)...)
		assert.Equal(t, 2, code, stderr)
		assert.Contains(t, stderr, "disagrees with the run in "+b)
	}
	after, err := os.ReadFile(b)
	require.NoError(t, err)
	assert.Equal(t, before, after, "a refused run leaves the checkpoint")
}

// TestCrossEntropyEval: -eval of a checkpoint trained with the options
// reports the loss with them, the loss the run's summary reported on the
// same rows (-val=0: the training set is the whole data set); with
// -label-smoothing=0 given it is the plain loss (no weights either: a flag
// given replaces the checkpoint's options), another value. A -load
// without the flags trains on with the checkpoint's options.
func TestCrossEntropyEval(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	stdout := mustTrain(t, "-backend=cpu", "-plot=", "-epochs=2", "-layers=16", "-val=0", "-label-smoothing=0.2", "-class-weights=0.5,2,1", "-save="+path)
	trained := regexp.MustCompile(`train accuracy [0-9.]+% \(loss ([0-9.]+)\)`).FindStringSubmatch(stdout)
	require.NotNil(t, trained, stdout)
	evalLoss := func(args ...string) string {
		out := mustTrain(t, append([]string{"-backend=cpu", "-load=" + path, "-eval"}, args...)...)
		m := regexp.MustCompile(`eval     spiral: accuracy [0-9.]+% \(300 samples\), loss ([0-9.]+)`).FindStringSubmatch(out)
		require.NotNil(t, m, out)
		return m[1]
	}
	assert.Equal(t, trained[1], evalLoss(), "-eval's loss is the run's, with its options")
	assert.NotEqual(t, trained[1], evalLoss("-label-smoothing=0"), "the plain loss")
	assert.NotEqual(t, trained[1], evalLoss("-label-smoothing=0.2"), "smoothing without the weights")

	again := filepath.Join(dir, "again.safetensors")
	out := mustTrain(t, "-backend=cpu", "-plot=", "-epochs=1", "-load="+path, "-save="+again)
	assert.Contains(t, out, "softmax loss (label smoothing 0.2, class weights 0.5,2,1)")
	ck, err := loadCheckpoint(again)
	require.NoError(t, err)
	assert.Equal(t, nn.CrossEntropyOptions{LabelSmoothing: 0.2, ClassWeights: []float32{0.5, 2, 1}}, ck.CrossEntropy)
	assert.True(t, strings.Contains(out, "-label-smoothing=0.2 -class-weights=0.5,2,1"), out)
}

// TestCrossEntropyOlderCheckpoint: a checkpoint saved before the options
// (no "label-smoothing" or "class-weights" among its hyperparameters, no
// "cross_entropy") resumes with none, and the run it saves records them as
// none; crafted values, and values that disagree with the model's, are
// refused, naming the checkpoint and the flag.
func TestCrossEntropyOlderCheckpoint(t *testing.T) {
	dir := t.TempDir()
	ck := filepath.Join(dir, "m.safetensors")
	mustTrain(t, "-backend=cpu", "-plot=", "-epochs=1", "-layers=4", "-save="+ck)
	f, err := safetensors.ReadFile(ck)
	require.NoError(t, err)
	require.NotContains(t, f.Metadata, "cross_entropy")
	editMeta := func(edit func(map[string]string)) {
		var meta map[string]string
		require.NoError(t, json.Unmarshal([]byte(f.Metadata["meta"]), &meta))
		edit(meta)
		b, err := json.Marshal(meta)
		require.NoError(t, err)
		setMeta(t, ck, "meta", string(b))
	}
	good, err := os.ReadFile(ck)
	require.NoError(t, err)
	for _, tc := range []struct {
		key, value, want string
		code             int // 2: a bad value; 1: an unusable checkpoint
	}{
		{"class-weights", "1,x,1", `-resume=` + ck + `: the checkpoint's invalid value "1,x,1" for -class-weights`, 2},
		{"label-smoothing", "2", `-resume=` + ck + `: the checkpoint's invalid value 2 for -label-smoothing`, 2},
		{"label-smoothing", "x", `-resume=` + ck + `: the checkpoint's -label-smoothing="x"`, 2},
		// Values that disagree with the model's options, which -resume
		// would train with while reporting these.
		{"label-smoothing", "0.1", ck + `: not a usable gltrain checkpoint: __metadata__ "meta" "label-smoothing": "0.1", but the model's label smoothing is 0`, 1},
		{"class-weights", "balanced", `"class-weights": "balanced", but the model's class weights are ""`, 1},
		{"class-weights", "1,2,3", `"class-weights": "1,2,3", but the model's class weights are ""`, 1},
	} {
		require.NoError(t, os.WriteFile(ck, good, 0o644))
		editMeta(func(m map[string]string) { m[tc.key] = tc.value })
		code, _, stderr := runTrain(t, "-backend=cpu", "-plot=", "-resume="+ck, "-epochs=2")
		assert.Equal(t, tc.code, code, stderr)
		assert.Contains(t, stderr, tc.want)
	}
	require.NoError(t, os.WriteFile(ck, good, 0o644))
	editMeta(func(m map[string]string) {
		delete(m, "label-smoothing")
		delete(m, "class-weights")
	})
	stdout := mustTrain(t, "-backend=cpu", "-plot=", "-resume="+ck, "-epochs=2")
	assert.NotContains(t, stdout, "-label-smoothing")
	c, err := loadCheckpoint(ck)
	require.NoError(t, err)
	assert.Equal(t, 2, c.Epochs)
	assert.Equal(t, "0", c.Hyper["label-smoothing"])
	assert.Equal(t, "", c.Hyper["class-weights"])
	assert.True(t, c.CrossEntropy.IsZero())
}
