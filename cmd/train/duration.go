package main

import (
	"fmt"
	"time"
)

// duration formats d for people: under a second in milliseconds ("0.3ms",
// "12ms", "850ms"), under a minute in seconds to a tenth ("24.8s"), then
// minutes and seconds ("4m05s") or hours and minutes ("2h03m"). Fast epochs
// took "0s" when durations were rounded to the millisecond.
func duration(d time.Duration) string {
	switch {
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Round(time.Millisecond)/time.Millisecond)
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// timing is where a training run's time went, for its last line: the
// training (Fit, with each epoch's validation), the final evaluation of the
// summary, and the wall time since the command started.
type timing struct {
	began      time.Time // when the command started (run)
	training   time.Duration
	evaluation time.Duration
	trained    bool // a training run that reached its summary
}

// line is the run's last line, e.g.
//
//	time     training 24.8s, evaluation 13.0s, other 1.4s (data, backend, plots), wall 39.2s
func (t timing) line(now time.Time) string {
	wall := now.Sub(t.began)
	other := max(0, wall-t.training-t.evaluation)
	return fmt.Sprintf("time     training %s, evaluation %s, other %s (data, backend, checkpoint, plots), wall %s",
		duration(t.training), duration(t.evaluation), duration(other), duration(wall))
}

// epochCount is "1 epoch" or "n epochs".
func epochCount(n int) string { return fmt.Sprintf("%d %s", n, plural(n, "epoch", "epochs")) }
