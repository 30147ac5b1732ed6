package nn

import (
	"context"
	"errors"
	"fmt"

	"gltrain/backend"
)

// Reducer joins the ranks of a data-parallel run (an MPI job: see
// internal/mpi). Every rank runs the same Trainer, with the same model,
// seed and data, and its own Reducer; the Trainer calls AllGather once a
// step, on every rank, in the same order.
type Reducer interface {
	// Rank is this process's rank, from 0; Size is the number of ranks.
	Rank() int
	Size() int
	// AllGather fills dst, Size()·len(src) floats, with every rank's src
	// in rank order (MPI_Allgather).
	AllGather(dst, src []float32) error
}

// parallel is the data-parallel part of a Fit with a Trainer.Reducer.
//
// Each global batch (Trainer.Order's, chosen from the seed alone) is cut into
// M = Trainer.MicroBatches micro-batches of contiguous rows, whole
// sequences for a GPT; micro-batch m holds the units (rows, or sequences
// of Ctx rows) [⌊mU/M⌋, ⌊(m+1)U/M⌋) of the batch's U. Rank r runs the
// micro-batches rS … rS+S−1, S = M/N, one forward and backward each, and
// keeps each one's gradient scaled by its share of the batch, with its loss
// likewise and its correct count:
//
//	slot[m] = (n_m/n)·∇L_m, (n_m/n)·L_m, hits_m, stop
//
// The slots are downloaded to the host. One MPI_Allgather gives every rank
// every slot, in micro-batch order, and
// every rank sums them in that order, m = 0 … M−1, in float32:
//
//	∇L = ((slot[0] + slot[1]) + slot[2]) + …
//
// The sum is the batch's mean gradient, the same bits on every rank and
// for every rank count N that divides M: the micro-batches, the order of
// the additions and the arithmetic are those of one process running the M
// micro-batches in turn. It is uploaded into the gradients, and every rank
// clips and steps alike. With M = N = 1 it is Fit's plain step, bit for bit.
//
// stop is 1 in a rank's first slot when its Fit's context is done: every
// rank then stops after this step, together, rather than leave the others
// waiting in the next all-gather.
type parallel struct {
	red            Reducer
	ctx            context.Context // Fit's: a rank whose ctx is done stops every rank
	stop           bool            // after this step: a rank's ctx was done
	m, slots       int             // micro-batches a batch, and a rank
	width          int             // floats a slot: the gradients, then the loss, hits and stop
	local, all     []float32
	sum            []float32
	grads          []backend.Tensor // the gradient tensors, in slot order
	loss           backend.Tensor   // the batch's loss, 1×1
	lossAt, hitsAt int
	stopAt         int // 1 in a rank's first slot when its ctx is done
	// The reduce-scatter's, with an AllToAller of 2 ranks or more: chunks
	// of chunk floats, the blocks sent and received, this rank's chunk's
	// sum.
	a2a              AllToAller
	chunk            int
	send, recv, part []float32
}

// AllToAller is a Reducer that also exchanges blocks (MPI_Alltoall): dst's
// k-th of Size() equal blocks receives what rank k sent in the k-th block
// of its src. With one, a data-parallel step reduces by a fixed-order
// reduce-scatter and an all-gather (parallel.reduceScatter), about
// 2(N−1)/N of the slots' floats a rank, as a ring all-reduce moves, rather
// than the (N−1)·S slots of an all-gather of them all; the steps are the
// same bits either way.
type AllToAller interface {
	AllToAll(dst, src []float32) error
}

// microBatches is Trainer.MicroBatches, or the Reducer's size.
func (t *Trainer) microBatches() int {
	if t.MicroBatches > 0 {
		return t.MicroBatches
	}
	return t.Reducer.Size()
}

// checkParallel refuses a data-parallel run that would not be one run
// spread over the ranks.
func (t *Trainer) checkParallel() error {
	if t.Reducer == nil {
		if t.MicroBatches != 0 {
			return fmt.Errorf("nn: trainer: %d micro-batches without a Reducer: they cut a data-parallel run's batches", t.MicroBatches)
		}
		return nil
	}
	n, rank, m := t.Reducer.Size(), t.Reducer.Rank(), t.microBatches()
	switch {
	case n < 1 || rank < 0 || rank >= n:
		return fmt.Errorf("nn: trainer: rank %d of %d ranks: want 0 ≤ rank < ranks", rank, n)
	case t.MicroBatches < 0 || m%n != 0:
		return fmt.Errorf("nn: trainer: %d micro-batches on %d ranks: want a multiple of the ranks, so that each rank runs as many", m, n)
	case t.CrossEntropy.ClassWeights != nil:
		return fmt.Errorf("nn: trainer: class weights in a data-parallel run: %w (the weighted mean does not split by rows)", errors.ErrUnsupported)
	}
	if layer := stateful(SpecOf(t.Model)); layer != "" {
		return fmt.Errorf("nn: trainer: a %s layer in a data-parallel run: %w (its state would differ between ranks)", layer, errors.ErrUnsupported)
	}
	unit := t.Model.sequenceRows(1)
	for i, rows := range t.order().Epoch(t.StartEpoch) {
		if len(rows)/unit < m {
			return fmt.Errorf("nn: trainer: batch %d holds %d rows, fewer than the %d micro-batches a data-parallel step cuts it into: choose a batch size whose last batch (%d rows of %d) holds at least %d",
				i+1, len(rows), m, t.Train.Len()%max(1, t.BatchSize), t.Train.Len(), m*unit)
		}
	}
	return nil
}

// stateful names the first layer of s whose state is not its parameters
// (dropout's masks, batch norm's running statistics), or a layer that is
// not built in; "" when there is none.
func stateful(s Spec) string {
	if s.Custom != "" {
		return s.Custom
	}
	var walk func([]LayerSpec) string
	walk = func(ls []LayerSpec) string {
		for _, l := range ls {
			if l.Type == "dropout" || l.Type == "batchnorm" {
				return l.Type
			}
			if name := walk(l.Layers); name != "" {
				return name
			}
		}
		return ""
	}
	return walk(s.Layers)
}

// step runs rank's micro-batches of the batch rows, gathers every rank's,
// and leaves their sum in the gradients, the batch's correct count in
// r.hit; it returns the batch's loss, a 1×1 tensor.
func (p *parallel) step(r *run, rows []int) (backend.Tensor, error) {
	unit := r.t.Model.sequenceRows(1)
	units, first := len(rows)/unit, p.red.Rank()*p.slots
	for j := range p.slots {
		m := first + j
		lo, hi := units*m/p.m*unit, units*(m+1)/p.m*unit
		if j > 0 { // the next Backward overwrites the gradients
			r.t.Optimizer.ZeroGrad()
			if err := r.g.Reset(); err != nil {
				return nil, err
			}
		}
		loss, err := r.backward(rows[lo:hi])
		if err != nil {
			return nil, err
		}
		if err := p.read(r, j, loss.Tensor(), float32(hi-lo)/float32(len(rows))); err != nil {
			return nil, err
		}
	}
	p.local[p.stopAt] = 0
	if p.ctx.Err() != nil {
		p.local[p.stopAt] = 1
	}
	if err := p.reduce(); err != nil {
		return nil, fmt.Errorf("data-parallel: %w", err)
	}
	p.stop = p.sum[p.stopAt] > 0
	return p.loss, p.write(r)
}

// reduce sums every rank's slots into p.sum, in micro-batch order: by an
// all-gather of the slots, or, when the Reducer is an AllToAller, by a
// reduce-scatter and an all-gather of the chunks' sums.
func (p *parallel) reduce() error {
	if p.a2a != nil {
		return p.reduceScatter()
	}
	if err := p.red.AllGather(p.all, p.local); err != nil {
		return err
	}
	sumSlots(p.sum, p.all, p.m, p.width)
	return nil
}

// sumSlots sets sum, w floats, to the sum of the first m slots of w floats
// of all, in slot order: ((all[0] + all[1]) + all[2]) + … element-wise.
func sumSlots(sum, all []float32, m, w int) {
	copy(sum, all[:w])
	for k := 1; k < m; k++ {
		for i, v := range all[k*w : (k+1)*w] {
			sum[i] += v
		}
	}
}

// reduceScatter is the fixed-order reduction at a ring all-reduce's
// traffic. The slots are cut into N chunks of c floats (the last padded
// with zeros); one all-to-all gives rank r chunk r of every micro-batch's
// slot, in micro-batch order, which it sums as sumSlots does; one
// all-gather of those sums gives every rank the whole. Each element is
// summed over the same micro-batches in the same order as by the
// all-gather of the slots, so the bits are the same; each rank sends and
// receives about (S+1)(N−1)/N slots rather than (N−1)S.
func (p *parallel) reduceScatter() error {
	n, c, w := p.red.Size(), p.chunk, p.width
	for d := range n { // the block for rank d: chunk d of each of my slots
		lo, hi := min(d*c, w), min((d+1)*c, w)
		for j := range p.slots {
			dst := p.send[(d*p.slots+j)*c : (d*p.slots+j+1)*c]
			clear(dst[copy(dst, p.local[j*w+lo:j*w+hi]):])
		}
	}
	if err := p.a2a.AllToAll(p.recv, p.send); err != nil {
		return err
	}
	// Block s of recv is rank s's slots, micro-batches sS … sS+S−1: chunk
	// m of recv is micro-batch m's.
	sumSlots(p.part, p.recv, p.m, c)
	if err := p.red.AllGather(p.all[:n*c], p.part); err != nil {
		return err
	}
	copy(p.sum, p.all[:w])
	return nil
}

// read copies micro-batch j's gradients, loss and hits into its slot,
// scaling the first two by w, its share of the batch's rows.
func (p *parallel) read(r *run, j int, loss backend.Tensor, w float32) error {
	if p.grads == nil {
		if err := p.init(r); err != nil {
			return err
		}
	}
	slot := p.local[j*p.width : (j+1)*p.width]
	at := 0
	for _, g := range p.grads {
		n := g.Shape().Len()
		if err := r.b.Download(slot[at:at+n], g); err != nil {
			return fmt.Errorf("data-parallel: reading the gradients: %w", err)
		}
		at += n
	}
	if err := errors.Join(r.b.Download(slot[p.lossAt:p.lossAt+1], loss), r.b.Download(slot[p.hitsAt:p.hitsAt+1], r.hit)); err != nil {
		return fmt.Errorf("data-parallel: reading the loss: %w", err)
	}
	for i := range slot[:p.hitsAt] {
		slot[i] *= w
	}
	return nil
}

// init sizes the slots once the first Backward has made the gradients.
func (p *parallel) init(r *run) error {
	p.grads = append([]backend.Tensor(nil), r.gradients()...)
	for i, g := range p.grads {
		if g == nil {
			return fmt.Errorf("data-parallel: %s has no gradient: every parameter must take part in the loss", r.t.Model.Parameters()[i].Name())
		}
		p.width += g.Shape().Len()
	}
	p.lossAt, p.hitsAt, p.stopAt = p.width, p.width+1, p.width+2
	p.width += 3
	p.local = make([]float32, p.slots*p.width)
	p.all = make([]float32, p.m*p.width)
	p.sum = make([]float32, p.width)
	if a, ok := p.red.(AllToAller); ok && p.red.Size() > 1 {
		n := p.red.Size()
		p.a2a, p.chunk = a, (p.width+n-1)/n
		p.send = make([]float32, n*p.slots*p.chunk)
		p.recv = make([]float32, n*p.slots*p.chunk)
		p.part = make([]float32, p.chunk)
		p.all = make([]float32, max(p.m*p.width, n*p.chunk))
	}
	var err error
	if p.loss, err = r.b.New(backend.Shape{Rows: 1, Cols: 1}); err != nil {
		return fmt.Errorf("data-parallel: %w", err)
	}
	return nil
}

// write uploads the summed gradients, loss and hits.
func (p *parallel) write(r *run) error {
	at := 0
	var errs []error
	for _, g := range p.grads {
		n := g.Shape().Len()
		errs = append(errs, r.b.Upload(g, p.sum[at:at+n]))
		at += n
	}
	errs = append(errs, r.b.Upload(p.loss, p.sum[p.lossAt:p.lossAt+1]), r.b.Upload(r.hit, p.sum[p.hitsAt:p.hitsAt+1]))
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("data-parallel: writing the gradients: %w", err)
	}
	return nil
}

func (p *parallel) release(b backend.Backend) {
	if p != nil && p.loss != nil {
		b.Release(p.loss)
	}
}
