package data

import (
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// The limits on a CSV file's records and fields. They bound what one line
// can cost (a field of a single 200 MB line once took 2 GB), far above what
// a data set needs: a record of 10,000 features of 20 digits is 200 kB; a
// number is under 40 bytes and a class name a few words.
const (
	// DefaultMaxRecordBytes is the longest record (a line, or the lines of
	// one record when a quoted field holds newlines) ParseCSV reads.
	DefaultMaxRecordBytes = 4 << 20
	// DefaultMaxFieldBytes is the longest field ParseCSV accepts.
	DefaultMaxFieldBytes = 4 << 10
)

// recordLimiter passes r through, failing once a record runs past max
// bytes, before encoding/csv can buffer it. It tracks quotes as CSV does: a
// newline inside a quoted field continues the record (a doubled quote
// toggles twice, which is right).
type recordLimiter struct {
	r       io.Reader
	max     int64
	n       int64 // bytes of the current record so far
	line    int   // the line being read, from 1
	recLine int   // the line the current record began on
	quoted  bool
	err     error
}

func newRecordLimiter(r io.Reader, max int64) *recordLimiter {
	return &recordLimiter{r: r, max: max, line: 1, recLine: 1}
}

// recordTooLongError is a record over the limit.
type recordTooLongError struct {
	line int
	max  int64
}

func (e *recordTooLongError) Error() string {
	return fmt.Sprintf("the record starting here is longer than %s, the limit (CSVOptions.MaxRecordBytes raises it)", bytesString(e.max))
}

func (l *recordLimiter) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	n, err := l.r.Read(p)
	for i, c := range p[:n] {
		switch c {
		case '"':
			l.quoted = !l.quoted
		case '\n':
			l.line++
			if !l.quoted {
				l.n, l.recLine = 0, l.line
				continue
			}
		}
		if l.n++; l.n > l.max {
			l.err = &recordTooLongError{line: l.recLine, max: l.max}
			return i, l.err
		}
	}
	return n, err
}

// bytesString formats a size: "4 MiB", "4 KiB", "100 bytes".
func bytesString(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// excerpt quotes s for a message, cut to its first 32 bytes (whole runes)
// with its length when longer: an error never repeats much of the input.
func excerpt(s string) string {
	const max = 32
	if len(s) <= max {
		return strconv.Quote(s)
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes)", strconv.Quote(s[:cut]), len(s))
}
