package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// blobs is a CSV file of n rows of two classes apart in 3 features, from
// offset on (so that two files hold different rows), after head.
func blobs(t *testing.T, dir, name, head string, n, offset int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(head)
	for i := offset; i < offset+n; i++ {
		c := i % 2
		fmt.Fprintf(&b, "%.3f,%.3f,%.3f,%d\n", float64(4*c)+float64(i%7)/7, float64(i%5)/5-float64(2*c), float64(i%3), c)
	}
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	return path
}

// TestSkipRowsFlag: a file that starts with a count line and no header
// (scikit-learn's wine_data.csv) fails with a hint to -skip-rows=1, trains
// with it, and -load reads it again as it was read (the checkpoint records
// -skip-rows).
func TestSkipRowsFlag(t *testing.T) {
	dir := t.TempDir()
	wine := blobs(t, dir, "wine_data.csv", "40,3,class_0,class_1,class_2\n", 40, 0)
	code, _, stderr := runTrain(t, "-backend=cpu", "-data="+wine, "-epochs=1", "-plot=")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "wine_data.csv:2: 4 fields, want 5 as on line 1; line 1 (40,3,…) looks like a count line")
	assert.Contains(t, stderr, "(train -skip-rows=1)")

	ck := filepath.Join(dir, "m.safetensors")
	code, stdout, stderr := runTrain(t, "-backend=cpu", "-data="+wine, "-skip-rows=1", "-epochs=1", "-plot=", "-save="+ck)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "data     "+wine+": 32 training and 8 validation samples, 3 features, 2 classes")
	code, stdout, stderr = runTrain(t, "-backend=cpu", "-load="+ck, "-eval")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, ": 40 samples, evaluated as one set")
	assert.Empty(t, stderr)

	code, _, stderr = runTrain(t, "-backend=cpu", "-data="+wine, "-skip-rows=-1")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "invalid value -1 for -skip-rows: want 0 or more")
}

// TestGzipData: -data=FILE.csv.gz trains as the plain file does, to the
// same losses (the CPU backend is deterministic), and the checkpoint knows
// the compressed file again (by its bytes as stored).
func TestGzipData(t *testing.T) {
	dir := t.TempDir()
	plain := blobs(t, dir, "b.csv", "x,y,z,label\n", 60, 0)
	text, err := os.ReadFile(plain)
	require.NoError(t, err)
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(text)
	require.NoError(t, zw.Close())
	gz := filepath.Join(dir, "g.csv.gz")
	require.NoError(t, os.WriteFile(gz, z.Bytes(), 0o644))

	epochs := regexp.MustCompile(`(?m)^epoch .*loss [\d.]+  acc [ \d.]+%  val loss [\d.]+`)
	code, want, stderr := runTrain(t, "-backend=cpu", "-data="+plain, "-epochs=2", "-plot=")
	require.Equal(t, 0, code, stderr)
	ck := filepath.Join(dir, "g.safetensors")
	code, got, stderr := runTrain(t, "-backend=cpu", "-data="+gz, "-epochs=2", "-plot=", "-save="+ck)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, got, "data     "+gz+": 48 training and 12 validation samples, 3 features, 2 classes")
	require.Len(t, epochs.FindAllString(got, -1), 2, got)
	assert.Equal(t, epochs.FindAllString(want, -1), epochs.FindAllString(got, -1))
	code, _, stderr = runTrain(t, "-backend=cpu", "-resume="+ck, "-epochs=3", "-plot=")
	assert.Equal(t, 0, code, stderr)
}

// TestValTestData: -val-data is the validation set in place of -val's
// split, -test-data a test set scored in the summary; each must have the
// training file's columns and classes. -eval on a held-out file of the
// same classes warns of nothing.
func TestValTestData(t *testing.T) {
	dir := t.TempDir()
	train := blobs(t, dir, "train.csv", "x,y,z,label\n", 40, 0)
	val := blobs(t, dir, "val.csv", "x,y,z,label\n", 10, 40)
	test := blobs(t, dir, "test.csv", "x,y,z,label\n", 12, 50)
	ck := filepath.Join(dir, "m.safetensors")
	code, stdout, stderr := runTrain(t, "-backend=cpu", "-data="+train, "-val-data="+val, "-test-data="+test, "-epochs=3", "-plot=", "-save="+ck)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "data     "+train+": 40 training and 10 validation samples, 3 features, 2 classes; 12 test samples, evaluated at the end")
	assert.Regexp(t, `validation accuracy [\d.]+% \(loss [\d.]+\), test accuracy [\d.]+% \(loss [\d.]+\)\n`, stdout)
	assert.Empty(t, stderr)

	code, stdout, stderr = runTrain(t, "-backend=cpu", "-load="+ck, "-eval", "-data="+test)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "12 samples, evaluated as one set")
	assert.Empty(t, stderr, "a held-out file of the same classes")

	// Data without some of the classes is warned of: TestIneffectiveFlagsWarn.

	wide := filepath.Join(dir, "wide.csv")
	require.NoError(t, os.WriteFile(wide, []byte("a,b,c,d,label\n1,2,3,4,0\n1,2,3,4,1\n"), 0o644))
	other := filepath.Join(dir, "other.csv")
	require.NoError(t, os.WriteFile(other, []byte("x,y,z,label\n1,2,3,0\n1,2,3,5\n"), 0o644))
	for i, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-val-data=" + wide}, 1, wide + " has 4 features, " + train + " 3"},
		{[]string{"-test-data=" + other}, 1, other + " has labels up to 5; " + train + " knows classes 0 to 1"},
		{[]string{"-val-data=" + val, "-val=0.1"}, 2, "-val and -val-data conflict"},
		{[]string{"-val-data=" + filepath.Join(dir, "v.txt")}, 2, "for -val-data: want a .csv or .csv.gz file"},
		{[]string{"-test-data=" + filepath.Join(dir, "none.csv")}, 1, "none.csv"},
		{[]string{"-test-data=" + test, "-save=" + test}, 2, "the -test-data file " + test},
	} {
		code, _, stderr := runTrain(t, append([]string{"-backend=cpu", "-data=" + train, "-epochs=1", "-plot="}, tc.args...)...)
		assert.Equal(t, tc.code, code, "%d %v: %s", i, tc.args, stderr)
		assert.Contains(t, stderr, tc.want, "%d %v", i, tc.args)
	}
	code, _, stderr = runTrain(t, "-backend=cpu", "-data=spiral", "-test-data="+test)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "-data=spiral is not a CSV file")
	code, _, stderr = runTrain(t, "-backend=cpu", "-load="+ck, "-eval", "-test-data="+test)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "-val-data and -test-data are for training")
}

// TestGzipPredict: -predict=FILE.csv.gz writes the predictions of the
// plain file, and a file that is not gzip is refused naming it.
func TestGzipPredict(t *testing.T) {
	dir := t.TempDir()
	train := blobs(t, dir, "b.csv", "x,y,z,label\n", 40, 0)
	model := filepath.Join(dir, "m.safetensors")
	mustTrain(t, "-backend=cpu", "-plot=", "-data="+train, "-epochs=1", "-save="+model)
	rows := filepath.Join(dir, "rows.csv")
	require.NoError(t, os.WriteFile(rows, []byte("x,y,z\n1,2,3\n-1,0.5,2\n4,4,-4\n"), 0o644))
	text, err := os.ReadFile(rows)
	require.NoError(t, err)
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(text)
	require.NoError(t, zw.Close())
	gz := filepath.Join(dir, "rows.csv.gz")
	require.NoError(t, os.WriteFile(gz, z.Bytes(), 0o644))

	want := mustTrain(t, "-backend=cpu", "-load="+model, "-predict="+rows)
	got := mustTrain(t, "-backend=cpu", "-load="+model, "-predict="+gz)
	assert.Equal(t, want, got)
	assert.Len(t, strings.Split(strings.TrimSpace(got), "\n"), 4, "a header and three rows:\n%s", got)

	notGz := filepath.Join(dir, "plain.csv.gz")
	require.NoError(t, os.WriteFile(notGz, text, 0o644))
	code, _, stderr := runTrain(t, "-backend=cpu", "-load="+model, "-predict="+notGz)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "-predict: csv: "+notGz+": gzip: invalid header")
}

// TestResumeKeepsValTestData: a run trained with -val-data and -test-data
// records them, and -resume continues with them: the same validation and
// test sets, and the same final scores as one uninterrupted run. Another
// validation file, or one where the run held out -val's split, is refused.
func TestResumeKeepsValTestData(t *testing.T) {
	dir := t.TempDir()
	train := blobs(t, dir, "train.csv", "x,y,z,label\n", 40, 0)
	val := blobs(t, dir, "val.csv", "x,y,z,label\n", 10, 40)
	test := blobs(t, dir, "test.csv", "x,y,z,label\n", 12, 50)
	ck, straight := filepath.Join(dir, "m.safetensors"), filepath.Join(dir, "s.safetensors")
	args := []string{"-backend=cpu", "-data=" + train, "-val-data=" + val, "-test-data=" + test, "-plot=", "-quiet"}
	code, whole, stderr := runTrain(t, append(args, "-epochs=4", "-save="+straight)...)
	require.Equal(t, 0, code, stderr)
	code, _, stderr = runTrain(t, append(args, "-epochs=2", "-save="+ck)...)
	require.Equal(t, 0, code, stderr)

	code, stdout, stderr := runTrain(t, "-backend=cpu", "-resume="+ck, "-epochs=4", "-plot=")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "40 training and 10 validation samples, 3 features, 2 classes; 12 test samples, evaluated at the end")
	done := regexp.MustCompile(`(?m)^done .*?: (train accuracy .*)$`)
	require.Regexp(t, done, whole)
	require.Regexp(t, done, stdout)
	assert.Equal(t, done.FindStringSubmatch(whole)[1], done.FindStringSubmatch(stdout)[1], "resumed 2 → 4 against 4 straight: the same weights, so the same scores")

	other := blobs(t, dir, "other.csv", "x,y,z,label\n", 10, 60)
	code, _, stderr = runTrain(t, "-backend=cpu", "-resume="+ck, "-epochs=5", "-plot=", "-val-data="+other)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "-val-data="+other+" disagrees with the run in "+ck)
	code, _, stderr = runTrain(t, "-backend=cpu", "-resume="+ck, "-epochs=5", "-plot=", "-val-data="+val, "-test-data="+other)
	assert.Equal(t, 0, code, "the same validation file, and another test set: %s", stderr)

	split := filepath.Join(dir, "split.safetensors")
	code, _, stderr = runTrain(t, "-backend=cpu", "-data="+train, "-epochs=1", "-plot=", "-save="+split)
	require.Equal(t, 0, code, stderr)
	code, _, stderr = runTrain(t, "-backend=cpu", "-resume="+split, "-epochs=2", "-plot=", "-val-data="+val)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "validated on -val's split of its data")
}

// TestOneClassHeldOut: a held-out file of one class (one class's test
// rows) is evaluated with -eval, with the warning that it lacks the
// model's other classes, and serves as -val-data and -test-data; -data to
// train on needs two classes.
func TestOneClassHeldOut(t *testing.T) {
	dir := t.TempDir()
	train := blobs(t, dir, "train.csv", "x,y,z,label\n", 40, 0)
	one := filepath.Join(dir, "ones.csv")
	require.NoError(t, os.WriteFile(one, []byte("x,y,z,label\n4.1,-1.8,0,1\n4.3,-1.6,1,1\n4.6,-2.0,2,1\n"), 0o644))
	ck := filepath.Join(dir, "m.safetensors")
	code, _, stderr := runTrain(t, "-backend=cpu", "-data="+train, "-epochs=3", "-plot=", "-quiet", "-save="+ck)
	require.Equal(t, 0, code, stderr)

	code, stdout, stderr := runTrain(t, "-backend=cpu", "-load="+ck, "-eval", "-data="+one)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "3 samples, evaluated as one set")
	assert.Regexp(t, `accuracy [\d.]+% \(3 samples\)`, stdout)
	assert.Contains(t, stderr, "warning: "+one+" holds labels of 1 of the 2 classes")

	code, stdout, stderr = runTrain(t, "-backend=cpu", "-data="+train, "-val-data="+one, "-test-data="+one, "-epochs=1", "-plot=")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "40 training and 3 validation samples, 3 features, 2 classes; 3 test samples")

	code, _, stderr = runTrain(t, "-backend=cpu", "-data="+one, "-epochs=1", "-plot=")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, `every row has label "1": need at least 2 classes to train on`)
}
