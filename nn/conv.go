package nn

import (
	"errors"
	"fmt"
	"strconv"

	"gltrain/autograd"
	"gltrain/backend"
)

// Image is the shape of the images a model takes: C channels of H×W
// pixels, each image a row of C·H·W values in channel-major order (NCHW),
// as MNIST's 1×28×28.
type Image struct {
	C int `json:"c"`
	H int `json:"h"`
	W int `json:"w"`
}

// Len is C·H·W, the width of an image's row.
func (i Image) Len() int { return i.C * i.H * i.W }

// holds reports whether the image is a row of n values: every size at
// least 1 and C·H·W = n, the product formed without overflow (a checkpoint
// gives the sizes).
func (i Image) holds(n int) bool {
	return i.C >= 1 && i.H >= 1 && i.W >= 1 && i.C <= n && i.H <= n/i.C && i.W <= n/(i.C*i.H) && i.Len() == n
}

// String formats the shape as "1x28x28", as the train command's
// -input-shape reads it.
func (i Image) String() string { return fmt.Sprintf("%dx%dx%d", i.C, i.H, i.W) }

// NewImageModel is NewModel for images of shape in: the convolution and
// pooling layers take their geometry from it and from the layers before
// them. Flatten, or a Linear layer, ends the image.
func NewImageModel(b backend.Backend, net Module, in Image, seed uint64) (*Model, error) {
	if in.C < 1 || in.H < 1 || in.W < 1 {
		return nil, fmt.Errorf("nn: new model: image %v: every size must be at least 1", in)
	}
	return newModel(b, net, in.Len(), &in, seed)
}

// Conv2D is a 2-D convolution layer, PyTorch's torch.nn.Conv2d: Out filters
// of KH×KW (KW 0: square) over the image the layer before gives, moved by
// Stride (0: 1), over the image padded with Pad zeros:
//
//	y[n,k,oy,ox] = b[k] + Σ_{c,i,j} W[k,c,i,j]·x[n,c,oy·S+i−P,ox·S+j−P]
//
// NewImageModel sets Geom from the input's shape and draws W with Init, or
// when Init is nil with the initialiser of the following activation
// (InitFor, with fan-in C·KH·KW: He for ReLU, as PyTorch users pick with
// kaiming_normal_, rather than PyTorch's default kaiming_uniform_(a=√5));
// b starts at zero. W is saved as PyTorch's weight, (Out, C, KH, KW), and b
// as its bias.
type Conv2D struct {
	Out         int
	KH, KW      int
	Stride, Pad int
	Init        *Init
	Geom        backend.Conv2D
	Weight      *autograd.Value
	Bias        *autograd.Value
}

// Forward computes the convolution (autograd's Conv2D).
func (l *Conv2D) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return g.Conv2D(l.Geom, x, l.Weight, l.Bias)
}

// Parameters returns W and b (none before the layer is built).
func (l *Conv2D) Parameters() []*autograd.Value {
	if l.Weight == nil {
		return nil
	}
	return []*autograd.Value{l.Weight, l.Bias}
}

// geometry is the layer's geometry on images of shape in.
func (l *Conv2D) geometry(in Image) backend.Conv2D {
	kw, s := l.KW, l.Stride
	if kw == 0 {
		kw = l.KH
	}
	if s == 0 {
		s = 1
	}
	return backend.Conv2D{C: in.C, H: in.H, W: in.W, K: l.Out, KH: l.KH, KW: kw, Stride: s, Pad: l.Pad}
}

// build allocates W (K×C·KH·KW, drawn by init) and b (zero) for geom.
func (l *Conv2D) build(b backend.Backend, geom backend.Conv2D, init Init, seed uint64, prefix string) error {
	w, err := b.New(backend.Shape{Rows: geom.K, Cols: geom.Patch()})
	if err != nil {
		return fmt.Errorf("nn: conv2d %v: %w", geom, err)
	}
	if err := init.fill(b, w, geom.Patch(), geom.K*geom.KH*geom.KW, seed); err != nil {
		b.Release(w)
		return err
	}
	bias, err := b.New(backend.Shape{Rows: 1, Cols: geom.K})
	if err == nil {
		err = b.Fill(bias, 0)
	}
	if err != nil {
		b.Release(w)
		b.Release(bias)
		return fmt.Errorf("nn: conv2d %v: %w", geom, err)
	}
	l.Geom = geom
	l.Weight = autograd.NewParameter(b, prefix+"weight", w)
	l.Bias = autograd.NewParameter(b, prefix+"bias", bias)
	return nil
}

// MaxPool2D is a 2-D max pooling layer, PyTorch's torch.nn.MaxPool2d: the
// maximum of each KH×KW window (KW 0: square), moved by Stride along both
// axes (0: KH, which is PyTorch's default for a square window; for a
// non-square one PyTorch's default moves by (KH, KW), which no single
// Stride matches). Ties go to the first maximum in row-major window order,
// deterministically; NaN wins.
type MaxPool2D struct {
	KH, KW int
	Stride int
	Geom   backend.Pool2D // set by NewImageModel
}

// geometry is the layer's geometry on images of shape in.
func (l *MaxPool2D) geometry(in Image) backend.Pool2D {
	kw, s := l.KW, l.Stride
	if kw == 0 {
		kw = l.KH
	}
	if s == 0 {
		s = l.KH
	}
	return backend.Pool2D{C: in.C, H: in.H, W: in.W, KH: l.KH, KW: kw, Stride: s}
}

// Forward computes the pooling (autograd's MaxPool2D).
func (l *MaxPool2D) Forward(g *autograd.Graph, x *autograd.Value) *autograd.Value {
	return g.MaxPool2D(l.Geom, x)
}

// Parameters returns none.
func (l *MaxPool2D) Parameters() []*autograd.Value { return nil }

// conv builds a convolution layer on the builder's current image.
func (bd *builder) conv(l *Conv2D, in int, prefix string, next Module) (int, error) {
	if l == nil {
		return 0, fmt.Errorf("nn: layer %s is a nil Conv2D", layerName(prefix))
	}
	geom := l.Geom
	if geom.K == 0 { // declared: the geometry follows from the image
		img, err := bd.image("conv2d", in, prefix)
		if err != nil {
			return 0, err
		}
		geom = l.geometry(img)
	}
	if err := geom.Check("conv2d"); err != nil {
		return 0, fmt.Errorf("nn: layer %s: %w", layerName(prefix), err)
	}
	if geom.In() != in {
		return 0, fmt.Errorf("nn: layer %s: conv2d %v after a layer of width %d", layerName(prefix), geom, in)
	}
	seed := paramSeed(bd.seed, bd.linears)
	bd.linears++
	if l.Weight == nil {
		init := chooseInit(l.Init, next)
		if err := l.build(bd.b, geom, init, seed, prefix); err != nil {
			return 0, fmt.Errorf("nn: layer %s: %w", layerName(prefix), err)
		}
	} else {
		if l.Bias == nil || l.Weight.Shape() != (backend.Shape{Rows: geom.K, Cols: geom.Patch()}) || l.Bias.Shape() != (backend.Shape{Rows: 1, Cols: geom.K}) {
			return 0, fmt.Errorf("nn: layer %s: conv2d %v with parameters of other shapes", layerName(prefix), geom)
		}
		if err := errors.Join(l.Weight.SetName(prefix+"weight"), l.Bias.SetName(prefix+"bias")); err != nil {
			return 0, fmt.Errorf("nn: layer %s: %w", layerName(prefix), err)
		}
	}
	bd.m.layouts[l.Weight], bd.m.layouts[l.Bias] = asHeld, vector
	bd.m.dims[l.Weight] = []int{geom.K, geom.C, geom.KH, geom.KW}
	bd.img = &Image{C: geom.K, H: geom.OutH(), W: geom.OutW()}
	return geom.Out(), nil
}

// pool builds a pooling layer on the builder's current image.
func (bd *builder) pool(l *MaxPool2D, in int, prefix string) (int, error) {
	if l == nil {
		return 0, fmt.Errorf("nn: layer %s is a nil MaxPool2D", layerName(prefix))
	}
	p := l.Geom
	if p.KH == 0 { // declared: the geometry follows from the image
		img, err := bd.image("maxpool2d", in, prefix)
		if err != nil {
			return 0, err
		}
		p = l.geometry(img)
	}
	if err := p.Check("maxpool2d"); err != nil {
		return 0, fmt.Errorf("nn: layer %s: %w", layerName(prefix), err)
	}
	if p.In() != in {
		return 0, fmt.Errorf("nn: layer %s: maxpool2d %v after a layer of width %d", layerName(prefix), p, in)
	}
	l.Geom = p
	bd.img = &Image{C: p.C, H: p.OutH(), W: p.OutW()}
	return p.Out(), nil
}

// image is the shape of the images reaching layer prefix, of width in.
func (bd *builder) image(op string, in int, prefix string) (Image, error) {
	if bd.img == nil {
		return Image{}, fmt.Errorf("nn: layer %s (%s) needs images, but its input is %d flat features: build the model with NewImageModel (the train command's -input-shape), and put no Linear or Flatten before it", layerName(prefix), op, in)
	}
	if bd.img.Len() != in {
		return Image{}, fmt.Errorf("nn: layer %s (%s): image %v after a layer of width %d", layerName(prefix), op, *bd.img, in)
	}
	return *bd.img, nil
}

// describe is a layer's part of Model.String.
func (l *Conv2D) describe() string {
	g := l.Geom
	s := fmt.Sprintf("-conv %d@%d×%d", g.K, g.KH, g.KW)
	if g.Stride != 1 {
		s += "/" + strconv.Itoa(g.Stride)
	}
	if g.Pad != 0 {
		s += "+" + strconv.Itoa(g.Pad)
	}
	return s
}

func (l *MaxPool2D) describe() string {
	p := l.Geom
	s := fmt.Sprintf("-maxpool %d×%d", p.KH, p.KW)
	if p.Stride != p.KH {
		s += "/" + strconv.Itoa(p.Stride)
	}
	return s
}
