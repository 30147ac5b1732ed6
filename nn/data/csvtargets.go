package data

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// ErrTargetNotNumber is wrapped by ParseCSV's error for a target (Real)
// that is not a number: a column of class names, perhaps.
var ErrTargetNotNumber = errors.New("targets of a regression are numbers")

// resolveTargets fixes the target columns from CSVOptions.Targets (or
// LabelCol when it is empty), on the first row rec, which must be the
// header when a target is named.
func (p *csvParser) resolveTargets(line int, rec []string) error {
	specs := p.opts.Targets
	if len(specs) == 0 {
		specs = []string{strconv.Itoa(p.opts.LabelCol)}
	}
	if !p.opts.Real && len(specs) > 1 {
		return fmt.Errorf("%s: %d label columns: several target columns need real-valued targets (a regression or multi-label loss)", p.name, len(specs))
	}
	p.targets = p.targets[:0]
	for _, spec := range specs {
		j, err := p.column(line, rec, strings.TrimSpace(spec))
		if err != nil {
			return err
		}
		if slices.Contains(p.targets, j) {
			return fmt.Errorf("%s: target column %d is given twice", p.name, j+1)
		}
		p.targets = append(p.targets, j)
	}
	if len(p.targets) >= p.cols {
		return fmt.Errorf("%s:%d: every one of the %d columns is a target: no features are left", p.name, line, p.cols)
	}
	p.label = p.targets[0]
	return nil
}

// column finds the column index of spec: a number as LabelCol counts
// columns (from 1; 0 and -1 the last, -k the k-th from the end), or a name
// in the header rec.
func (p *csvParser) column(line int, rec []string, spec string) (int, error) {
	if n, err := strconv.Atoi(spec); err == nil {
		j := n - 1
		switch {
		case n == 0:
			j = p.cols - 1
		case n < 0:
			j = p.cols + n
		}
		if j < 0 || j >= p.cols {
			return 0, fmt.Errorf("%s:%d: target column %d outside the %d columns", p.name, line, n, p.cols)
		}
		return j, nil
	}
	if j := slices.Index(rec, spec); j >= 0 && spec != "" {
		return j, nil
	}
	return 0, fmt.Errorf("%s:%d: no column is named %s (the first row%s holds %s)", p.name, line, excerpt(spec), countNote(p.count), excerpt(strings.Join(rec, ",")))
}

func countNote(c *countLine) string {
	if c == nil {
		return ""
	}
	return ", after the count line"
}

// namesNeedHeader refuses a target named when the first row is data, not
// a header that could name it.
func (p *csvParser) namesNeedHeader(line int) error {
	for _, spec := range p.opts.Targets {
		if _, err := strconv.Atoi(strings.TrimSpace(spec)); err != nil {
			return fmt.Errorf("%s:%d: target %s is a column name, but the first row is data, not a header", p.name, line, excerpt(spec))
		}
	}
	return nil
}

// isTarget reports whether column j is a target (or the label) column.
func (p *csvParser) isTarget(j int) bool { return slices.Contains(p.targets, j) }

// realTargets parses the target fields of one data row as numbers.
func (p *csvParser) realTargets(lines []int, rec []string) error {
	for _, j := range p.targets {
		v, err := ParseNumber(rec[j])
		if err != nil {
			return fmt.Errorf("%s:%d: column %d: target %w (%w)", p.name, lines[j], j+1, err, ErrTargetNotNumber)
		}
		p.y = append(p.y, v)
	}
	return nil
}

// realSet returns the set of a file read with Real: its features, and its
// targets rounded to float32, named by the header when it has one.
func (p *csvParser) realSet() (Set, error) {
	k := len(p.targets)
	if len(p.y) == 0 {
		return Set{}, fmt.Errorf("%s: no data rows after the header on line %d", p.name, p.firstLine)
	}
	s := Set{Name: setName(p.name), X: make([]float32, len(p.x)), Features: p.cols - k,
		exact: p.x, Targets: make([]float32, len(p.y)), Outputs: k}
	for i, v := range p.x {
		s.X[i] = float32(v)
	}
	for i, v := range p.y {
		s.Targets[i] = float32(v)
	}
	if p.header != nil {
		for _, j := range p.targets {
			if err := CheckClassName(p.header[j]); err != nil {
				return Set{}, fmt.Errorf("%s:%d: column %d: target name %w", p.name, p.firstLine, j+1, err)
			}
			s.TargetNames = append(s.TargetNames, p.header[j])
		}
	}
	return s, nil
}
