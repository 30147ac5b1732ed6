package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"gltrain/nn"
)

// A viewer's restart (live.Hub.Restart: the window's r, the page's
// restart) trains a new model from epoch 1, and the run folder's record
// starts afresh with it, so that metrics.jsonl, steps.csv and the pictures
// are of the restarted run alone:
//
//   - a folder this process started (the default runs/<data>-<time>, or
//     -plot=DIR) is the restarted run's: metrics.jsonl and steps.csv are
//     rewritten atomically, empty (steps.csv its header), and the run's
//     pictures (gltrain-*.png) removed, at once; the new run writes them
//     as any run does. Screenshots stay.
//   - a folder that continues a resumed run's record (the checkpoint's
//     own folder, which -resume continues) keeps that record: the
//     restarted run gets a new folder, runs/<data>-<time>, which the
//     command names.

// plotFiles are the pictures plotAll draws into a run folder.
var plotFiles = []string{decisionBoundaryFile, lossCurveFile, accuracyCurveFile, r2CurveFile}

// restartRecord makes the run folder (none: nothing) the restarted run's,
// before r's checkpoint is dropped, and says so on out.
func (r *session) restartRecord(out io.Writer) error {
	rf := r.rf
	if rf == nil {
		return nil
	}
	if rf.continues(r.ck) {
		dir, err := newRunDir(filepath.Join(runsDir, runName(r.c.data, time.Now())))
		if err != nil {
			return fmt.Errorf("restart: cannot make a run folder: %v", err)
		}
		old := rf.dir
		rf.close()
		*rf = runFolder{dir: dir, created: true}
		fmt.Fprintf(out, "run      %s: the restarted run's (%s keeps the resumed run's record)\n", dir, old)
		return nil
	}
	if err := rf.restart(); err != nil {
		return fmt.Errorf("restart: %s: %w", rf.dir, err)
	}
	return nil
}

// continues reports whether the folder holds the record of the run that
// ck, resumed, was saved from.
func (r *runFolder) continues(ck *checkpoint) bool {
	if !r.appendMetrics || ck == nil {
		return false
	}
	abs, err := filepath.Abs(r.dir)
	return err == nil && abs == ck.Hyper[runFolderKey]
}

// restart closes the folder's records, writes them anew, empty, and
// removes its pictures: the folder is a new run's.
func (r *runFolder) restart() error {
	var errs []error
	if r.metrics != nil {
		errs = append(errs, r.metrics.Close())
	}
	if r.steps != nil {
		errs = append(errs, r.steps.Close())
	}
	dir, created, madeRuns := r.dir, r.created, r.madeRuns
	*r = runFolder{dir: dir, created: created, madeRuns: madeRuns}
	errs = append(errs, r.writeRecord(nn.History{}, nil))
	for _, name := range plotFiles {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
