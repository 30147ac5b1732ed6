package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/backend"
)

// writeRegressionCSV writes 80 rows of a,b,c then the targets u = 2a − b
// + 0.5 and v = 0.5c, and multi-label targets p = [a > 0], q = [b > 0]:
// a header and data a small MLP fits.
func writeRegressionCSV(t *testing.T, dir string) string {
	t.Helper()
	r := backend.NewRand(9)
	var sb strings.Builder
	sb.WriteString("a,b,c,u,v,p,q\n")
	for range 80 {
		a, b, c := 2*r.Float32()-1, 2*r.Float32()-1, 2*r.Float32()-1
		fmt.Fprintf(&sb, "%g,%g,%g,%g,%g,%d,%d\n", a, b, c, 2*a-b+0.5, 0.5*c, btoi(a > 0), btoi(b > 0))
	}
	path := filepath.Join(dir, "reg.csv")
	require.NoError(t, os.WriteFile(path, []byte(sb.String()), 0o644))
	return path
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestRegressionRun trains on two real-valued target columns named by the
// header, and checks the epoch lines, -json, -eval, -predict, and -resume
// to the bit against the run it continues.
func TestRegressionRun(t *testing.T) {
	dir := t.TempDir()
	csvPath := writeRegressionCSV(t, dir)
	full, half := filepath.Join(dir, "full.safetensors"), filepath.Join(dir, "half.safetensors")
	common := []string{"-backend=cpu", "-plot=", "-data=" + csvPath, "-loss=mse", "-label-col=u,v", "-layers=16", "-lr=0.02", "-batch=16"}
	// A CSV with -json: one object per epoch, with the validation metrics
	// and no accuracy.
	out := mustTrain(t, append(common, "-epochs=40", "-json", "-save="+full)...)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 40)
	var last map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[39]), &last))
	for _, key := range []string{"val_mae", "val_rmse", "val_r2", "val_loss"} {
		assert.Contains(t, last, key)
	}
	assert.NotContains(t, last, "accuracy")
	assert.Greater(t, last["val_r2"].(float64), 0.9, "two linear targets: R² after 40 epochs")

	code, stdout, stderr := runTrain(t, append(common, "-epochs=3")...)
	require.Equal(t, 0, code, stderr)
	assert.Regexp(t, `data     .*: 64 training and 16 validation samples, 5 features, 2 targets \(u, v\)`, stdout)
	assert.Regexp(t, `epoch 3/3  loss [\d.]+  val loss [\d.]+  val MAE [\d.]+  val RMSE [\d.]+  val R² -?[\d.]+  `, stdout)
	assert.Regexp(t, `done     3 epochs in .*: train MAE [\d.]+  RMSE [\d.]+  R² -?[\d.]+ \(loss [\d.]+\), validation MAE`, stdout)

	// -eval: one JSON object of the metrics on the whole file.
	out = mustTrain(t, "-backend=cpu", "-load="+full, "-eval", "-json")
	var rep regressionReport
	require.NoError(t, json.Unmarshal([]byte(out), &rep), out)
	assert.Equal(t, 80, rep.Samples)
	assert.Equal(t, []string{"u", "v"}, rep.Targets)
	assert.Greater(t, rep.R2, 0.9)
	assert.Nil(t, rep.LabelAccuracy)

	// -predict: a column per target under its name, a row per input row.
	rows := filepath.Join(dir, "rows.csv")
	require.NoError(t, os.WriteFile(rows, []byte("a,b,c,p,q\n0.5,-0.5,1,1,0\n0,0,0,0,0\n"), 0o644))
	out = mustTrain(t, "-backend=cpu", "-load="+full, "-predict="+rows)
	pl := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, pl, 3, out)
	assert.Equal(t, "u,v", pl[0])
	var u, v float64
	_, err := fmt.Sscanf(pl[1], "%g,%g", &u, &v)
	require.NoError(t, err, pl[1])
	assert.InDelta(t, 2*0.5+0.5+0.5, u, 0.3, "u = 2a − b + 0.5 at (0.5, −0.5): 2, within the fit after 40 epochs")
	assert.InDelta(t, 0.5, v, 0.3, "v = 0.5c at c = 1")

	// -resume continues a regression to the bit.
	mustTrain(t, append(common, "-epochs=20", "-save="+half)...)
	mustTrain(t, "-backend=cpu", "-plot=", "-resume="+half, "-epochs=40")
	requireSameTensors(t, full, half)
}

// TestMultiLabelRun: -loss=bce on two 0/1 columns reports the per-label
// accuracy, and -predict writes each label's probability.
func TestMultiLabelRun(t *testing.T) {
	dir := t.TempDir()
	csvPath := writeRegressionCSV(t, dir)
	ck := filepath.Join(dir, "ml.safetensors")
	stdout := mustTrain(t, "-backend=cpu", "-plot=", "-data="+csvPath, "-loss=bce", "-label-col=p,q", "-layers=16", "-lr=0.02", "-epochs=30", "-save="+ck)
	assert.Regexp(t, `val label acc +\d+\.\d%`, stdout)
	assert.Regexp(t, `2 targets \(p, q\)`, stdout)
	out := mustTrain(t, "-backend=cpu", "-load="+ck, "-eval", "-json", "-label-col=p,q")
	var rep regressionReport
	require.NoError(t, json.Unmarshal([]byte(out), &rep), out)
	require.NotNil(t, rep.LabelAccuracy)
	assert.GreaterOrEqual(t, *rep.LabelAccuracy, 0.9, "labels are signs of two features")
	rows := filepath.Join(dir, "rows.csv")
	require.NoError(t, os.WriteFile(rows, []byte("1,-1,0,0,0\n"), 0o644))
	out = mustTrain(t, "-backend=cpu", "-load="+ck, "-predict="+rows)
	var p, q float64
	_, err := fmt.Sscanf(strings.Split(out, "\n")[1], "%g,%g", &p, &q)
	require.NoError(t, err, out)
	assert.True(t, p > 0.5 && p <= 1 && q < 0.5 && q >= 0, "probabilities of p (a > 0) and q (b > 0) at (1, −1): %v, %v", p, q)
}

// TestRegressionBadInput: a loss that does not fit the data, and bad
// target columns, exit with status 2 and say why.
func TestRegressionBadInput(t *testing.T) {
	dir := t.TempDir()
	csvPath := writeRegressionCSV(t, dir)
	real := filepath.Join(dir, "real.csv")
	require.NoError(t, os.WriteFile(real, []byte("x,y\n1,21.6\n2,3\n3,4.5\n"), 0o644))
	labels := filepath.Join(dir, "labels.csv")
	require.NoError(t, os.WriteFile(labels, []byte("x,y\n1,cat\n2,dog\n"), 0o644))
	for i, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-loss=huber"}, "-loss=huber needs real-valued targets, read from a CSV file's -label-col columns; spiral holds class labels"},
		{[]string{"-data=" + real}, "label 21.6 is a number but not an integer"},
		{[]string{"-data=" + real}, "use -loss=mse, l1 or huber"},
		{[]string{"-data=" + csvPath, "-loss=bce", "-label-col=u"}, `-loss=bce: ` + csvPath + `: data: set "reg": sample 1: target 0 is -0.92`},
		{[]string{"-data=" + csvPath, "-loss=mse", "-label-col=w"}, `no column is named "w"`},
		{[]string{"-data=" + csvPath, "-loss=mse", "-label-col=u,,v"}, `invalid value "u,,v" for -label-col: item 2 is empty`},
		{[]string{"-data=" + csvPath, "-label-col=u,v"}, "several target columns need real-valued targets"},
		{[]string{"-data=" + labels, "-loss=mse"}, `column 2: target "cat" is not a number (targets of a regression are numbers)` + "\n(a regression loss reads -label-col as real-valued targets; for class labels use -loss=softmax or svm)"},
	} {
		code, _, stderr := runTrain(t, append([]string{"-backend=cpu", "-plot=", "-epochs=1"}, tc.args...)...)
		if strings.Contains(tc.want, "several target columns") || strings.Contains(tc.want, "no column is named") {
			assert.Equal(t, 1, code, "%d: %s", i, stderr) // the file's error, as for any bad CSV
		} else {
			assert.Equal(t, 2, code, "%d: %s", i, stderr)
		}
		assert.Contains(t, stderr, tc.want, "%d", i)
	}
	// A regression checkpoint refuses a classification loss, and the reverse.
	ck := filepath.Join(dir, "r.safetensors")
	mustTrain(t, "-backend=cpu", "-plot=", "-data="+csvPath, "-loss=l1", "-label-col=u", "-layers=4", "-epochs=1", "-save="+ck)
	code, _, stderr := runTrain(t, "-backend=cpu", "-load="+ck, "-eval", "-loss=softmax")
	assert.Equal(t, 2, code, stderr)
	assert.Contains(t, stderr, "-loss=softmax: "+ck+" is a regression on real-valued targets")
	code, _, stderr = runTrain(t, "-backend=cpu", "-load="+ck, "-eval", "-label-col=u,v")
	assert.Equal(t, 2, code, stderr)
	assert.Contains(t, stderr, ck+" predicts 1 targets (u), but -label-col=u,v gives 2")
}
