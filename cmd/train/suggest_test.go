package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/backend"
)

// TestDidYouMean: an unknown flag exits 2 with the flag package's message
// and, when a defined name is close, that name; a far one gets no guess.
func TestDidYouMean(t *testing.T) {
	for i, tc := range []struct {
		arg, want string // want "" for no suggestion
	}{
		{"-epoch=3", "-epochs"},
		{"-hiden=3", "-hidden"},
		{"-quite", "-quiet"}, // two letters swapped: one edit
		{"-jsn", "-json"},
		{"-Epochs=3", "-epochs"},
		{"-label_col=2", "-label-col"},
		{"--btach=8", "-batch"},
		{"-ep=3", "-epochs"}, // a prefix of one name
		{"-learning-rate=0.1", "-lr"},
		{"-batch-size=8", "-batch"},
		{"-weight_decay=0.1", "-wd"},
		{"-optimizer=sgd", "-opt"},
		{"-savepath=m.safetensors", "-save"}, // starts with a name
		{"-nosuchflag", ""},
		{"-x", ""},
		{"-zzzzzzzz", ""},
	} {
		code, stdout, stderr := runTrain(t, tc.arg)
		name, _, _ := strings.Cut(strings.TrimLeft(tc.arg, "-"), "=")
		msg := "train: flag provided but not defined: -" + name
		if tc.want != "" {
			msg += " (did you mean " + tc.want + "?)"
		}
		first, _, _ := strings.Cut(stderr, "\n")
		assert.Equal(t, 2, code, "%d %s", i, tc.arg)
		assert.Equal(t, msg, first, "%d %s", i, tc.arg)
		assert.Empty(t, stdout, "%d %s", i, tc.arg)
	}
}

// TestSuggestFlagTies: names at the same distance are all offered.
func TestSuggestFlagTies(t *testing.T) {
	assert.Equal(t, []string{"load", "loss"}, suggestFlag("loas", []string{"load", "loss", "lr"}))
	err := didYouMean(errorString("flag provided but not defined: -loas"), []string{"load", "loss", "lr"})
	assert.EqualError(t, err, "flag provided but not defined: -loas (did you mean -load or -loss?)")
	assert.EqualError(t, didYouMean(errorString("bad flag syntax: ---x"), []string{"x"}), "bad flag syntax: ---x")
}

type errorString string

func (e errorString) Error() string { return string(e) }

// TestEditDistance: optimal string alignment, hand-computed.
func TestEditDistance(t *testing.T) {
	for i, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"", "abc", 3}, {"epoch", "epochs", 1}, {"quite", "quiet", 1},
		{"kitten", "sitting", 3}, {"ca", "abc", 3}, {"lr", "rl", 1}, {"save", "save", 0},
	} {
		assert.Equal(t, tc.want, editDistance(tc.a, tc.b), "%d %q %q", i, tc.a, tc.b)
		assert.Equal(t, tc.want, editDistance(tc.b, tc.a), "%d %q %q (swapped)", i, tc.b, tc.a)
	}
}

// TestHelpListsActivations: -h names every activation ParseActivation
// accepts, each of which parses, and states Leaky ReLU's default slope
// beside PyTorch's.
func TestHelpListsActivations(t *testing.T) {
	code, stdout, _ := runTrain(t, "-h")
	require.Equal(t, 0, code)
	_, act, ok := strings.Cut(stdout, "  -act string")
	require.True(t, ok, "no -act in -h:\n%s", stdout)
	act, _, _ = strings.Cut(act, "\n  -") // up to the next flag
	for _, k := range backend.ActivationKinds() {
		assert.Contains(t, act, k.String())
		_, err := backend.ParseActivation(k.String())
		assert.NoError(t, err, k.String())
	}
	for _, k := range backend.ActivationKinds() {
		for _, alias := range k.Def().Aliases {
			assert.Contains(t, act, alias+" ("+k.String()+")")
		}
		for _, p := range k.Def().Params {
			assert.Contains(t, act, fmt.Sprintf("%s %g", p.Name, p.Default), "%v's default", k)
		}
	}
	for _, alias := range []string{"linear", "none", "swish", "gelu_exact", "leaky_relu", "gelu_tanh", "Hard-Swish"} {
		_, err := backend.ParseActivation(alias)
		assert.NoError(t, err, alias)
	}
	assert.Contains(t, act, "slope 0.1; PyTorch's default is 0.01")
	assert.Contains(t, act, "leakyrelu:0.01 matches torch.nn.LeakyReLU()")
	assert.Equal(t, 0.1, backend.DefaultLeakySlope, "existing checkpoints rely on the slope of 0.1")
}

// TestHeaderPrintsHyperparameters: the "training" line gives every
// hyperparameter and the seed, as the flags that set them.
func TestHeaderPrintsHyperparameters(t *testing.T) {
	code, stdout, stderr := runTrain(t, "-backend=cpu", "-plot=", "-opt=sgd", "-lr=0.05", "-wd=0.001", "-schedule=cosine", "-batch=8", "-epochs=2", "-seed=7")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "\ntraining -opt=sgd -lr=0.05 -wd=0.001 -schedule=cosine -batch=8 -epochs=2 -seed=7\n")
	// The defaults, the data set's presets among them, are printed too.
	code, stdout, stderr = runTrain(t, "-backend=cpu", "-plot=", "-epochs=1")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "\ntraining -opt=adam -lr=0.01 -wd=0 -schedule=constant -batch=16 -epochs=1 -seed=1\n")
}

// TestValPresets: -val defaults to 0.2, and to 1/12 for MNIST (5,000 of
// its 60,000 training images), also when a checkpoint names the data set.
func TestValPresets(t *testing.T) {
	for i, tc := range []struct {
		args []string
		want float64
	}{
		{nil, 0.2},
		{[]string{"-data=mnist"}, 1.0 / 12},
		{[]string{"-data=mnist", "-val=0.1"}, 0.1},
		{[]string{"-data=x.csv"}, 0.2},
	} {
		c, err := parseFlags(tc.args, &bytes.Buffer{})
		require.NoError(t, err)
		assert.Equal(t, tc.want, c.val, "%d %v", i, tc.args)
		assert.Equal(t, tc.want, c.valFraction(), "%d %v", i, tc.args)
	}
	// -load without -data: the checkpoint sets the data set after parsing.
	c, err := parseFlags([]string{"-load=m.safetensors"}, &bytes.Buffer{})
	require.NoError(t, err)
	c.data = "mnist"
	assert.Equal(t, 1.0/12, c.valFraction())
	assert.Equal(t, 5000, int(float64(60000)*c.valFraction()+0.5))
}
