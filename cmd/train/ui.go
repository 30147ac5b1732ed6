package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"gltrain/nn"
)

// ui is what the command prints: human lines (and, on a terminal, a progress
// bar per epoch) to out, and with -json one object per epoch to jsonOut; the
// same objects go to metrics (the run folder's metrics.jsonl) when set.
type ui struct {
	out       io.Writer
	jsonOut   io.Writer // nil without -json
	predOut   io.Writer // where -predict writes without -out: stdout
	metrics   io.Writer // nil without a run folder
	quiet     bool
	tty       bool
	bar       *progressbar.ProgressBar
	frames    bytes.Buffer // the bar's drawings of one update
	columns   int          // the terminal's width when the bar began; 0: unknown
	barCols   int          // the bar's width
	shown     time.Time    // when the bar was last drawn
	heldName  string
	backend   string
	loss      nn.Loss       // the run's: bce adds the label accuracy to a regression's lines
	tokens    bool          // text data: a sample is a token, and rates are tokens/s
	timing    timing        // where a training run's time went
	began     time.Time     // when the bar's epoch began
	fullEpoch time.Duration // the last whole epoch's wall time, validation included; 0: none yet
}

// rate names the throughput's unit: samples/s, or tokens/s on text.
func (u *ui) rate(s string) string {
	if u.tokens {
		return strings.Replace(s, " samples/s", " tokens/s", 1)
	}
	return s
}

// isTerminal reports whether w is a terminal, where the progress bar is
// drawn, and terminalWidth its width in columns (0 when unknown). Tests
// replace them to see the bar.
var (
	isTerminal = func(w io.Writer) bool {
		f, ok := outputFile(w)
		return ok && term.IsTerminal(int(f.Fd()))
	}
	terminalWidth = func(w io.Writer) int {
		if f, ok := outputFile(w); ok {
			if width, _, err := term.GetSize(int(f.Fd())); err == nil {
				return width
			}
		}
		return 0
	}
)

// outputFile is the file w writes to: w itself, or the file below the
// writers that wrap it (run's errWriter wraps stdout), so that the bar sees
// the terminal through them.
func outputFile(w io.Writer) (*os.File, bool) {
	for {
		switch v := w.(type) {
		case *os.File:
			return v, true
		case interface{ Unwrap() io.Writer }:
			w = v.Unwrap()
		default:
			return nil, false
		}
	}
}

// barInterval is the least time between two drawings of the bar: a
// terminal redrawn more often only flickers.
const barInterval = 50 * time.Millisecond

// uiOptions are the flags of what the command prints: -quiet, -json, and
// whether -predict writes its CSV to stdout (no -out).
type uiOptions struct {
	quiet, json, predictToStdout bool
}

func newUI(c uiOptions, stdout, stderr io.Writer) *ui {
	u := &ui{out: stdout, quiet: c.quiet}
	if c.json {
		u.out, u.jsonOut = stderr, stdout
	}
	u.predOut = stdout
	if c.predictToStdout { // stdout is the predictions' CSV
		u.out = stderr
	}
	u.tty = isTerminal(u.out)
	return u
}

// printf prints a human line unless -quiet.
func (u *ui) printf(format string, args ...any) {
	if !u.quiet {
		fmt.Fprintf(u.out, format+"\n", args...)
	}
}

// progress updates the epoch's bar: on a terminal only, and not with -quiet.
// The bar shows the steps done, the running loss, accuracy and throughput,
// the epoch's elapsed time and the time left at its pace so far, e.g.
//
//	epoch  3/30  loss 0.5123  acc  80.0%  12.3k samples/s  1.2s, ETA 1.2s   50% |████████        | (45/90)
//
// dropping the throughput, then the accuracy, and narrowing the bar where
// the terminal is narrow: a line that wraps cannot be redrawn in place.
//
// The library draws on Describe and again on Set; with its own throttle the
// second drawing was skipped, so the bar showed the previous count (0% at an
// epoch's start, 98% at its end). Here both draw into frames and only the
// last drawing, new count and new text, goes to the terminal; this function
// throttles, and always draws an epoch's last step.
func (u *ui) progress(p nn.Progress) {
	if u.quiet || !u.tty || p.StepsPerEpoch < 1 {
		return
	}
	now := time.Now()
	if u.bar != nil && p.Step < p.StepsPerEpoch && now.Sub(u.shown) < barInterval {
		return
	}
	if u.bar == nil {
		u.began = now.Add(-p.Elapsed)
		u.columns = terminalWidth(u.out)
		u.barCols = newBarWidth(p, u.fullEpoch, u.columns)
		u.bar = progressbar.NewOptions(p.StepsPerEpoch,
			progressbar.OptionSetWriter(&u.frames),
			progressbar.OptionSetWidth(u.barCols),
			progressbar.OptionShowCount(),
			progressbar.OptionUseANSICodes(true),
			progressbar.OptionSetPredictTime(false),
			progressbar.OptionSetElapsedTime(false),
		)
	}
	u.frames.Reset()
	u.bar.Describe(u.rate(fitBarText(p, u.fullEpoch, u.columns, u.barCols)) + "  ")
	u.bar.Set(p.Step)
	frame := u.frames.Bytes()
	if i := bytes.LastIndexByte(frame, '\r'); i > 0 {
		frame = frame[i:] // each drawing starts with a carriage return
	}
	u.out.Write(frame)
	u.shown = now
}

// barWidth is the progress bar's width where the terminal has room, and
// barSlack the columns left free for the description to grow during an
// epoch (a longer time or rate).
const (
	barWidth = 24
	barSlack = 4
)

// barOverhead is the columns of a drawing besides the description and the
// bar: "  " after the description, " 50% ", the bar's two ends, " (45/90) ",
// and the last column, where the cursor would wrap.
func barOverhead(steps int) int {
	return 2 + 5 + 1 + 2 + 1 + len(fmt.Sprintf("(%d/%d)", steps, steps)) + 1 + 1
}

// newBarWidth returns the width of a new bar on a terminal of columns (0:
// unknown): barWidth, or less to fit the fullest description that leaves
// it 10 columns, and barSlack more. epoch is as for barText.
func newBarWidth(p nn.Progress, epoch time.Duration, columns int) int {
	if columns <= 0 {
		return barWidth
	}
	room := 0
	for detail := 2; detail >= 0; detail-- {
		room = columns - utf8.RuneCountInString(barText(p, epoch, detail)) - barOverhead(p.StepsPerEpoch) - barSlack
		if room >= 10 {
			break
		}
	}
	return max(1, min(barWidth, room))
}

// fitBarText returns the fullest description that fits beside a bar of
// width on a terminal of columns (0: unknown).
func fitBarText(p nn.Progress, epoch time.Duration, columns, width int) string {
	for detail := 2; detail > 0; detail-- {
		text := barText(p, epoch, detail)
		if columns <= 0 || utf8.RuneCountInString(text)+barOverhead(p.StepsPerEpoch)+width <= columns {
			return text
		}
	}
	return barText(p, epoch, 0)
}

// barText is the bar's description: the epoch and its running loss, with
// detail 1 the accuracy, with 2 the throughput too, then the elapsed time,
// the epoch's ETA (the steps left at the epoch's pace so far) and the run's
// (that, and the epochs after this one, each taking epoch, the last whole
// epoch's wall time with its validation, or at the epoch's pace before one
// has ended):
//
//	epoch  3/30  loss 0.5123  1.2s, ETA 1.2s, run 1m05s
func barText(p nn.Progress, epoch time.Duration, detail int) string {
	eta, run := "–", "–"
	if p.Step > 0 {
		pace := float64(p.Elapsed) / float64(p.Step)
		left := time.Duration(pace * float64(p.StepsPerEpoch-p.Step))
		if epoch <= 0 {
			epoch = time.Duration(pace * float64(p.StepsPerEpoch))
		}
		eta, run = duration(left), duration(left+time.Duration(p.Epochs-p.Epoch)*epoch)
	}
	text := fmt.Sprintf("epoch %*d/%d  loss %.4f", digits(p.Epochs), p.Epoch, p.Epochs, p.Loss)
	if detail >= 1 && !math.IsNaN(p.Accuracy) { // NaN: a regression, which counts none
		text += fmt.Sprintf("  acc %5.1f%%", 100*p.Accuracy)
	}
	if detail >= 2 {
		text += fmt.Sprintf("  %s samples/s", human(p.SamplesPerSec()))
	}
	return text + fmt.Sprintf("  %s, ETA %s, run %s", duration(p.Elapsed), eta, run)
}

// epoch prints the epoch's line (replacing its bar) and its JSON object.
func (u *ui) epoch(s nn.EpochStats, epochs int) {
	if u.bar != nil {
		fmt.Fprint(u.out, "\r\033[2K") // clear the bar's line; the epoch's line takes it
		u.bar = nil
		u.fullEpoch = time.Since(u.began)
	}
	if !u.quiet {
		line := fmt.Sprintf("epoch %*d/%d  loss %.4f  acc %5.1f%%", digits(epochs), s.Epoch, epochs, s.Loss, 100*s.Accuracy)
		if math.IsNaN(s.Accuracy) { // a regression: no accuracy while training
			line = fmt.Sprintf("epoch %*d/%d  loss %.4f", digits(epochs), s.Epoch, epochs, s.Loss)
		}
		if rm := s.ValRegression; rm != nil && !math.IsNaN(s.ValLoss) {
			line += fmt.Sprintf("  %s loss %.4f  %s", short(u.heldName), s.ValLoss, regressionLine(short(u.heldName)+" ", *rm, u.loss))
		} else if !math.IsNaN(s.ValLoss) {
			line += fmt.Sprintf("  %s loss %.4f  %s acc %5.1f%%", short(u.heldName), s.ValLoss, short(u.heldName), 100*s.ValAccuracy)
		}
		line += fmt.Sprintf("  %s samples/s  %s", human(s.SamplesPerSec()), duration(s.Duration))
		fmt.Fprintln(u.out, u.rate(line))
	}
	if u.jsonOut != nil || u.metrics != nil {
		obj := epochJSON{
			Epoch: s.Epoch, Epochs: epochs, Loss: s.Loss, LR: s.LR,
			Steps: s.Steps, Samples: s.Samples, Seconds: s.Duration.Seconds(),
			SamplesPerSec: s.SamplesPerSec(), Backend: u.backend,
		}
		if u.tokens {
			tps := s.SamplesPerSec()
			obj.TokensPerSec = &tps
		}
		if !math.IsNaN(s.Accuracy) {
			obj.Accuracy = &s.Accuracy
		}
		if !math.IsNaN(s.ValLoss) {
			obj.ValLoss = &s.ValLoss
			if !math.IsNaN(s.ValAccuracy) {
				obj.ValAccuracy = &s.ValAccuracy
			}
		}
		if rm := s.ValRegression; rm != nil && !math.IsNaN(s.ValLoss) {
			obj.ValMAE, obj.ValRMSE, obj.ValR2 = &rm.MAE, &rm.RMSE, &rm.R2
		}
		line, _ := json.Marshal(obj)
		line = append(line, '\n')
		if u.jsonOut != nil {
			u.jsonOut.Write(line)
		}
		if u.metrics != nil {
			u.metrics.Write(line) // an error is kept, and reported, by the run folder
		}
	}
}

// epochJSON is one line of -json output and of metrics.jsonl. val_loss and
// val_accuracy are absent without a validation set; accuracy is absent in
// a regression, which has val_mae, val_rmse and val_r2 instead (and
// val_accuracy, the per-label accuracy, with bce).
type epochJSON struct {
	Epoch         int      `json:"epoch"`
	Epochs        int      `json:"epochs"`
	Loss          float64  `json:"loss"`
	Accuracy      *float64 `json:"accuracy,omitempty"`
	ValLoss       *float64 `json:"val_loss,omitempty"`
	ValAccuracy   *float64 `json:"val_accuracy,omitempty"`
	ValMAE        *float64 `json:"val_mae,omitempty"`
	ValRMSE       *float64 `json:"val_rmse,omitempty"`
	ValR2         *float64 `json:"val_r2,omitempty"`
	LR            float32  `json:"lr"`
	Steps         int      `json:"steps"`
	Samples       int      `json:"samples"`
	Seconds       float64  `json:"seconds"`
	SamplesPerSec float64  `json:"samples_per_sec"`
	TokensPerSec  *float64 `json:"tokens_per_sec,omitempty"` // text: samples are tokens
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
