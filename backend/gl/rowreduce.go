package gl

// Wide rows. The per-row kernels (argmax.comp, count_correct.comp,
// softmax_cross_entropy.comp, softmax_cross_entropy_count.comp,
// svm_hinge.comp, softmax_forward_rows.comp, softmax_backward_rows.comp)
// loop over a row in one invocation, and Mesa's llvmpipe
// silently stops a loop after about 65,535 iterations. They take rows of up
// to narrowCols; longer rows go through trees of work groups instead, each
// group reducing a chunk of rowChunk elements of one row (a bounded loop of
// rowPerThread per invocation, then a tree in shared memory) into a partial,
// and further levels combining the partials in a fixed order until one is
// left per row:
//
//	level 0:  m×n inputs     → m×⌈n/C⌉ partials
//	level l:  m×k partials   → m×⌈k/C⌉ partials      (C = rowChunk), until k = 1
//
// Every partial is two floats: (value, index bits) for the argmax tree,
// two sums for the others. The same n gives the same grouping, so every run
// gives the same bits.

import "gltrain/backend/gl/internal/glrt"

const (
	// narrowCols is the longest row the one-invocation-per-row kernels take:
	// at most three loops of it, far from llvmpipe's cap.
	narrowCols = 4096
	// rowPerThread is PER_THREAD of the row_*.comp and *_partial.comp
	// kernels: the inputs one invocation reduces before its group's tree.
	rowPerThread = 16
	// rowChunk is the inputs of a row one work group reduces to a partial.
	rowChunk = glrt.WorkGroup * rowPerThread
)

// rowTree is the plan of a tree over m rows of n: widths[l] partials per row
// after level l (the last is 1), and two scratch buffers that the levels
// before the last write in turn (level l to ping when l is even).
type rowTree struct {
	m, n       int
	widths     []int
	ping, pong scratch
}

// planRowTree prepares a tree on the caller's side, lending it the scratch
// buffers its inner levels need; the caller releases them (release) after
// queuing. The error is the pool's, for the caller to name its op.
func (be *Backend) planRowTree(m, n int) (rowTree, error) {
	t := rowTree{m: m, n: n}
	for k := n; ; {
		k = (k + rowChunk - 1) / rowChunk
		t.widths = append(t.widths, k)
		if k == 1 {
			break
		}
	}
	var err error
	if len(t.widths) > 1 {
		t.ping, err = be.getScratch(2 * m * t.widths[0])
	}
	if err == nil && len(t.widths) > 2 {
		t.pong, err = be.getScratch(2 * m * t.widths[1])
	}
	if err != nil {
		t.release(be)
	}
	return t, err
}

// release puts the tree's scratch buffers back in the pool.
func (t rowTree) release(be *Backend) {
	be.putScratch(t.ping)
	be.putScratch(t.pong)
}

// run dispatches the levels on the GL thread: first(out, k) for level 0,
// then combine(in, out, n, k, last) for each later one, with in the level
// before's partials (n a row) and out where this level's k a row go: the
// inner buffers, then final for the last level. first too is given final
// when it is the only level.
func (t rowTree) run(final glrt.Arg, first func(out glrt.Arg, k int) error, combine func(in, out glrt.Arg, n, k int, last bool) error) error {
	out := func(l int) glrt.Arg {
		switch {
		case l == len(t.widths)-1:
			return final
		case l%2 == 0:
			return glrt.Out(t.ping.buf)
		default:
			return glrt.Out(t.pong.buf)
		}
	}
	if err := first(out(0), t.widths[0]); err != nil {
		return err
	}
	for l := 1; l < len(t.widths); l++ {
		in := out(l - 1)
		in.Read, in.Write = true, false
		if err := combine(in, out(l), t.widths[l-1], t.widths[l], l == len(t.widths)-1); err != nil {
			return err
		}
	}
	return nil
}

// rowGroups is the 1-D dispatch of a tree level, a work group per partial
// (the kernels step on over the partials beyond GL's limit).
func rowGroups(m, k int) int { return glrt.Cap(m * k) }

// Output modes of row_argmax_partial.comp's last level.
const (
	argmaxRecords = iota // records, for the wide softmax kernels
	argmaxIndex          // Argmax's dst
	argmaxHit            // CountCorrect's per-row hits
)

// runArgmaxTree dispatches the argmax tree t over x (m×n) on the GL
// thread: its last level writes final as mode says (labels is read for
// argmaxHit and may be any buffer else).
func (be *Backend) runArgmaxTree(t rowTree, x, labels, final glrt.Arg, mode int) error {
	p, err := be.program("row_argmax_partial.comp")
	if err != nil {
		return err
	}
	level := func(in glrt.Arg, out glrt.Arg, n, k, lvl int, last bool) error {
		p.SetInt("m", t.m)
		p.SetInt("n", n)
		p.SetInt("k", k)
		p.SetInt("level", lvl)
		p.SetInt("out_mode", argmaxRecords)
		if last {
			p.SetInt("out_mode", mode)
		}
		return be.dev.Dispatch(p, rowGroups(t.m, k), 1, 1, x, in, labels, out)
	}
	return t.run(final,
		func(out glrt.Arg, k int) error { return level(x, out, t.n, k, 0, len(t.widths) == 1) },
		func(in, out glrt.Arg, n, k int, last bool) error { return level(in, out, n, k, 1, last) })
}

// runRowSums dispatches the combining levels of a sum tree whose level 0
// first dispatches, on the GL thread (row_partial_sum.comp).
func (be *Backend) runRowSums(t rowTree, final glrt.Arg, first func(out glrt.Arg, k int) error) error {
	p, err := be.program("row_partial_sum.comp")
	if err != nil {
		return err
	}
	return t.run(final, first, func(in, out glrt.Arg, n, k int, _ bool) error {
		p.SetInt("m", t.m)
		p.SetInt("n", n)
		p.SetInt("k", k)
		return be.dev.Dispatch(p, rowGroups(t.m, k), 1, 1, in, out)
	})
}
