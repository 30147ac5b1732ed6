package data

import (
	"compress/gzip"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"gltrain/internal/safefile"
)

// Gzipped reports whether a CSV file's name says it is compressed with
// gzip: it ends in ".gz" ("wine.csv.gz"), in any case.
func Gzipped(name string) bool { return strings.HasSuffix(strings.ToLower(name), ".gz") }

// OpenCSV opens the CSV file at path for reading. A name ending in ".gz" is
// decompressed as it is read, a stream that is never held whole: ParseCSV's
// limits bound each record as it comes, and CountCSV counts what the
// decompressed text holds, so that a file is read under the same memory
// bounds whether it is compressed or not. Anything but a regular file (a
// FIFO, a device) is refused before it is opened for reading.
func OpenCSV(path string) (io.ReadCloser, error) {
	f, _, err := safefile.Open(path)
	if err != nil {
		return nil, fmt.Errorf("csv: %w", err)
	}
	r, err := Decompress(path, f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return readCloser{r, f}, nil
}

// Decompress is r, the bytes of the file name, as CSV text: decompressed
// as it is read when name ends in ".gz", else r itself. A gzip stream that
// is cut short or corrupt is an error of the read that meets it.
func Decompress(name string, r io.Reader) (io.Reader, error) {
	if !Gzipped(name) {
		return r, nil
	}
	z, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("csv: %s: %w", name, err)
	}
	return z, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

// setName is a set's Name from its file's: the base name without its
// extension, nor ".gz" before it ("wine.csv.gz" is "wine").
func setName(path string) string {
	base := filepath.Base(path)
	if Gzipped(base) {
		base = base[:len(base)-len(".gz")]
	}
	return strings.TrimSuffix(base, filepath.Ext(base))
}
