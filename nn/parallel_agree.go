package nn

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
)

// agree refuses, on every rank alike, a data-parallel run whose ranks do
// not hold the same run: a hash of each rank's training data, initial
// model (its state: parameters and buffers) and the Trainer's settings
// that shape the steps is gathered and compared with rank 0's. Ranks
// that disagree would average gradients of different models, or of
// different rows, without any error.
func (r *run) agree() error {
	h, err := r.t.runHash()
	if err != nil {
		return err
	}
	red := r.t.Reducer
	// A float32 holds a 16-bit integer exactly: the hash goes as 4.
	var mine [4]float32
	for i := range mine {
		mine[i] = float32(uint16(h >> (16 * i)))
	}
	all := make([]float32, 4*red.Size())
	if err := red.AllGather(all, mine[:]); err != nil {
		return fmt.Errorf("nn: trainer: comparing the ranks' runs: %w", err)
	}
	hashOf := func(k int) uint64 {
		var v uint64
		for i := range 4 {
			v |= uint64(all[4*k+i]) << (16 * i)
		}
		return v
	}
	for k := 1; k < red.Size(); k++ {
		if hashOf(k) != hashOf(0) {
			return fmt.Errorf("nn: trainer: rank %d's training data, initial model or settings differ from rank 0's (hash %016x, rank 0's %016x): every rank must run the same job", k, hashOf(k), hashOf(0))
		}
	}
	return nil
}

// runHash is FNV-1a over what makes a data-parallel run's steps.
func (t *Trainer) runHash() (uint64, error) {
	h := fnv.New64a()
	put := func(v uint64) { h.Write(binary.LittleEndian.AppendUint64(nil, v)) }
	buf := make([]byte, 0, 1<<14)
	floats := func(xs []float32) {
		for len(xs) > 0 {
			n := min(len(xs), cap(buf)/4)
			b := buf[:0]
			for _, x := range xs[:n] {
				b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
			}
			h.Write(b)
			xs = xs[n:]
		}
	}
	s := t.Train
	put(uint64(s.Len()))
	put(uint64(s.Features))
	floats(s.X)
	floats(s.Targets)
	for _, l := range s.Labels {
		put(uint64(l))
	}
	state, err := t.Model.State()
	if err != nil {
		return 0, fmt.Errorf("nn: trainer: comparing the ranks' runs: %w", err)
	}
	for _, nt := range state {
		h.Write([]byte(nt.Name))
		floats(nt.Data)
	}
	for _, v := range []int{t.Epochs, t.BatchSize, t.StartEpoch, t.StartStep, t.microBatches(), int(t.Loss), t.Reducer.Size()} {
		put(uint64(v))
	}
	put(t.Seed)
	put(uint64(math.Float32bits(t.Optimizer.LR())))
	put(uint64(math.Float32bits(t.ClipNorm)))
	return h.Sum64(), nil
}
