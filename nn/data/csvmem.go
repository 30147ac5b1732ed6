package data

import (
	"bufio"
	"fmt"
	"io"
)

// CSVSize is what a CSV file holds, counted without parsing it: its bytes,
// records and fields. Commas and newlines inside quoted fields do not
// count; a blank line counts as a record, so Records and Fields are upper
// bounds. The count stops at a record longer than DefaultMaxRecordBytes,
// where reading the file fails.
type CSVSize struct {
	Bytes, Records, Fields int64
}

// CountCSV counts the records and fields of the CSV file at path in one
// pass of constant memory, so that the memory of reading it (ReadBytes) is
// known before it is read; a ".gz" file's decompressed text is counted, as
// it streams. Anything but a regular file is refused, as LoadCSV refuses it.
func CountCSV(path string) (CSVSize, error) {
	size, _, err := CountCSVUntil(path, nil)
	return size, err
}

// CountCSVUntil is CountCSV, stopping early (stopped true) once stop says
// that the count so far is enough, as when it already needs more memory
// than there is: it is asked every 64 KiB, so that a small ".gz" file that
// decompresses to gigabytes is not counted to its end. A nil stop counts
// the whole file.
func CountCSVUntil(path string, stop func(CSVSize) bool) (size CSVSize, stopped bool, err error) {
	f, err := OpenCSV(path)
	if err != nil {
		return CSVSize{}, false, err
	}
	defer f.Close()
	size, stopped, err = countCSV(f, DefaultMaxRecordBytes, stop)
	if err != nil {
		return size, stopped, fmt.Errorf("csv: %s: %w", path, err)
	}
	return size, stopped, nil
}

// countCSV counts r's records and fields (see CSVSize), up to a record
// longer than maxRecord bytes.
func countCSV(r io.Reader, maxRecord int, stop func(CSVSize) bool) (CSVSize, bool, error) {
	var s CSVSize
	quoted, open := false, false // open: a record has begun
	record := 0                  // bytes of the record so far
	br := bufio.NewReaderSize(r, 1<<16)
	buf := make([]byte, 1<<16)
	for {
		n, err := br.Read(buf)
		s.Bytes += int64(n)
		for _, c := range buf[:n] {
			if record++; record > maxRecord {
				return s, false, nil // the reader stops here too
			}
			switch {
			case c == '"':
				quoted = !quoted
			case quoted:
			case c == ',':
				s.Fields++
			case c == '\n':
				s.Records++
				s.Fields++
				open, record = false, 0
				continue
			}
			open = true
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return s, false, err
		}
		if stop != nil && stop(s) {
			if _, err := br.Peek(1); err == nil { // more to come: stopped short of the end
				return s, true, nil
			}
		}
	}
	if open { // a last record without a newline
		s.Records++
		s.Fields++
	}
	return s, false, nil
}

// ReadBytes is the most memory LoadCSV takes to read a file of this size,
// in bytes: per field its value in float64 (kept for standardising) and in
// float32, and per record its label (a string of up to 16 bytes and its
// header), its line and its class id.
func (s CSVSize) ReadBytes() float64 {
	return float64(s.Fields)*(8+4) + float64(s.Records)*(16+16+8+8)
}

// reserve makes room in p for the rows of a file of size s, so that the
// values are not copied as they grow (the copies were garbage as large as
// the values).
func (p *csvParser) reserve(s CSVSize) {
	if s.Fields > 0 && s.Records > 0 {
		p.x = make([]float64, 0, s.Fields-s.Records)
		p.labels = make([]string, 0, s.Records)
		p.lines = make([]int, 0, s.Records)
	}
}
