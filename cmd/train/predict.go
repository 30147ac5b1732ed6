package main

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"

	"gltrain/backend"
	"gltrain/internal/safefile"
	"gltrain/nn"
	"gltrain/nn/data"
)

// predictFiles are -predict's: the CSV file of features, the -load
// checkpoint and -out, where the predictions go ("": stdout).
type predictFiles struct {
	features, model, out string
	maxMemory            float64 // -max-memory
}

// predict is -predict: the -load model's class and probabilities for each
// row of a CSV file of features, written as CSV to -out (or stdout):
//
//	prediction,p_<class>,…
//
// one row per input row, the probabilities summing to 1 (to float32
// rounding). The model's standardisation is applied to the rows first.
func predict(c predictFiles, ck checkpoint, b backend.Backend, u *ui) error {
	if err := checkCSVMemory("-predict", c.features, maxPredictBytes, c.maxMemory, csvPredictBytes(ck.Classes)); err != nil {
		return err
	}
	rows, lines, err := readFeatures(c.features, ck.Features)
	if err != nil {
		return exitCode{2, err}
	}
	m, err := nn.Load(c.model, b)
	if err != nil {
		return err
	}
	defer m.Release()
	if m.Inputs != ck.Features { // the file was replaced since it was first read
		return fmt.Errorf("%s changed while it was read: its model takes %d features, then %d", c.model, ck.Features, m.Inputs)
	}
	x := make([]float32, 0, len(rows)*ck.Features)
	for i, r := range rows {
		for j, v := range r {
			if st := m.Standardizer; st != nil { // in float64, as the training data was
				v = (v - st.Mean[j]) / st.Std[j]
			}
			if math.Abs(v) > math.MaxFloat32 {
				return exitCode{2, fmt.Errorf("-predict %s: line %d, column %d: %g standardises to %g, beyond float32's range", c.features, lines[i], j+1, r[j], v)}
			}
			x = append(x, float32(v))
		}
	}
	if ck.Regression {
		return predictValues(c, m, x, lines, ck, u)
	}
	probs, err := nn.Probabilities(prepared(m), x)
	if err != nil {
		return err
	}
	if i, ok := nonFiniteRow(probs); ok {
		return fmt.Errorf("-predict %s: line %d: the model %s gives probabilities that are NaN or Inf (it has diverged, or holds NaN or Inf); nothing was written",
			c.features, lines[i], c.model)
	}
	names := classNames(m.ClassNames, m.Outputs)
	if len(m.ClassNames) == m.Outputs {
		// The names exactly, in CSV's quoting; a checkpoint holds no
		// control characters (data.CheckClassName), so none reaches a
		// terminal through stdout.
		names = m.ClassNames
	}
	write := func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		cw := csv.NewWriter(bw)
		head := []string{"prediction"}
		for _, n := range names {
			head = append(head, "p_"+n)
		}
		cw.Write(head)
		rec := make([]string, len(head))
		for _, p := range probs {
			best := 0
			for k, v := range p {
				if v > p[best] {
					best = k
				}
				rec[k+1] = strconv.FormatFloat(float64(v), 'g', 7, 32)
			}
			rec[0] = names[best]
			cw.Write(rec)
		}
		cw.Flush() // into bw: an error of bw's is cw's too, once
		if err := cw.Error(); err != nil {
			return err
		}
		return bw.Flush()
	}
	return writePredictions(c, len(probs), write, u)
}

// writePredictions writes -predict's CSV with write, to -out or stdout.
func writePredictions(c predictFiles, n int, write func(io.Writer) error, u *ui) error {
	if c.out == "" {
		if err := write(u.predOut); err != nil {
			return fmt.Errorf("-predict: writing the predictions to stdout: %w", err)
		}
		return nil
	}
	if err := safefile.WriteAtomic(c.out, write); err != nil {
		return fmt.Errorf("-out: %w", err)
	}
	u.printf("wrote    %d predictions to %s", n, c.out)
	return nil
}

// nonFiniteRow returns the first row of probs holding NaN or ±Inf.
func nonFiniteRow(probs [][]float32) (int, bool) {
	for i, p := range probs {
		for _, v := range p {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return i, true
			}
		}
	}
	return 0, false
}

// maxPredictBytes bounds a -predict file.
const maxPredictBytes = 1 << 30

// readFeatures reads rows of width features from a CSV file, and the line
// of each (a file whose name ends in ".gz" is decompressed as a stream, its
// text bounded by maxPredictBytes as a file's size is): numbers only (data.ParseNumber, as training reads them), an
// optional header first (a row of names without a number,
// data.IsHeaderRow), after an optional UTF-8 byte order mark. A row of the
// wrong width, or a value that is not a decimal number, finite and within
// float32's range, is refused with its line number, line 1 included; so is a record longer than
// data.DefaultMaxRecordBytes, before it is buffered.
func readFeatures(path string, features int) (rows [][]float64, lines []int, err error) {
	f, size, err := safefile.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("-predict: %w", err)
	}
	defer f.Close()
	if size > maxPredictBytes {
		return nil, nil, fmt.Errorf("-predict %s: %d bytes, more than the %d this reads", path, size, maxPredictBytes)
	}
	src, err := data.Decompress(path, f)
	if err != nil {
		return nil, nil, fmt.Errorf("-predict: %w", err)
	}
	if data.Gzipped(path) { // the decompressed text is bounded as a file is
		src = &textLimit{r: src, left: maxPredictBytes, path: path}
	}
	br := bufio.NewReader(src)
	if bom, err := br.Peek(3); err == nil && string(bom) == "\xef\xbb\xbf" { // a header or a row, not part of its first field
		br.Discard(3)
	}
	r := csv.NewReader(&recordLimit{r: br, line: 1, recLine: 1})
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	for first := true; ; first = false {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("-predict %s: %w", path, err)
		}
		line, _ := r.FieldPos(0)
		if first && data.IsHeaderRow(rec, -1) { // names only: a header
			continue
		}
		row := make([]float64, len(rec))
		for j, s := range rec {
			v, err := data.ParseNumber(s) // as the training CSV's features
			if err != nil {
				return nil, nil, fmt.Errorf("-predict %s: line %d, column %d: %w", path, line, j+1, err)
			}
			row[j] = v
		}
		if len(row) != features {
			return nil, nil, fmt.Errorf("-predict %s: line %d has %d values; the model takes %d features (no label column)", path, line, len(row), features)
		}
		rows, lines = append(rows, row), append(lines, line)
	}
	if len(rows) == 0 {
		return nil, nil, fmt.Errorf("-predict %s: no rows", path)
	}
	return rows, lines, nil
}

// textLimit passes r through, failing once more than left bytes have come:
// a gzip file's decompressed text, which its size on disk does not bound.
type textLimit struct {
	r    io.Reader
	left int64
	path string
}

func (l *textLimit) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	if l.left -= int64(n); l.left < 0 {
		return 0, fmt.Errorf("%s decompresses to more than the %d bytes this reads", l.path, int64(maxPredictBytes))
	}
	return n, err
}

// recordLimit passes r through, failing once a record runs past
// data.DefaultMaxRecordBytes, before encoding/csv buffers it: a 1 GiB line
// of "0," would take ~14 GB as fields. It follows quotes as CSV does: a
// newline in a quoted field continues the record.
type recordLimit struct {
	r       io.Reader
	n       int  // bytes of the record so far
	line    int  // the line being read, from 1
	recLine int  // the line the record began on
	quoted  bool // inside a quoted field
}

func (l *recordLimit) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for i, c := range p[:n] {
		switch c {
		case '"':
			l.quoted = !l.quoted
		case '\n':
			if l.line++; !l.quoted {
				l.n, l.recLine = 0, l.line
				continue
			}
		}
		if l.n++; l.n > data.DefaultMaxRecordBytes {
			return i, fmt.Errorf("line %d: a record longer than %d bytes", l.recLine, data.DefaultMaxRecordBytes)
		}
	}
	return n, err
}
