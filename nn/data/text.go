package data

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"gltrain/backend"
	"gltrain/internal/safefile"
)

// TextVocab is the vocabulary of byte-level text: every byte value is a
// token, so any file is text and no tokenizer is needed.
const TextVocab = 256

// DefaultMaxTextBytes bounds a corpus LoadText reads when its caller gives
// no bound: 1 GiB.
const DefaultMaxTextBytes = 1 << 30

// Text is a corpus read as bytes, for byte-level language models.
type Text struct {
	Name  string     // what it is, for messages and the run header
	Data  []byte     // the files' bytes, concatenated in Files' order
	Files []TextFile // the files it holds, in order
}

// TextFile is one file of a Text: its path (relative to the folder read,
// with forward slashes; the path as given for a single file) and size.
type TextFile struct {
	Path  string
	Bytes int
}

// SHA256 returns the hex SHA-256 of Data: two corpora with the same sum
// are the same text, whatever their files are called.
func (t Text) SHA256() string {
	s := sha256.Sum256(t.Data)
	return hex.EncodeToString(s[:])
}

// LoadText reads path as bytes: a regular file, or a folder whose regular
// files (in its subfolders too, hidden ones — names starting with "." —
// left out) are concatenated in the sorted order of their slash-separated
// relative paths. It refuses a corpus above maxBytes (≤ 0:
// DefaultMaxTextBytes) before reading it, an empty one, and anything that
// is not a regular file or folder (a FIFO, a device), naming the path.
func LoadText(path string, maxBytes int64) (Text, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxTextBytes
	}
	fi, err := os.Stat(path)
	if err != nil {
		return Text{}, fmt.Errorf("text %s: %w", path, err)
	}
	var files []string
	var sizes []int64
	if fi.IsDir() {
		files, sizes, err = textFiles(path)
		if err != nil {
			return Text{}, err
		}
	} else {
		files, sizes = []string{""}, []int64{fi.Size()}
	}
	var total int64
	for i, s := range sizes {
		if total += s; total > maxBytes {
			return Text{}, fmt.Errorf("text %s: more than %d bytes (at %s): too large a corpus for this run's limit", path, maxBytes, filepath.Join(path, files[i]))
		}
	}
	t := Text{Name: path, Data: make([]byte, 0, total)}
	for _, rel := range files {
		full := path
		if rel != "" {
			full = filepath.Join(path, filepath.FromSlash(rel))
		}
		n := len(t.Data)
		if t.Data, err = readBounded(full, t.Data, maxBytes); err != nil {
			return Text{}, fmt.Errorf("text %s: %w", full, err)
		}
		name := rel
		if name == "" {
			name = path
		}
		t.Files = append(t.Files, TextFile{Path: name, Bytes: len(t.Data) - n})
	}
	if len(t.Data) == 0 {
		return Text{}, fmt.Errorf("text %s: no bytes to train on", path)
	}
	return t, nil
}

// textFiles lists the regular files under dir, sorted by their relative
// slash paths, hidden files and folders left out.
func textFiles(dir string) (files []string, sizes []int64, err error) {
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		fi, err := os.Stat(p) // follows a link to a file
		if err != nil {
			return err
		}
		if !fi.Mode().IsRegular() {
			return nil // a FIFO, device or socket is not text to read
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		files, sizes = append(files, filepath.ToSlash(rel)), append(sizes, fi.Size())
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("text %s: %w", dir, err)
	}
	if len(files) == 0 {
		return nil, nil, fmt.Errorf("text %s: the folder holds no files", dir)
	}
	idx := make([]int, len(files))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return files[idx[a]] < files[idx[b]] })
	sorted, sortedSizes := make([]string, len(files)), make([]int64, len(files))
	for i, j := range idx {
		sorted[i], sortedSizes[i] = files[j], sizes[j]
	}
	return sorted, sortedSizes, nil
}

// readBounded appends the file at path to buf, refusing to let buf grow
// past max bytes (the file may have grown since it was listed).
func readBounded(path string, buf []byte, max int64) ([]byte, error) {
	f, size, err := safefile.Open(path)
	if err != nil {
		return buf, err
	}
	defer f.Close()
	if int64(len(buf))+size > max {
		return buf, fmt.Errorf("grew past the limit of %d bytes", max)
	}
	buf = slices.Grow(buf, int(size))
	n, err := io.ReadFull(io.LimitReader(f, size), buf[len(buf):len(buf)+int(size)])
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return buf, err
	}
	return buf[:len(buf)+n], nil
}

// GoCorpusPackages are the packages of the Go distribution whose source
// (their .go files, tests left out) LoadGoCorpus reads: about 1.5 MB of
// real code that every machine with Go has, so a language model trains
// without a download.
var GoCorpusPackages = []string{
	"bufio", "bytes", "container/heap", "container/list", "container/ring", "context",
	"encoding/binary", "encoding/csv", "encoding/json", "errors", "flag", "fmt",
	"go/ast", "go/scanner", "go/token", "io", "net/url", "path", "path/filepath",
	"regexp", "regexp/syntax", "sort", "strconv", "strings", "sync", "text/template",
	"time", "unicode/utf8",
}

// LoadGoCorpus reads the built-in corpus: the .go files (tests left out)
// of GoCorpusPackages under goroot/src, in the order of the list and then
// of their names. Its files and SHA-256 depend on the Go version: name
// them beside any figure measured on it.
func LoadGoCorpus(goroot string) (Text, error) {
	if goroot == "" {
		return Text{}, errors.New("go corpus: no GOROOT (is Go installed? `go env GOROOT` names it)")
	}
	t := Text{Name: "go:" + goroot}
	for _, pkg := range GoCorpusPackages {
		dir := filepath.Join(goroot, "src", filepath.FromSlash(pkg))
		ents, err := os.ReadDir(dir)
		if err != nil {
			return Text{}, fmt.Errorf("go corpus: package %s: %w", pkg, err)
		}
		for _, e := range ents { // ReadDir sorts by name
			name := e.Name()
			if !e.Type().IsRegular() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
				continue
			}
			n := len(t.Data)
			if t.Data, err = readBounded(filepath.Join(dir, name), t.Data, DefaultMaxTextBytes); err != nil {
				return Text{}, fmt.Errorf("go corpus: %s/%s: %w", pkg, name, err)
			}
			t.Files = append(t.Files, TextFile{Path: pkg + "/" + name, Bytes: len(t.Data) - n})
		}
	}
	if len(t.Data) == 0 {
		return Text{}, fmt.Errorf("go corpus: no .go files under %s", filepath.Join(goroot, "src"))
	}
	return t, nil
}

// Split cuts the text by position: the first len−⌊val·len⌋ bytes to train
// on, the rest to validate on (val in [0, 1); 0 gives no validation
// text). No byte is in both.
func (t Text) Split(val float64) (train, valid []byte, err error) {
	if !(val >= 0 && val < 1) {
		return nil, nil, fmt.Errorf("text %s: validation fraction %v: want 0 ≤ val < 1", t.Name, val)
	}
	cut := len(t.Data) - int(val*float64(len(t.Data)))
	return t.Data[:cut:cut], t.Data[cut:], nil
}

// TextWindows returns how many non-overlapping windows of ctx tokens b
// holds for evaluation: window w's inputs are b[w·ctx : (w+1)·ctx] and
// its targets the same shifted by one, b[w·ctx+1 : (w+1)·ctx+1], so a
// window needs ctx+1 bytes and the last partial one is dropped.
func TextWindows(b []byte, ctx int) int {
	if ctx <= 0 || len(b) < ctx+1 {
		return 0
	}
	return (len(b) - 1) / ctx
}

// FillTextWindow writes window w of b (see TextWindows) into x and y as
// token ids stored as floats, as labels are: x[t] = b[w·ctx+t], y[t] =
// b[w·ctx+t+1], t < ctx.
func FillTextWindow(x, y []float32, b []byte, ctx, w int) {
	fillText(x, y, b, w*ctx, ctx)
}

func fillText(x, y []float32, b []byte, at, ctx int) {
	for t := 0; t < ctx; t++ {
		x[t], y[t] = float32(b[at+t]), float32(b[at+t+1])
	}
}

// TextBatcher draws training batches of sequences from a text: each
// sequence starts at a random position, as nanoGPT's get_batch draws them,
// and the starts of step s are a function of (seed, s) alone, so an
// interrupted run resumed at step s sees the batches it would have seen.
type TextBatcher struct {
	data       []byte
	ctx, batch int
	seed       uint64
}

// NewTextBatcher returns a batcher of batch sequences of ctx tokens from
// data, which must hold at least ctx+1 bytes.
func NewTextBatcher(data []byte, ctx, batch int, seed uint64) (*TextBatcher, error) {
	switch {
	case ctx <= 0 || batch <= 0:
		return nil, fmt.Errorf("text batches of %d sequences of %d tokens: want both ≥ 1", batch, ctx)
	case len(data) < ctx+1:
		return nil, fmt.Errorf("text of %d bytes: a sequence of %d tokens needs %d (the targets are shifted by one)", len(data), ctx, ctx+1)
	}
	return &TextBatcher{data: data, ctx: ctx, batch: batch, seed: seed}, nil
}

// StepsPerEpoch is the number of batches that make one pass over the text
// (in tokens): ⌈(len−1) / (batch·ctx)⌉.
func (b *TextBatcher) StepsPerEpoch() int {
	per := b.batch * b.ctx
	return (len(b.data) - 1 + per - 1) / per
}

// Fill writes step s's batch into x and y, batch·ctx token ids each (row
// i·ctx+t is token t of sequence i), targets shifted by one.
func (b *TextBatcher) Fill(x, y []float32, step int) {
	for i, at := range b.Starts(step) {
		fillText(x[i*b.ctx:(i+1)*b.ctx], y[i*b.ctx:(i+1)*b.ctx], b.data, at, b.ctx)
	}
}

// Starts returns where step's batch sequences start, in [0, len−ctx−1]: a
// reference in another language trains on the same batches from these.
func (b *TextBatcher) Starts(step int) []int {
	r := backend.NewRand(epochSeed(b.seed, step))
	at := make([]int, b.batch)
	for i := range at {
		at[i] = r.IntN(len(b.data) - b.ctx)
	}
	return at
}
