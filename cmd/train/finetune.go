// Fine-tuning: -resume=PATH -finetune continues a saved run with its
// weights and its optimiser's state (Adam's moments and step counts, SGD's
// velocities), its batch order and its other settings, at a new -lr, -epochs
// and -schedule. The new schedule starts at the new rate from the epoch the
// run stopped at and spans the epochs to -epochs; the checkpoint records
// the change in its metadata ("finetune", a list, the latest last), so that
// a later -resume continues the fine-tuned schedule exactly.
package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"gltrain/nn"
)

// finetuneFlags are the flags -finetune lets differ from the run resumed.
var finetuneFlags = []string{"lr", "schedule", "epochs"}

// metaFinetune is the metadata key of the fine-tuning history.
const metaFinetune = "finetune"

// maxFinetunes bounds the history a checkpoint may hold.
const maxFinetunes = 1000

// finetuneEntry records one fine-tuning: where the run was when it began
// and what changed.
type finetuneEntry struct {
	Epoch        int     `json:"epoch"` // epochs done when it began: its schedule's epoch 0
	Step         int     `json:"step"`  // steps done when it began
	LRFrom       float64 `json:"lr_from"`
	LR           float64 `json:"lr"`
	ScheduleFrom string  `json:"schedule_from"`
	Schedule     string  `json:"schedule"`
	EpochsFrom   int     `json:"epochs_from"` // the -epochs of the run resumed
	Epochs       int     `json:"epochs"`      // the -epochs it trains to
}

// checkFinetune refuses -finetune without -resume, and with a flag that
// would change the model.
func (c *config) checkFinetune() error {
	if !c.finetune {
		return nil
	}
	if c.resume == "" {
		return usageError{fmt.Errorf("-finetune continues a saved run with its optimiser state: give -resume=PATH (-load starts a fresh optimiser)")}
	}
	for _, f := range []string{"layers", "hidden", "act"} {
		if c.given[f] {
			return usageError{fmt.Errorf("-%s with -finetune: fine-tuning keeps the model of %s, its architecture included, and changes only -%s; "+
				"to train another model, start anew or from -load", f, c.resume, joinFlags(finetuneFlags))}
		}
	}
	return nil
}

func joinFlags(fs []string) string {
	s := ""
	for i, f := range fs {
		switch {
		case i == 0:
		case i == len(fs)-1:
			s += " and -"
		default:
			s += ", -"
		}
		s += f
	}
	return s
}

// finetuneSkips reports whether adoptRun lets flag key differ from the
// checkpoint: -finetune's flags.
func (c *config) finetuneSkips(key string) bool {
	return c.finetune && slices.Contains(finetuneFlags, key)
}

// resumeRefusal is adoptRun's message for a flag that differs from the run
// resumed.
func (c *config) resumeRefusal(key, mine, theirs string) error {
	switch {
	case c.finetune:
		return usageError{fmt.Errorf("-%s=%s disagrees with the run in %s (-%s=%s): -finetune changes only -%s; drop -%s",
			key, excerpt(mine), c.resume, key, excerpt(theirs), joinFlags(finetuneFlags), key)}
	case slices.Contains(finetuneFlags, key):
		return usageError{fmt.Errorf("-%s=%s disagrees with the run in %s (-%s=%s): a resumed run keeps its settings; drop -%s, or add -finetune to continue it at the new -%s with its optimiser state",
			key, excerpt(mine), c.resume, key, excerpt(theirs), key, key)}
	}
	return usageError{fmt.Errorf("-%s=%s disagrees with the run in %s (-%s=%s): a resumed run keeps its settings; drop -%s",
		key, excerpt(mine), c.resume, key, excerpt(theirs), key)}
}

// finetuneGiven is what -finetune's flags were given as, before adoptRun
// takes the checkpoint's values; restore puts them back.
type finetuneGiven struct {
	lr       float64
	schedule string
}

func (c *config) keepFinetune() finetuneGiven { return finetuneGiven{c.lr, c.schedule} }

// adoptFinetune ends adoptRun: it reads the checkpoint's fine-tuning
// history, and with -finetune puts back the -lr and -schedule given and
// records the new fine-tuning. The history's entries must lie within the
// epochs the run has done.
func (c *config) adoptFinetune(ck checkpoint, given finetuneGiven) error {
	hist, err := readFinetunes(ck.Hyper[metaFinetune], ck.Epochs, ck.Steps)
	if err != nil {
		return fmt.Errorf("-resume=%s: __metadata__ \"meta\" %q: %v", c.resume, metaFinetune, err)
	}
	c.finetunes = hist
	if !c.finetune {
		return nil
	}
	e := finetuneEntry{Epoch: ck.Epochs, Step: ck.Steps, LRFrom: c.lr, ScheduleFrom: c.schedule, LR: c.lr, Schedule: c.schedule, Epochs: c.epochs}
	e.EpochsFrom, _ = strconv.Atoi(ck.Hyper["epochs"])
	if c.given["lr"] {
		c.lr, e.LR = given.lr, given.lr
	}
	if c.given["schedule"] {
		c.schedule, e.Schedule = given.schedule, given.schedule
	}
	c.finetunes = append(c.finetunes, e)
	return nil
}

// readFinetunes parses a checkpoint's fine-tuning history ("" for none):
// at most maxFinetunes entries, in order, each begun within the epochs and
// steps done.
func readFinetunes(s string, epochs, steps int) ([]finetuneEntry, error) {
	if s == "" {
		return nil, nil
	}
	if len(s) > maxFinetunes*256 {
		return nil, fmt.Errorf("%d bytes, more than %d fine-tunings hold", len(s), maxFinetunes)
	}
	var hist []finetuneEntry
	if err := json.Unmarshal([]byte(s), &hist); err != nil {
		return nil, fmt.Errorf("%s: not a list of fine-tunings: %v", excerpt(s), shorten(err))
	}
	last := finetuneEntry{}
	for i, e := range hist {
		if e.Epoch < last.Epoch || e.Epoch > epochs || e.Step < last.Step || e.Step > steps || e.Epoch < 0 || e.Step < 0 {
			return nil, fmt.Errorf("entry %d begins at epoch %d, step %d: want from epoch %d, step %d, to the run's %d epochs, %d steps",
				i, e.Epoch, e.Step, last.Epoch, last.Step, epochs, steps)
		}
		last = e
	}
	return hist, nil
}

// recordFinetunes writes the run's fine-tuning history into the model's
// metadata (nothing for a run never fine-tuned).
func (c config) recordFinetunes(meta map[string]string) {
	if len(c.finetunes) == 0 {
		return
	}
	b, err := json.Marshal(c.finetunes)
	if err != nil {
		panic("train: fine-tuning history: " + err.Error()) // plain numbers and strings always marshal
	}
	meta[metaFinetune] = string(b)
}

// schedule is the run's learning-rate schedule: -schedule at -lr over the
// epochs to -epochs, or, once fine-tuned, over the epochs from the latest
// fine-tuning's start, shifted to begin there.
func (c config) runSchedule() (nn.Schedule, error) {
	from := 0
	if n := len(c.finetunes); n > 0 {
		from = c.finetunes[n-1].Epoch
	}
	s, err := nn.ParseSchedule(c.schedule, float32(c.lr), c.epochs-from)
	if err != nil || from == 0 {
		return s, err
	}
	return shiftedSchedule{s, from}, nil
}

// shiftedSchedule is a schedule begun at epoch From: epoch e has its rate
// of epoch e − From.
type shiftedSchedule struct {
	nn.Schedule
	From int
}

// LR returns the rate of epoch e.
func (s shiftedSchedule) LR(e int) float32 { return s.Schedule.LR(max(e-s.From, 0)) }

// resumeLine is the line a resumed or fine-tuned run prints before it
// trains.
func (c config) resumeLine(st *nn.TrainState) string {
	if !c.finetune {
		return fmt.Sprintf("resume   epoch %d of %d (step %d) from %s", st.Epochs+1, c.epochs, st.Steps, c.resume)
	}
	e := c.finetunes[len(c.finetunes)-1]
	return fmt.Sprintf("finetune %s from epoch %d (step %d) to %d with its optimiser state: -lr %g → %g, -schedule %s → %s",
		c.resume, e.Epoch, e.Step, c.epochs, e.LRFrom, e.LR, e.ScheduleFrom, e.Schedule)
}
