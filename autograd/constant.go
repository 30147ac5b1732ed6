package autograd

import (
	"fmt"

	"gltrain/backend"
)

// Constant returns a leaf of shape s holding a copy of data (row-major, len
// s.Len()), in a tensor the graph owns: Reset returns it to the pool, so a
// loop that makes one per step (a dropout mask, say) allocates nothing in
// the steady state. No gradient flows into it.
func (g *Graph) Constant(s backend.Shape, data []float32) *Value {
	g.newStep()
	if g.err != nil {
		return g.bad
	}
	if len(data) != s.Len() {
		return g.fail(fmt.Errorf("constant: %d values for %v: %w", len(data), s, backend.ErrShape))
	}
	v := g.node(opConstant, s, nil, nil, false)
	if v == g.bad {
		return v
	}
	return g.done(v, g.b.Upload(v.t, data))
}
