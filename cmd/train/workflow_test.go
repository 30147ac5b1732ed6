package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/backend/backendtest"
	"gltrain/nn"
	"gltrain/nn/safetensors"
)

// End-to-end tests of issue 13's flags, each running the command:
// -layers, -resume, -save-best, -patience and -predict.

// mustTrain runs the command and requires exit status 0; it returns stdout.
func mustTrain(t *testing.T, args ...string) string {
	t.Helper()
	code, stdout, stderr := runTrain(t, args...)
	require.Equal(t, 0, code, "train %v:\n%s%s", args, stdout, stderr)
	return stdout
}

// requireSameTensors requires the files at a and b to hold the same
// tensors, by name, shape and bits (NaN payloads and the sign of zero
// included); the metadata is not compared.
func requireSameTensors(t *testing.T, a, b string) {
	t.Helper()
	fa, err := safetensors.ReadFile(a)
	require.NoError(t, err)
	fb, err := safetensors.ReadFile(b)
	require.NoError(t, err)
	names := func(f *safetensors.File) []string {
		var ns []string
		for _, t := range f.Tensors {
			ns = append(ns, t.Name)
		}
		return ns
	}
	require.ElementsMatch(t, names(fa), names(fb), "the files hold different tensors")
	for _, ta := range fa.Tensors {
		tb, _ := fb.Lookup(ta.Name)
		require.Equal(t, ta.Shape, tb.Shape, "%s", ta.Name)
		for i := range ta.Data {
			if math.Float32bits(ta.Data[i]) != math.Float32bits(tb.Data[i]) {
				require.Failf(t, "tensors differ", "%s[%d]: %v in %s, %v in %s", ta.Name, i, ta.Data[i], a, tb.Data[i], b)
			}
		}
	}
}

// TestLayersFlag: -layers builds each item as given, with the output
// Linear appended, and trains; a bad item exits 2 naming it, before
// anything runs.
func TestLayersFlag(t *testing.T) {
	stdout := mustTrain(t, "-backend=cpu", "-epochs=2", "-plot=", "-layers=64:tanh,32:relu,dropout:0.2")
	// 2·64+64 + 64·32+32 + 32·3+3 parameters.
	assert.Contains(t, stdout, "\nmodel    2-64 tanh-32 relu-dropout 0.2-3, 2371 parameters, softmax loss\n")
	assert.Contains(t, stdout, "\nepoch 2/2 ")
	assert.Contains(t, stdout, "\ndone     2 epochs")

	// N takes -act; N:ACT its own, with a parameter.
	stdout = mustTrain(t, "-backend=cpu", "-epochs=1", "-plot=", "-act=tanh", "-layers=8,4:leakyrelu:0.01")
	assert.Contains(t, stdout, "\nmodel    2-8 tanh-4 leakyrelu:0.01-3, ")

	for i, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-layers=64:foo"}, `invalid value "64:foo" for -layers: item 1 "64:foo": unknown activation "foo"`},
		{[]string{"-layers=32,64:foo"}, `invalid value "32,64:foo" for -layers: item 2 "64:foo": unknown activation "foo"`},
		{[]string{"-layers=dropout:1.5"}, `invalid value "dropout:1.5" for -layers: item 1 "dropout:1.5": want dropout:P with 0 ≤ P < 1`},
		{[]string{"-layers=16,dropout"}, `item 2 "dropout": want dropout:P with 0 ≤ P < 1`},
		{[]string{"-layers=0"}, `invalid value "0" for -layers: item 1 "0": want N (units, 1 to`},
		{[]string{"-layers=abc"}, `invalid value "abc" for -layers: item 1 "abc": want N (units, 1 to`},
		{[]string{"-layers=8,,8"}, `item 2 "": want N`},
		{[]string{"-layers=8:leakyrelu:1e-40"}, `item 1 "8:leakyrelu:1e-40": the parameter is too small for float32`},
		{[]string{"-layers=8", "-hidden=8"}, "-layers and -hidden conflict: -layers gives every hidden layer; drop -hidden"},
		{[]string{"-layers=8", "-load=m.safetensors"}, "-layers conflicts with -load: the checkpoint's architecture is used; drop -layers"},
	} {
		code, stdout, stderr := runTrain(t, append([]string{"-backend=cpu", "-plot="}, tc.args...)...)
		assert.Equal(t, 2, code, "%d %v: %s", i, tc.args, stderr)
		assert.Contains(t, stderr, tc.want, "%d %v", i, tc.args)
		assert.Empty(t, stdout, "%d %v: nothing should run", i, tc.args)
	}
}

// TestResumeBitIdentical: a run of N epochs, and a run of N/2 epochs
// resumed to N, end with the same tensors, bit for bit (the weights and
// the optimiser's state), on each backend: -resume restores the optimiser
// state, the schedule's position, the epoch, the batch order and the
// dropout masks. A flag that disagrees with the run is refused.
func TestResumeBitIdentical(t *testing.T) {
	for _, tc := range []struct {
		name   string
		epochs int
		args   []string
	}{
		// Adam, a schedule that steps within the run, and dropout.
		{"cpu", 10, []string{"-backend=cpu", "-layers=32:tanh,dropout:0.3,16", "-schedule=step:3:0.5"}},
		// SGD's velocities, with weight decay; a -val of its own (the
		// data set's default would split it otherwise).
		{"cpu/nesterov", 10, []string{"-backend=cpu", "-layers=16,dropout:0.1", "-opt=nesterov", "-lr=0.05", "-wd=1e-3", "-batch=32", "-val=0.25", "-seed=7"}},
		// llvmpipe is slow: fewer and larger batches.
		{"gl", 6, []string{"-layers=32:tanh,dropout:0.3,16", "-schedule=step:2:0.5", "-batch=60"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := slices.Clip(tc.args)
			if tc.name == "gl" {
				args = slices.Clip(append([]string{"-backend=" + glOr(t)}, args...))
			}
			dir := t.TempDir()
			a, b := filepath.Join(dir, "a.safetensors"), filepath.Join(dir, "b.safetensors")
			half := tc.epochs / 2
			mustTrain(t, append(args, "-plot=", fmt.Sprintf("-epochs=%d", tc.epochs), "-save="+a)...)
			mustTrain(t, append(args, "-plot=", fmt.Sprintf("-epochs=%d", half), "-save="+b)...)
			ck, err := loadCheckpoint(b)
			require.NoError(t, err)
			require.Equal(t, half, ck.Epochs)
			require.True(t, ck.Optimizer, "the checkpoint holds the optimiser's state")

			// Only -epochs and the backend: the rest comes from the checkpoint,
			// and -save defaults to it.
			stdout := mustTrain(t, args[0], "-plot=", "-resume="+b, fmt.Sprintf("-epochs=%d", tc.epochs))
			require.Contains(t, stdout, "\nresume   epoch ")
			steps := 0
			_, err = fmt.Sscanf(stdout[strings.Index(stdout, "resume   epoch"):], fmt.Sprintf("resume   epoch %d of %d (step %%d) from %s", half+1, tc.epochs, b), &steps)
			require.NoError(t, err, "the resuming line:\n%s", stdout)
			assert.Equal(t, ck.Steps, steps)
			assert.Contains(t, stdout, fmt.Sprintf("\nepoch %*d/%d ", len(strconv.Itoa(tc.epochs)), half+1, tc.epochs), "epochs are numbered on")
			assert.NotContains(t, stdout, fmt.Sprintf("\nepoch %*d/%d ", len(strconv.Itoa(tc.epochs)), half, tc.epochs))
			assert.Contains(t, stdout, fmt.Sprintf("\ndone     %d epochs", tc.epochs-half))
			requireSameTensors(t, a, b)
			ca, err := loadCheckpoint(a)
			require.NoError(t, err)
			cb, err := loadCheckpoint(b)
			require.NoError(t, err)
			assert.Equal(t, []int{ca.Epochs, ca.Steps}, []int{cb.Epochs, cb.Steps})
			assert.Equal(t, ca.Hyper, cb.Hyper, "the resumed run records the same hyperparameters")
		})
	}

	// The refusals, on the CPU: exit 2 naming the flag, the file unchanged.
	dir := t.TempDir()
	b := filepath.Join(dir, "b.safetensors")
	mustTrain(t, "-backend=cpu", "-plot=", "-epochs=2", "-layers=8", "-save="+b)
	before, err := os.ReadFile(b)
	require.NoError(t, err)
	for i, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-lr=0.5"}, `-lr="0.5" disagrees with the run in ` + b + ` (-lr="0.01"): a resumed run keeps its settings; drop -lr`},
		{[]string{"-opt=sgd"}, `-opt="sgd" disagrees with the run in ` + b},
		{[]string{"-batch=8", "-epochs=4"}, `-batch="8" disagrees with the run in ` + b},
		{[]string{"-data=moons"}, `-data="moons" disagrees with the run in ` + b},
		{[]string{"-layers=16"}, "-layers conflicts with -resume: the checkpoint's architecture is used; drop -layers"},
		{[]string{}, "-resume=" + b + ": the run has done 2 epochs already; give -epochs above 2 to continue it"},
		{[]string{"-epochs=2"}, "the run has done 2 epochs already"},
		{[]string{"-epochs=1"}, "the run has done 2 epochs already"},
		{[]string{"-load=" + b}, "-resume and -load conflict"},
	} {
		code, _, stderr := runTrain(t, append([]string{"-backend=cpu", "-plot=", "-resume=" + b}, tc.args...)...)
		assert.Equal(t, 2, code, "%d %v: %s", i, tc.args, stderr)
		assert.Contains(t, stderr, tc.want, "%d %v", i, tc.args)
	}
	after, err := os.ReadFile(b)
	require.NoError(t, err)
	require.Equal(t, before, after, "a refused -resume changed the checkpoint")
	// A flag that agrees with the run is accepted.
	stdout := mustTrain(t, "-backend=cpu", "-plot=", "-resume="+b, "-epochs=3", "-lr=0.01", "-opt=adam")
	assert.Contains(t, stdout, "\nepoch 3/3 ")
}

// epochRecord is the part of an epoch's -json object these tests read.
type epochRecord struct {
	Epoch   int     `json:"epoch"`
	ValLoss float64 `json:"val_loss"`
}

// jsonEpochs parses -json's stdout: one object per epoch.
func jsonEpochs(t *testing.T, stdout string) []epochRecord {
	t.Helper()
	var recs []epochRecord
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var r epochRecord
		require.NoError(t, json.Unmarshal([]byte(line), &r), "%q", line)
		recs = append(recs, r)
	}
	return recs
}

// TestSaveBestAndPatience: with a high learning rate and a small
// validation set the validation loss goes up and down. -save-best keeps
// the model of the best epoch, which the summary names, and -patience
// stops once that many epochs bring no better one.
func TestSaveBestAndPatience(t *testing.T) {
	dir := t.TempDir()
	noisy := []string{"-backend=cpu", "-plot=", "-lr=0.1", "-val=0.1", "-json"}
	best := filepath.Join(dir, "best.safetensors")
	code, stdout, stderr := runTrain(t, append(noisy, "-epochs=12", "-save="+best, "-save-best")...)
	require.Equal(t, 0, code, stderr)
	recs := jsonEpochs(t, stdout)
	require.Len(t, recs, 12)
	bestEpoch, worse := 0, false
	for i, r := range recs {
		if bestEpoch == 0 || r.ValLoss < recs[bestEpoch-1].ValLoss {
			bestEpoch = r.Epoch
		} else {
			worse = true
		}
		require.Equal(t, i+1, r.Epoch)
	}
	require.True(t, worse, "the validation loss should worsen in some epoch for this test to mean anything")
	require.Less(t, bestEpoch, 12, "the best epoch should not be the last for this test to mean anything")
	assert.Contains(t, stderr, fmt.Sprintf("saved    %s: the best model, epoch %d (validation loss %.4f)", best, bestEpoch, recs[bestEpoch-1].ValLoss))
	ck, err := loadCheckpoint(best)
	require.NoError(t, err)
	assert.Equal(t, bestEpoch, ck.Epochs, "the file's \"train\" epochs")
	// It is that epoch's model: the same run stopped there saves the same.
	upTo := filepath.Join(dir, "upto.safetensors")
	mustTrain(t, append(noisy, fmt.Sprintf("-epochs=%d", bestEpoch), "-save="+upTo)...)
	requireSameTensors(t, best, upTo)

	// Resumed, -save-best remembers the best loss so far, recorded by a
	// run saved at its last epoch: a resumed epoch is saved only when it
	// beats it.
	// Epochs 1–11 of the run above, saved at 11, then resumed to 12: with
	// this seed epoch 11 is not the best, and epoch 12 is worse than the
	// best, so the file must keep epoch 11.
	last11 := filepath.Join(dir, "last.safetensors")
	mustTrain(t, append(noisy, "-epochs=11", "-save="+last11)...)
	before := math.Inf(1)
	for _, r := range recs[:11] {
		before = math.Min(before, r.ValLoss)
	}
	require.Greater(t, recs[11].ValLoss, before, "epoch 12 should not beat epochs 1–11 for this test to mean anything")
	code, stdout, stderr = runTrain(t, "-backend=cpu", "-plot=", "-json", "-resume="+last11, "-save-best", "-epochs=12")
	require.Equal(t, 0, code, stderr)
	resumed := jsonEpochs(t, stdout)
	require.Len(t, resumed, 1)
	wantEpoch, wantLoss := 11, before // the file keeps epoch 11 unless beaten
	for _, r := range resumed {
		if r.ValLoss < wantLoss {
			wantEpoch, wantLoss = r.Epoch, r.ValLoss
		}
	}
	ck, err = loadCheckpoint(last11)
	require.NoError(t, err)
	assert.Equal(t, wantEpoch, ck.Epochs, "a resumed epoch is saved only when it beats the best of the whole run")

	// -patience=1 stops at the first epoch that is no better.
	code, stdout, stderr = runTrain(t, append(noisy, "-epochs=12", "-patience=1")...)
	require.Equal(t, 0, code, stderr)
	recs = jsonEpochs(t, stdout)
	require.Less(t, len(recs), 12, "-patience=1 should stop early")
	last := len(recs) - 1
	require.GreaterOrEqual(t, recs[last].ValLoss, recs[last-1].ValLoss, "it stops at the first epoch without improvement")
	for i := 1; i < last; i++ {
		require.Less(t, recs[i].ValLoss, recs[i-1].ValLoss, "epoch %d improved, so training went on", i+1)
	}
	assert.Contains(t, stderr, fmt.Sprintf("stopping: no better validation loss for 1 epoch (the best, %.4f, was epoch %d)", recs[last-1].ValLoss, last))
	assert.Contains(t, stderr, fmt.Sprintf("done     %d epochs", len(recs)))

	// -patience=2 with -save-best: the file keeps the epoch the stop names.
	code, stdout, stderr = runTrain(t, append(noisy, "-epochs=30", "-patience=2", "-save="+best, "-save-best")...)
	require.Equal(t, 0, code, stderr)
	recs = jsonEpochs(t, stdout)
	require.Less(t, len(recs), 30)
	m := regexp.MustCompile(`stopping: no better validation loss for 2 epochs \(the best, [0-9.]+, was epoch (\d+)\)`).FindStringSubmatch(stderr)
	require.NotNil(t, m, stderr)
	named, _ := strconv.Atoi(m[1])
	assert.Equal(t, len(recs)-2, named)
	ck, err = loadCheckpoint(best)
	require.NoError(t, err)
	assert.Equal(t, named, ck.Epochs)
	assert.Contains(t, stderr, fmt.Sprintf(": the best model, epoch %d ", named))

	for i, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-save-best"}, "-save-best needs -save"},
		{[]string{"-patience=-1"}, "invalid value -1 for -patience"},
		{[]string{"-patience=2", "-val=0"}, "-save-best and -patience need a validation set: -val=0 holds none out"},
		{[]string{"-save-best", "-save=" + best, "-val=0"}, "-save-best and -patience need a validation set"},
	} {
		code, _, stderr := runTrain(t, append([]string{"-backend=cpu", "-plot=", "-epochs=2"}, tc.args...)...)
		assert.Equal(t, 2, code, "%d %v: %s", i, tc.args, stderr)
		assert.Contains(t, stderr, tc.want, "%d %v", i, tc.args)
	}
}

// TestPredict: -predict writes, for each row of raw features, the class
// and its probabilities under the header prediction,p_<class>,…; the
// classes are nn.Predict's for the loaded model, which standardises the
// rows itself. A row of the wrong width is refused with its line number.
func TestPredict(t *testing.T) {
	dir := t.TempDir()
	// Three classes by the first feature; the features on scales 100 apart,
	// so that a missed standardisation would show.
	var b strings.Builder
	b.WriteString("size,weight,kind\n")
	for i := range 300 {
		x, y := float64(i%30)*100, float64(i%7)-3
		kind := []string{"small", "medium", "large"}[int(x)/1000]
		fmt.Fprintf(&b, "%g,%g,%s\n", x, y, kind)
	}
	train := filepath.Join(dir, "sizes.csv")
	require.NoError(t, os.WriteFile(train, []byte(b.String()), 0o644))
	model := filepath.Join(dir, "m.safetensors")
	mustTrain(t, "-backend=cpu", "-plot=", "-data="+train, "-epochs=40", "-save="+model)

	// Rows to predict, with a header; values a float32 holds exactly, so
	// that the command and nn.Predict see the same inputs.
	var rows [][]float64
	var in strings.Builder
	in.WriteString("size,weight\n")
	for i := range 50 {
		r := []float64{float64(i*61%3000) + 0.5, float64(i%9) - 4}
		rows = append(rows, r)
		fmt.Fprintf(&in, "%g,%g\n", r[0], r[1])
	}
	rowsPath := filepath.Join(dir, "rows.csv")
	require.NoError(t, os.WriteFile(rowsPath, []byte(in.String()), 0o644))
	out := filepath.Join(dir, "p.csv")
	stdout := mustTrain(t, "-backend=cpu", "-load="+model, "-predict="+rowsPath, "-out="+out)
	assert.Contains(t, stdout, "wrote    50 predictions to "+out)

	f, err := os.Open(out)
	require.NoError(t, err)
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	require.NoError(t, err)
	require.Len(t, recs, 51)
	names := []string{"large", "medium", "small"} // a CSV's classes are its names, sorted
	require.Equal(t, []string{"prediction", "p_large", "p_medium", "p_small"}, recs[0])

	m, err := nn.Load(model, backendtest.Open(t, "cpu"))
	require.NoError(t, err)
	defer m.Release()
	require.NotNil(t, m.Standardizer)
	x := make([]float32, 0, 2*len(rows))
	for _, r := range rows {
		x = append(x, float32(r[0]), float32(r[1]))
	}
	want, err := nn.Predict(m, x)
	require.NoError(t, err)
	seen := map[string]bool{}
	for i, rec := range recs[1:] {
		require.Len(t, rec, 4, "row %d", i+1)
		sum, best := 0.0, 1
		for k := 1; k < 4; k++ {
			p, err := strconv.ParseFloat(rec[k], 64)
			require.NoError(t, err, "row %d", i+1)
			require.True(t, p >= 0 && p <= 1, "row %d: probability %v", i+1, p)
			sum += p
			if p > mustFloat(t, rec[best]) {
				best = k
			}
		}
		assert.InDelta(t, 1, sum, 1e-5, "row %d: the probabilities sum to %v", i+1, sum)
		assert.Equal(t, names[want[i]], rec[0], "row %d %v: the prediction differs from nn.Predict's", i+1, rows[i])
		assert.Equal(t, rec[0], names[best-1], "row %d: the prediction is not the most probable class", i+1)
		seen[rec[0]] = true
	}
	assert.Len(t, seen, 3, "the rows span the three classes: %v", seen)

	// Without -out the CSV goes to stdout, alone; the rest to stderr.
	code, stdout, stderr := runTrain(t, "-backend=cpu", "-load="+model, "-predict="+rowsPath)
	require.Equal(t, 0, code, stderr)
	p, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, string(p), stdout)
	assert.Contains(t, stderr, "backend  cpu:")

	// A file without a header is read from its first line.
	noHeader := filepath.Join(dir, "nohead.csv")
	require.NoError(t, os.WriteFile(noHeader, []byte("100,0\n2500,1\n"), 0o644))
	code, stdout, stderr = runTrain(t, "-backend=cpu", "-load="+model, "-predict="+noHeader)
	require.Equal(t, 0, code, stderr)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	require.Len(t, lines, 3, stdout)
	assert.True(t, strings.HasPrefix(lines[1], "small,") && strings.HasPrefix(lines[2], "large,"), stdout)

	for i, tc := range []struct {
		content, want string
	}{
		{"size,weight\n1,2\n3,4\n5,6,7\n", "line 4 has 3 values; the model takes 2 features (no label column)"},
		{"1,2\n3\n", "line 2 has 1 values; the model takes 2 features"},
		{"size,weight\n1,2\n3,x\n", `line 3, column 2: "x" is not a number`},
		{"1,2\n3,NaN\n", `line 2, column 2: "NaN" is not finite`},
		{"size,weight\n", "no rows"},
	} {
		path := filepath.Join(dir, fmt.Sprintf("bad%d.csv", i))
		require.NoError(t, os.WriteFile(path, []byte(tc.content), 0o644))
		bad := filepath.Join(dir, fmt.Sprintf("bad%d.out.csv", i))
		code, stdout, stderr := runTrain(t, "-backend=cpu", "-load="+model, "-predict="+path, "-out="+bad)
		assert.Equal(t, 2, code, "%d: %s", i, stderr)
		assert.Contains(t, stderr, "-predict "+path+": "+tc.want, "%d", i)
		assert.NotContains(t, stdout, "prediction", "%d", i)
		assert.NoFileExists(t, bad, "%d", i)
	}
	for i, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-predict=" + rowsPath}, "-predict needs -load"},
		{[]string{"-load=" + model, "-predict=" + rowsPath, "-eval"}, "-predict and -eval conflict"},
		{[]string{"-load=" + model, "-out=" + out}, "-out names the file of -predict's output; there is no -predict"},
	} {
		code, _, stderr := runTrain(t, append([]string{"-backend=cpu"}, tc.args...)...)
		assert.Equal(t, 2, code, "%d %v: %s", i, tc.args, stderr)
		assert.Contains(t, stderr, tc.want, "%d %v", i, tc.args)
	}
}

func mustFloat(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	require.NoError(t, err)
	return v
}

// TestResumeKeepsLabelColumn: -resume reads a CSV file with the label
// column the run was trained with (-label-col), and ends with the tensors
// of the run it continues. Before, the checkpoint did not record it: the
// resumed run took the last column as the labels, silently, when its values
// were class numbers too.
func TestResumeKeepsLabelColumn(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := range 60 {
		class := i % 3
		fmt.Fprintf(&b, "%d,%g,%d\n", class, float64(class)+0.1*math.Sin(float64(i)), (i/3)%3)
	}
	path := filepath.Join(dir, "first.csv")
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	a, half := filepath.Join(dir, "a.safetensors"), filepath.Join(dir, "b.safetensors")
	args := []string{"-backend=cpu", "-plot=", "-data=" + path, "-label-col=1", "-layers=8"}
	mustTrain(t, append(args, "-epochs=4", "-save="+a)...)
	mustTrain(t, append(args, "-epochs=2", "-save="+half)...)
	mustTrain(t, "-backend=cpu", "-plot=", "-resume="+half, "-epochs=4")
	requireSameTensors(t, a, half)
	// -load without -data evaluates the file it was trained on, as it was read.
	want := mustTrain(t, "-backend=cpu", "-load="+a, "-eval", "-data="+path, "-label-col=1")
	assert.Equal(t, want, mustTrain(t, "-backend=cpu", "-load="+a, "-eval"))

	code, _, stderr := runTrain(t, "-backend=cpu", "-plot=", "-resume="+half, "-epochs=6", "-label-col=3")
	assert.Equal(t, 2, code, stderr)
	assert.Contains(t, stderr, `-label-col="3" disagrees with the run in `+half)
}

// TestResumeChecksCheckpointValues: the hyperparameters -resume takes from
// a checkpoint are checked as their flags are, and a bad one exits 2
// naming the checkpoint and the flag. Before, a batch of 0 panicked
// (integer divide by zero), and the others failed later, or trained with
// a NaN learning rate, without naming the file.
func TestResumeChecksCheckpointValues(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	mustTrain(t, "-backend=cpu", "-plot=", "-epochs=1", "-layers=8", "-save="+path)
	ck, err := loadCheckpoint(path)
	require.NoError(t, err)
	orig, err := os.ReadFile(path)
	require.NoError(t, err)
	for i, tc := range []struct {
		key, value, want string
	}{
		{"batch", "0", "-batch=0: want at least 1"},
		{"batch", "-16", "-batch=-16: want at least 1"},
		{"lr", "NaN", "-lr=NaN: want a number > 0 that float32 holds"},
		{"lr", "1e39", "-lr=1e+39: want a number > 0 that float32 holds"},
		{"wd", "-1", "-wd=-1: want 0, or a number > 0"},
		{"val", "2", "-val=2: want a fraction in [0, 1)"},
		{"opt", "rmsprop", `-opt="rmsprop": want one of sgd,`},
		{"schedule", "bogus", `-schedule="bogus": unknown schedule`},
		{"label-col", "1,,2", `-label-col="1,,2": item 2 is empty`},
	} {
		require.NoError(t, os.WriteFile(path, orig, 0o644))
		meta := map[string]string{}
		for k, v := range ck.Hyper {
			meta[k] = v
		}
		meta[tc.key] = tc.value
		js, err := json.Marshal(meta)
		require.NoError(t, err)
		setMeta(t, path, "meta", string(js))
		code, _, stderr := runTrain(t, "-backend=cpu", "-plot=", "-resume="+path, "-epochs=2")
		assert.Equal(t, 2, code, "%d %s=%s: %s", i, tc.key, tc.value, stderr)
		assert.Contains(t, stderr, "-resume="+path+": the checkpoint's "+tc.want, "%d %s=%s", i, tc.key, tc.value)
	}
}

// TestPredictReadsRowsAsTraining: -predict reads its rows as the training
// data is read. A UTF-8 byte order mark (Excel's CSV) is skipped: before,
// it made the first row a header, dropped without a word, and every
// prediction belonged to the row after its own. A value beyond float32's
// range, or one that the stored standardisation takes there, is refused
// with its line (before: ±Inf in, NaN probabilities out, and the first
// class as the prediction); so is a record past the record limit, before
// it is buffered (before: a 1 GiB line took ~14 GB).
func TestPredictReadsRowsAsTraining(t *testing.T) {
	dir := t.TempDir()
	train := filepath.Join(dir, "pts.csv")
	require.NoError(t, os.WriteFile(train, []byte("a,b,kind\n1,2,x\n2,1,y\n3,3,x\n1,1,y\n0,2,x\n2,0,y\n"), 0o644))
	model := filepath.Join(dir, "m.safetensors")
	mustTrain(t, "-backend=cpu", "-plot=", "-data="+train, "-epochs=1", "-layers=4", "-save="+model)

	bom := filepath.Join(dir, "bom.csv")
	require.NoError(t, os.WriteFile(bom, []byte("\xef\xbb\xbf1,2\n3,4\n"), 0o644))
	stdout := mustTrain(t, "-backend=cpu", "-load="+model, "-predict="+bom)
	assert.Len(t, strings.Split(strings.TrimSpace(stdout), "\n"), 3, "a header and two rows:\n%s", stdout)

	for i, tc := range []struct {
		content, std, want string
	}{
		{"a,b\n1,2\n1e39,0\n", "", `line 3, column 1: "1e39" is out of float32 range`},
		{"1e39,0\n", "", `line 1, column 1: "1e39" is out of float32 range`},
		{"a,b\n1,0\n3,1e30\n", `{"mean":[0,0],"std":[1,1e-10]}`, "line 3, column 2: 1e+30 standardises to 1e+40, beyond float32's range"},
		{"1,2\n3,4\n" + strings.Repeat("0,", 3<<20) + "0\n", "", "line 3: a record longer than 4194304 bytes"},
		{"1,2\n\"" + strings.Repeat("0\n", 3<<20) + "\"\n", "", "line 2: a record longer than 4194304 bytes"},
	} {
		ck := model
		if tc.std != "" {
			ck = filepath.Join(dir, fmt.Sprintf("std%d.safetensors", i))
			orig, err := os.ReadFile(model)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(ck, orig, 0o644))
			setMeta(t, ck, "standardize", tc.std)
		}
		path := filepath.Join(dir, fmt.Sprintf("rows%d.csv", i))
		require.NoError(t, os.WriteFile(path, []byte(tc.content), 0o644))
		code, stdout, stderr := runTrain(t, "-backend=cpu", "-load="+ck, "-predict="+path)
		assert.Equal(t, 2, code, "%d: %s", i, stderr)
		assert.Contains(t, stderr, "-predict "+path+": "+tc.want, "%d", i)
		assert.NotContains(t, stdout, "prediction", "%d", i)
	}
}

// cancelOnWrite passes writes to w, and cancels once one contains marker.
type cancelOnWrite struct {
	w      io.Writer
	marker string
	cancel context.CancelFunc
}

func (c cancelOnWrite) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte(c.marker)) {
		c.cancel()
	}
	return c.w.Write(p)
}

// TestInterruptKeepsResumedCheckpoint: a resumed run interrupted within its
// first epoch keeps the checkpoint it resumed from (its -save by default),
// which -resume continues again. Before, the model as it was, mid-epoch
// and without optimiser state, was saved over it: the run could no longer
// be resumed.
func TestInterruptKeepsResumedCheckpoint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.safetensors")
	mustTrain(t, "-backend=cpu", "-plot=", "-epochs=2", "-layers=8", "-batch=1", "-save="+path)
	before, err := os.ReadFile(path)
	require.NoError(t, err)

	c, err := parseFlags([]string{"-backend=cpu", "-plot=", "-resume=" + path, "-epochs=4"}, io.Discard)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut bytes.Buffer
	u := newUI(c.uiOptions(), cancelOnWrite{&out, "\r", cancel}, &errOut) // the first progress bar: steps are done
	u.tty = true
	err = train(ctx, c, u, &errOut)
	var code exitCode
	require.ErrorAs(t, err, &code, "%s%s", out.String(), errOut.String())
	assert.Equal(t, 130, code.code)
	assert.Contains(t, err.Error(), "interrupted; "+path+" keeps epoch 2, which -resume="+path+" continues")
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, before, after, "the checkpoint resumed from was rewritten")
}
