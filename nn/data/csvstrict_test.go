package data

import (
	"io"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestParseCSVStrict: numbers are decimals only; the header rule for a
// numeric first row with a named label; numeric labels are integers or an
// error. Each case failed before: 1_00 and hex floats parsed, the header
// became a class, and 0.0, 1.0, 1.5 became names.
func TestParseCSVStrict(t *testing.T) {
	for i, tc := range []struct {
		name    string
		text    string
		opts    CSVOptions
		x       []float32
		labels  []int
		classes int
		names   []string
		err     string
	}{
		{name: "digit separators", text: "1,0\n1_00,1\n", err: `data.csv:2: column 1: "1_00" is not a number (digit separators _ are not accepted)`},
		{name: "hex float", text: "1,0\n0x1p-2,1\n", err: `data.csv:2: column 1: "0x1p-2" is not a number (hexadecimal is not accepted)`},
		{name: "hex integer", text: "1,0\n0x10,1\n", err: `"0x10" is not a number`},
		{name: "exponent without digits", text: "1,0\n1e,1\n", err: `"1e" is not a number`},
		{name: "lone dot", text: "1,0\n.,1\n", err: `"." is not a number`},
		{name: "infinity spelled out", text: "1,0\nInfinity,1\n", err: `"Infinity" is not finite`},
		{name: "decimal forms", text: ".5,0\n5.,1\n+2e-1,0\n-1E+1,1\n", x: []float32{0.5, 5, 0.2, -10}, labels: []int{0, 1, 0, 1}, classes: 2},
		{name: "numeric header, named label", text: "1,2,label\n0.5,0.25,0\n1.5,2.5,1\n", x: []float32{0.5, 0.25, 1.5, 2.5}, labels: []int{0, 1}, classes: 2},
		{name: "numeric header, forced", text: "10,20,30\n1,2,0\n3,4,1\n", opts: CSVOptions{Header: HeaderYes}, x: []float32{1, 2, 3, 4}, labels: []int{0, 1}, classes: 2},
		{name: "named label, names below: data", text: "1,2,cat\n3,4,dog\n", x: []float32{1, 2, 3, 4}, labels: []int{0, 1}, classes: 2, names: []string{"cat", "dog"}},
		{name: "HeaderNo keeps the first row", text: "1,label\n2,0\n3,1\n", opts: CSVOptions{Header: HeaderNo}, x: []float32{1, 2, 3}, labels: []int{2, 0, 1}, classes: 3, names: []string{"0", "1", "label"}},
		{name: "integral decimal labels are ids", text: "1,0.0\n2,1.0\n3,2e0\n", x: []float32{1, 2, 3}, labels: []int{0, 1, 2}, classes: 3},
		{name: "fractional label", text: "1,0.0\n2,1.0\n3,1.5\n", err: `data.csv:3: column 2: label 1.5 is a number but not an integer`},
		{name: "NaN label", text: "1,0\n2,NaN\n", err: "label NaN outside [0,65536)"},
		{name: "label not UTF-8", text: "1,a\n2,\xff\n", err: `data.csv:2: column 2: label "\xff" is not valid UTF-8`},
		{name: "label with a terminal escape", text: "1,a\n2,\x1b[31mred\n", err: `data.csv:2: column 2: label "\x1b[31mred" holds control characters (U+001B)`},
		{name: "label with CR", text: "1,a\n2,\"b\rc\"\n", err: `data.csv:2: column 2: label "b\rc" holds control characters (U+000D)`},
		{name: "label with a C1 control", text: "1,a\n2,b\u009bc\n", err: `holds control characters (U+009B)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseCSV(strings.NewReader(tc.text), "data.csv", tc.opts)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("%d: error %v, want one containing %q", i, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("%d: %v", i, err)
			}
			if !slices.Equal(s.X, tc.x) || !slices.Equal(s.Labels, tc.labels) || s.Classes != tc.classes || !slices.Equal(s.ClassNames, tc.names) {
				t.Errorf("%d: got X %v labels %v classes %d names %q\nwant X %v labels %v classes %d names %q",
					i, s.X, s.Labels, s.Classes, s.ClassNames, tc.x, tc.labels, tc.classes, tc.names)
			}
		})
	}
}

// TestParseCSVSeparatorHint: a file separated by semicolons or tabs reads
// as one column; the error says what the line holds.
func TestParseCSVSeparatorHint(t *testing.T) {
	for i, tc := range []struct{ text, want string }{
		{"a;b;label\n1;2;0\n", "data.csv:1: 1 column, want at least 2 (features and a label); the line holds 2 semicolons: fields must be separated by commas"},
		{"1\t2\t0\n3\t4\t1\n", "the line holds 2 tabs"},
		{"a,b,label\n1;5,2,0\n", `"1;5" is not a number (is the file separated by semicolons or tabs?`},
	} {
		_, err := ParseCSV(strings.NewReader(tc.text), "data.csv", CSVOptions{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%d: error %v, want one containing %q", i, err, tc.want)
		}
	}
}

// TestParseCSVExcerpts: an error quotes at most a short excerpt of a field,
// however long (before, a 200 MB field was repeated whole).
func TestParseCSVExcerpts(t *testing.T) {
	long := strings.Repeat("x", 3000)
	for i, tc := range []struct{ text, want string }{
		{"1,0\n" + long + ",1\n", `data.csv:2: column 1: "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"… (3000 bytes) is not a number`},
		{"1," + long + "\n2," + long + "\n", `every row has label "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"… (3000 bytes)`},
		{"1,0\n" + strings.Repeat("7", 5000) + ",1\n", "data.csv:2: column 1: a field of 5000 bytes (\"77777777777777777777777777777777\"… (5000 bytes)) is longer than 4 KiB, the limit"},
	} {
		_, err := ParseCSV(strings.NewReader(tc.text), "data.csv", CSVOptions{})
		if err == nil || !strings.Contains(err.Error(), tc.want) || len(err.Error()) > 200 {
			t.Errorf("%d: error %.300v (%d bytes), want one of at most 200 bytes containing %q", i, err, len(fmtErr(err)), tc.want)
		}
	}
}

func fmtErr(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// endless is a reader of n bytes of c, without a newline: an endless line
// (as a .csv link to /dev/zero reads) when n is large.
type endless struct {
	c byte
	n int64
}

func (e *endless) Read(p []byte) (int, error) {
	if e.n <= 0 {
		return 0, io.EOF
	}
	k := int(min(int64(len(p)), e.n))
	for i := range p[:k] {
		p[i] = e.c
	}
	e.n -= int64(k)
	return k, nil
}

// TestParseCSVRecordLimit: a record past the limit stops the reading with
// its line, and the memory ParseCSV allocates, measured, stays near the
// limit: a 256 MiB line (before: read whole, more than 512 MiB allocated)
// and a quoted field running over many lines.
func TestParseCSVRecordLimit(t *testing.T) {
	for i, tc := range []struct {
		name string
		r    io.Reader
		want string
	}{
		{"endless line", io.MultiReader(strings.NewReader("1,0\n2,1\n"), &endless{c: '7', n: 256 << 20}),
			"data.csv:3: the record starting here is longer than 4 MiB, the limit (CSVOptions.MaxRecordBytes raises it)"},
		{"quoted field over many lines", io.MultiReader(strings.NewReader("1,0\n\"1"), &endless{c: '\n', n: 256 << 20}),
			"data.csv:2: the record starting here is longer than 4 MiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			n := allocated(func() { _, err = ParseCSV(tc.r, "data.csv", CSVOptions{}) })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%d: error %v, want one containing %q", i, err, tc.want)
			}
			if n > 64<<20 {
				t.Errorf("%d: ParseCSV allocated %d MiB, want at most 64 (the 4 MiB limit and csv's copies)", i, n>>20)
			}
		})
	}
	// A record at the limit, a newline in its quoted field, is read whole
	// (the label is then refused for its newline, CheckClassName).
	_, err := ParseCSV(strings.NewReader("1,\"a\nb\"\n2,c\n"), "data.csv", CSVOptions{MaxRecordBytes: 8})
	if want := `data.csv:1: column 2: label "a\nb" holds control characters`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("records at the limit: %v, want an error containing %q", err, want)
	}
}

// allocated returns the bytes fn allocates on the heap, measured.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestStandardizeFullPrecision: a feature of 1e8 + label (0 or 1) is
// separable after standardisation. Before, features were parsed to float32,
// where 1e8 and 1e8+1 are the same number, and standardised from it.
func TestStandardizeFullPrecision(t *testing.T) {
	var b strings.Builder
	for i := range 200 {
		label := i % 2
		b.WriteString(strings.Join([]string{ftoa(1e8 + float64(label)), ftoa(float64(i % 7)), itoa(label)}, ",") + "\n")
	}
	s, err := ParseCSV(strings.NewReader(b.String()), "big.csv", CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	train, val, err := s.Split(0.25, 1)
	if err != nil {
		t.Fatal(err)
	}
	st := mustFit(t, train)
	if st.Mean[0] < 1e8 || st.Mean[0] > 1e8+1 || math.Abs(st.Std[0]-0.5) > 0.01 {
		t.Errorf("feature 0: mean %v, std %v; want in [1e8, 1e8+1] and about 0.5", st.Mean[0], st.Std[0])
	}
	for _, set := range []Set{mustApply(t, st, train), mustApply(t, st, val)} {
		for k := range set.Len() {
			v, label := set.X[k*2], set.Labels[k]
			if (label == 0) != (v < 0) || math.Abs(math.Abs(float64(v))-1) > 0.1 {
				t.Fatalf("%s sample %d, label %d: standardised feature %v, want about %d", set.Name, k, label, v, 2*label-1)
			}
		}
	}
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func itoa(v int) string { return strconv.Itoa(v) }

// TestParseCSVFirstRow: a first row is a header only when it holds names
// and no number. One with NaN, Inf, an empty field, hexadecimal or a digit
// separator beside numbers is data, so its bad value is an error naming
// line 1, as on line 2; before, it was taken for a header and dropped
// without a word.
func TestParseCSVFirstRow(t *testing.T) {
	for _, tc := range []struct{ name, text, err string }{
		{"empty field", "1,,0\n3,4,1\n5,6,0\n", `data.csv:1: column 2: "" is not a number`},
		{"NaN", "NaN,2,0\n3,4,1\n5,6,0\n", `data.csv:1: column 1: "NaN" is not finite`},
		{"Inf", "1,-Inf,0\n3,4,1\n5,6,0\n", `data.csv:1: column 2: "-Inf" is not finite`},
		{"hex", "0x1p4,2,0\n3,4,1\n5,6,0\n", `data.csv:1: column 1: "0x1p4" is not a number (hexadecimal is not accepted)`},
		{"digit separator", "1_000,2,0\n3,4,1\n5,6,0\n", `data.csv:1: column 1: "1_000" is not a number (digit separators`},
		{"a name beside a number", "x,2,0\n3,4,1\n5,6,0\n", `data.csv:1: column 1: "x" is not a number; the line is read as data, not as a header, because it holds numbers`},
		{"all empty", ",,0\n3,4,1\n5,6,0\n", `data.csv:1: column 1: "" is not a number`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseCSV(strings.NewReader(tc.text), "data.csv", CSVOptions{})
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("error %v, want one containing %q", err, tc.err)
			}
		})
	}
	// Names, with a column left unnamed (a pandas index), are a header.
	for _, text := range []string{"x1,x2,label\n1,2,0\n3,4,1\n", ",x2,label\n1,2,0\n3,4,1\n", "nan_count,x,y\n1,2,0\n3,4,1\n"} {
		s, err := ParseCSV(strings.NewReader(text), "data.csv", CSVOptions{})
		if err != nil || s.Len() != 2 {
			t.Errorf("%q: %d rows, error %v; want the header skipped and 2 rows", text, s.Len(), err)
		}
	}
}

// TestParseNumber: the one number parser of data files, which -predict
// uses too.
func TestParseNumber(t *testing.T) {
	for _, s := range []string{"1", " -2.5 ", ".5", "5.", "1e3", "+1E-3"} {
		if _, err := ParseNumber(s); err != nil {
			t.Errorf("ParseNumber(%q): %v", s, err)
		}
	}
	for _, s := range []string{"", "1_000", "0x1p4", "0x10", "NaN", "inf", "1e39", "abc", "1e", "."} {
		if v, err := ParseNumber(s); err == nil {
			t.Errorf("ParseNumber(%q) = %v, want an error", s, v)
		}
	}
	for _, tc := range []struct {
		rec  []string
		skip int
		want bool
	}{
		{[]string{"x", "y"}, -1, true},
		{[]string{"", "y"}, -1, true},
		{[]string{"", ""}, -1, false},
		{[]string{"x", "NaN"}, -1, false},
		{[]string{"x", "0x10"}, -1, false},
		{[]string{"1", "label"}, 1, false},
		{[]string{"x", "7"}, 1, true},
		{[]string{"１", "２"}, -1, false},
		{[]string{"١٢", "y"}, -1, false},
		{[]string{"x1", "y2"}, -1, true},
	} {
		if got := IsHeaderRow(tc.rec, tc.skip); got != tc.want {
			t.Errorf("IsHeaderRow(%q, %d) = %v, want %v", tc.rec, tc.skip, got, tc.want)
		}
	}
}
