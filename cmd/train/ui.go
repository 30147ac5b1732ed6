package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"gltrain/nn"
)

// ui is what the command prints: human lines (and, on a terminal, a progress
// bar per epoch) to out, and with -json one object per epoch to jsonOut.
type ui struct {
	out      io.Writer
	jsonOut  io.Writer // nil without -json
	quiet    bool
	tty      bool
	bar      *progressbar.ProgressBar
	heldName string
	backend  string
}

func newUI(c config, stdout, stderr io.Writer) *ui {
	u := &ui{out: stdout, quiet: c.quiet}
	if c.json {
		u.out, u.jsonOut = stderr, stdout
	}
	if f, ok := u.out.(*os.File); ok {
		u.tty = term.IsTerminal(int(f.Fd()))
	}
	return u
}

// printf prints a human line unless -quiet.
func (u *ui) printf(format string, args ...any) {
	if !u.quiet {
		fmt.Fprintf(u.out, format+"\n", args...)
	}
}

// progress updates the epoch's bar: on a terminal only, and not with -quiet.
func (u *ui) progress(p nn.Progress) {
	if u.quiet || !u.tty {
		return
	}
	if u.bar == nil {
		u.bar = progressbar.NewOptions(p.StepsPerEpoch,
			progressbar.OptionSetWriter(u.out),
			progressbar.OptionSetWidth(24),
			progressbar.OptionShowCount(),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionSetPredictTime(false),
			progressbar.OptionThrottle(50*time.Millisecond),
		)
	}
	u.bar.Describe(fmt.Sprintf("epoch %d/%d  loss %.4f  acc %5.1f%%  %s samples/s",
		p.Epoch, p.Epochs, p.Loss, 100*p.Accuracy, human(p.SamplesPerSec())))
	u.bar.Set(p.Step)
}

// epoch prints the epoch's line (replacing its bar) and its JSON object.
func (u *ui) epoch(s nn.EpochStats, epochs int) {
	if u.bar != nil {
		u.bar.Finish()
		u.bar = nil
	}
	if !u.quiet {
		line := fmt.Sprintf("epoch %*d/%d  loss %.4f  acc %5.1f%%", digits(epochs), s.Epoch, epochs, s.Loss, 100*s.Accuracy)
		if !math.IsNaN(s.ValLoss) {
			line += fmt.Sprintf("  %s loss %.4f  %s acc %5.1f%%", short(u.heldName), s.ValLoss, short(u.heldName), 100*s.ValAccuracy)
		}
		line += fmt.Sprintf("  %s samples/s  %s", human(s.SamplesPerSec()), s.Duration.Round(time.Millisecond))
		fmt.Fprintln(u.out, line)
	}
	if u.jsonOut != nil {
		obj := epochJSON{
			Epoch: s.Epoch, Epochs: epochs, Loss: s.Loss, Accuracy: s.Accuracy, LR: s.LR,
			Steps: s.Steps, Samples: s.Samples, Seconds: s.Duration.Seconds(),
			SamplesPerSec: s.SamplesPerSec(), Backend: u.backend,
		}
		if !math.IsNaN(s.ValLoss) {
			obj.ValLoss, obj.ValAccuracy = &s.ValLoss, &s.ValAccuracy
		}
		line, _ := json.Marshal(obj)
		fmt.Fprintf(u.jsonOut, "%s\n", line)
	}
}

// epochJSON is one line of -json output. val_loss and val_accuracy are
// absent without a held-out set (for MNIST they are the test set's).
type epochJSON struct {
	Epoch         int      `json:"epoch"`
	Epochs        int      `json:"epochs"`
	Loss          float64  `json:"loss"`
	Accuracy      float64  `json:"accuracy"`
	ValLoss       *float64 `json:"val_loss,omitempty"`
	ValAccuracy   *float64 `json:"val_accuracy,omitempty"`
	LR            float32  `json:"lr"`
	Steps         int      `json:"steps"`
	Samples       int      `json:"samples"`
	Seconds       float64  `json:"seconds"`
	SamplesPerSec float64  `json:"samples_per_sec"`
	Backend       string   `json:"backend"`
}

func short(held string) string {
	if held == "validation" {
		return "val"
	}
	return held
}

func digits(n int) int { return len(fmt.Sprint(n)) }

// human formats a rate with a k or M suffix.
func human(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "–"
	case v >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.1fk", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}
