package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/backend/backendtest"
	"gltrain/nn"
	"gltrain/nn/data"
)

// TestScoreClasses: hand-computed scores, with a class never predicted
// (precision 0/0 taken as 0) and a class with no samples that is never
// predicted either (left out of the macro averages).
func TestScoreClasses(t *testing.T) {
	// true:  a a a a b b b c c c     (d: none)
	// pred:  a a a b b b a b b a
	labels := []int{0, 0, 0, 0, 1, 1, 1, 2, 2, 2}
	pred := []int{0, 0, 0, 1, 1, 1, 0, 1, 1, 0}
	names := []string{"a", "b", "c", "d"}
	acc, confusion, per, macro := scoreClasses(labels, pred, names, 10)
	assert.Equal(t, 0.5, acc) // 3 + 2 + 0 of 10
	assert.Equal(t, [][]int{{3, 1, 0, 0}, {1, 2, 0, 0}, {1, 2, 0, 0}, {0, 0, 0, 0}}, confusion)
	want := []classMetrics{
		{"a", 3.0 / 5, 3.0 / 4, 2 * (0.6 * 0.75) / (0.6 + 0.75), 4, 5},
		{"b", 2.0 / 5, 2.0 / 3, 2 * (0.4 * 2.0 / 3) / (0.4 + 2.0/3), 3, 5},
		{"c", 0, 0, 0, 3, 0}, // never predicted: precision 0
		{"d", 0, 0, 0, 0, 0}, // absent
	}
	for i := range want {
		assert.Equal(t, want[i].Class, per[i].Class)
		assert.InDelta(t, want[i].Precision, per[i].Precision, 1e-15, "%s", want[i].Class)
		assert.InDelta(t, want[i].Recall, per[i].Recall, 1e-15, "%s", want[i].Class)
		assert.InDelta(t, want[i].F1, per[i].F1, 1e-15, "%s", want[i].Class)
		assert.Equal(t, want[i].Support, per[i].Support)
		assert.Equal(t, want[i].Predicted, per[i].Predicted)
	}
	assert.Equal(t, 3, macro.Classes, "d is neither in the data nor predicted")
	assert.InDelta(t, (0.6+0.4+0)/3, macro.Precision, 1e-15)
	assert.InDelta(t, (0.75+2.0/3+0)/3, macro.Recall, 1e-15)
	assert.InDelta(t, (want[0].F1+want[1].F1)/3, macro.F1, 1e-15)
	// Past the limit there is no matrix, and the same scores.
	_, none, per2, _ := scoreClasses(labels, pred, names, 3)
	assert.Nil(t, none)
	assert.Equal(t, per, per2)

	var b strings.Builder
	writeReport(&b, evalReport{Set: "x.csv", Samples: 10, Accuracy: acc, Loss: 0.5, Classes: names, Confusion: confusion, PerClass: per, Macro: macro})
	for _, line := range []string{
		"eval     x.csv: accuracy 50.00% (10 samples), loss 0.5000",
		"confusion matrix (rows: true class, columns: predicted class)",
		"\n            a   b   c   d\n",
		"        a   3   1   0   0",
		"    class  precision  recall      f1  support",
		"        c     0.0000  0.0000  0.0000        3",
		"note: never predicted: c; the precision of a class never predicted is 0 (scikit-learn's zero_division=0)",
		"note: no samples of d; their recall is 0",
	} {
		assert.Contains(t, b.String(), line)
	}
}

// writeClusters writes a CSV file of 2-D points around three centres with
// named labels; every sixth point of each class is moved, when shifted is
// set, to the centre of the next class, so that a model trained on clean
// data gets them wrong.
func writeClusters(t *testing.T, path string, perClass int, shifted bool) {
	t.Helper()
	centres := map[string][2]float64{"ant": {-3, 0}, "bee": {3, 0}, "cat": {0, 4}}
	next := map[string]string{"ant": "bee", "bee": "cat", "cat": "ant"}
	var b strings.Builder
	b.WriteString("x,y,kind\n")
	for i := 0; i < perClass; i++ {
		for _, name := range []string{"ant", "bee", "cat"} {
			c := centres[name]
			if shifted && i%6 == 5 {
				c = centres[next[name]]
			}
			dx, dy := 0.3*math.Sin(float64(7*i)), 0.3*math.Cos(float64(5*i))
			fmt.Fprintf(&b, "%g,%g,%s\n", c[0]+dx, c[1]+dy, name)
		}
	}
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
}

// TestEvalWholeFile: -eval on a CSV file evaluates every row as one set
// (no split), and its confusion matrix is the count of (label, nn.Predict)
// pairs over the file's rows, prepared as training prepared them; accuracy,
// precision, recall and F1 follow from it by their definitions. The text
// report prints the same matrix under the class names.
func TestEvalWholeFile(t *testing.T) {
	dir := t.TempDir()
	trainCSV, evalCSV := filepath.Join(dir, "train.csv"), filepath.Join(dir, "eval.csv")
	writeClusters(t, trainCSV, 40, false)
	writeClusters(t, evalCSV, 30, true) // 90 rows, 15 of them moved
	ck := filepath.Join(dir, "m.safetensors")
	code, _, stderr := runTrain(t, "-backend=cpu", "-data="+trainCSV, "-hidden=8", "-epochs=40", "-plot=", "-save="+ck)
	require.Equal(t, 0, code, stderr)

	code, stdout, stderr := runTrain(t, "-backend=cpu", "-load="+ck, "-data="+evalCSV, "-eval", "-json")
	require.Equal(t, 0, code, stderr)
	var r evalReport
	require.NoError(t, json.Unmarshal([]byte(stdout), &r), stdout)
	assert.Equal(t, 90, r.Samples, "the whole file, no split")
	assert.Equal(t, evalCSV, r.Set)
	assert.Equal(t, []string{"ant", "bee", "cat"}, r.Classes)
	assert.Contains(t, stderr, "data     "+evalCSV+": 90 samples, evaluated as one set, 2 features, 3 classes")

	// The expected matrix: the file read and standardised as the command
	// does, the checkpoint's model, nn.Predict.
	loaded, err := loadCheckpoint(ck)
	require.NoError(t, err)
	set, err := data.LoadCSV(evalCSV, data.CSVOptions{})
	require.NoError(t, err)
	set, err = relabel(set, evalCSV, loaded)
	require.NoError(t, err)
	set, err = loaded.Std.Apply(set)
	require.NoError(t, err)
	m, err := nn.Load(ck, backendtest.Open(t, "cpu"))
	require.NoError(t, err)
	defer m.Release()
	pred, err := nn.Predict(prepared(m), set.X)
	require.NoError(t, err)
	want := [][]int{{0, 0, 0}, {0, 0, 0}, {0, 0, 0}}
	for i, y := range set.Labels {
		want[y][pred[i]]++
	}
	require.Equal(t, want, r.Confusion)
	offDiagonal := 0
	for i := range want {
		for j := range want[i] {
			if i != j {
				offDiagonal += want[i][j]
			}
		}
	}
	assert.GreaterOrEqual(t, offDiagonal, 10, "the moved points should be misclassified: %v", want)

	// Definitions: accuracy = trace/n; precision = tp/column sum; recall =
	// tp/row sum; F1 their harmonic mean; support the row sum.
	trace := 0
	var macroP, macroR, macroF float64
	for k := range want {
		row, col := 0, 0
		for j := range want {
			row += want[k][j]
			col += want[j][k]
		}
		tp := want[k][k]
		trace += tp
		p, rc := float64(tp)/float64(col), float64(tp)/float64(row)
		f1 := 2 * p * rc / (p + rc)
		got := r.PerClass[k]
		assert.Equal(t, r.Classes[k], got.Class)
		assert.InDelta(t, p, got.Precision, 1e-12, "precision of %s", got.Class)
		assert.InDelta(t, rc, got.Recall, 1e-12, "recall of %s", got.Class)
		assert.InDelta(t, f1, got.F1, 1e-12, "F1 of %s", got.Class)
		assert.Equal(t, row, got.Support)
		assert.Equal(t, col, got.Predicted)
		macroP, macroR, macroF = macroP+p/3, macroR+rc/3, macroF+f1/3
	}
	assert.InDelta(t, float64(trace)/90, r.Accuracy, 1e-12)
	assert.InDelta(t, macroP, r.Macro.Precision, 1e-12)
	assert.InDelta(t, macroR, r.Macro.Recall, 1e-12)
	assert.InDelta(t, macroF, r.Macro.F1, 1e-12)
	assert.Equal(t, 3, r.Macro.Classes)
	assert.Greater(t, r.Loss, 0.0)
	assert.Equal(t, "cpu", r.Backend)

	// The text report: the same matrix, rows and columns named.
	code, stdout, stderr = runTrain(t, "-backend=cpu", "-load="+ck, "-data="+evalCSV, "-eval")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, fmt.Sprintf("eval     %s: accuracy %.2f%% (90 samples), loss %.4f\n", evalCSV, 100*r.Accuracy, r.Loss))
	_, matrix, ok := strings.Cut(stdout, "confusion matrix (rows: true class, columns: predicted class)\n")
	require.True(t, ok, stdout)
	rows := strings.Split(matrix, "\n")
	assert.Equal(t, []string{"ant", "bee", "cat"}, strings.Fields(rows[0]))
	for k, name := range r.Classes {
		fields := strings.Fields(rows[1+k])
		require.Len(t, fields, 4, rows[1+k])
		assert.Equal(t, name, fields[0])
		for j := range want {
			n, err := strconv.Atoi(fields[1+j])
			require.NoError(t, err)
			assert.Equal(t, want[k][j], n, "row %s, column %s", name, r.Classes[j])
		}
	}
	assert.Contains(t, stdout, "    class  precision  recall      f1  support\n")
	assert.Contains(t, stdout, fmt.Sprintf("      ant  %9.4f  %6.4f  %6.4f  %7d\n", r.PerClass[0].Precision, r.PerClass[0].Recall, r.PerClass[0].F1, r.PerClass[0].Support))
	assert.Contains(t, stdout, fmt.Sprintf("macro avg  %9.4f  %6.4f  %6.4f  %7d\n", r.Macro.Precision, r.Macro.Recall, r.Macro.F1, 90))
}

// TestDisplayName: class names a checkpoint brings are printed as they are
// unless they hold control characters or are long, which are quoted and cut.
func TestDisplayName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"setosa", "setosa"},
		{"red\x1b[31m", `"red\x1b[31m"`},
		{strings.Repeat("a", 100), `"` + strings.Repeat("a", 32) + `"…`},
	} {
		assert.Equal(t, tc.want, displayName(tc.in))
	}
	assert.Equal(t, []string{"x", `"\n"`}, classNames([]string{"x", "\n"}, 2))
}
