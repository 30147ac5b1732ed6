package main

// The identity of a CSV data file, as a checkpoint records it: its absolute
// path, its size and its SHA-256. A run that continues a checkpoint's data
// (-resume, or -load and -eval without -data) is checked against it by
// content, so that another file of the same name, or the same file
// changed since (rows appended, values scaled, class names swapped), is
// refused, or used only with -data-changed=ok; the path's spelling does not
// matter.

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"

	"gltrain/internal/safefile"
	"gltrain/nn/data"
)

// The checkpoint's "meta" keys of the data file's identity, beside "data"
// (its absolute path). Checkpoints from before they were recorded lack them.
// -val-data's and -test-data's are their path's key with the same suffixes
// (csvfiles.go).
const (
	metaDataSize   = "data" + suffixSize
	metaDataSHA256 = "data" + suffixSHA256

	suffixSize   = "-size"
	suffixSHA256 = "-sha256"
)

// dataChangedValues are -data-changed's values.
var dataChangedValues = []string{"refuse", "ok"}

// dataFile is a data file's identity.
type dataFile struct {
	path   string // absolute
	size   int64
	sha256 string // hex, lower case
}

// record writes f into a checkpoint's metadata: "data" becomes its absolute
// path.
func (f dataFile) record(meta map[string]string) { f.recordAs(meta, "data") }

// recordAs writes f into a checkpoint's metadata under key (its path) and
// key's "-size" and "-sha256".
func (f dataFile) recordAs(meta map[string]string, key string) {
	meta[key] = f.path
	meta[key+suffixSize] = strconv.FormatInt(f.size, 10)
	meta[key+suffixSHA256] = f.sha256
}

// describe is f for a message: "1234 bytes, SHA-256 0123abcd…".
func (f dataFile) describe() string {
	return fmt.Sprintf("%d bytes, SHA-256 %s…", f.size, f.sha256[:12])
}

// recordedFile reads the data file's identity from a checkpoint's metadata:
// nil when it records none (an older checkpoint, or generated data), an
// error when it records a malformed one.
func recordedFile(meta map[string]string) (*dataFile, error) { return recordedFileAt(meta, "data") }

// recordedFileAt is recordedFile for the file recorded under key (as
// recordAs writes it).
func recordedFileAt(meta map[string]string, key string) (*dataFile, error) {
	sizeKey, sumKey := key+suffixSize, key+suffixSHA256
	size, okSize := meta[sizeKey]
	sum, okSum := meta[sumKey]
	if !okSize && !okSum {
		return nil, nil
	}
	field := func(key, format string, args ...any) error {
		return fmt.Errorf("__metadata__ \"meta\" %q: %s", key, fmt.Sprintf(format, args...))
	}
	n, err := strconv.ParseInt(size, 10, 64)
	switch {
	case !okSize || !okSum:
		return nil, field(sizeKey, "recorded without %q, or the other way round", sumKey)
	case err != nil || n < 0 || strconv.FormatInt(n, 10) != size:
		return nil, field(sizeKey, "%s is not a size in bytes", excerpt(size))
	case len(sum) != 2*sha256.Size || !isLowerHex(sum):
		return nil, field(sumKey, "%s is not a SHA-256 in hexadecimal", excerpt(sum))
	}
	return &dataFile{path: meta[key], size: n, sha256: sum}, nil
}

func isLowerHex(s string) bool {
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// loadCSV reads the CSV file at path as data.LoadCSV does, hashing the
// bytes it parses: the identity returned is that of the data read.
func loadCSV(path string, opts data.CSVOptions) (data.Set, dataFile, error) {
	f, _, err := safefile.Open(path)
	if err != nil {
		return data.Set{}, dataFile{}, fmt.Errorf("csv: %w", err)
	}
	defer f.Close()
	h := &hashCounter{h: sha256.New()}
	tee := io.TeeReader(f, h) // the file's identity is its bytes as stored, compressed or not
	r, err := data.Decompress(path, tee)
	if err != nil {
		return data.Set{}, dataFile{}, err
	}
	set, err := data.ParseCSV(r, path, opts)
	if err == nil { // gzip may stop short of the end: hash the rest
		_, err = io.Copy(io.Discard, tee)
	}
	if err != nil {
		return set, dataFile{}, err
	}
	return set, dataFile{path: recordablePath(path), size: h.n, sha256: hex.EncodeToString(h.h.Sum(nil))}, nil
}

// recordablePath is path made absolute for a checkpoint, or path as given
// (a printable -data) when the absolute one is not printable UTF-8 or too
// long (a working folder so named): what the checkpoint records must load
// back. Resumed elsewhere, such a path finds another file or none, which
// the hash then tells.
func recordablePath(path string) string {
	if abs := absPath(path); printablePath(abs) && len(abs) <= maxPath {
		return abs
	}
	return path
}

// hashCounter hashes and counts what is written to it.
type hashCounter struct {
	h interface {
		io.Writer
		Sum([]byte) []byte
	}
	n int64
}

func (w *hashCounter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return w.h.Write(p)
}

// checkSameData refuses a data file that is not the one the checkpoint at
// ckPath recorded (was), unless src.changedOK: another file, or the same
// one changed since. A checkpoint without a record (older) is not checked
// here (adoptRun compares its paths).
func checkSameData(src dataSource, ckPath string, was *dataFile, now dataFile) error {
	if was == nil || src.changedOK || (now.size == was.size && now.sha256 == was.sha256) {
		return nil
	}
	what := fmt.Sprintf("%s has changed since %s was trained on it", src.name, ckPath)
	if !sameFile(now.path, was.path) {
		what = fmt.Sprintf("%s is not the data %s was trained on (%s)", src.name, ckPath, was.path)
	}
	return exitCode{2, fmt.Errorf("-data: %s: it holds %s, the checkpoint records %s; give -data the file it was trained on, or -data-changed=ok to go on with this one",
		what, now.describe(), was.describe())}
}

// missingData explains a checkpoint's data file that is not there.
func missingData(err error, src dataSource, ckPath string) error {
	if src.fromCheckpoint && errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w\n(%s was trained on %s; give -data the path of that file where it is now)", err, ckPath, src.name)
	}
	return err
}
