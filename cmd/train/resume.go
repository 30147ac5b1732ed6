package main

import (
	"fmt"
	"strconv"
	"strings"

	"gltrain/nn"
)

// hyper is the run's hyperparameters as a checkpoint records them (keys
// hyperKeys, with "data" beside them), each formatted as its flag reads it.
func (c config) hyper() map[string]string {
	return map[string]string{
		"data":      c.data,
		"layers":    c.layersText,
		"loss":      c.loss.String(),
		"opt":       c.opt,
		"lr":        strconv.FormatFloat(c.lr, 'g', -1, 64),
		"wd":        strconv.FormatFloat(c.wd, 'g', -1, 64),
		"wd-norms":  strconv.FormatBool(c.wdNorms),
		"schedule":  c.schedule,
		"momentum":  strconv.FormatFloat(c.momentum, 'g', -1, 64),
		"warmup":    strconv.Itoa(c.warmup),
		"clip":      strconv.FormatFloat(c.clip, 'g', -1, 64),
		"plateau":   c.plateau,
		"batch":     strconv.Itoa(c.batch),
		"epochs":    strconv.Itoa(c.epochs),
		"seed":      strconv.FormatUint(c.seed, 10),
		"val":       strconv.FormatFloat(c.val, 'g', -1, 64),
		"label-col": c.labelCol,

		"label-smoothing": strconv.FormatFloat(c.labelSmoothing, 'g', -1, 64),
		"class-weights":   c.classWeights,
	}
}

// adoptRun takes the hyperparameters of the run -resume continues from its
// checkpoint. A flag given that disagrees with the checkpoint is refused,
// naming it; -epochs may be raised (it is the total to reach), and -data
// must name the same data.
func (c *config) adoptRun(ck checkpoint) error {
	if !ck.Optimizer {
		return usageError{fmt.Errorf("-resume=%s: the checkpoint holds no optimiser state (it was saved by an older gltrain, or without training); start from it with -load", c.resume)}
	}
	given := c.keepFinetune()
	h := make(map[string]string, len(ck.Hyper)+len(newerHyper))
	for k, v := range ck.Hyper {
		h[k] = v
	}
	for k, v := range newerHyper { // what a run saved before these flags trained with
		if _, ok := h[k]; !ok {
			h[k] = v
		}
	}
	for _, key := range hyperKeys {
		if _, ok := h[key]; !ok && key != "layers" && key != "label-col" {
			return usageError{fmt.Errorf("-resume=%s: the checkpoint does not record -%s; start from it with -load", c.resume, key)}
		}
	}
	mine := c.hyper()
	for _, key := range append([]string{"data"}, hyperKeys...) {
		if _, ok := h[key]; key == "epochs" || key == "layers" || !c.given[key] || !ok || c.finetuneSkips(key) {
			continue
		}
		if key == "data" && isCSV(mine[key]) && isCSV(h[key]) && (ck.DataFile != nil || c.dataChanged == "ok") {
			continue // compared by content as it is read (checkSameData)
		}
		if mine[key] != h[key] && !(key == "data" && sameFile(mine[key], h[key])) {
			return c.resumeRefusal(key, mine[key], h[key])
		}
	}
	var err error
	parse := func(key string, f func(string) error) {
		if err == nil {
			if e := f(h[key]); e != nil {
				err = fmt.Errorf("-resume=%s: the checkpoint's -%s=%s: %v", c.resume, key, excerpt(h[key]), e)
			}
		}
	}
	if !c.given["data"] {
		c.data = ck.Data
	}
	c.opt, c.schedule, c.layersText = h["opt"], h["schedule"], h["layers"]
	parse("loss", func(s string) (e error) { c.loss, e = nn.ParseLoss(s); return })
	parse("lr", func(s string) (e error) { c.lr, e = strconv.ParseFloat(s, 64); return })
	parse("wd", func(s string) (e error) { c.wd, e = strconv.ParseFloat(s, 64); return })
	parse("wd-norms", func(s string) (e error) { c.wdNorms, e = strconv.ParseBool(s); return })
	parse("momentum", func(s string) (e error) { c.momentum, e = strconv.ParseFloat(s, 64); return })
	parse("warmup", func(s string) (e error) { c.warmup, e = strconv.Atoi(s); return })
	parse("clip", func(s string) (e error) { c.clip, e = strconv.ParseFloat(s, 64); return })
	c.plateau = h["plateau"]
	parse("label-smoothing", func(s string) (e error) { c.labelSmoothing, e = strconv.ParseFloat(s, 64); return })
	c.classWeights = h["class-weights"]
	parse("batch", func(s string) (e error) { c.batch, e = strconv.Atoi(s); return })
	parse("seed", func(s string) (e error) { c.seed, e = strconv.ParseUint(s, 10, 64); return })
	parse("val", func(s string) (e error) { c.val, e = strconv.ParseFloat(s, 64); return })
	if !c.given["epochs"] {
		parse("epochs", func(s string) (e error) { c.epochs, e = strconv.Atoi(s); return })
	}
	if _, ok := h["label-col"]; ok {
		parse("label-col", func(s string) (e error) { c.labelCol, e = normalLabelCols(s); return })
	}
	if err == nil {
		err = c.adoptFinetune(ck, given)
	}
	if err != nil {
		return err
	}
	if err := c.checkAdopted(); err != nil {
		return fmt.Errorf("-resume=%s: the checkpoint's %v", c.resume, err)
	}
	if c.epochs <= ck.Epochs {
		return usageError{fmt.Errorf("-resume=%s: the run has done %d epochs already; give -epochs above %d to continue it", c.resume, ck.Epochs, ck.Epochs)}
	}
	return nil
}

// defaultsFrom makes the checkpoint's data set the default of -data, with
// that data set's presets for the flags left unset (they were set from the
// default -data when the flags were parsed).
func (cfg *config) defaultsFrom(c checkpoint) {
	if cfg.given["data"] {
		return
	}
	cfg.data = c.Data
	if l, err := normalLabelCols(c.Hyper["label-col"]); err == nil && c.Hyper["label-col"] != "" && !cfg.given["label-col"] {
		cfg.labelCol = l // the file's label column, as it was trained
	}
	cfg.applyPreset(presetFor(cfg.data))
}

// checkAdopted checks the values adoptRun took from a checkpoint as the
// flags that give them are checked: a crafted one would otherwise fail
// later without naming the checkpoint, or panic (a batch of 0).
func (c *config) checkAdopted() error {
	switch {
	case !contains(nn.OptimizerNames, strings.ToLower(c.opt)):
		return fmt.Errorf("-opt=%s: want one of %s", excerpt(c.opt), strings.Join(nn.OptimizerNames, ", "))
	case !float32Normal(c.lr):
		return fmt.Errorf("-lr=%v: want a number > 0 that float32 holds", c.lr)
	case c.wd != 0 && !float32Normal(c.wd):
		return fmt.Errorf("-wd=%v: want 0, or a number > 0 that float32 holds", c.wd)
	case c.batch < 1:
		return fmt.Errorf("-batch=%d: want at least 1", c.batch)
	case !(c.val >= 0 && c.val < 1):
		return fmt.Errorf("-val=%v: want a fraction in [0, 1)", c.val)
	}
	if _, err := nn.ParseSchedule(c.schedule, 1, 1); err != nil {
		return fmt.Errorf("-schedule=%s: %v", excerpt(c.schedule), shorten(err))
	}
	if c.clip != 0 && !float32Normal(c.clip) {
		return fmt.Errorf("-clip=%v: want a finite number > 0 that float32 holds", c.clip)
	}
	if err := c.checkCrossEntropy(); err != nil {
		return err
	}
	return c.checkTraining(true)
}

// newerHyper are the hyperparameters that checkpoints record since
// -momentum, -warmup, -clip, -plateau and -wd-norms, with the values that
// runs saved before trained with.
var newerHyper = map[string]string{"momentum": "0.9", "warmup": "0", "clip": "0", "plateau": "", "wd-norms": "true",
	"label-smoothing": "0", "class-weights": ""}

// monitor is what -save-best and -patience had measured when the run was
// saved (nn.MonitorFromMeta): the best validation loss, its epoch and the
// epochs since; a fresh monitor when the checkpoint does not record them,
// or records what no run measures.
func (ck checkpoint) monitor() *nn.Monitor { return nn.MonitorFromMeta(ck.Hyper, ck.Epochs) }
