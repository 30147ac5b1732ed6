package nn

import "gltrain/nn/data"

// BatchOrder says which rows of Trainer.Train each training step gathers,
// epoch by epoch. data.Batcher is one (shuffled mini-batches of
// BatchSize rows, the default); data.TextBatcher is another (a step is
// Batch sequences of Ctx consecutive positions of a data.TextSet, drawn at
// random, for a GPT).
//
// Epoch(e) (e from 0) must be a function of e alone, so that a resumed run
// sees the batches it would have seen, and its rows must lie in
// [0, Train.Len()); Batches is len(Epoch(e)).
type BatchOrder interface {
	Batches() int
	Epoch(e int) [][]int
}

var (
	_ BatchOrder = (*data.Batcher)(nil)
	_ BatchOrder = (*data.TextBatcher)(nil)
)

// order is Trainer.Order, or the shuffled mini-batches of BatchSize rows.
func (t *Trainer) order() BatchOrder {
	if t.Order != nil {
		return t.Order
	}
	return data.NewBatcher(t.Train.Len(), t.BatchSize, t.Seed)
}

// sequenceRows rounds an evaluation batch of rows down to whole sequences
// for a model that reads its rows as sequences (a GPT: Ctx rows each, at
// least one sequence); rows for any other model.
func (m *Model) sequenceRows(rows int) int {
	if gp, ok := m.Net.(*GPT); ok {
		ctx := gp.Config.Ctx
		return max(ctx, rows/ctx*ctx)
	}
	return rows
}
