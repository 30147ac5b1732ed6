package nn

import (
	"cmp"
	"errors"
	"fmt"
	"strconv"

	"gltrain/autograd"
	"gltrain/backend"
)

// selfBuilder is a built-in layer that builds itself (LayerNorm, the
// average poolings): the model builder, Model.String and SpecOf ask it.
type selfBuilder interface {
	Module
	// buildLayer builds the layer for inputs of width in, naming its
	// parameters under prefix, and returns its output width.
	buildLayer(bd *builder, in int, prefix string) (int, error)
	describe() string
	spec() LayerSpec
}

var (
	_ selfBuilder = (*LayerNorm)(nil)
	_ selfBuilder = (*AvgPool2D)(nil)
	_ selfBuilder = (*GlobalAvgPool)(nil)
	_ selfBuilder = (*Embedding)(nil)
)

// Embedding maps ids to vectors, PyTorch's torch.nn.Embedding(Vocab, Dim):
// its input is one id a sample (a model of 1 input), a row index of Weight
// stored as a float as labels are, and its output the Dim values of that
// row. NewModel draws Weight from N(0, 1), PyTorch's default; it is saved
// as PyTorch's weight, (Vocab, Dim). An id that is not a row index gives a
// row of NaN, and a NaN weight gradient (autograd's Embedding, whose
// backward pass is a deterministic scatter-add).
type Embedding struct {
	Vocab, Dim int
	Weight     *autograd.Value
	std        float64 // the initial weights' standard deviation; 0: 1
}

// Forward looks the ids up (autograd's Embedding).
func (l *Embedding) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return g.Embedding(x, l.Weight)
}

// Parameters returns Weight (none before the layer is built).
func (l *Embedding) Parameters() []*autograd.Value {
	if l.Weight == nil {
		return nil
	}
	return []*autograd.Value{l.Weight}
}

func (l *Embedding) buildLayer(bd *builder, in int, prefix string) (int, error) {
	fail := func(err error) (int, error) { return 0, fmt.Errorf("nn: layer %s: %w", layerName(prefix), err) }
	switch {
	case bd.img != nil || in != 1:
		return fail(fmt.Errorf("embedding takes one id a sample, and its input is %d values", in))
	case l.Vocab < 1 || l.Dim < 1 || int64(l.Vocab)*int64(l.Dim) > 1<<28:
		return fail(fmt.Errorf("embedding of %d×%d: want Vocab and Dim at least 1, at most 2²⁸ weights", l.Vocab, l.Dim))
	}
	s := backend.Shape{Rows: l.Vocab, Cols: l.Dim}
	seed := paramSeed(bd.seed, bd.linears)
	bd.linears++
	if l.Weight == nil {
		w, err := bd.b.New(s)
		if err == nil {
			if err = backend.InitNormal(bd.b, w, seed, 0, cmp.Or(l.std, 1)); err != nil {
				bd.b.Release(w)
			}
		}
		if err != nil {
			return fail(err)
		}
		l.Weight = autograd.NewParameter(bd.b, prefix+"weight", w)
	} else {
		if l.Weight.Shape() != s {
			return fail(fmt.Errorf("embedding of %d×%d with a weight of %v", l.Vocab, l.Dim, l.Weight.Shape()))
		}
		if err := l.Weight.SetName(prefix + "weight"); err != nil {
			return fail(err)
		}
	}
	bd.m.layouts[l.Weight] = asHeld
	return l.Dim, nil
}

func (l *Embedding) describe() string { return fmt.Sprintf("-embedding %d×%d", l.Vocab, l.Dim) }
func (l *Embedding) spec() LayerSpec  { return LayerSpec{Type: "embedding", In: l.Vocab, Out: l.Dim} }

// LayerNorm normalises each sample's features and applies an affine map,
// PyTorch's torch.nn.LayerNorm(n) over the last dimension with its
// defaults (eps 1e-5, elementwise_affine):
//
//	y_j = (x_j − μ)/√(σ² + eps)·Weight_j + Bias_j
//
// with μ and σ² the mean and the biased variance of the sample's n
// features. NewModel sets N from the width before it (at most
// backend.MaxLayerNormWidth) and starts Weight at 1 and Bias at 0; they are
// saved as PyTorch's weight and bias, (n) each. It takes flat features:
// after images, put a Flatten before it. The backend must implement
// backend.Normalizer.
type LayerNorm struct {
	N      int
	Weight *autograd.Value
	Bias   *autograd.Value
}

// Forward computes the normalisation (autograd's LayerNorm).
func (l *LayerNorm) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return g.LayerNorm(backend.LayerNormEps, x, l.Weight, l.Bias)
}

// Parameters returns Weight and Bias (none before the layer is built).
func (l *LayerNorm) Parameters() []*autograd.Value {
	if l.Weight == nil {
		return nil
	}
	return []*autograd.Value{l.Weight, l.Bias}
}

func (l *LayerNorm) buildLayer(bd *builder, in int, prefix string) (int, error) {
	fail := func(err error) (int, error) { return 0, fmt.Errorf("nn: layer %s: %w", layerName(prefix), err) }
	switch {
	case bd.img != nil:
		return fail(fmt.Errorf("layernorm takes flat features, and its input is images of %v: put a Flatten before it", *bd.img))
	case l.N != 0 && l.N != in:
		return fail(fmt.Errorf("LayerNorm declares %d features, but the width before it is %d", l.N, in))
	case in > backend.MaxLayerNormWidth:
		return fail(fmt.Errorf("layernorm over %d features: at most %d", in, backend.MaxLayerNormWidth))
	}
	s := backend.Shape{Rows: 1, Cols: in}
	if l.Weight == nil {
		w, err := filled(bd.b, s, 1)
		if err != nil {
			return fail(err)
		}
		b, err := filled(bd.b, s, 0)
		if err != nil {
			bd.b.Release(w)
			return fail(err)
		}
		l.Weight, l.Bias = autograd.NewParameter(bd.b, prefix+"weight", w), autograd.NewParameter(bd.b, prefix+"bias", b)
	} else {
		if l.Bias == nil || l.Weight.Shape() != s || l.Bias.Shape() != s {
			return fail(fmt.Errorf("layernorm of %d features with parameters of other shapes", in))
		}
		if err := errors.Join(l.Weight.SetName(prefix+"weight"), l.Bias.SetName(prefix+"bias")); err != nil {
			return fail(err)
		}
	}
	l.N = in
	bd.m.layouts[l.Weight], bd.m.layouts[l.Bias] = vector, vector
	return in, nil
}

// filled is a new tensor of shape s holding v.
func filled(b backend.Backend, s backend.Shape, v float32) (backend.Tensor, error) {
	t, err := b.New(s)
	if err == nil {
		if err = b.Fill(t, v); err != nil {
			b.Release(t)
		}
	}
	return t, err
}

func (l *LayerNorm) describe() string { return "-layernorm" }
func (l *LayerNorm) spec() LayerSpec  { return LayerSpec{Type: "layernorm", In: l.N} }

// AvgPool2D is a 2-D average pooling layer, PyTorch's torch.nn.AvgPool2d
// without padding: the mean of each KH×KW window (KW 0: square), moved by
// Stride along both axes (0: KH, PyTorch's default for a square window).
// The backend must implement backend.AvgPooler.
type AvgPool2D struct {
	KH, KW int
	Stride int
	Geom   backend.Pool2D // set by NewImageModel
}

// Forward computes the pooling (autograd's AvgPool2D).
func (l *AvgPool2D) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return g.AvgPool2D(l.Geom, x)
}

// Parameters returns none.
func (l *AvgPool2D) Parameters() []*autograd.Value { return nil }

func (l *AvgPool2D) buildLayer(bd *builder, in int, prefix string) (int, error) {
	p := l.Geom
	if p.KH == 0 { // declared: the geometry follows from the image
		img, err := bd.image("avgpool2d", in, prefix)
		if err != nil {
			return 0, err
		}
		p = (&MaxPool2D{KH: l.KH, KW: l.KW, Stride: l.Stride}).geometry(img)
	}
	if err := p.Check("avgpool2d"); err != nil {
		return 0, fmt.Errorf("nn: layer %s: %w", layerName(prefix), err)
	}
	if p.In() != in {
		return 0, fmt.Errorf("nn: layer %s: avgpool2d %v after a layer of width %d", layerName(prefix), p, in)
	}
	l.Geom = p
	bd.img = &Image{C: p.C, H: p.OutH(), W: p.OutW()}
	return p.Out(), nil
}

func (l *AvgPool2D) describe() string {
	p := l.Geom
	s := fmt.Sprintf("-avgpool %d×%d", p.KH, p.KW)
	if p.Stride != p.KH {
		s += "/" + strconv.Itoa(p.Stride)
	}
	return s
}

func (l *AvgPool2D) spec() LayerSpec {
	p := l.Geom
	return LayerSpec{Type: "avgpool2d", C: p.C, H: p.H, W: p.W, KH: p.KH, KW: p.KW, Stride: p.Stride}
}

// GlobalAvgPool averages each channel of the images over all its pixels,
// PyTorch's torch.nn.AdaptiveAvgPool2d(1) followed by Flatten: C·H·W
// values in, C features out (at most backend.MaxWindow pixels a channel).
// The backend must implement backend.AvgPooler.
type GlobalAvgPool struct {
	Geom backend.Pool2D // set by NewImageModel: backend.GlobalPool2D of the image
}

// Forward computes the pooling (autograd's AvgPool2D over whole planes).
func (l *GlobalAvgPool) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return g.AvgPool2D(l.Geom, x)
}

// Parameters returns none.
func (l *GlobalAvgPool) Parameters() []*autograd.Value { return nil }

func (l *GlobalAvgPool) buildLayer(bd *builder, in int, prefix string) (int, error) {
	p := l.Geom
	if p.KH == 0 {
		img, err := bd.image("globalavgpool", in, prefix)
		if err != nil {
			return 0, err
		}
		p = backend.GlobalPool2D(img.C, img.H, img.W)
	}
	if err := p.Check("globalavgpool"); err != nil {
		return 0, fmt.Errorf("nn: layer %s: %w", layerName(prefix), err)
	}
	if p.In() != in || p != backend.GlobalPool2D(p.C, p.H, p.W) {
		return 0, fmt.Errorf("nn: layer %s: globalavgpool %v after a layer of width %d", layerName(prefix), p, in)
	}
	l.Geom = p
	bd.img = nil // flat features, as after PyTorch's Flatten
	return p.C, nil
}

func (l *GlobalAvgPool) describe() string { return "-gap" }
func (l *GlobalAvgPool) spec() LayerSpec {
	return LayerSpec{Type: "globalavgpool", C: l.Geom.C, H: l.Geom.H, W: l.Geom.W}
}

// layerSpecModule is specModule's part for the layers of this file: the
// layer s describes (of type "layernorm", "avgpool2d", "globalavgpool" or
// "embedding"),
// declared, and its output width.
func layerSpecModule(s LayerSpec, in int, path string, params func(name string, saved []int)) (Module, int, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("layer %s (%s): %s", path, s.Type, fmt.Sprintf(format, args...))
	}
	switch s.Type {
	case "layernorm":
		if s.In != in || in > backend.MaxLayerNormWidth {
			return nil, 0, bad("%d features after a layer of width %d (at most %d)", s.In, in, backend.MaxLayerNormWidth)
		}
		params(path+".weight", []int{in})
		params(path+".bias", []int{in})
		return &LayerNorm{N: in}, in, nil
	case "embedding":
		if in != 1 || s.In < 1 || s.Out < 1 || int64(s.In)*int64(s.Out) > 1<<28 {
			return nil, 0, bad("%d×%d after a layer of width %d: want ids, one a sample, and at most 2²⁸ weights", s.In, s.Out, in)
		}
		params(path+".weight", []int{s.In, s.Out})
		return &Embedding{Vocab: s.In, Dim: s.Out}, s.Out, nil
	case "avgpool2d", "globalavgpool":
		p := backend.Pool2D{C: s.C, H: s.H, W: s.W, KH: s.KH, KW: s.KW, Stride: s.Stride}
		if s.Type == "globalavgpool" {
			p = backend.GlobalPool2D(s.C, s.H, s.W)
		}
		if err := p.Check(s.Type); err != nil {
			return nil, 0, bad("%v", err)
		}
		if p.In() != in {
			return nil, 0, bad("input %dx%dx%d after a layer of width %d", p.C, p.H, p.W, in)
		}
		if s.Type == "globalavgpool" {
			return &GlobalAvgPool{Geom: p}, p.C, nil
		}
		return &AvgPool2D{KH: p.KH, KW: p.KW, Stride: p.Stride, Geom: p}, p.Out(), nil
	}
	return nil, 0, bad("unknown layer type")
}
