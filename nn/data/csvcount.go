package data

import (
	"fmt"
	"slices"
	"strconv"
)

// A count line is the first line of scikit-learn's CSV files
// (sklearn/datasets/data): the number of samples and of features, then
// empty fields or the class names, before the header:
//
//	506,13,,,,,,,,,,,,
//	"CRIM","ZN",…,"MEDV"
//
// ParseCSV (HeaderAuto) skips it when the line after it is a header, and
// then requires its counts to be the file's: the samples its data rows,
// the features its columns less one (sklearn's one target column). A first
// line of that form not followed by a header is read as data.
type countLine struct {
	line, samples, features int
	text                    string // for messages
}

// heldRecord is a first record held back until the next one says whether
// it is a count line.
type heldRecord struct {
	lines []int
	rec   []string
}

// isCountLine reports whether rec may be a count line: two whole numbers
// (digits only), then at least one field and none a number.
func isCountLine(rec []string) (samples, features int, ok bool) {
	if len(rec) < 3 {
		return 0, 0, false
	}
	n, err1 := strconv.ParseUint(rec[0], 10, 31)
	f, err2 := strconv.ParseUint(rec[1], 10, 31)
	if err1 != nil || err2 != nil || !digitsOnly(rec[0]) || !digitsOnly(rec[1]) {
		return 0, 0, false
	}
	for _, field := range rec[2:] {
		if numberLike(field) {
			return 0, 0, false
		}
	}
	return int(n), int(f), true
}

func digitsOnly(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// holdCount holds back the first record when it may be a count line, and
// at the second decides: a header after it makes it one (held is then
// false and the header goes on to row); otherwise the held record is
// passed to row as data before this one.
func (p *csvParser) holdCount(lines []int, rec []string) (held bool, err error) {
	if p.opts.Header != HeaderAuto {
		return false, nil
	}
	if p.cols == 0 && p.cand == nil && p.count == nil {
		if _, _, ok := isCountLine(rec); ok {
			p.cand = &heldRecord{lines: lines, rec: slices.Clone(rec)}
			return true, nil
		}
		return false, nil
	}
	if p.cand == nil {
		return false, nil
	}
	c := p.cand
	p.cand = nil
	if IsHeaderRow(rec, -1) {
		n, f, _ := isCountLine(c.rec)
		p.count = &countLine{line: c.lines[0], samples: n, features: f, text: c.rec[0] + "," + c.rec[1]}
		return false, nil
	}
	if len(rec) != len(c.rec) {
		// Ragged either way: as data it fails at line 1 or 2, whichever
		// is wrong. It is the count line, with no header after it.
		return false, fmt.Errorf("%s:%d: %d fields, want %d as on line %d; line %d (%s,…) looks like a count line (samples, features, class names, as scikit-learn writes) with no header after it: skip it with SkipRows 1 (train -skip-rows=1)",
			p.name, lines[0], len(rec), len(c.rec), c.lines[0], c.lines[0], c.rec[0]+","+c.rec[1])
	}
	return false, p.row(c.lines, c.rec)
}

// flushCount passes a held first record, never followed by another, to row
// as data.
func (p *csvParser) flushCount() error {
	if c := p.cand; c != nil {
		p.cand = nil
		return p.row(c.lines, c.rec)
	}
	return nil
}

// checkCount checks the counts of a count line against the file.
func (p *csvParser) checkCount() error {
	c := p.count
	if c == nil {
		return nil
	}
	rows := len(p.labels)
	if p.opts.Real && len(p.targets) > 0 {
		rows = len(p.y) / len(p.targets)
	}
	if c.samples != rows || c.features != p.cols-1 {
		return fmt.Errorf("%s:%d: %q reads as a count line (scikit-learn's: %d samples, %d features, before the header), but the file has %d data rows of %d columns (%d features and a target); fix or remove the line",
			p.name, c.line, c.text, c.samples, c.features, rows, p.cols, p.cols-1)
	}
	return nil
}
