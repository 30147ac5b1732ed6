package data

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestParseCSV(t *testing.T) {
	for i, tc := range []struct {
		name    string
		text    string
		opts    CSVOptions
		x       []float32
		labels  []int
		classes int
		names   []string
	}{
		{"header detected", "x,y,label\n1,2,0\n3,4,1\n", CSVOptions{},
			[]float32{1, 2, 3, 4}, []int{0, 1}, 2, nil},
		{"no header", "1,2,0\n3,4,1", CSVOptions{},
			[]float32{1, 2, 3, 4}, []int{0, 1}, 2, nil},
		{"string labels sorted", "a,b,species\n1,2,setosa\n3,4,virginica\n5,6,setosa\n7,8,Versicolor\n", CSVOptions{},
			[]float32{1, 2, 3, 4, 5, 6, 7, 8}, []int{1, 2, 1, 0}, 3, []string{"Versicolor", "setosa", "virginica"}},
		{"label first", "label,x\n1,0.5\n0,-0.5\n", CSVOptions{LabelCol: 1},
			[]float32{0.5, -0.5}, []int{1, 0}, 2, nil},
		{"label second from the end", "1,7,2\n2,8,3\n", CSVOptions{LabelCol: -2},
			[]float32{1, 2, 2, 3}, []int{7, 8}, 9, nil},
		{"label -1 is the last", "1,2,0\n3,4,1", CSVOptions{LabelCol: -1},
			[]float32{1, 2, 3, 4}, []int{0, 1}, 2, nil},
		{"integer labels with a gap", "1,0\n2,3\n", CSVOptions{},
			[]float32{1, 2}, []int{0, 3}, 4, nil},
		{"numeric header skipped when told", "10,20,30\n1,2,0\n3,4,1\n", CSVOptions{Header: HeaderYes},
			[]float32{1, 2, 3, 4}, []int{0, 1}, 2, nil},
		{"string-label first row is data", "1,2,cat\n3,4,dog\n", CSVOptions{},
			[]float32{1, 2, 3, 4}, []int{0, 1}, 2, []string{"cat", "dog"}},
		{"spaces, CRLF, BOM, quotes, blank lines", "\ufeff x , y ,class\r\n 1.5 , -2e3 , a\r\n\r\n\"3\",4,\" b \"\r\n", CSVOptions{},
			[]float32{1.5, -2000, 3, 4}, []int{0, 1}, 2, []string{"a", "b"}},
		{"mixed labels are names", "1,1\n2,x\n3,1\n", CSVOptions{},
			[]float32{1, 2, 3}, []int{0, 1, 0}, 2, []string{"1", "x"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseCSV(strings.NewReader(tc.text), "data.csv", tc.opts)
			if err != nil {
				t.Fatalf("%d: %v", i, err)
			}
			if err := s.Validate(); err != nil {
				t.Errorf("%d: %v", i, err)
			}
			if !slices.Equal(s.X, tc.x) || !slices.Equal(s.Labels, tc.labels) || s.Classes != tc.classes || !slices.Equal(s.ClassNames, tc.names) {
				t.Errorf("%d: got X %v labels %v classes %d names %q\nwant X %v labels %v classes %d names %q",
					i, s.X, s.Labels, s.Classes, s.ClassNames, tc.x, tc.labels, tc.classes, tc.names)
			}
			if s.Name != "data" || s.Features != len(tc.x)/len(tc.labels) {
				t.Errorf("%d: name %q, %d features", i, s.Name, s.Features)
			}
		})
	}
}

func TestParseCSVErrors(t *testing.T) {
	for i, tc := range []struct {
		name string
		text string
		opts CSVOptions
		want string
	}{
		{"empty", "", CSVOptions{}, "data.csv: empty file"},
		{"blank lines only", "\n\n\n", CSVOptions{}, "data.csv: empty file"},
		{"header only", "x,y,label\n", CSVOptions{}, "data.csv: no data rows after the header on line 1"},
		{"not a number", "x,y,z,label\n1,2,3,0\n1,2,3,1\n" + strings.Repeat("1,2,3,0\n", 13) + "1,2,abc,1\n", CSVOptions{},
			`data.csv:17: column 3: "abc" is not a number`},
		{"text first row, no header", "a,b,l\n1,2,0\n", CSVOptions{Header: HeaderNo}, `data.csv:1: column 1: "a" is not a number`},
		{"ragged short", "1,2,0\n3,1\n", CSVOptions{}, "data.csv:2: 2 fields, want 3 as on line 1"},
		{"ragged long", "x,y,l\n1,2,0\n3,4,5,1\n", CSVOptions{}, "data.csv:3: 4 fields, want 3 as on line 1"},
		{"NaN", "1,0\nNaN,1\n", CSVOptions{}, `data.csv:2: column 1: "NaN" is not finite`},
		{"Inf", "1,0\n-inf,1\n", CSVOptions{}, `data.csv:2: column 1: "-inf" is not finite`},
		{"float32 overflow", "1,0\n1e39,1\n", CSVOptions{}, `data.csv:2: column 1: "1e39" is out of float32 range`},
		{"empty feature", "1,0\n,1\n", CSVOptions{}, `data.csv:2: column 1: "" is not a number`},
		{"single class", "1,a\n2,a\n", CSVOptions{}, `data.csv: every row has label "a": need at least 2 classes`},
		{"single integer class", "1,3\n2,3\n", CSVOptions{}, `every row has label "3"`},
		{"negative label", "1,0\n2,-1\n", CSVOptions{}, "data.csv:2: column 2: label -1 outside [0,65536)"},
		{"huge label", "1,0\n2,1000000000\n", CSVOptions{}, "data.csv:2: column 2: label 1000000000 outside [0,65536)"},
		{"empty label", "1,0\n2,\n", CSVOptions{}, "data.csv:2: column 2: empty label"},
		{"one column", "1\n2\n", CSVOptions{}, "data.csv:1: 1 column, want at least 2"},
		{"label column too far", "1,2\n", CSVOptions{LabelCol: 3}, "data.csv:1: label column 3 outside the 2 columns"},
		{"label column too far back", "1,2\n", CSVOptions{LabelCol: -3}, "label column -3 outside"},
		{"bare quote", "1,0\n2\"x,1\n", CSVOptions{}, `data.csv: parse error on line 2, column 2: bare " in non-quoted-field`},
		{"line of a field after a multi-line one", "1,0,0\n\"2\n\",bad,1\n", CSVOptions{}, `data.csv:3: column 2: "bad" is not a number`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseCSV(strings.NewReader(tc.text), "data.csv", tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%d: error %v, want one containing %q", i, err, tc.want)
			}
		})
	}
}

func TestLoadCSV(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "iris.csv")
	if err := os.WriteFile(path, []byte("sepal,petal,species\n5.1,1.4,setosa\n7.0,4.7,versicolor\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := LoadCSV(path, CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "iris" || s.Len() != 2 || s.Features != 2 || !slices.Equal(s.ClassNames, []string{"setosa", "versicolor"}) {
		t.Errorf("LoadCSV = %+v", s)
	}
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("1,0\nx,1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for i, tc := range []struct{ path, want string }{
		{bad, bad + `:2: column 1: "x" is not a number`},
		{filepath.Join(dir, "missing.csv"), "missing.csv: no such file"},
	} {
		if _, err := LoadCSV(tc.path, CSVOptions{}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%d: error %v, want one containing %q", i, err, tc.want)
		}
	}
}

func TestHeaderModeString(t *testing.T) {
	for i, tc := range []struct {
		m    HeaderMode
		want string
	}{{HeaderAuto, "auto"}, {HeaderYes, "yes"}, {HeaderNo, "no"}, {HeaderMode(9), "HeaderMode(9)"}} {
		if got := tc.m.String(); got != tc.want {
			t.Errorf("%d: %q, want %q", i, got, tc.want)
		}
	}
}

// FuzzParseCSV checks that ParseCSV never panics, whatever the bytes and
// options, and that every set it returns is valid. Seeds live in
// testdata/fuzz/FuzzParseCSV.
func FuzzParseCSV(f *testing.F) {
	f.Fuzz(func(t *testing.T, text []byte, labelCol int, header uint8) {
		s, err := ParseCSV(strings.NewReader(string(text)), "fuzz.csv", CSVOptions{LabelCol: labelCol, Header: HeaderMode(header % 3)})
		if err != nil {
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("ParseCSV returned an invalid set: %v", err)
		}
		if s.Classes < 2 || s.Len() == 0 {
			t.Fatalf("ParseCSV returned %d samples of %d classes", s.Len(), s.Classes)
		}
	})
}
