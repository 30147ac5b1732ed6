package data

import (
	"errors"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
)

// TestParseCSVTargets reads real-valued targets: one or several columns,
// by number or by header name, and scikit-learn's count line.
func TestParseCSVTargets(t *testing.T) {
	for i, tc := range []struct {
		name    string
		text    string
		opts    CSVOptions
		x, y    []float32
		outputs int
		names   []string
	}{
		{"last column", "a,b,price\n1,2,21.6\n3,4,-0.5\n", CSVOptions{Real: true},
			[]float32{1, 2, 3, 4}, []float32{21.6, -0.5}, 1, []string{"price"}},
		{"no header", "1,2,21.6\n3,4,1e2\n", CSVOptions{Real: true},
			[]float32{1, 2, 3, 4}, []float32{21.6, 100}, 1, nil},
		{"two by number, in the order given", "a,u,v\n1,2,3\n4,5,6\n", CSVOptions{Real: true, Targets: []string{"3", "-2"}},
			[]float32{1, 4}, []float32{3, 2, 6, 5}, 2, []string{"v", "u"}},
		{"by name", "a,u,b\n1,2,3\n4,5,6\n", CSVOptions{Real: true, Targets: []string{"u"}},
			[]float32{1, 3, 4, 6}, []float32{2, 5}, 1, []string{"u"}},
		{"multi-label 0/1", "x,l1,l2\n0.5,1,0\n-1,0,1\n", CSVOptions{Real: true, Targets: []string{"l1", "l2"}},
			[]float32{0.5, -1}, []float32{1, 0, 0, 1}, 2, []string{"l1", "l2"}},
		{"sklearn count line", "2,2,,\n\"p\",\"q\",\"MEDV\"\n1,2,24\n3,4,21.6\n", CSVOptions{Real: true},
			[]float32{1, 2, 3, 4}, []float32{24, 21.6}, 1, []string{"MEDV"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseCSV(strings.NewReader(tc.text), "data.csv", tc.opts)
			if err != nil {
				t.Fatalf("case %d: %v", i, err)
			}
			if !slices.Equal(s.X, tc.x) || !slices.Equal(s.Targets, tc.y) || s.Outputs != tc.outputs || !slices.Equal(s.TargetNames, tc.names) || s.Labels != nil {
				t.Errorf("case %d: got X %v targets %v outputs %d names %q labels %v, want %v %v %d %q nil",
					i, s.X, s.Targets, s.Outputs, s.TargetNames, s.Labels, tc.x, tc.y, tc.outputs, tc.names)
			}
			if s.Len() != len(tc.x)/s.Features {
				t.Errorf("case %d: Len %d, want %d", i, s.Len(), len(tc.x)/s.Features)
			}
			if err := s.Validate(); err != nil {
				t.Errorf("case %d: %v", i, err)
			}
		})
	}
}

// TestParseCSVTargetErrors checks the messages of bad target columns and
// count lines.
func TestParseCSVTargetErrors(t *testing.T) {
	for i, tc := range []struct {
		name, text string
		opts       CSVOptions
		err        string
	}{
		{"unknown name", "a,b\n1,2\n", CSVOptions{Real: true, Targets: []string{"c"}}, `data.csv:1: no column is named "c"`},
		{"name without a header", "1,2\n3,4\n", CSVOptions{Real: true, Targets: []string{"c"}}, `no column is named "c"`},
		{"column out of range", "a,b\n1,2\n", CSVOptions{Real: true, Targets: []string{"3"}}, `target column 3 outside the 2 columns`},
		{"twice", "a,b,c\n1,2,3\n", CSVOptions{Real: true, Targets: []string{"3", "-1"}}, `target column 3 is given twice`},
		{"no features", "a,b\n1,2\n", CSVOptions{Real: true, Targets: []string{"1", "2"}}, `no features are left`},
		{"several without Real", "a,b,c\n1,2,3\n", CSVOptions{Targets: []string{"2", "3"}}, `several target columns need real-valued targets`},
		{"target not a number", "a,b\n1,x\n2,3\n", CSVOptions{Real: true}, `data.csv:2: column 2: target "x" is not a number`},
		{"count line wrong rows", "3,2,,\na,b,c,d\n1,2,3,4\n", CSVOptions{Real: true}, `data.csv:1: "3,2" reads as a count line (scikit-learn's: 3 samples, 2 features, before the header), but the file has 1 data rows of 4 columns`},
		{"count line wrong features", "1,2,,\na,b,c,d\n1,2,3,4\n", CSVOptions{Real: true}, `the file has 1 data rows of 4 columns (3 features and a target)`},
	} {
		_, err := ParseCSV(strings.NewReader(tc.text), "data.csv", tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("case %d (%s): error %v, want one containing %q", i, tc.name, err, tc.err)
		}
	}
}

// TestCountLineFallsBackToData: a first line shaped like a count line but
// not followed by a header is data (a file of labels named by strings).
func TestCountLineFallsBackToData(t *testing.T) {
	s, err := ParseCSV(strings.NewReader("3,1,cat\n4,0,dog\n"), "pets.csv", CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.X, []float32{3, 1, 4, 0}) || !slices.Equal(s.Labels, []int{0, 1}) {
		t.Errorf("got X %v labels %v, want [3 1 4 0] [0 1]", s.X, s.Labels)
	}
	// sklearn's iris: the count line names the classes; class labels read.
	s, err = ParseCSV(strings.NewReader("2,2,setosa,versicolor\na,b,target\n1,2,0\n3,4,1\n"), "iris.csv", CSVOptions{})
	if err != nil || s.Len() != 2 || s.Classes != 2 {
		t.Errorf("iris-like file: %v, %d rows, %d classes; want 2 rows, 2 classes", err, s.Len(), s.Classes)
	}
}

// TestRealLabelsHint: a fractional class label wraps ErrRealLabels, so the
// command can suggest a regression loss.
func TestRealLabelsHint(t *testing.T) {
	_, err := ParseCSV(strings.NewReader("1,21.6\n2,3\n"), "b.csv", CSVOptions{})
	if !errors.Is(err, ErrRealLabels) {
		t.Errorf("error %v does not wrap ErrRealLabels", err)
	}
}

// TestTargetsCarried: Subset, Split and Standardizer.Apply carry the
// targets with their rows; standardising leaves them raw.
func TestTargetsCarried(t *testing.T) {
	s := Set{Name: "r", X: []float32{1, 2, 3, 4, 5, 6}, Features: 1, Targets: []float32{10, 11, 20, 21, 30, 31, 40, 41, 50, 51, 60, 61}, Outputs: 2, TargetNames: []string{"u", "v"}}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	sub, err := s.Subset([]int{5, 0, 0})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sub.X, []float32{6, 1, 1}) || !slices.Equal(sub.Targets, []float32{60, 61, 10, 11, 10, 11}) || sub.Len() != 3 {
		t.Errorf("subset: X %v targets %v", sub.X, sub.Targets)
	}
	train, val, err := s.Split(0.5, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []Set{train, val} {
		for i := range part.Len() {
			if x, y := part.X[i], part.Targets[2*i]; y != 10*x || part.Targets[2*i+1] != y+1 {
				t.Errorf("split: row %d has x %v but targets %v", i, x, part.Targets[2*i:2*i+2])
			}
		}
	}
	st, err := FitStandardizer(s)
	if err != nil {
		t.Fatal(err)
	}
	z, err := st.Apply(s)
	if err != nil || !slices.Equal(z.Targets, s.Targets) || z.Outputs != 2 {
		t.Errorf("standardised: %v, targets %v, want them unchanged", err, z.Targets)
	}
	s.Targets[0] = float32(math.NaN())
	if err := s.Validate(); err == nil || !strings.Contains(err.Error(), "target 0 is NaN") {
		t.Errorf("NaN target: %v", err)
	}
	bad := Set{Name: "b", X: []float32{1}, Features: 1, Labels: []int{0}, Targets: []float32{1}, Outputs: 1}
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "both class labels and") {
		t.Errorf("labels and targets: %v", err)
	}
}

func TestCheckUnitTargets(t *testing.T) {
	ok := Set{Name: "m", Targets: []float32{0, 1, 0.5, 1}, Outputs: 2}
	if err := CheckUnitTargets(ok); err != nil {
		t.Error(err)
	}
	bad := Set{Name: "m", Targets: []float32{0, 1, 2, 1}, Outputs: 2}
	if err := CheckUnitTargets(bad); err == nil || !strings.Contains(err.Error(), "sample 1: target 0 is 2, outside [0,1]") {
		t.Errorf("got %v", err)
	}
}

// TestBostonCSV reads scikit-learn's Boston housing file, count line and
// all, when python3-sklearn is installed.
func TestBostonCSV(t *testing.T) {
	const path = "/usr/lib/python3/dist-packages/sklearn/datasets/data/boston_house_prices.csv"
	if _, err := os.Stat(path); err != nil {
		t.Skipf("python3-sklearn's Boston file: %v", err)
	}
	s, err := LoadCSV(path, CSVOptions{Real: true, Targets: []string{"MEDV"}})
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 506 || s.Features != 13 || s.Outputs != 1 || s.Targets[1] != 21.6 || !slices.Equal(s.TargetNames, []string{"MEDV"}) {
		t.Errorf("got %d rows, %d features, %d outputs, target 1 %v, names %q; want 506, 13, 1, 21.6, [MEDV]", s.Len(), s.Features, s.Outputs, s.Targets[1], s.TargetNames)
	}
}

// TestLabelColumnByName: class labels may be named by their header too.
func TestLabelColumnByName(t *testing.T) {
	s, err := ParseCSV(strings.NewReader("species,x,y\ncat,1,2\ndog,3,4\n"), "pets.csv", CSVOptions{Targets: []string{"species"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.X, []float32{1, 2, 3, 4}) || !slices.Equal(s.ClassNames, []string{"cat", "dog"}) || s.Regression() {
		t.Errorf("got X %v, classes %q, regression %v", s.X, s.ClassNames, s.Regression())
	}
}
