package main

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"gltrain/backend"
	"gltrain/internal/safefile"
	"gltrain/nn"
)

// predict is -predict: the -load model's class and probabilities for each
// row of a CSV file of features, written as CSV to -out (or stdout):
//
//	prediction,p_<class>,…
//
// one row per input row, the probabilities summing to 1 (to float32
// rounding). The model's standardisation is applied to the rows first.
func predict(c config, ck checkpoint, b backend.Backend, u *ui) error {
	rows, err := readFeatures(c.predict, ck.Features)
	if err != nil {
		return exitCode{2, err}
	}
	m, err := nn.Load(c.load, b)
	if err != nil {
		return err
	}
	defer m.Release()
	x := make([]float32, 0, len(rows)*ck.Features)
	for _, r := range rows {
		for j, v := range r {
			if st := m.Standardizer; st != nil { // in float64, as the training data was
				v = (v - st.Mean[j]) / st.Std[j]
			}
			x = append(x, float32(v))
		}
	}
	probs, err := nn.Probabilities(prepared(m), x)
	if err != nil {
		return err
	}
	names := classNames(m.ClassNames, m.Outputs)
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
		cw.Flush()
		return errors.Join(cw.Error(), bw.Flush())
	}
	if c.out == "" {
		return write(u.predOut)
	}
	if err := safefile.WriteAtomic(c.out, write); err != nil {
		return fmt.Errorf("-out: %w", err)
	}
	u.printf("wrote    %d predictions to %s", len(probs), c.out)
	return nil
}

// maxPredictBytes bounds a -predict file.
const maxPredictBytes = 1 << 30

// readFeatures reads rows of width features from a CSV file: numbers only,
// an optional header first (a row that is not all numbers). A row of the
// wrong width, or a value that is not a finite number, is refused with its
// line number.
func readFeatures(path string, features int) ([][]float64, error) {
	f, size, err := safefile.Open(path)
	if err != nil {
		return nil, fmt.Errorf("-predict: %w", err)
	}
	defer f.Close()
	if size > maxPredictBytes {
		return nil, fmt.Errorf("-predict %s: %d bytes, more than the %d this reads", path, size, maxPredictBytes)
	}
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	var rows [][]float64
	for first := true; ; first = false {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("-predict %s: %w", path, err)
		}
		line, _ := r.FieldPos(0)
		row := make([]float64, len(rec))
		bad := -1
		for j, s := range rec {
			v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				bad = j
				break
			}
			row[j] = v
		}
		switch {
		case bad >= 0 && first: // a header
			continue
		case bad >= 0:
			return nil, fmt.Errorf("-predict %s: line %d, column %d: %s is not a finite number", path, line, bad+1, excerpt(rec[bad]))
		case len(row) != features:
			return nil, fmt.Errorf("-predict %s: line %d has %d values; the model takes %d features (no label column)", path, line, len(row), features)
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("-predict %s: no rows", path)
	}
	return rows, nil
}
