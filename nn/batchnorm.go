package nn

import (
	"errors"
	"fmt"
	"math"

	"gltrain/autograd"
	"gltrain/backend"
)

var _ selfBuilder = (*BatchNorm)(nil)

// BatchNorm is a batch normalisation, PyTorch's torch.nn.BatchNorm1d(C)
// after flat features (C of them) and torch.nn.BatchNorm2d(C) after images
// of C channels, with PyTorch's defaults (eps 1e-5, momentum 0.1, affine,
// track_running_stats):
//
//	y = (x − μ_c)/√(σ²_c + eps)·Weight_c + Bias_c
//
// In training, μ_c and σ²_c are the mean and the biased variance of
// channel c over the batch (and over the pixels of each image), and every
// forward moves RunningMean and RunningVar towards them (momentum 0.1, the
// variance unbiased) and counts the batch in NumBatchesTracked; in
// evaluation (Evaluate, Predict) they are the running statistics. The mode
// is the graph's (autograd.Graph.SetMode), or the layer's own
// (SetTraining) on a graph left in autograd.ModeDefault. A training batch
// needs more than one value a channel (PyTorch's rule).
//
// NewModel sets C, H and W from the layer before (H and W 0 after flat
// features), starts Weight at 1, Bias at 0, RunningMean at 0 and
// RunningVar at 1. Weight and Bias are parameters, saved as PyTorch's
// weight and bias, (C) each, and not decayed by DecayMatrices; the running
// statistics are state, not parameters (no optimiser touches them), saved
// as PyTorch's buffers running_mean and running_var, (C) float32, and
// num_batches_tracked, an int64 scalar. Load and Resume restore them. The
// backend must implement backend.BatchNormer.
type BatchNorm struct {
	C, H, W                 int
	Weight, Bias            *autograd.Value
	RunningMean, RunningVar backend.Tensor
	NumBatchesTracked       int64

	b        backend.Backend
	prefix   string
	training bool
	run      autograd.BatchNormRunning // reused by every forward: no allocation a step
}

// geometry is the backend's view of the layer: C channels of H·W values
// (1 after flat features).
func (l *BatchNorm) geometry() backend.BatchNorm {
	return backend.BatchNorm{C: l.C, HW: max(1, l.H*l.W)}
}

// SetTraining sets the mode used on graphs that leave it to the layer
// (autograd.ModeDefault).
func (l *BatchNorm) SetTraining(training bool) { l.training = training }

// trains reports whether a forward pass on g normalises with the batch's
// statistics.
func (l *BatchNorm) trains(g *autograd.Graph) bool {
	switch g.Mode() {
	case autograd.ModeTrain:
		return true
	case autograd.ModeEval:
		return false
	}
	return l.training
}

// Forward normalises x (autograd's BatchNorm) in the mode of the pass; in
// training it updates the running statistics and NumBatchesTracked. In
// evaluation it writes nothing of l, so evaluations may run at once.
func (l *BatchNorm) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	if l.Weight == nil || l.RunningMean == nil {
		return g.Fail(errors.New("nn: batchnorm: the layer was not built (NewModel)"))
	}
	if !l.trains(g) { // its own statistics struct: evaluations may run at once
		run := autograd.BatchNormRunning{Mean: l.RunningMean, Var: l.RunningVar}
		return g.BatchNorm(l.geometry(), backend.BatchNormEps, x, l.Weight, l.Bias, &run, false)
	}
	l.run = autograd.BatchNormRunning{Mean: l.RunningMean, Var: l.RunningVar, Momentum: backend.BatchNormMomentum}
	y := g.BatchNorm(l.geometry(), backend.BatchNormEps, x, l.Weight, l.Bias, &l.run, true)
	if g.Err() == nil {
		l.NumBatchesTracked++
	}
	return y
}

// Parameters returns Weight and Bias (none before the layer is built).
func (l *BatchNorm) Parameters() []*autograd.Value {
	if l.Weight == nil {
		return nil
	}
	return []*autograd.Value{l.Weight, l.Bias}
}

func (l *BatchNorm) buildLayer(bd *builder, in int, prefix string) (int, error) {
	fail := func(err error) (int, error) { return 0, fmt.Errorf("nn: layer %s: %w", layerName(prefix), err) }
	c, h, w := in, 0, 0
	if bd.img != nil {
		if bd.img.Len() != in {
			return fail(fmt.Errorf("batchnorm: image %v after a layer of width %d", *bd.img, in))
		}
		c, h, w = bd.img.C, bd.img.H, bd.img.W
	}
	if l.C != 0 && (l.C != c || l.H != h || l.W != w) {
		return fail(fmt.Errorf("batchnorm declares %d channels of %d×%d, but the input before it is %d channels of %d×%d (0×0: flat features)", l.C, l.H, l.W, c, h, w))
	}
	l.C, l.H, l.W = c, h, w
	if err := l.geometry().Check("batchnorm", 0, in); err != nil {
		return fail(err)
	}
	s := backend.Shape{Rows: 1, Cols: c}
	if l.Weight == nil {
		var ts [4]backend.Tensor
		for i, v := range [4]float32{1, 0, 0, 1} {
			t, err := filled(bd.b, s, v)
			if err != nil {
				for _, t := range ts[:i] {
					bd.b.Release(t)
				}
				return fail(err)
			}
			ts[i] = t
		}
		l.Weight, l.Bias = autograd.NewParameter(bd.b, prefix+"weight", ts[0]), autograd.NewParameter(bd.b, prefix+"bias", ts[1])
		l.RunningMean, l.RunningVar = ts[2], ts[3]
	} else {
		if l.Bias == nil || l.Weight.Shape() != s || l.Bias.Shape() != s || l.RunningMean == nil || l.RunningVar == nil ||
			l.RunningMean.Shape() != s || l.RunningVar.Shape() != s {
			return fail(fmt.Errorf("batchnorm of %d channels with parameters or running statistics of other shapes", c))
		}
		if err := errors.Join(l.Weight.SetName(prefix+"weight"), l.Bias.SetName(prefix+"bias")); err != nil {
			return fail(err)
		}
	}
	l.b, l.prefix, l.training = bd.b, prefix, true
	bd.m.layouts[l.Weight], bd.m.layouts[l.Bias] = vector, vector
	return in, nil
}

func (l *BatchNorm) describe() string {
	if l.H == 0 {
		return "-batchnorm1d"
	}
	return "-batchnorm2d"
}

func (l *BatchNorm) spec() LayerSpec {
	if l.H == 0 {
		return LayerSpec{Type: "batchnorm", In: l.C}
	}
	return LayerSpec{Type: "batchnorm", C: l.C, H: l.H, W: l.W}
}

// batchNormSpecModule is specModule's case "batchnorm": BatchNorm1d of In
// features, or BatchNorm2d of images C×H×W.
func batchNormSpecModule(s LayerSpec, in int, path string, params func(name string, saved []int)) (Module, int, error) {
	img := Image{C: s.C, H: s.H, W: s.W}
	c := s.In
	switch {
	case s.In != 0 && s.C == 0 && s.H == 0 && s.W == 0:
		if s.In != in {
			return nil, 0, fmt.Errorf("layer %s (batchnorm): %d features after a layer of width %d", path, s.In, in)
		}
	case s.In == 0 && img.holds(in):
		c = s.C
	default:
		return nil, 0, fmt.Errorf("layer %s (batchnorm): in %d, image %dx%dx%d after a layer of width %d: want the features (in) or the image", path, s.In, s.C, s.H, s.W, in)
	}
	if err := (backend.BatchNorm{C: c, HW: max(1, s.H*s.W)}).Check("batchnorm", 0, in); err != nil {
		return nil, 0, fmt.Errorf("layer %s: %w", path, err)
	}
	for _, name := range []string{"weight", "bias", "running_mean", "running_var"} {
		params(path+"."+name, []int{c})
	}
	params(path+".num_batches_tracked", []int{})
	return &BatchNorm{C: c, H: s.H, W: s.W}, in, nil
}

// buffer is state a layer saves besides its parameters: a 1×C tensor, or
// (t nil) a count saved as an int64 scalar.
type buffer struct {
	name  string
	t     backend.Tensor
	count *int64
}

// buffers lists the running statistics of l, named as PyTorch names them.
func (l *BatchNorm) buffers() []buffer {
	if l.RunningMean == nil {
		return nil
	}
	return []buffer{
		{name: l.prefix + "running_mean", t: l.RunningMean},
		{name: l.prefix + "running_var", t: l.RunningVar},
		{name: l.prefix + "num_batches_tracked", count: &l.NumBatchesTracked},
	}
}

// buffersOf lists the buffers of the built-in layers in mod, in order.
func buffersOf(mod Module) []buffer {
	switch l := mod.(type) {
	case *Sequential:
		if l == nil {
			return nil
		}
		var bs []buffer
		for _, layer := range l.Layers {
			bs = append(bs, buffersOf(layer)...)
		}
		return bs
	case *Residual:
		if l == nil {
			return nil
		}
		return buffersOf(l.F)
	case *BatchNorm:
		if l == nil {
			return nil
		}
		return l.buffers()
	}
	return nil
}

// bufferState downloads the buffers of m as NamedTensors.
func (m *Model) bufferState() ([]NamedTensor, error) {
	var out []NamedTensor
	for _, bf := range buffersOf(m.Net) {
		if bf.t == nil {
			out = append(out, NamedTensor{Name: bf.name, Shape: []int{}, Data: []float32{float32(*bf.count)}, Int64: true})
			continue
		}
		data, err := backend.ToHost(m.b, bf.t)
		if err != nil {
			return nil, fmt.Errorf("nn: state of %s: %w", bf.name, err)
		}
		out = append(out, NamedTensor{Name: bf.name, Shape: []int{bf.t.Shape().Cols}, Data: data})
	}
	return out, nil
}

// bufferExpects is what a checkpoint must hold of m's buffers.
func (m *Model) bufferExpects() []expect {
	var want []expect
	for _, bf := range buffersOf(m.Net) {
		if bf.t == nil {
			want = append(want, expect{bf.name, []int{}})
		} else {
			want = append(want, expect{bf.name, []int{bf.t.Shape().Cols}})
		}
	}
	return want
}

// loadBuffers uploads the buffers of m from byName (checked by
// bufferExpects).
func (m *Model) loadBuffers(byName map[string]NamedTensor) error {
	for _, bf := range buffersOf(m.Net) {
		t := byName[bf.name]
		if bf.t == nil {
			v := float64(t.Data[0])
			if !(v >= 0 && v <= 1<<53) || v != math.Trunc(v) {
				return fmt.Errorf("nn: load %s: %v is not a count of batches", bf.name, t.Data[0])
			}
			*bf.count = int64(v)
			continue
		}
		if err := m.b.Upload(bf.t, t.Data); err != nil {
			return fmt.Errorf("nn: load %s: %w", bf.name, err)
		}
	}
	return nil
}

// releaseBuffers frees the buffers' tensors and forgets them.
func (m *Model) releaseBuffers() error {
	var errs []error
	var walk func(mod Module)
	walk = func(mod Module) {
		switch l := mod.(type) {
		case *Sequential:
			if l != nil {
				for _, layer := range l.Layers {
					walk(layer)
				}
			}
		case *Residual:
			if l != nil {
				walk(l.F)
			}
		case *BatchNorm:
			if l != nil && l.RunningMean != nil {
				errs = append(errs, m.b.Release(l.RunningMean), m.b.Release(l.RunningVar))
				l.RunningMean, l.RunningVar = nil, nil
			}
		}
	}
	walk(m.Net)
	return errors.Join(errs...)
}
