package main

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPredictFirstRow: -predict reads its rows with the training CSV's
// number parser and header rule. A first row is a header only when it
// holds names and no number: NaN, Inf, an empty field or hex on line 1 is
// an error naming line 1, as on line 2 (before, the row was taken for a
// header and dropped: 3 rows in, 2 predictions out, misaligned). 1_000 and
// 0x1p4, which the training CSV refuses, are refused too (before, they were
// read as 1000 and 16).
func TestPredictFirstRow(t *testing.T) {
	dir := t.TempDir()
	train := filepath.Join(dir, "pts.csv")
	require.NoError(t, os.WriteFile(train, []byte("a,b,kind\n1,2,x\n2,1,y\n3,3,x\n1,1,y\n0,2,x\n2,0,y\n"), 0o644))
	model := filepath.Join(dir, "m.safetensors")
	mustTrain(t, "-backend=cpu", "-plot=", "-data="+train, "-epochs=1", "-layers=4", "-save="+model)

	for i, tc := range []struct{ content, want string }{
		{"NaN,1\n1,2\n3,4\n", `line 1, column 1: "NaN" is not finite`},
		{"1,+Inf\n1,2\n3,4\n", `line 1, column 2: "+Inf" is not finite`},
		{"1,\n1,2\n3,4\n", `line 1, column 2: "" is not a number`},
		{"0x1p4,1\n1,2\n3,4\n", `line 1, column 1: "0x1p4" is not a number (hexadecimal is not accepted)`},
		{"a,b\n1_000,2\n3,4\n", `line 2, column 1: "1_000" is not a number (digit separators _ are not accepted)`},
		{"a,b\n0x1p4,2\n3,4\n", `line 2, column 1: "0x1p4" is not a number (hexadecimal is not accepted)`},
		{"1,2\n0x10,4\n", `line 2, column 1: "0x10" is not a number`},
	} {
		path := filepath.Join(dir, fmt.Sprintf("rows%d.csv", i))
		require.NoError(t, os.WriteFile(path, []byte(tc.content), 0o644))
		code, stdout, stderr := runTrain(t, "-backend=cpu", "-load="+model, "-predict="+path)
		assert.Equal(t, 2, code, "%d: %s", i, stderr)
		assert.Contains(t, stderr, "-predict "+path+": "+tc.want, "%d", i)
		assert.NotContains(t, stdout, "prediction", "%d", i)
	}
	// A header of names (one column unnamed) is still skipped.
	path := filepath.Join(dir, "named.csv")
	require.NoError(t, os.WriteFile(path, []byte(",b\n1,2\n3,4\n5,6\n"), 0o644))
	stdout := mustTrain(t, "-backend=cpu", "-load="+model, "-predict="+path)
	assert.Len(t, strings.Split(strings.TrimSpace(stdout), "\n"), 4, "a header and three rows:\n%s", stdout)
}

// TestClassNamesPrintedSafely: -predict writes class names exactly, in
// CSV's quoting (before: Go-quoted, and a name over 64 bytes cut to an
// excerpt), and a label holding control characters (a terminal escape, CR)
// is refused when the training CSV is read, naming its line (before: it
// reached the terminal raw).
func TestClassNamesPrintedSafely(t *testing.T) {
	dir := t.TempDir()
	long := strings.TrimSpace(strings.Repeat("long name ", 8)) // 79 bytes
	odd := `say "hi", twice`
	train := filepath.Join(dir, "names.csv")
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write([]string{"a", "b", "kind"})
	for i := range 8 {
		w.Write([]string{fmt.Sprint(i % 2), fmt.Sprint(1 - i%2), []string{long, odd}[i%2]})
	}
	w.Flush()
	require.NoError(t, os.WriteFile(train, []byte(b.String()), 0o644))
	model := filepath.Join(dir, "m.safetensors")
	mustTrain(t, "-backend=cpu", "-plot=", "-data="+train, "-epochs=1", "-layers=4", "-save="+model)
	rows := filepath.Join(dir, "rows.csv")
	require.NoError(t, os.WriteFile(rows, []byte("0,1\n1,0\n"), 0o644))
	stdout := mustTrain(t, "-backend=cpu", "-load="+model, "-predict="+rows)
	recs, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	require.NoError(t, err, stdout)
	require.Len(t, recs, 3, stdout)
	assert.Equal(t, []string{"prediction", "p_" + long, "p_" + odd}, recs[0])
	for _, r := range recs[1:] {
		assert.Contains(t, []string{long, odd}, r[0])
	}

	for i, label := range []string{"\x1b[31mred", "car\rriage"} {
		path := filepath.Join(dir, fmt.Sprintf("bad%d.csv", i))
		require.NoError(t, os.WriteFile(path, []byte("a,kind\n1,x\n2,\""+label+"\"\n"), 0o644))
		code, stdout, stderr := runTrain(t, "-backend=cpu", "-plot=", "-data="+path, "-epochs=1")
		assert.Equal(t, 1, code, stderr)
		assert.Contains(t, stderr, path+":3: column 2: label "+fmt.Sprintf("%q", label)+" holds control characters", "%d", i)
		assert.NotContains(t, stdout+stderr, label, "%d: printed raw", i)
	}
}
