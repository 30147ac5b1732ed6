package data

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// HeaderMode says whether the first row of a CSV file names its columns.
type HeaderMode int

const (
	// HeaderAuto (the zero value) takes the first row as a header when its
	// feature fields are names, none a number (IsHeaderRow).
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
// the last column, detects a header and applies the default limits.
type CSVOptions struct {
	// LabelCol is the column holding the labels, counted from 1 like the
	// columns in error messages; 0 (the default) and -1 mean the last
	// column, and -k the k-th column from the end.
	LabelCol int
	// Targets, when not empty, names the label column, or for Real the
	// target columns, in order: each a column number as LabelCol counts
	// them ("14", "-1") or a name in the header ("MEDV"). Without Real it
	// must name one column. Empty: LabelCol.
	Targets []string
	// Real reads the target columns as real numbers into Set.Targets (a
	// regression or multi-label set) instead of class labels.
	Real bool
	// Header says whether the first row is a header (HeaderAuto by default).
	Header HeaderMode
	// MaxRecordBytes and MaxFieldBytes cap a record and a field; 0 means
	// DefaultMaxRecordBytes and DefaultMaxFieldBytes.
	MaxRecordBytes, MaxFieldBytes int
	// SkipRows is the number of records (lines, unless a quoted field
	// spans lines) skipped at the file's start, before its header or first
	// row: a title, a note, scikit-learn's count line. Errors still name
	// the file's own lines.
	SkipRows int
	// OneClass reads a file whose rows all have one class: a test or
	// validation set whose classes a model or a training set names. A set
	// to train on needs two, so without it such a file is refused.
	OneClass bool

	size CSVSize // LoadCSV's count of the file, to reserve its values
}

// LoadCSV reads a labelled data set from the CSV file at path; see ParseCSV.
// The set's Name is the file's base name without its extension. A name
// ending in ".gz" is read through gzip as a stream (OpenCSV). Anything but
// a regular file (a FIFO, a device) is refused before it is opened for
// reading.
func LoadCSV(path string, opts CSVOptions) (Set, error) {
	limit := DefaultMaxRecordBytes
	if opts.MaxRecordBytes > 0 {
		limit = opts.MaxRecordBytes
	}
	f, err := OpenCSV(path)
	if err != nil {
		return Set{}, err
	}
	opts.size, _, err = countCSV(f, limit, nil)
	f.Close()
	if err != nil {
		return Set{}, fmt.Errorf("csv: %s: %w", path, err)
	}
	// Read again from the start: a gzip stream cannot seek back.
	if f, err = OpenCSV(path); err != nil {
		return Set{}, err
	}
	defer f.Close()
	return ParseCSV(f, path, opts)
}

// ParseCSV reads a labelled data set in CSV form (comma-separated) from r;
// name (a file name) prefixes every error and gives the set its Name (base
// name, extension dropped). Every column but the label column is a feature.
//
// Features are decimal numbers, parsed in float64:
//
//	[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?
//
// trimmed of spaces; hexadecimal, digit separators (1_000), NaN and
// infinities are refused, and so are values beyond float32's range. The set
// keeps the float64 values beside X, so that FitStandardizer and Apply work
// at full precision (1e8 + label stays separable).
//
// Labels are class ids when every label is a number: each must then be an
// integer (0, 7, 1.0 or 1e2) from 0 to 65535, and Classes = largest + 1; a
// number such as 1.5 is an error (a feature column taken for the label).
// When some label is not a number, every label is a name, mapped to class
// ids in sorted (byte-wise) order and kept in ClassNames ("1" and "1.0" are
// then two names). Names must be valid UTF-8 without control characters
// (CheckClassName). The file must hold at least
// two distinct labels.
//
// The first row is a header (HeaderAuto) when its features are names and
// none is a number in any spelling (IsHeaderRow: NaN, 0x1p4 or 1_000 make
// it data, and then an error naming line 1), or when its label is not a
// number but every other row's label is (x1,x2,label over integer labels).
// A header of numbers only (1,2,3) cannot be told from data: pass
// HeaderYes.
//
// A record longer than MaxRecordBytes or a field longer than MaxFieldBytes
// is an error naming its line; messages quote at most 32 bytes of a field.
// Errors name the file, line and column (counted from 1):
//
//	data.csv:17: column 3: "abc" is not a number
//
// With Real, the target columns (Targets, or LabelCol) are read as
// numbers, as the features are, into Set.Targets, Outputs per row and in
// the order given, named by the header (TargetNames) when there is one; a
// column named rather than numbered must be in the header. Under
// HeaderAuto a first line of two whole numbers then only names or empty
// fields, followed by a header, is scikit-learn's count line
// (countLine): skipped, and checked against the file.
//
// Ragged rows, an empty file, a header with no rows, a lone column (the
// error says which other separator the line holds), NaN or infinite
// features, negative labels and a single class are errors. ParseCSV does not
// standardise: fit a Standardizer on the training split for that.
func ParseCSV(r io.Reader, name string, opts CSVOptions) (Set, error) {
	if opts.MaxRecordBytes <= 0 {
		opts.MaxRecordBytes = DefaultMaxRecordBytes
	}
	if opts.MaxFieldBytes <= 0 {
		opts.MaxFieldBytes = DefaultMaxFieldBytes
	}
	cr := csv.NewReader(skipBOM(newRecordLimiter(r, int64(opts.MaxRecordBytes))))
	cr.FieldsPerRecord = -1 // checked here, to say which line
	cr.ReuseRecord = true
	p := csvParser{name: name, opts: opts}
	p.reserve(opts.size)
	if opts.SkipRows < 0 {
		return Set{}, fmt.Errorf("%s: SkipRows %d, want 0 or more", name, opts.SkipRows)
	}
	for skipped := 0; ; skipped++ {
		rec, err := cr.Read()
		if err == io.EOF {
			if skipped <= opts.SkipRows && opts.SkipRows > 0 {
				return Set{}, fmt.Errorf("%s: empty file after the %d records skipped (SkipRows %d): it holds %d", name, opts.SkipRows, opts.SkipRows, skipped)
			}
			break
		}
		var long *recordTooLongError
		if errors.As(err, &long) {
			return Set{}, fmt.Errorf("%s:%d: %w", name, long.line, err)
		}
		if err != nil {
			return Set{}, fmt.Errorf("%s: %w", name, err)
		}
		if skipped < opts.SkipRows {
			continue
		}
		if err := p.record(cr, rec); err != nil {
			return Set{}, err
		}
	}
	if err := p.flushCount(); err != nil {
		return Set{}, err
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
	cols      int   // fields per row, from the first row; 0 before it
	firstLine int   // line of the first row
	label     int   // index of the label column (class labels)
	targets   []int // indices of the target columns: {label} for class labels
	header    []string
	x         []float64
	y         []float64 // Real: the targets, row-major
	labels    []string  // raw label fields
	lines     []int     // line of each label field
	// maybeHeader: the first row's features are numbers but its label is
	// not; it is a header if every other label is a number (see set).
	maybeHeader bool
	count       *countLine // a count line read before the header
	cand        *heldRecord
}

// record trims and bounds the fields of one record and passes it to row,
// holding back a first record that may be a count line (countcsv.go).
func (p *csvParser) record(cr *csv.Reader, rec []string) error {
	lines := make([]int, len(rec))
	for j := range rec {
		lines[j], _ = cr.FieldPos(j)
		rec[j] = strings.TrimSpace(rec[j])
		if len(rec[j]) > p.opts.MaxFieldBytes {
			return fmt.Errorf("%s:%d: column %d: a field of %d bytes (%s) is longer than %s, the limit (CSVOptions.MaxFieldBytes raises it)",
				p.name, lines[j], j+1, len(rec[j]), excerpt(rec[j]), bytesString(int64(p.opts.MaxFieldBytes)))
		}
	}
	held, err := p.holdCount(lines, rec)
	if held || err != nil {
		return err
	}
	return p.row(lines, rec)
}

// row handles one record, trimmed, with the line of each field: the first
// fixes the column count and may be a header; the others are data.
func (p *csvParser) row(lines []int, rec []string) error {
	line := lines[0]
	first := p.cols == 0
	if first {
		if err := p.first(line, rec); err != nil {
			return err
		}
		if p.isHeader(rec) {
			p.header = slices.Clone(rec)
			return nil
		}
		if err := p.namesNeedHeader(line); err != nil {
			return err
		}
	}
	if len(rec) != p.cols {
		return fmt.Errorf("%s:%d: %d fields, want %d as on line %d", p.name, line, len(rec), p.cols, p.firstLine)
	}
	for j, field := range rec {
		if p.isTarget(j) {
			continue
		}
		v, err := ParseNumber(field)
		if err != nil {
			return fmt.Errorf("%s:%d: column %d: %w%s", p.name, lines[j], j+1, err, p.notHeader(first, rec))
		}
		p.x = append(p.x, v)
	}
	if p.opts.Real {
		return p.realTargets(lines, rec)
	}
	l := lines[p.label]
	switch lbl := rec[p.label]; {
	case lbl == "":
		return fmt.Errorf("%s:%d: column %d: empty label", p.name, l, p.label+1)
	case CheckClassName(lbl) != nil:
		return fmt.Errorf("%s:%d: column %d: label %w", p.name, l, p.label+1, CheckClassName(lbl))
	}
	if first && p.opts.Header == HeaderAuto {
		p.maybeHeader = !isNumber(rec[p.label])
	}
	p.labels = append(p.labels, strings.Clone(rec[p.label])) // rec is reused
	p.lines = append(p.lines, l)
	return nil
}

// notHeader explains, for an error on the first row, why that row was read
// as data although it holds a name: it holds numbers too.
func (p *csvParser) notHeader(first bool, rec []string) string {
	if !first || p.opts.Header != HeaderAuto {
		return ""
	}
	if _, _, ok := isCountLine(rec); ok { // scikit-learn's iris.csv: a count line as wide as the rows
		return fmt.Sprintf("; line %d (%s,%s,…) looks like a count line (samples, features, class names, as scikit-learn writes) with no header after it: skip it with SkipRows 1 (train -skip-rows=1)",
			p.firstLine, rec[0], rec[1])
	}
	for j, field := range rec {
		if !p.isTarget(j) && isName(field) {
			return fmt.Sprintf("; the line is read as data, not as a header, because it holds numbers (a header holds only names; column %d is one)", j+1)
		}
	}
	return ""
}

// first fixes the column count and the label column from the first row.
func (p *csvParser) first(line int, rec []string) error {
	p.cols, p.firstLine = len(rec), line
	if p.cols < 2 {
		return fmt.Errorf("%s:%d: %d column, want at least 2 (features and a label)%s", p.name, line, p.cols, separatorHint(rec[0]))
	}
	if len(p.opts.Targets) > 0 || p.opts.Real {
		return p.resolveTargets(line, rec)
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
	p.targets = []int{p.label}
	return nil
}

// separatorHint says which other separator field holds, if any: a file
// separated by semicolons or tabs reads as one column.
func separatorHint(field string) string {
	for _, sep := range []struct{ c, name string }{{";", "semicolons"}, {"\t", "tabs"}, {"|", "vertical bars"}} {
		if n := strings.Count(field, sep.c); n > 0 {
			return fmt.Sprintf("; the line holds %d %s: fields must be separated by commas", n, sep.name)
		}
	}
	return ""
}

// isHeader decides whether the first row rec is a header, as far as the
// row itself tells: HeaderAuto with all features numbers waits for the
// other labels (maybeHeader).
func (p *csvParser) isHeader(rec []string) bool {
	switch p.opts.Header {
	case HeaderYes:
		return true
	case HeaderNo:
		return false
	}
	if p.opts.Real { // a header names the targets too
		return IsHeaderRow(rec, -1)
	}
	return IsHeaderRow(rec, p.label)
}

// set maps the labels to class ids and returns the data set.
func (p *csvParser) set() (Set, error) {
	if p.cols == 0 {
		return Set{}, fmt.Errorf("%s: empty file", p.name)
	}
	if err := p.checkCount(); err != nil {
		return Set{}, err
	}
	if p.opts.Real {
		return p.realSet()
	}
	features := p.cols - 1
	if p.maybeHeader && len(p.labels) > 1 && allNumbers(p.labels[1:]) {
		p.x, p.labels, p.lines = p.x[features:], p.labels[1:], p.lines[1:]
	}
	if len(p.labels) == 0 {
		return Set{}, fmt.Errorf("%s: no data rows after the header on line %d", p.name, p.firstLine)
	}
	s := Set{Name: setName(p.name), X: make([]float32, len(p.x)), Features: features, exact: p.x}
	for k, v := range p.x {
		s.X[k] = float32(v)
	}
	var err error
	if !allNumbers(p.labels) {
		s.Labels, s.ClassNames = p.nameLabels()
		s.Classes = len(s.ClassNames)
	} else if s.Labels, s.Classes, err = p.intLabels(); err != nil {
		return Set{}, err
	}
	if distinct := len(slices.Compact(slices.Sorted(slices.Values(s.Labels)))); distinct < 2 && !p.opts.OneClass {
		return Set{}, fmt.Errorf("%s: every row has label %s: need at least 2 classes to train on", p.name, excerpt(p.labels[0]))
	}
	return s, nil
}

// allNumbers reports whether every label is a number.
func allNumbers(labels []string) bool {
	for _, s := range labels {
		if !isNumber(s) {
			return false
		}
	}
	return true
}
