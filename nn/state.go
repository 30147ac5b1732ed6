package nn

import (
	"fmt"
	"slices"

	"gltrain/autograd"
	"gltrain/backend"
)

// NamedTensor is a tensor's contents on the host in PyTorch's layout: a
// Linear weight is Out×In ([out, in]), a bias a vector ([out]); a parameter
// of a layer of your own is saved as it is held ([rows, cols]).
//
// Int64 marks a count PyTorch holds as int64 (BatchNorm's
// num_batches_tracked): Data holds its whole value, and a checkpoint
// stores it as I64.
type NamedTensor struct {
	Name  string
	Shape []int
	Data  []float32
	Int64 bool
}

// savedShape is the shape p is saved with: its dims when it has them (a
// convolution's weight, PyTorch's (K, C, KH, KW)), else its layout's.
func (m *Model) savedShape(p *autograd.Value) []int {
	if d, ok := m.dims[p]; ok {
		return d
	}
	return m.layouts[p].savedShape(p.Shape())
}

// savedShape is the shape a parameter of shape s is saved with.
func (l layout) savedShape(s backend.Shape) []int {
	switch l {
	case transposed:
		return []int{s.Cols, s.Rows}
	case vector:
		return []int{s.Cols}
	}
	return []int{s.Rows, s.Cols}
}

// toSaved converts held (rows×cols, row-major) to the saved layout.
func (l layout) toSaved(held []float32, s backend.Shape) []float32 {
	if l != transposed {
		return held
	}
	return transpose(held, s.Rows, s.Cols)
}

// toHeld converts saved data back to the held layout of shape s.
func (l layout) toHeld(saved []float32, s backend.Shape) []float32 {
	if l != transposed {
		return saved
	}
	return transpose(saved, s.Cols, s.Rows)
}

// transpose returns the cols×rows transpose of x (rows×cols).
func transpose(x []float32, rows, cols int) []float32 {
	t := make([]float32, len(x))
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			t[j*rows+i] = x[i*cols+j]
		}
	}
	return t
}

// State downloads every parameter, in order, in PyTorch's layout, and then
// the buffers of the built-in layers that have them (BatchNorm's running
// statistics).
func (m *Model) State() ([]NamedTensor, error) {
	if err := m.check("state"); err != nil {
		return nil, err
	}
	var out []NamedTensor
	for _, p := range m.Parameters() {
		t, err := m.download(p, p.Tensor(), p.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	bufs, err := m.bufferState()
	return append(append(out, bufs...), m.tiedHead(out)...), err
}

// download reads t, a tensor of p's shape (p itself, or its optimiser
// state), as the tensor called name in p's saved layout.
func (m *Model) download(p *autograd.Value, t backend.Tensor, name string) (NamedTensor, error) {
	data, err := backend.ToHost(m.b, t)
	if err != nil {
		return NamedTensor{}, fmt.Errorf("nn: state of %s: %w", name, err)
	}
	l := m.layouts[p]
	return NamedTensor{Name: name, Shape: m.savedShape(p), Data: l.toSaved(data, p.Shape())}, nil
}

// LoadState uploads saved parameters (PyTorch's layout, as State gives
// them) into the model. Every parameter must be present with its shape;
// extra tensors are an error too, so that a checkpoint of another
// architecture is refused rather than half loaded. The error is one line:
// the first mismatch and how many more there are.
func (m *Model) LoadState(state []NamedTensor) error {
	if err := m.check("load state"); err != nil {
		return err
	}
	params := m.Parameters()
	state, err := m.untieHead(state)
	if err != nil {
		return fmt.Errorf("nn: load state: %w", err)
	}
	want := make([]expect, len(params))
	for i, p := range params {
		want[i] = expect{p.Name(), m.savedShape(p)}
	}
	if err := checkTensors(state, append(want, m.bufferExpects()...)); err != nil {
		return fmt.Errorf("nn: load state: %w", err)
	}
	byName := make(map[string]NamedTensor, len(state))
	for _, t := range state {
		byName[t.Name] = t
	}
	for _, p := range params {
		if err := m.upload(p, p.Tensor(), byName[p.Name()]); err != nil {
			return err
		}
	}
	return m.loadBuffers(byName)
}

// upload writes saved tensor t (p's saved layout) into dst, a tensor of p's
// shape.
func (m *Model) upload(p *autograd.Value, dst backend.Tensor, t NamedTensor) error {
	if err := m.b.Upload(dst, m.layouts[p].toHeld(t.Data, p.Shape())); err != nil {
		return fmt.Errorf("nn: load %s: %w", t.Name, err)
	}
	return nil
}

// expect is a tensor a checkpoint must hold: its name, saved shape and
// length.
type expect struct {
	name  string
	shape []int
}

// checkState compares state with the parameters, each expected under its
// name followed by suffix, in its saved shape.
func (m *Model) checkState(state []NamedTensor, params []*autograd.Value, suffix string) error {
	want := make([]expect, len(params))
	for i, p := range params {
		want[i] = expect{p.Name() + suffix, m.savedShape(p)}
	}
	return checkTensors(state, want)
}

// checkTensors compares state with the tensors wanted, without allocating
// per tensor: the error names the first mismatch and counts the others.
func checkTensors(state []NamedTensor, want []expect) error {
	byName := make(map[string]NamedTensor, len(state))
	for _, t := range state {
		byName[t.Name] = t
	}
	var first error
	count := 0
	note := func(format string, args ...any) { // formats only the first
		if first == nil {
			first = fmt.Errorf(format, args...)
		}
		count++
	}
	found := make(map[string]bool, min(len(want), len(byName))) // at most the state's size
	for _, w := range want {
		t, ok := byName[w.name]
		switch {
		case !ok:
			note("%s is missing", w.name)
			continue
		case !slices.Equal(t.Shape, w.shape) || len(t.Data) != numel(w.shape):
			note("%s is %v (%d values), the model's is %v", w.name, t.Shape, len(t.Data), w.shape)
		}
		found[w.name] = true
	}
	for name := range byName {
		if !found[name] {
			count++
		}
	}
	if first == nil && count > 0 { // name the first tensor, in file order, that is no parameter
		for _, t := range state {
			if !found[t.Name] {
				first = fmt.Errorf("%s is not a parameter of the model", excerpt(t.Name))
				break
			}
		}
	}
	if len(byName) != len(state) {
		note("%d tensors have the same name as another", len(state)-len(byName))
	}
	switch {
	case count == 0:
		return nil
	case count == 1:
		return first
	}
	return fmt.Errorf("%w (and %d more mismatches)", first, count-1)
}

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}
