package main

import (
	"time"
)

// The live view's pace (issue #27: with a viewer the training runs at ≥ 90%
// of its speed without). The publisher's work is of two kinds:
//
//   - the counters and the curves: the step counter at most every
//     stepEvery, and one curve point each epoch, in an Update of the hub
//     each (well under a microsecond);
//   - the paced work, each a pass of the model or a read from the device:
//     the decision boundary (2-D classes), the validation set's confusion
//     matrix and misclassified images (classes with a validation set), the
//     first convolution's filters (models with one).
//
// All of it together takes at most liveShare (1/16, 6.25%) of the training's time:
// each piece of work, of either kind, that takes c holds the next paced
// work back until c·(1/liveShare − 1) has passed since it ended (on top of
// what earlier work set), so that between two paced works the training has
// had at least 15 times the time the live work took. The counters cannot
// wait, but they cost about 0.1% on the spiral, whose epochs are short.
// The paced work runs between steps (BeforeStep), one piece at a time, the
// most overdue first, when it is due:
//
//   - the boundary: when boundaryEvery (100 ms) has passed since the last,
//     or an epoch has ended since, whichever is sooner; but never sooner
//     than frameGap (1/60 s, a display's frame) after the last;
//   - the confusion matrix: once an epoch has ended since the last and
//     boundaryEvery (100 ms) has passed (short epochs would otherwise
//     spend the share on matrices no one sees change, and starve the map);
//   - the filters: the same, or once filtersEvery (1 s) has passed.
//
// So the boundary follows the training at least every 100 ms of it, or
// every epoch when that is sooner, wherever that costs at most 6.25% of the
// time; where it costs more (a large model on a slow device) it follows as
// often as 6.25% allows. On a device with a command queue (GL; not the CPU
// backend, which runs each op as it is called) the paced work waits for
// the trainer's next read of the loss (at most LogEvery steps, and at most
// drainWait), after which the queue is empty: the work's own read of its
// result then waits for nothing of the steps'. (The GL backend has no
// download that does not wait; with one, the boundary could be queued and
// read a step later.)
//
// Out of the training's time, as the loading of the data and the final
// evaluation are, the model's boundary and filters are published before
// Fit (publisher.start: the map of the model as initialised, or resumed,
// which on GL also compiles the evaluation's shaders), and, once training
// has ended to its last epoch or stopped early, the trained model's
// boundary, confusion matrix and filters after Fit (publisher.finish).
// Both are charged to the pace: the first holds the next paced work back.

// liveShare is the share of the training's time the live view's work may
// take: enough for the default spiral model's 200×200 map (5–6 ms on two
// cores of the CPU backend) every 100 ms, and little enough that training
// keeps over 90% of its speed.
const liveShare = 1.0 / 16

const (
	// boundaryEvery is the longest the boundary waits for an epoch end.
	boundaryEvery = 100 * time.Millisecond
	// frameGap is the least time between two boundaries: a 60 Hz display's
	// frame.
	frameGap = time.Second / 60
	// filtersEvery is the longest the filters wait for an epoch end (a
	// slow epoch's view still shows them change).
	filtersEvery = time.Second
	// drainWait is the longest due paced work waits for the trainer's read
	// of the loss.
	drainWait = 100 * time.Millisecond
)

// work is a kind of paced work.
type work int

const (
	workBoundary work = iota
	workValidation
	workFilters
	nWorks
)

// pace is the publisher's account of its time.
type pace struct {
	spent time.Duration // all the publisher's work so far
	free  time.Time     // the earliest start of the next paced work
	// queued: the device has a command queue (every backend but the CPU
	// reference, which runs each op as it is called). drained is set when
	// the trainer has just read the loss or ended an epoch (the queue is
	// then empty), and cleared by the next step; heldSince is when due work
	// began to wait for that.
	queued    bool
	drained   bool
	heldSince time.Time
	// epochs is the number of epochs ended in this Fit, and lastEpoch,
	// lastStep the last one's number and global step.
	epochs, lastEpoch, lastStep int
	// at and after are each work's last time, and the epochs ended then.
	at    [nWorks]time.Time
	after [nWorks]int
	runs  [nWorks]int // how many times each ran
}

// charge counts the work that began at began and ends now, pushes the next
// paced work back by (1/liveShare − 1) times its cost, and returns now.
func (p *pace) charge(began time.Time) time.Time {
	end := time.Now()
	p.chargeAt(began, end)
	return end
}

// chargeAt is charge of work from began to end.
func (p *pace) chargeAt(began, end time.Time) {
	cost := end.Sub(began)
	p.spent += cost
	if p.free.Before(end) {
		p.free = end
	}
	p.free = p.free.Add(time.Duration(float64(cost) * (1/liveShare - 1)))
}

// done records paced work w that ran from began to end.
func (p *pace) done(w work, began, end time.Time) {
	p.at[w], p.after[w] = began, p.epochs
	p.runs[w]++
	p.chargeAt(began, end)
}

// due reports whether work w, which the publisher does, is due at now.
func (p *pace) due(w work, now time.Time) bool {
	since, ended := now.Sub(p.at[w]), p.epochs > p.after[w]
	switch w {
	case workBoundary:
		return since >= frameGap && (ended || since >= boundaryEvery)
	case workFilters:
		return ended && since >= boundaryEvery || since >= filtersEvery
	default: // the confusion matrix: no sooner than the map, which a viewer sees change
		return ended && since >= boundaryEvery
	}
}

// next is the most overdue paced work that has is true for and is due at
// now, and whether there is one, when the pace allows it.
func (p *pace) next(now time.Time, has func(work) bool) (work, bool) {
	drained := p.drained || !p.queued
	p.drained = false
	if now.Before(p.free) {
		return 0, false
	}
	best, found := work(0), false
	for w := range nWorks {
		if has(w) && p.due(w, now) && (!found || p.at[w].Before(p.at[best])) {
			best, found = w, true
		}
	}
	if !found {
		return 0, false
	}
	if !drained {
		if p.heldSince.IsZero() {
			p.heldSince = now
		}
		if now.Sub(p.heldSince) < drainWait {
			return 0, false
		}
	}
	p.heldSince = time.Time{}
	return best, true
}

// has reports whether the publisher does work w.
func (p *publisher) has(w work) bool {
	switch w {
	case workBoundary:
		return p.grid != nil
	case workValidation:
		return p.names != nil && p.d.held.Len() > 0
	default:
		return p.conv
	}
}

// paced does the paced work due at now, if the pace allows it.
func (p *publisher) paced(now time.Time, epoch, step int) error {
	if w, ok := p.next(now, p.has); ok {
		return p.run(w, now, epoch, step)
	}
	return nil
}

// works are the kinds of paced work the publisher does.
func (p *publisher) works() []work {
	var ws []work
	for w := range nWorks {
		if p.has(w) {
			ws = append(ws, w)
		}
	}
	return ws
}

// run does work w at now, the trainer at epoch and step, and charges it.
func (p *publisher) run(w work, now time.Time, epoch, step int) error {
	var err error
	switch w {
	case workBoundary:
		err = p.boundary(epoch, step)
	case workValidation:
		err = p.validation()
	default:
		err = p.filters()
	}
	p.done(w, now, time.Now())
	return err
}
