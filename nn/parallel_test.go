package nn_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"

	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/nn"
	"gltrain/nn/data"
)

// group is an in-process stand-in for an MPI world of n ranks, each a
// goroutine: AllGather returns once every rank has given its part, as
// MPI_Allgather does.
type group struct {
	n   int
	mu  sync.Mutex
	cur *round
}

type round struct {
	srcs      [][]float32
	in, out   int
	all, done chan struct{}
}

func newGroup(n int) *group { return &group{n: n, cur: newRound(n)} }

func newRound(n int) *round {
	return &round{srcs: make([][]float32, n), all: make(chan struct{}), done: make(chan struct{})}
}

func (g *group) allGather(rank int, dst, src []float32) error {
	if len(dst) != g.n*len(src) {
		return errors.New("group: all-gather: dst is not ranks × src")
	}
	g.exchange(rank, src, func(srcs [][]float32) {
		for i, s := range srcs {
			copy(dst[i*len(src):], s)
		}
	})
	return nil
}

// allToAll gives rank k the rank-th block of every rank's src, as
// MPI_Alltoall does.
func (g *group) allToAll(rank int, dst, src []float32) error {
	if len(dst) != len(src) || len(src)%g.n != 0 {
		return errors.New("group: all-to-all: want equal lengths, a multiple of the ranks")
	}
	b := len(src) / g.n
	g.exchange(rank, src, func(srcs [][]float32) {
		for k, s := range srcs {
			copy(dst[k*b:(k+1)*b], s[rank*b:(rank+1)*b])
		}
	})
	return nil
}

// exchange waits for every rank's src, calls read with them all, and
// returns once every rank has read.
func (g *group) exchange(rank int, src []float32, read func(srcs [][]float32)) {
	g.mu.Lock()
	rd := g.cur
	rd.srcs[rank] = src
	if rd.in++; rd.in == g.n {
		close(rd.all)
	}
	g.mu.Unlock()
	<-rd.all
	read(rd.srcs)
	g.mu.Lock()
	if rd.out++; rd.out == g.n { // every rank has read: the next round may start
		g.cur = newRound(g.n)
		close(rd.done)
	}
	g.mu.Unlock()
	<-rd.done
}

// rank is one rank's nn.Reducer of a group.
type rank struct {
	g *group
	r int
}

func (r rank) Rank() int                          { return r.r }
func (r rank) Size() int                          { return r.g.n }
func (r rank) AllGather(dst, src []float32) error { return r.g.allGather(r.r, dst, src) }

// rankA2A is a rank that is an nn.AllToAller too: its steps reduce by a
// reduce-scatter.
type rankA2A struct{ rank }

func (r rankA2A) AllToAll(dst, src []float32) error { return r.g.allToAll(r.r, dst, src) }

var _ nn.AllToAller = rankA2A{}

// parallelRun is what a data-parallel run of n ranks leaves on rank 0.
type parallelRun struct {
	steps  []float32
	epochs []nn.EpochStats
	state  []nn.NamedTensor
}

// fitParallel trains the same MLP on n ranks (goroutines, each with a
// backend of its own: open(i)) with micro micro-batches a batch; n = 0 is a
// plain Fit, without a Reducer.
func fitParallel(t *testing.T, open func(i int) backend.Backend, set data.Set, n, micro int, clip float32, a2a bool) parallelRun {
	t.Helper()
	ranks := max(n, 1)
	out := make([]parallelRun, ranks)
	errs := make([]error, ranks)
	g := newGroup(ranks)
	var wg sync.WaitGroup
	for i := range ranks {
		wg.Go(func() {
			b := open(i)
			m, err := nn.MLP(2, []int{16}, 3, nn.Tanh).Build(b, 7)
			if err != nil {
				errs[i] = err
				return
			}
			defer m.Release()
			opt, err := nn.NewOptimizer("adam", b, m.Parameters(), 0.02, 0)
			if err != nil {
				errs[i] = err
				return
			}
			defer opt.Release()
			tr := nn.Trainer{Model: m, Loss: nn.SoftmaxCrossEntropy, Optimizer: opt, Epochs: 3, BatchSize: 40, Seed: 5,
				Train: set, Val: set, LogEvery: 4, ClipNorm: clip}
			if n > 0 {
				tr.Reducer, tr.MicroBatches = rank{g, i}, micro
				if a2a {
					tr.Reducer = rankA2A{rank{g, i}}
				}
			}
			h, err := tr.Fit(context.Background())
			if err != nil {
				errs[i] = err
				return
			}
			st, err := m.State()
			out[i], errs[i] = parallelRun{h.StepLoss, h.Epochs, st}, err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("%d ranks, %d micro-batches: %v", n, micro, err)
	}
	for i := 1; i < ranks; i++ { // every rank took the same steps
		sameRun(t, "rank 0 and another", out[0], out[i])
	}
	return out[0]
}

// sameRun fails unless a and b hold the same step losses, validation
// losses and weights, to the bit.
func sameRun(t *testing.T, what string, a, b parallelRun) {
	t.Helper()
	if len(a.steps) != len(b.steps) || len(a.state) != len(b.state) {
		t.Fatalf("%s: %d and %d steps, %d and %d tensors", what, len(a.steps), len(b.steps), len(a.state), len(b.state))
	}
	for i := range a.steps {
		if math.Float32bits(a.steps[i]) != math.Float32bits(b.steps[i]) {
			t.Fatalf("%s: step %d loss %v and %v: want the same bits", what, i+1, a.steps[i], b.steps[i])
		}
	}
	for i := range a.epochs {
		if a.epochs[i].ValLoss != b.epochs[i].ValLoss || a.epochs[i].Accuracy != b.epochs[i].Accuracy {
			t.Fatalf("%s: epoch %d: validation loss %v and %v, accuracy %v and %v", what, i+1, a.epochs[i].ValLoss, b.epochs[i].ValLoss, a.epochs[i].Accuracy, b.epochs[i].Accuracy)
		}
	}
	for i := range a.state {
		for j := range a.state[i].Data {
			if x, y := a.state[i].Data[j], b.state[i].Data[j]; math.Float32bits(x) != math.Float32bits(y) {
				t.Fatalf("%s: %s[%d] = %v and %v: want the same bits", what, a.state[i].Name, j, x, y)
			}
		}
	}
}

// TestDataParallelSameBits trains on 1, 2 and 4 ranks with the same 4
// micro-batches a batch, reducing by an all-gather of the slots or by a
// reduce-scatter: the step losses, validation losses and weights are the
// same bits (the fixed order of the reduction), on every rank; and
// one rank with one micro-batch is a plain Fit, bit for bit. A batch of 40
// of 90 rows leaves a last batch of 10, cut 2+3+2+3 (shares that are not
// powers of two exercise the scaling).
func TestDataParallelSameBits(t *testing.T) {
	set, err := data.Spiral(30, 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	backendtest.ForEach(t, func(t *testing.T, b backend.Backend) {
		open := func(i int) backend.Backend {
			if i == 0 {
				return b
			}
			o, err := backend.Open(b.Name())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { o.Close() })
			return o
		}
		counts := []int{1, 2, 4}
		if b.Name() != "cpu" { // a GL context a rank: two are enough
			counts = counts[:2]
		}
		one := fitParallel(t, open, set, 1, 4, 0, false)
		for _, n := range counts[1:] {
			sameRun(t, "1 rank and more", one, fitParallel(t, open, set, n, 4, 0, false))
			sameRun(t, "1 rank and more, reduce-scattering", one, fitParallel(t, open, set, n, 4, 0, true))
		}
		sameRun(t, "a plain Fit and 1 rank of 1 micro-batch", fitParallel(t, open, set, 0, 0, 1, false), fitParallel(t, open, set, 1, 1, 1, false))
		if one.steps[len(one.steps)-1] >= one.steps[0] {
			t.Errorf("the loss went from %v to %v: want it to fall", one.steps[0], one.steps[len(one.steps)-1])
		}
	})
}

// TestDataParallelRefuses checks the configurations a data-parallel run
// refuses before training, naming why.
func TestDataParallelRefuses(t *testing.T) {
	set, err := data.Spiral(30, 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	b := backendtest.Open(t, "cpu")
	for _, c := range []struct {
		name  string
		net   nn.Module
		batch int
		red   nn.Reducer
		micro int
		want  string
	}{
		{"micro-batches not a multiple of the ranks", nn.Seq(&nn.Linear{Out: 8}, nn.Act(nn.ReLU), &nn.Linear{Out: 3}), 30, rank{newGroup(2), 0}, 3, "a multiple of the ranks"},
		{"a rank out of range", nn.Seq(&nn.Linear{Out: 8}, nn.Act(nn.ReLU), &nn.Linear{Out: 3}), 30, rank{newGroup(2), 2}, 0, "rank 2 of 2"},
		{"a last batch too small", nn.Seq(&nn.Linear{Out: 8}, nn.Act(nn.ReLU), &nn.Linear{Out: 3}), 88, rank{newGroup(4), 0}, 4, "fewer than the 4 micro-batches"},
		{"dropout", nn.Seq(&nn.Linear{Out: 8}, &nn.Dropout{P: 0.5}, &nn.Linear{Out: 3}), 30, rank{newGroup(1), 0}, 0, "dropout layer"},
		{"micro-batches without a Reducer", nn.Seq(&nn.Linear{Out: 8}, nn.Act(nn.ReLU), &nn.Linear{Out: 3}), 30, nil, 2, "without a Reducer"},
	} {
		m, err := nn.NewModel(b, c.net, 2, 1)
		if err != nil {
			t.Fatal(err)
		}
		opt, _ := nn.NewOptimizer("sgd", b, m.Parameters(), 0.1, 0)
		tr := nn.Trainer{Model: m, Optimizer: opt, Epochs: 1, BatchSize: c.batch, Train: set, Reducer: c.red, MicroBatches: c.micro}
		_, err = tr.Fit(context.Background())
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", c.name, err, c.want)
		}
		opt.Release()
		m.Release()
	}
}

// TestDataParallelRanksAgree: a rank whose initial model differs from
// rank 0's (another seed), or whose data does, is refused on every rank,
// before any step, naming the rank.
func TestDataParallelRanksAgree(t *testing.T) {
	set, err := data.Spiral(30, 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	other := set
	other.X = append([]float32(nil), set.X...)
	other.X[17] += 1e-6
	for _, c := range []struct {
		name  string
		seed1 uint64
		set1  data.Set
	}{{"another seed", 8, set}, {"other data", 7, other}} {
		g := newGroup(2)
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i := range 2 {
			wg.Go(func() {
				b, err := backend.Open("cpu")
				if err != nil {
					errs[i] = err
					return
				}
				defer b.Close()
				seed, s := uint64(7), set
				if i == 1 {
					seed, s = c.seed1, c.set1
				}
				m, _ := nn.MLP(2, []int{8}, 3, nn.ReLU).Build(b, seed)
				defer m.Release()
				opt, _ := nn.NewOptimizer("sgd", b, m.Parameters(), 0.1, 0)
				defer opt.Release()
				h, err := (&nn.Trainer{Model: m, Optimizer: opt, Epochs: 1, BatchSize: 30, Train: s, Reducer: rank{g, i}}).Fit(context.Background())
				if err == nil || h != nil && len(h.StepLoss) > 0 {
					err = errors.New("trained")
				}
				errs[i] = err
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err == nil || !strings.Contains(err.Error(), "rank 1's training data, initial model or settings differ from rank 0's") {
				t.Errorf("%s: rank %d: %v, want the run refused", c.name, i, err)
			}
		}
	}
}

// TestDataParallelStopsTogether: one rank's cancelled context (an
// interrupt that reached it alone, or first) stops every rank after the
// same step, each returning context.Canceled, rather than leave the others
// waiting in the next all-gather.
func TestDataParallelStopsTogether(t *testing.T) {
	set, err := data.Spiral(30, 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	g := newGroup(2)
	steps := make([]int, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Go(func() {
			b, err := backend.Open("cpu")
			if err != nil {
				errs[i] = err
				return
			}
			defer b.Close()
			m, _ := nn.MLP(2, []int{8}, 3, nn.ReLU).Build(b, 7)
			defer m.Release()
			opt, _ := nn.NewOptimizer("sgd", b, m.Parameters(), 0.1, 0)
			defer opt.Release()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			tr := nn.Trainer{Model: m, Optimizer: opt, Epochs: 50, BatchSize: 30, Train: set, Reducer: rank{g, i}, LogEvery: 1}
			if i == 1 {
				tr.OnProgress = func(p nn.Progress) {
					if p.GlobalStep == 5 {
						cancel()
					}
				}
			}
			h, err := tr.Fit(ctx)
			if h != nil {
				steps[i] = len(h.StepLoss)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("rank %d: %v, want context.Canceled", i, err)
		}
	}
	if steps[0] != steps[1] || steps[0] != 6 {
		t.Errorf("ranks stopped after %d and %d steps: want both after step 6, the one after rank 1's cancel", steps[0], steps[1])
	}
}
