package main

import (
	"context"
	"fmt"
	"io"

	"gltrain/nn/data"
)

// dataset is the data of a run: training and held-out sets, and what a
// checkpoint must remember to prepare the same data again.
type dataset struct {
	train, held data.Set
	heldName    string // "validation" or "test"
	source      string // the -data value
	std         *data.Standardizer
	twoD        bool // a generated 2-D set: a decision boundary can be drawn
}

// loadData loads, splits and (for CSV) standardises the data set. std, from
// a checkpoint, replaces the statistics fitted on the training split.
func loadData(ctx context.Context, c config, std *data.Standardizer, log io.Writer) (dataset, error) {
	d := dataset{source: c.data, heldName: "validation"}
	switch {
	case c.data == "mnist":
		dir := c.dataDir
		if dir == "" {
			var err error
			if dir, err = data.DefaultMNISTDir(); err != nil {
				return d, err
			}
		}
		if err := data.EnsureMNIST(ctx, dir, log); err != nil {
			return d, fmt.Errorf("%w\n(without internet access, `make mnist` copies the files from the Go module proxy into %s)", err, dir)
		}
		var err error
		if d.train, err = data.LoadMNIST(dir, true); err != nil {
			return d, err
		}
		if d.held, err = data.LoadMNIST(dir, false); err != nil {
			return d, err
		}
		d.heldName = "test"
		return d, nil
	case isCSV(c.data):
		set, err := data.LoadCSV(c.data, data.CSVOptions{LabelCol: c.labelCol})
		if err != nil {
			return d, err
		}
		if d.train, d.held, err = set.Split(c.val, c.seed); err != nil {
			return d, fmt.Errorf("%s: %w", c.data, err)
		}
		if std == nil {
			fitted := data.FitStandardizer(d.train)
			std = &fitted
		}
		if len(std.Mean) != d.train.Features {
			return d, fmt.Errorf("%s has %d features, the checkpoint's standardisation %d", c.data, d.train.Features, len(std.Mean))
		}
		d.std = std
		d.train = std.Apply(d.train)
		if d.held.Len() > 0 {
			d.held = std.Apply(d.held)
		}
		return d, nil
	}
	set, err := data.Generate(c.data, c.seed)
	if err != nil {
		return d, err
	}
	d.twoD = set.Features == 2
	d.train, d.held, err = set.Split(c.val, c.seed)
	return d, err
}
