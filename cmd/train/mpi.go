package main

import (
	"errors"
	"fmt"
	"maps"
	"strconv"
	"time"

	"gltrain/internal/mpi"
	"gltrain/nn"
)

// Data-parallel training: started by mpirun -np N from a build with the tag
// mpi (make train-mpi), train is one rank of N. Every rank reads the same
// flags and data, builds the same model from -seed and takes the same steps
// (nn.Trainer.Reducer); only rank 0 prints, writes the run folder and saves.
// -micro-batches=M cuts each batch into M fixed micro-batches: the steps
// are then the same bits on any rank count that divides M, and in one
// process (without MPI) too.

// world is this process's place in a data-parallel run: nil for a plain
// one-process run.
type world struct {
	comm *mpi.Comm // nil for one process cutting its batches (-micro-batches)
	red  nn.Reducer
}

// joinWorld joins the MPI job that started this process, if any. A build
// without MPI that mpirun started as one of several ranks is refused
// (exit status 2) rather than train N copies of the same run.
func joinWorld(c config) (*world, error) {
	if c.micro < 0 {
		return nil, exitCode{2, errors.New("invalid value " + fmt.Sprint(c.micro) + " for -micro-batches: want 0 (one a rank) or a multiple of the ranks")}
	}
	if !mpi.Built {
		if n := mpi.Launched(); n > 1 {
			return nil, exitCode{2, fmt.Errorf("started as one of %d MPI ranks, but this train is built without MPI and would train %d copies of the same run: build it with go build -tags mpi (make train-mpi)", n, n)}
		}
		if c.micro > 0 {
			return &world{red: &timed{Reducer: solo{}}}, nil
		}
		return nil, nil
	}
	comm, err := mpi.Open()
	if err != nil {
		return nil, err
	}
	w := &world{comm: comm, red: timedA2A{&timed{Reducer: comm}, comm}}
	if comm.Size() == 1 && c.micro == 0 {
		w.red = nil // one rank cutting nothing: a plain run
	}
	return w, nil
}

// backendSpec is -backend for this rank: in a job of several ranks, "gl"
// opens the GPU of the rank's local rank K (gl:device=K, the K-th EGL
// device), so that the ranks on a machine use one GPU each; a spec that
// names its device (gl:device=N), and any other, is kept.
func (w *world) backendSpec(spec string) string {
	if w == nil || w.red == nil || w.red.Size() < 2 || spec != "gl" {
		return spec
	}
	if k := mpi.LocalRank(); k >= 0 {
		return "gl:device=" + strconv.Itoa(k)
	}
	return spec
}

// rank is this process's rank (0 for one process).
func (w *world) rank() int {
	if w == nil || w.red == nil {
		return 0
	}
	return w.red.Rank()
}

// reducer is the Trainer's Reducer: nil for a plain run.
func (w *world) reducer() nn.Reducer {
	if w == nil {
		return nil
	}
	return w.red
}

func (w *world) close() error {
	if w == nil || w.comm == nil {
		return nil
	}
	return w.comm.Close()
}

// worker is c for a rank other than 0, which writes nothing: no run folder,
// no checkpoint, no predictions.
func (c config) worker() config {
	c.save, c.out, c.plot = "", "", ""
	c.given = maps.Clone(c.given)
	c.given["plot"] = true // -plot= : no run folder
	return c
}

// solo is the Reducer of one process that cuts its batches into
// -micro-batches without MPI: the run a data-parallel one reproduces.
type solo struct{}

func (solo) Rank() int { return 0 }
func (solo) Size() int { return 1 }
func (solo) AllGather(dst, src []float32) error {
	copy(dst, src)
	return nil
}

// timed is a Reducer that measures its exchanges, for the step-time split
// rank 0 prints (split). The first all-gather, the ranks' agreement on the
// run, is not a step's and is left out.
type timed struct {
	nn.Reducer
	gathers int
	spent   time.Duration
}

func (t *timed) AllGather(dst, src []float32) error {
	began := time.Now()
	err := t.Reducer.AllGather(dst, src)
	if t.gathers++; t.gathers > 1 {
		t.spent += time.Since(began)
	}
	return err
}

// timedA2A is timed over an nn.AllToAller (an MPI world): the steps reduce
// by a reduce-scatter, an all-to-all and an all-gather.
type timedA2A struct {
	*timed
	a nn.AllToAller
}

func (t timedA2A) AllToAll(dst, src []float32) error {
	began := time.Now()
	err := t.a.AllToAll(dst, src)
	t.spent += time.Since(began)
	return err
}

// timer is the world's timed Reducer, or nil.
func (w *world) timer() *timed {
	switch t := w.reducer().(type) {
	case *timed:
		return t
	case timedA2A:
		return t.timed
	}
	return nil
}

// split is the line that splits a data-parallel run's mean step time,
// elapsed over steps, into the exchange and the rest (the forward and
// backward passes, the host's copies and sums, the update and the
// evaluations); "" for a plain run.
func (w *world) split(steps int, elapsed time.Duration) string {
	t := w.timer()
	if t == nil || steps == 0 {
		return ""
	}
	how := "all-gather"
	if _, ok := w.reducer().(timedA2A); ok && w.reducer().Size() > 1 {
		how = "all-to-all + all-gather"
	}
	step, ex := elapsed/time.Duration(steps), t.spent/time.Duration(steps)
	return fmt.Sprintf("parallel %d steps of %v: the exchange (%s) %v (%.0f%%), the rest %v",
		steps, step.Round(time.Microsecond), how, ex.Round(time.Microsecond), 100*float64(ex)/float64(step), (step - ex).Round(time.Microsecond))
}
