package data

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// HeaderMode says whether the first row of a CSV file names its columns.
type HeaderMode int

const (
	// HeaderAuto (the zero value) takes the first row as a header when one
	// of its feature fields is not a number.
	HeaderAuto HeaderMode = iota
	// HeaderYes always skips the first row.
	HeaderYes
	// HeaderNo reads the first row as data.
	HeaderNo
)

// String returns "auto", "yes" or "no".
func (m HeaderMode) String() string {
	switch m {
	case HeaderAuto:
		return "auto"
	case HeaderYes:
		return "yes"
	case HeaderNo:
		return "no"
	}
	return fmt.Sprintf("HeaderMode(%d)", int(m))
}

// CSVOptions says how to read a CSV file. The zero value reads the label from
// the last column and detects a header.
type CSVOptions struct {
	// LabelCol is the column holding the labels, counted from 1 like the
	// columns in error messages; 0 (the default) and -1 mean the last
	// column, and -k the k-th column from the end.
	LabelCol int
	// Header says whether the first row is a header (HeaderAuto by default).
	Header HeaderMode
}

// LoadCSV reads a labelled data set from the CSV file at path; see ParseCSV.
// The set's Name is the file's base name without its extension.
func LoadCSV(path string, opts CSVOptions) (Set, error) {
	f, err := os.Open(path)
	if err != nil {
		return Set{}, fmt.Errorf("csv: %w", err)
	}
	defer f.Close()
	return ParseCSV(f, path, opts)
}

// ParseCSV reads a labelled data set in CSV form from r; name (a file name)
// prefixes every error and gives the set its Name (base name, extension
// dropped). Every column but the label column is a feature and must hold
// finite numbers (fields are trimmed of spaces). Labels are either all
// integers, which must be ≥ 0 and below 65536, with Classes = largest + 1;
// or else names, mapped to class ids in sorted (byte-wise) order and kept in
// ClassNames. The file must hold at least two distinct labels.
//
// Errors name the file, line and column (counted from 1):
//
//	data.csv:17: column 3: "abc" is not a number
//
// Ragged rows, an empty file, a header with no rows, a lone column, NaN or
// infinite features, negative labels and a single class are errors. ParseCSV
// does not standardise: fit a Standardizer on the training split for that.
func ParseCSV(r io.Reader, name string, opts CSVOptions) (Set, error) {
	cr := csv.NewReader(skipBOM(r))
	cr.FieldsPerRecord = -1 // checked here, to say which line
	p := csvParser{name: name, opts: opts}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Set{}, fmt.Errorf("%s: %w", name, err)
		}
		if err := p.row(cr, rec); err != nil {
			return Set{}, err
		}
	}
	return p.set()
}

// skipBOM drops a UTF-8 byte order mark at the start of r.
func skipBOM(r io.Reader) io.Reader {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	return br
}

// csvParser accumulates the rows of one CSV file.
type csvParser struct {
	name      string
	opts      CSVOptions
	cols      int // fields per row, from the first row; 0 before it
	firstLine int // line of the first row
	label     int // index of the label column
	x         []float32
	labels    []string // raw label fields
	lines     []int    // line of each label field
}

// row handles one record: the first fixes the column count and may be a
// header; the others are data.
func (p *csvParser) row(cr *csv.Reader, rec []string) error {
	line, _ := cr.FieldPos(0)
	for i := range rec {
		rec[i] = strings.TrimSpace(rec[i])
	}
	if p.cols == 0 {
		if err := p.first(line, rec); err != nil {
			return err
		}
		if p.isHeader(rec) {
			return nil
		}
	}
	if len(rec) != p.cols {
		return fmt.Errorf("%s:%d: %d fields, want %d as on line %d", p.name, line, len(rec), p.cols, p.firstLine)
	}
	for j, field := range rec {
		if j == p.label {
			continue
		}
		v, err := parseFeature(field)
		if err != nil {
			l, _ := cr.FieldPos(j)
			return fmt.Errorf("%s:%d: column %d: %w", p.name, l, j+1, err)
		}
		p.x = append(p.x, v)
	}
	l, _ := cr.FieldPos(p.label)
	if rec[p.label] == "" {
		return fmt.Errorf("%s:%d: column %d: empty label", p.name, l, p.label+1)
	}
	p.labels = append(p.labels, rec[p.label])
	p.lines = append(p.lines, l)
	return nil
}

// first fixes the column count and the label column from the first row.
func (p *csvParser) first(line int, rec []string) error {
	p.cols, p.firstLine = len(rec), line
	if p.cols < 2 {
		return fmt.Errorf("%s:%d: %d column, want at least 2 (features and a label)", p.name, line, p.cols)
	}
	lc := p.opts.LabelCol
	switch {
	case lc == 0:
		p.label = p.cols - 1
	case lc < 0:
		p.label = p.cols + lc
	default:
		p.label = lc - 1
	}
	if p.label < 0 || p.label >= p.cols {
		return fmt.Errorf("%s:%d: label column %d outside the %d columns", p.name, line, lc, p.cols)
	}
	return nil
}

// isHeader decides whether the first row rec is a header.
func (p *csvParser) isHeader(rec []string) bool {
	switch p.opts.Header {
	case HeaderYes:
		return true
	case HeaderNo:
		return false
	}
	for j, field := range rec {
		if j != p.label && !isNumber(field) {
			return true
		}
	}
	return false
}

// isNumber reports whether s reads as a float (out of range counts).
func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil || errors.Is(err, strconv.ErrRange)
}

// parseFeature parses a feature field as a finite float32.
func parseFeature(s string) (float32, error) {
	v, err := strconv.ParseFloat(s, 32)
	switch {
	case errors.Is(err, strconv.ErrRange):
		return 0, fmt.Errorf("%q is out of float32 range", s)
	case err != nil:
		return 0, fmt.Errorf("%q is not a number", s)
	case math.IsNaN(v) || math.IsInf(v, 0):
		return 0, fmt.Errorf("%q is not finite", s)
	}
	return float32(v), nil
}

// set maps the labels to class ids and returns the data set.
func (p *csvParser) set() (Set, error) {
	if p.cols == 0 {
		return Set{}, fmt.Errorf("%s: empty file", p.name)
	}
	if len(p.labels) == 0 {
		return Set{}, fmt.Errorf("%s: no data rows after the header on line %d", p.name, p.firstLine)
	}
	base := filepath.Base(p.name)
	s := Set{Name: strings.TrimSuffix(base, filepath.Ext(base)), X: p.x, Features: p.cols - 1}
	var err error
	if s.Labels, s.Classes, err = p.intLabels(); err == errNotInts {
		s.Labels, s.ClassNames = p.nameLabels()
		s.Classes = len(s.ClassNames)
	} else if err != nil {
		return Set{}, err
	}
	if distinct := len(slices.Compact(slices.Sorted(slices.Values(s.Labels)))); distinct < 2 {
		return Set{}, fmt.Errorf("%s: every row has label %q: need at least 2 classes", p.name, p.labels[0])
	}
	return s, nil
}
