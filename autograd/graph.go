package autograd

import (
	"errors"
	"fmt"
	"log"

	"gltrain/backend"
)

// Graph records the nodes of one forward pass on one backend, in the order
// they were computed (a topological order), and runs the backward pass over
// them.
//
// Memory is safe by default: the first operation recorded after a Backward
// starts a new step, releasing the previous step's values first, as Reset
// would, so a loop of forward, loss, Backward and an optimiser step does
// not grow. Values of the previous step are then released: using one is an
// error ("released by Reset"), never a silent reuse. Calling Reset after
// each step does the same sooner and lets the graph recycle its Value
// structs (a steady-state step then allocates none). A graph that grows past
// a million values without a Backward (a forward-only loop that never calls
// Reset) logs one warning naming Reset.
type Graph struct {
	b      backend.Backend
	nodes  []*Value // every value the graph made since Reset, in order
	free   []*Value // Values recycled by Reset for later nodes
	bad    *Value   // the placeholder returned once an error is recorded
	err    error    // the first error, sticky until Reset
	noGrad bool
	mode   Mode
	spent  bool // a Backward ran since the last reset: the next operation starts a new step
	warned bool // the growth warning was given
}

// warnValues is the size at which a graph logs that it is growing (a
// variable for the tests).
var warnValues = 1 << 20

// Warn reports a graph growing without bound; it defaults to log.Print.
var Warn = func(msg string) { log.Print(msg) }

// NewGraph returns an empty graph on b, with gradients enabled. A nil b gives a
// graph whose every operation fails with an error.
func NewGraph(b backend.Backend) *Graph {
	g := &Graph{b: b}
	g.bad = &Value{graph: g, op: opInvalid}
	if b == nil {
		g.err = fmt.Errorf("autograd: new graph: nil backend: %w", backend.ErrInvalidArgument)
	}
	return g
}

// Backend is the backend the graph's operations run on.
func (g *Graph) Backend() backend.Backend { return g.b }

// Err returns the first error recorded since the graph was made or Reset, or
// nil.
func (g *Graph) Err() error { return g.err }

// SetGrad enables or disables gradients for the operations that follow, until
// it is called again (Reset keeps the setting). With gradients disabled, for
// evaluation, nodes record no inputs for the backward pass and require no
// gradient, and the losses compute no gradient.
func (g *Graph) SetGrad(enabled bool) { g.noGrad = !enabled }

// GradEnabled reports whether operations record what Backward needs.
func (g *Graph) GradEnabled() bool { return !g.noGrad }

// Mode says whether a forward pass recorded on a graph trains or
// evaluates, for the layers whose forward differs between the two (a
// dropout layer draws masks only while training). It belongs to the pass,
// not to the layers, so that passes in both modes may run on one model at
// once: a graph per goroutine, each with its mode.
type Mode uint8

const (
	// ModeDefault leaves the choice to each layer's own setting (nn's
	// Model.SetTraining): a graph's mode until SetMode.
	ModeDefault Mode = iota
	// ModeTrain is training: dropout draws its masks.
	ModeTrain
	// ModeEval is evaluation: dropout is the identity.
	ModeEval
)

// SetMode sets the mode of the forward passes that follow, until it is
// called again (Reset keeps the setting).
func (g *Graph) SetMode(m Mode) { g.mode = m }

// Mode returns the graph's mode (ModeDefault unless SetMode set another).
func (g *Graph) Mode() Mode { return g.mode }

// Input returns a constant leaf holding t (data, labels): no gradient flows
// into it, and the graph does not own t, so Reset leaves it alone.
func (g *Graph) Input(t backend.Tensor) *Value { return g.Leaf(t, false) }

// Leaf returns a leaf holding t, owned by the caller, that requires a gradient
// when requiresGrad is set (and gradients are enabled): the gradient of an
// input, say. Unlike a parameter's, a leaf's gradient belongs to the graph
// and is released by Reset.
func (g *Graph) Leaf(t backend.Tensor, requiresGrad bool) *Value {
	g.newStep()
	if g.err != nil {
		return g.bad
	}
	if t == nil {
		return g.fail(fmt.Errorf("input: nil tensor: %w", backend.ErrInvalidArgument))
	}
	op := opInput
	if requiresGrad {
		op = opLeaf
	}
	v := g.newValue(op)
	v.t, v.shape, v.requiresGrad = t, t.Shape(), requiresGrad && !g.noGrad
	return v
}

// Reset releases every tensor the graph allocated (node values, the
// gradients of intermediate nodes and leaves, the losses' cached gradients)
// back to the backend's pool, clears the recorded error and readies the
// graph for the next step. Parameters and their gradients, and the tensors
// of inputs and leaves, are untouched. Values made by the graph must not be
// used afterwards. It returns the backend's release errors, if any.
func (g *Graph) Reset() error {
	return g.reset(true)
}

// newStep resets the graph when a Backward ran since the last reset: the
// operation about to be recorded starts a new step. The previous step's
// Value structs are not recycled, so a value the caller kept reads as
// released instead of becoming a new node.
func (g *Graph) newStep() {
	if g.spent {
		g.reset(false) // its errors are the release's, already reported by the ops
	}
}

// reset releases the graph's tensors; with recycle, its Value structs go to
// the free list for later nodes.
func (g *Graph) reset(recycle bool) error {
	g.spent = false
	var errs []error
	release := func(t backend.Tensor) {
		if t != nil {
			if err := g.b.Release(t); err != nil {
				errs = append(errs, err)
			}
		}
	}
	for i, v := range g.nodes {
		if v.op.isOp() {
			release(v.t)
		}
		release(v.grad)
		release(v.cache)
		*v = Value{op: opFree}
		if recycle {
			g.free = append(g.free, v)
		}
		g.nodes[i] = nil
	}
	g.nodes = g.nodes[:0]
	if g.b != nil {
		g.err = nil
	}
	if len(errs) > 0 {
		return fmt.Errorf("autograd: reset: %w", errors.Join(errs...))
	}
	return nil
}

// newValue returns a Value of kind op recorded as the graph's next node,
// recycled from the free list when one is there.
func (g *Graph) newValue(op opKind) *Value {
	var v *Value
	if n := len(g.free); n > 0 {
		v, g.free = g.free[n-1], g.free[:n-1]
	} else {
		v = new(Value)
	}
	*v = Value{graph: g, op: op, idx: len(g.nodes)}
	g.nodes = append(g.nodes, v)
	if len(g.nodes) == warnValues && !g.warned {
		g.warned = true
		Warn(fmt.Sprintf("autograd: a graph holds %d values and keeps growing: call Reset after each step (or Backward, which starts a new step at the next operation)", warnValues))
	}
	return v
}

// node allocates the output tensor of an operation of shape s and records the
// node. With grad set (some input requires a gradient) and gradients enabled,
// the node requires a gradient and remembers its inputs a and b (b may be
// nil). It returns g.bad after recording the error when allocation fails.
func (g *Graph) node(op opKind, s backend.Shape, a, b *Value, grad bool) *Value {
	t, err := g.b.New(s)
	if err != nil {
		return g.fail(fmt.Errorf("%s: %w", op, err))
	}
	v := g.newValue(op)
	v.t, v.shape = t, s
	if grad && !g.noGrad {
		v.requiresGrad, v.in = true, [2]*Value{a, b}
	}
	return v
}

// needGrad reports whether a node computed from a and b (b may be nil)
// requires a gradient.
func needGrad(a, b *Value) bool { return a.requiresGrad || b != nil && b.requiresGrad }

// use validates the inputs of an operation before anything is dispatched:
// none is nil, a placeholder or released, each belongs to this graph or is a
// parameter of its backend. It returns false, with the error recorded, when
// one does not, and when an error was already recorded.
func (g *Graph) use(op string, vs ...*Value) bool {
	g.newStep()
	return g.valid(op, vs...)
}

// valid is use without starting a new step: Backward's check of its loss.
func (g *Graph) valid(op string, vs ...*Value) bool {
	if g.err != nil {
		return false
	}
	for i, v := range vs {
		var err error
		switch {
		case v == nil:
			err = fmt.Errorf("%s: input %d is nil: %w", op, i, backend.ErrInvalidArgument)
		case v.op == opFree:
			err = fmt.Errorf("%s: input %d was released by Reset: %w", op, i, backend.ErrInvalidArgument)
		case v.op == opInvalid:
			err = fmt.Errorf("%s: input %d is the placeholder of a failed operation: %w", op, i, backend.ErrInvalidArgument)
		case v.t == nil:
			err = fmt.Errorf("%s: input %d (%s) has no tensor: %w", op, i, v.Name(), backend.ErrInvalidArgument)
		case v.op == opParam && v.b != g.b:
			err = fmt.Errorf("%s: parameter %q belongs to another backend: %w", op, v.name, backend.ErrForeign)
		case v.op != opParam && v.graph != g:
			err = fmt.Errorf("%s: input %d belongs to another graph: %w", op, i, backend.ErrForeign)
		default:
			continue
		}
		g.fail(err)
		return false
	}
	return true
}

// Fail records err as the graph's error, unless one is already recorded, and
// returns the placeholder of a failed operation: how a module reports bad
// input from its Forward without panicking. Operations that follow do
// nothing, and Err and Backward return the first error, as for an error of
// the graph's own operations.
func (g *Graph) Fail(err error) *Value {
	if err == nil {
		err = fmt.Errorf("fail: nil error: %w", backend.ErrInvalidArgument)
	}
	if g.err == nil {
		g.err = err
	}
	return g.bad
}

// fail records err, prefixed with "autograd: ", unless an error is already
// recorded, and returns the placeholder value.
func (g *Graph) fail(err error) *Value {
	if g.err == nil {
		g.err = fmt.Errorf("autograd: %w", err)
	}
	return g.bad
}

// done finishes an operation whose kernel returned err: out, or the
// placeholder with the error recorded. out is recorded either way, so Reset
// releases its tensor.
func (g *Graph) done(out *Value, err error) *Value {
	if err != nil {
		return g.fail(err)
	}
	return out
}
