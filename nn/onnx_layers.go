package nn

import (
	"fmt"
	"strconv"

	"gltrain/backend"

	"github.com/advancedclimatesystems/gonnx/onnx"
)

// module adds the nodes of mod, the layer at path, on v, and returns its
// output.
func (g *onnxGraph) module(mod Module, v onnxValue, path string) (onnxValue, error) {
	fail := func(err error) (onnxValue, error) {
		if path == "" {
			return v, fmt.Errorf("the network (%T): %w", mod, err)
		}
		return v, fmt.Errorf("layer %s (%T): %w", path, mod, err)
	}
	switch l := mod.(type) {
	case *Sequential:
		for i, layer := range l.Layers {
			var err error
			if v, err = g.module(layer, v, childPath(path, strconv.Itoa(i))); err != nil {
				return v, err
			}
		}
		return v, nil
	case *Dropout:
		return v, nil // the identity in evaluation mode
	case Flatten, *Flatten:
		return g.flat(v), nil
	case Softmax, *Softmax:
		v = g.flat(v)
		return onnxValue{name: g.node("Softmax", path, []string{v.name}, attrInt("axis", -1)), width: v.width}, nil
	case *Linear:
		w, err := g.param(l.Weight.Name())
		if err != nil {
			return fail(err)
		}
		b, err := g.param(l.Bias.Name())
		if err != nil {
			return fail(err)
		}
		v = g.flat(v)
		if v.width != l.In {
			return fail(fmt.Errorf("%d inputs after a layer of width %d", l.In, v.width))
		}
		// y = x·Wᵀ + b, W saved as PyTorch's (out, in)
		return onnxValue{name: g.node("Gemm", path, []string{v.name, w, b}, attrInt("transB", 1)), width: l.Out}, nil
	case *Conv2D:
		return g.conv(l, v, path)
	case *MaxPool2D:
		return g.pool("MaxPool", l.Geom, v, path)
	case *AvgPool2D:
		return g.pool("AveragePool", l.Geom, v, path)
	case *GlobalAvgPool:
		p := l.Geom
		x, err := g.image(v, Image{C: p.C, H: p.H, W: p.W})
		if err != nil {
			return fail(err)
		}
		y := g.node("GlobalAveragePool", path, []string{x.name})
		return onnxValue{name: g.node("Reshape", path, []string{y, g.shape(-1, int64(p.C))}), width: p.C}, nil
	case *BatchNorm:
		return g.batchNorm(l, v, path)
	case *LayerNorm:
		return g.layerNorm(l, v, path)
	case *Embedding:
		return g.embedding(l, v, path)
	case *Residual:
		y, err := g.module(l.F, v, childPath(path, "f"))
		if err != nil {
			return v, err
		}
		return g.merge(MergeAdd, []onnxValue{v, y}, path), nil
	case *Graph:
		return g.graph(l, v, path)
	case *GPT, *CausalSelfAttention:
		return fail(fmt.Errorf("%w (the export covers Linear, the activations, Dropout, Softmax, Flatten, the image, normalisation and embedding layers, Residual and Graph; not a GPT or its attention)", ErrNotExported))
	}
	if f, ok := activationOf(mod); ok {
		name, err := g.activation(f, v.name, path)
		if err != nil {
			return fail(err)
		}
		v.name = name
		return v, nil
	}
	return fail(fmt.Errorf("%w: only nn's built-in layers are", ErrNotExported))
}

// childPath is the path of the part name of the layer at path.
func childPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// pathPrefix is path as the parameter prefix layerName takes.
func pathPrefix(path string) string {
	if path == "" {
		return ""
	}
	return path + "."
}

// conv adds a Conv: kernel KH×KW, stride and padding on both axes.
func (g *onnxGraph) conv(l *Conv2D, v onnxValue, path string) (onnxValue, error) {
	c := l.Geom
	w, err := g.param(l.Weight.Name())
	if err == nil {
		var b string
		if b, err = g.param(l.Bias.Name()); err == nil {
			var x onnxValue
			if x, err = g.image(v, Image{C: c.C, H: c.H, W: c.W}); err == nil {
				s, p := int64(c.Stride), int64(c.Pad)
				y := g.node("Conv", path, []string{x.name, w, b}, attrInts("kernel_shape", int64(c.KH), int64(c.KW)),
					attrInts("strides", s, s), attrInts("pads", p, p, p, p))
				return onnxValue{name: y, width: c.Out(), img: &Image{C: c.K, H: c.OutH(), W: c.OutW()}}, nil
			}
		}
	}
	return v, fmt.Errorf("layer %s (conv2d): %w", layerName(pathPrefix(path)), err)
}

// pool adds a MaxPool or an AveragePool of geometry p (no padding, floor).
func (g *onnxGraph) pool(op string, p backend.Pool2D, v onnxValue, path string) (onnxValue, error) {
	x, err := g.image(v, Image{C: p.C, H: p.H, W: p.W})
	if err != nil {
		return v, fmt.Errorf("layer %s (%s): %w", layerName(pathPrefix(path)), op, err)
	}
	s := int64(p.Stride)
	y := g.node(op, path, []string{x.name}, attrInts("kernel_shape", int64(p.KH), int64(p.KW)), attrInts("strides", s, s))
	return onnxValue{name: y, width: p.Out(), img: &Image{C: p.C, H: p.OutH(), W: p.OutW()}}, nil
}

// batchNorm adds a BatchNormalization with the running statistics (the
// layer in evaluation mode): on (batch, C) after features, on images
// otherwise.
func (g *onnxGraph) batchNorm(l *BatchNorm, v onnxValue, path string) (onnxValue, error) {
	fail := func(err error) (onnxValue, error) {
		return v, fmt.Errorf("layer %s (batchnorm): %w", layerName(pathPrefix(path)), err)
	}
	ins := make([]string, 5)
	for i, name := range []string{l.Weight.Name(), l.Bias.Name(), l.prefix + "running_mean", l.prefix + "running_var"} {
		var err error
		if ins[i+1], err = g.param(name); err != nil {
			return fail(err)
		}
	}
	x := g.flat(v)
	if l.H != 0 {
		var err error
		if x, err = g.image(v, Image{C: l.C, H: l.H, W: l.W}); err != nil {
			return fail(err)
		}
	} else if x.width != l.C {
		return fail(fmt.Errorf("%d features after a layer of width %d", l.C, x.width))
	}
	ins[0] = x.name
	x.name = g.node("BatchNormalization", path, ins, attrFloat("epsilon", backend.BatchNormEps))
	return x, nil
}

// layerNorm adds a LayerNormalization over the features (opset 17).
func (g *onnxGraph) layerNorm(l *LayerNorm, v onnxValue, path string) (onnxValue, error) {
	w, err := g.param(l.Weight.Name())
	if err == nil {
		var b string
		if b, err = g.param(l.Bias.Name()); err == nil {
			g.opset = max(g.opset, ONNXOpsetLayerNorm)
			x := g.flat(v)
			x.name = g.node("LayerNormalization", path, []string{x.name, w, b}, attrInt("axis", -1), attrFloat("epsilon", backend.LayerNormEps))
			return x, nil
		}
	}
	return v, fmt.Errorf("layer %s (layernorm): %w", layerName(pathPrefix(path)), err)
}

// embedding adds the lookup: the ids (batch, 1) cast to int64 and
// flattened, then a Gather of the rows of the (Vocab, Dim) weight.
func (g *onnxGraph) embedding(l *Embedding, v onnxValue, path string) (onnxValue, error) {
	w, err := g.param(l.Weight.Name())
	if err != nil {
		return v, fmt.Errorf("layer %s (embedding): %w", layerName(pathPrefix(path)), err)
	}
	ids := g.node("Cast", path, []string{g.flat(v).name}, attrInt("to", int64(onnx.TensorProto_INT64)))
	ids = g.node("Reshape", path, []string{ids, g.shape(-1)})
	return onnxValue{name: g.node("Gather", path, []string{w, ids}, attrInt("axis", 0)), width: l.Dim}, nil
}

// graph adds the nodes of gr in order and returns the last one's value.
func (g *onnxGraph) graph(gr *Graph, x onnxValue, path string) (onnxValue, error) {
	plan, err := gr.plan()
	if err != nil {
		return x, fmt.Errorf("layer %s (graph): %w", layerName(pathPrefix(path)), err)
	}
	vals := make([]onnxValue, len(gr.Nodes))
	for i, n := range gr.Nodes {
		ins := make([]onnxValue, len(plan[i]))
		for k, j := range plan[i] {
			if ins[k] = x; j >= 0 {
				ins[k] = vals[j]
			}
		}
		p := graphPath(path, n.Name)
		if n.Merge == "" {
			if vals[i], err = g.module(n.Layer, ins[0], p); err != nil {
				return x, err
			}
			continue
		}
		vals[i] = g.merge(n.Merge, ins, p)
	}
	return vals[len(vals)-1], nil
}

// merge adds a Graph's merge (or a Residual's sum) of xs: on images when
// they allow it (add and mul: one shape; concat: one height and width, the
// channels side by side), on rows otherwise.
func (g *onnxGraph) merge(m Merge, xs []onnxValue, path string) onnxValue {
	imgs := true
	for _, x := range xs {
		first := xs[0].img
		imgs = imgs && x.img != nil && first != nil && x.img.H == first.H && x.img.W == first.W && (m == MergeConcat || *x.img == *first)
	}
	out := onnxValue{}
	names := make([]string, len(xs))
	for i, x := range xs {
		if !imgs {
			x = g.flat(x)
		}
		names[i] = x.name
		out.width += x.width
	}
	if imgs {
		img := *xs[0].img
		if m == MergeConcat {
			img.C = out.width / (img.H * img.W)
		}
		out.img = &img
	}
	if m == MergeConcat {
		out.name = g.node("Concat", path, names, attrInt("axis", 1))
		return out
	}
	out.width = xs[0].width
	op := map[Merge]string{MergeAdd: "Add", MergeMul: "Mul"}[m]
	y := names[0]
	for _, n := range names[1:] {
		y = g.node(op, path, []string{y, n})
	}
	out.name = y
	return out
}
