package data

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wine is the start of scikit-learn's wine_data.csv, cut to 3 rows and 3
// features: a count line (samples, features, class names) then data with
// no header.
const wine = "3,3,class_0,class_1,class_2\n" +
	"14.23,1.71,2.43,0\n" +
	"13.2,1.78,2.14,1\n" +
	"12.37,0.94,1.36,2\n"

// TestSkipRows: SkipRows skips the file's first records, and errors still
// name the file's own lines.
func TestSkipRows(t *testing.T) {
	_, err := ParseCSV(strings.NewReader(wine), "wine_data.csv", CSVOptions{})
	assert.ErrorContains(t, err, "wine_data.csv:2: 4 fields, want 5 as on line 1; line 1 (3,3,…) looks like a count line")
	s, err := ParseCSV(strings.NewReader(wine), "wine_data.csv", CSVOptions{SkipRows: 1})
	require.NoError(t, err)
	assert.Equal(t, 3, s.Len())
	assert.Equal(t, 3, s.Features)
	assert.Equal(t, []int{0, 1, 2}, s.Labels)
	assert.Equal(t, []float32{14.23, 1.71, 2.43}, s.X[:3])

	// A title and a note before the header.
	s, err = ParseCSV(strings.NewReader("Pets, 2026\nsource: me\nw,h,kind\n3,1,cat\n4,0,dog\n"), "pets.csv", CSVOptions{SkipRows: 2})
	require.NoError(t, err)
	assert.Equal(t, 2, s.Len())
	assert.Equal(t, []string{"cat", "dog"}, s.ClassNames)

	// Lines keep their numbers.
	_, err = ParseCSV(strings.NewReader("title\nw,h,kind\n3,x,cat\n"), "pets.csv", CSVOptions{SkipRows: 1})
	assert.EqualError(t, err, `pets.csv:3: column 2: "x" is not a number`)

	_, err = ParseCSV(strings.NewReader("a\nb\n"), "short.csv", CSVOptions{SkipRows: 2})
	assert.EqualError(t, err, "short.csv: empty file after the 2 records skipped (SkipRows 2): it holds 2")
	_, err = ParseCSV(strings.NewReader(wine), "w.csv", CSVOptions{SkipRows: -1})
	assert.EqualError(t, err, "w.csv: SkipRows -1, want 0 or more")
}

// TestCountLineHint: a count line with no header after it (wine_data.csv,
// breast_cancer.csv) fails at the first row of the data's width, and the
// error says to skip it.
func TestCountLineHint(t *testing.T) {
	_, err := ParseCSV(strings.NewReader(wine), "wine_data.csv", CSVOptions{})
	assert.EqualError(t, err, `wine_data.csv:2: 4 fields, want 5 as on line 1; line 1 (3,3,…) looks like a count line (samples, features, class names, as scikit-learn writes) with no header after it: skip it with SkipRows 1 (train -skip-rows=1)`)
	// A count line as wide as the rows after it (iris.csv's
	// "150,4,setosa,versicolor,virginica") is read as data, and fails on
	// its names, with the same hint.
	_, err = ParseCSV(strings.NewReader("150,4,setosa,versicolor,virginica\n5.1,3.5,1.4,0.2,0\n"), "iris.csv", CSVOptions{})
	assert.EqualError(t, err, `iris.csv:1: column 3: "setosa" is not a number; line 1 (150,4,…) looks like a count line (samples, features, class names, as scikit-learn writes) with no header after it: skip it with SkipRows 1 (train -skip-rows=1)`)
	// A first row of names beside numbers that is no count line: the
	// header hint alone.
	_, err = ParseCSV(strings.NewReader("1.5,4,setosa,versicolor,virginica\n5.1,3.5,1.4,0.2,0\n"), "x.csv", CSVOptions{})
	assert.ErrorContains(t, err, "the line is read as data, not as a header")
	assert.NotContains(t, err.Error(), "count line")
	// Ragged data without a count line: no hint.
	_, err = ParseCSV(strings.NewReader("1,2,0\n1,2,3,1\n"), "r.csv", CSVOptions{})
	assert.EqualError(t, err, `r.csv:2: 4 fields, want 3 as on line 1`)
}

// TestGzipCSV: a .csv.gz file reads as the same set as the plain file, its
// Name without ".csv.gz", counted (CountCSV) as the text it holds; the
// record limit applies to the decompressed stream; a corrupt or cut stream
// is an error naming the file.
func TestGzipCSV(t *testing.T) {
	dir := t.TempDir()
	text := "w,h,kind\n3,1,cat\n4,0,dog\n5,2,cat\n"
	plain := filepath.Join(dir, "pets.csv")
	require.NoError(t, os.WriteFile(plain, []byte(text), 0o644))
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write([]byte(text))
	require.NoError(t, zw.Close())
	gz := filepath.Join(dir, "pets.csv.gz")
	require.NoError(t, os.WriteFile(gz, z.Bytes(), 0o644))

	want, err := LoadCSV(plain, CSVOptions{})
	require.NoError(t, err)
	got, err := LoadCSV(gz, CSVOptions{})
	require.NoError(t, err)
	assert.Equal(t, "pets", got.Name)
	assert.Equal(t, want.X, got.X)
	assert.Equal(t, want.Labels, got.Labels)
	assert.Equal(t, want.ClassNames, got.ClassNames)

	size, err := CountCSV(gz)
	require.NoError(t, err)
	assert.Equal(t, CSVSize{Bytes: int64(len(text)), Records: 4, Fields: 12}, size)

	// The record limit holds in the decompressed text.
	_, err = LoadCSV(gz, CSVOptions{MaxRecordBytes: 5})
	require.Error(t, err)
	var long *recordTooLongError
	assert.True(t, errors.As(err, &long), "%v", err)

	cut := filepath.Join(dir, "cut.csv.gz")
	require.NoError(t, os.WriteFile(cut, z.Bytes()[:z.Len()-6], 0o644))
	_, err = LoadCSV(cut, CSVOptions{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cut.csv.gz")
	assert.Contains(t, err.Error(), "unexpected EOF")

	notGzip := filepath.Join(dir, "plain.csv.gz")
	require.NoError(t, os.WriteFile(notGzip, []byte(text), 0o644))
	_, err = LoadCSV(notGzip, CSVOptions{})
	assert.EqualError(t, err, "csv: "+notGzip+": gzip: invalid header")
	assert.True(t, slices.Equal(got.X, want.X))
}

// TestOneClass: OneClass reads a file of one class (a held-out set whose
// classes another names); without it the file is refused, as a set to
// train on.
func TestOneClass(t *testing.T) {
	for _, tc := range []struct {
		text    string
		labels  []int
		classes int
		names   []string
	}{
		{"1,a\n2,a\n", []int{0, 0}, 1, []string{"a"}},
		{"1,3\n2,3\n", []int{3, 3}, 4, nil},
	} {
		_, err := ParseCSV(strings.NewReader(tc.text), "one.csv", CSVOptions{})
		assert.ErrorContains(t, err, "need at least 2 classes to train on", tc.text)
		s, err := ParseCSV(strings.NewReader(tc.text), "one.csv", CSVOptions{OneClass: true})
		require.NoError(t, err, tc.text)
		assert.Equal(t, tc.labels, s.Labels, tc.text)
		assert.Equal(t, tc.classes, s.Classes, tc.text)
		assert.Equal(t, tc.names, s.ClassNames, tc.text)
	}
}
