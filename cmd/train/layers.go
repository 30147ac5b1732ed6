package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"gltrain/backend"
	"gltrain/nn"
)

// layerItem is one item of -layers.
type layerItem struct {
	kind  string // "linear", "act", "dropout", "conv", "maxpool", "avgpool", "gap", "layernorm", "batchnorm", "flatten", "res"
	units int    // linear: units; conv: filters
	act   backend.Activation
	p     float64     // dropout
	k     int         // conv, maxpool, avgpool: the window
	s     int         // conv, maxpool, avgpool: the stride (0: the default)
	pad   int         // conv
	plain bool        // linear: no activation (a bare N inside res(…))
	sub   []layerItem // res: the layers of f in x + f(x)
}

// maxLayerItems bounds -layers.
const maxLayerItems = 1000

// parseLayers reads -layers, comma-separated items: N (a Linear of N units
// followed by act, the -act value), N:ACT (its own activation), ACT (an
// activation alone), dropout:P, conv:C:K[:S[:P]] (C filters of K×K, stride
// S, padding P), maxpool:K[:S], avgpool:K[:S], gap (global average
// pooling), layernorm, batchnorm (or bn: BatchNorm1d after flat features,
// BatchNorm2d after images), flatten and res(ITEMS), a residual block x + f(x)
// of flat features, f the items inside, where a bare N is a Linear without
// an activation: res(64:relu,64). The error names the bad item.
func parseLayers(spec string, act backend.Activation) ([]layerItem, error) {
	if strings.TrimSpace(spec) == "" {
		return nil, nil
	}
	parts, err := splitItems(spec)
	if err != nil {
		return nil, err
	}
	if len(parts) > maxLayerItems {
		return nil, fmt.Errorf("%d items, at most %d", len(parts), maxLayerItems)
	}
	items := make([]layerItem, 0, len(parts))
	for i, part := range parts {
		item, err := parseLayerItem(strings.TrimSpace(part), act)
		if err != nil {
			return nil, fmt.Errorf("item %d %s: %v", i+1, excerpt(part), err)
		}
		items = append(items, item)
	}
	return items, nil
}

// splitItems splits spec at the commas outside parentheses.
func splitItems(spec string) ([]string, error) {
	var parts []string
	depth, start := 0, 0
	for i, r := range spec {
		switch r {
		case '(':
			depth++
		case ')':
			if depth--; depth < 0 {
				return nil, fmt.Errorf("a ) without its ( at character %d", i+1)
			}
		case ',':
			if depth == 0 {
				parts, start = append(parts, spec[start:i]), i+1
			}
		}
	}
	if depth != 0 {
		return nil, fmt.Errorf("a ( without its )")
	}
	return append(parts, spec[start:]), nil
}

func parseLayerItem(s string, act backend.Activation) (layerItem, error) {
	if low := strings.ToLower(s); strings.HasPrefix(low, "res(") && strings.HasSuffix(low, ")") {
		sub, err := parseLayers(s[4:len(s)-1], backend.Activation{Kind: backend.Identity})
		if err != nil {
			return layerItem{}, fmt.Errorf("in res(…): %v", err)
		}
		if len(sub) == 0 {
			return layerItem{}, fmt.Errorf("want res(ITEMS), the layers of f in x + f(x): res(64:relu,64)")
		}
		for i := range sub { // N or N:identity: a Linear alone
			sub[i].plain = sub[i].kind == "linear" && sub[i].act.Kind == backend.Identity
		}
		return layerItem{kind: "res", sub: sub}, nil
	}
	head, rest, hasRest := strings.Cut(s, ":")
	ints := func(min, max int, what string) ([]int, error) {
		fields := strings.Split(rest, ":")
		if !hasRest || len(fields) < min || len(fields) > max {
			return nil, fmt.Errorf("want %s", what)
		}
		out := make([]int, len(fields))
		for i, f := range fields {
			n, err := strconv.Atoi(f)
			if err != nil || n < 0 || n > maxUnits || (n == 0 && i < 2) {
				return nil, fmt.Errorf("want %s, with whole numbers (sizes from 1)", what)
			}
			out[i] = n
		}
		return out, nil
	}
	switch strings.ToLower(head) {
	case "dropout":
		p, err := strconv.ParseFloat(rest, 64)
		if !hasRest || err != nil || !(p >= 0 && p < 1) {
			return layerItem{}, fmt.Errorf("want dropout:P with 0 ≤ P < 1")
		}
		return layerItem{kind: "dropout", p: p}, nil
	case "conv":
		v, err := ints(2, 4, "conv:C:K[:S[:P]] (C filters of K×K, stride S, padding P)")
		if err != nil {
			return layerItem{}, err
		}
		v = append(v, []int{1, 0}[len(v)-2:]...) // the defaults of those not given: stride 1, padding 0
		if v[2] < 1 {
			return layerItem{}, fmt.Errorf("the stride must be at least 1")
		}
		return layerItem{kind: "conv", units: v[0], k: v[1], s: v[2], pad: v[3]}, nil
	case "maxpool", "avgpool":
		kind := strings.ToLower(head)
		v, err := ints(1, 2, kind+":K[:S] (K×K windows, stride S, K by default)")
		if err != nil {
			return layerItem{}, err
		}
		st := v[0]
		if len(v) == 2 {
			if st = v[1]; st < 1 {
				return layerItem{}, fmt.Errorf("the stride must be at least 1")
			}
		}
		return layerItem{kind: kind, k: v[0], s: st}, nil
	case "flatten", "gap", "layernorm", "batchnorm", "bn":
		kind := strings.ToLower(head)
		if kind == "bn" {
			kind = "batchnorm"
		}
		if hasRest {
			return layerItem{}, fmt.Errorf("%s takes no parameter", kind)
		}
		return layerItem{kind: kind}, nil
	}
	n, err := strconv.Atoi(head)
	if err != nil {
		if f, aerr := backend.ParseActivation(s); aerr == nil { // an activation alone
			return layerItem{kind: "act", act: f}, checkAlpha(f)
		}
		return layerItem{}, fmt.Errorf("want N (units, 1 to %d), N:ACT, an activation, dropout:P, conv:C:K[:S[:P]], maxpool:K[:S], avgpool:K[:S], gap, layernorm, batchnorm, flatten or res(ITEMS)", maxUnits)
	}
	if n < 1 || n > maxUnits {
		return layerItem{}, fmt.Errorf("want N (units, 1 to %d), N:ACT, an activation, dropout:P, conv:C:K[:S[:P]], maxpool:K[:S], avgpool:K[:S], gap, layernorm, batchnorm, flatten or res(ITEMS)", maxUnits)
	}
	item := layerItem{kind: "linear", units: n, act: act}
	if hasRest {
		if item.act, err = backend.ParseActivation(rest); err != nil {
			return layerItem{}, err
		}
	}
	return item, checkAlpha(item.act)
}

// checkAlpha refuses an activation parameter float32 holds only as a
// subnormal, which a GPU flushes to 0.
func checkAlpha(f backend.Activation) error {
	for _, p := range f.Params {
		if a := math.Abs(float64(p)); a != 0 && a < minNormal32 {
			return fmt.Errorf("the parameter is too small for float32 (at least %g)", minNormal32)
		}
	}
	return nil
}

// maxUnits bounds a layer's width in -layers and -hidden.
const maxUnits = 1 << 28

// modelSpec is the model of the flags: the -layers (or -hidden and -act)
// items, then the output Linear to the class count, on inputs of features
// values, images of shape img when img is not nil. A layer that does not
// fit its input (a kernel larger than the image, a convolution on flat
// features) is an error naming the item and the shapes.
func modelSpec(items []layerItem, features, classes int, img *nn.Image) (nn.Spec, error) {
	s := nn.Spec{Inputs: features, Outputs: classes, Image: img}
	in := features
	bad := func(i int, format string, args ...any) error {
		return fmt.Errorf("-layers item %d (%s): %s", i+1, formatLayers(items[i:i+1]), fmt.Sprintf(format, args...))
	}
	for i, it := range items {
		switch it.kind {
		case "dropout":
			s.Layers = append(s.Layers, nn.LayerSpec{Type: "dropout", P: it.p})
		case "act":
			s.Layers = append(s.Layers, nn.ActivationSpec(it.act))
		case "flatten":
			s.Layers, img = append(s.Layers, nn.LayerSpec{Type: "flatten"}), nil
		case "linear":
			s.Layers = append(s.Layers, nn.LayerSpec{Type: "linear", In: in, Out: it.units})
			if !it.plain {
				s.Layers = append(s.Layers, nn.ActivationSpec(it.act))
			}
			in, img = it.units, nil
		case "res":
			if img != nil {
				return s, bad(i, "takes flat features, but its input is %v images (put flatten or gap before it)", *img)
			}
			f, err := modelSpec(it.sub, in, 0, nil) // its last layer, the output Linear to 0 classes, dropped
			if err != nil {
				return s, bad(i, "%v", err)
			}
			if out := f.Layers[len(f.Layers)-1].In; out != in {
				return s, bad(i, "gives %d values from %d: x + f(x) needs its last layer of %d units", out, in, in)
			}
			s.Layers = append(s.Layers, nn.LayerSpec{Type: "residual", Layers: []nn.LayerSpec{{Type: "sequential", Layers: f.Layers[:len(f.Layers)-1]}}})
		case "layernorm":
			if img != nil {
				return s, bad(i, "takes flat features, but its input is %v images (put flatten or gap before it)", *img)
			}
			if in > backend.MaxLayerNormWidth {
				return s, bad(i, "over %d features: at most %d", in, backend.MaxLayerNormWidth)
			}
			s.Layers = append(s.Layers, nn.LayerSpec{Type: "layernorm", In: in})
		case "batchnorm":
			s.Layers = append(s.Layers, batchNormSpec(in, img))
		case "gap":
			if img == nil {
				return s, bad(i, "needs images, but its input is %d flat features (give -input-shape=CxHxW, and no flatten or dense layer before it)", in)
			}
			p := backend.GlobalPool2D(img.C, img.H, img.W)
			if err := p.Check("gap"); err != nil {
				return s, bad(i, "on %v images: %v", *img, err)
			}
			s.Layers = append(s.Layers, nn.LayerSpec{Type: "globalavgpool", C: p.C, H: p.H, W: p.W})
			in, img = p.C, nil
		case "conv", "maxpool", "avgpool":
			if img == nil {
				return s, bad(i, "needs images, but its input is %d flat features (give -input-shape=CxHxW, and no flatten or dense layer before it)", in)
			}
			if it.kind == "conv" {
				g := backend.Conv2D{C: img.C, H: img.H, W: img.W, K: it.units, KH: it.k, KW: it.k, Stride: it.s, Pad: it.pad}
				if err := g.Check("conv"); err != nil {
					return s, bad(i, "on %v images: %v", *img, err)
				}
				s.Layers = append(s.Layers, nn.LayerSpec{Type: "conv2d", C: g.C, H: g.H, W: g.W, Out: g.K, KH: g.KH, KW: g.KW, Stride: g.Stride, Pad: g.Pad})
				img = &nn.Image{C: g.K, H: g.OutH(), W: g.OutW()}
			} else {
				p := backend.Pool2D{C: img.C, H: img.H, W: img.W, KH: it.k, KW: it.k, Stride: it.s}
				if err := p.Check(it.kind); err != nil {
					return s, bad(i, "on %v images: %v", *img, err)
				}
				s.Layers = append(s.Layers, nn.LayerSpec{Type: it.kind + "2d", C: p.C, H: p.H, W: p.W, KH: p.KH, KW: p.KW, Stride: p.Stride})
				img = &nn.Image{C: p.C, H: p.OutH(), W: p.OutW()}
			}
			in = img.Len()
		}
	}
	s.Layers = append(s.Layers, nn.LayerSpec{Type: "linear", In: in, Out: classes})
	return s, nil
}

// layersFromHidden is -hidden with -act as layer items.
func layersFromHidden(hidden []int, act backend.Activation) []layerItem {
	items := make([]layerItem, len(hidden))
	for i, h := range hidden {
		items[i] = layerItem{kind: "linear", units: h, act: act}
	}
	return items
}

// formatLayers writes layer items as -layers reads them.
func formatLayers(items []layerItem) string {
	parts := make([]string, len(items))
	for i, it := range items {
		switch it.kind {
		case "dropout":
			parts[i] = "dropout:" + strconv.FormatFloat(it.p, 'g', -1, 64)
		case "act":
			parts[i] = it.act.String()
		case "flatten", "gap", "layernorm", "batchnorm":
			parts[i] = it.kind
		case "res":
			parts[i] = "res(" + formatLayers(it.sub) + ")"
		case "conv":
			parts[i] = fmt.Sprintf("conv:%d:%d:%d:%d", it.units, it.k, it.s, it.pad)
		case "maxpool", "avgpool":
			parts[i] = fmt.Sprintf("%s:%d:%d", it.kind, it.k, it.s)
		default:
			parts[i] = strconv.Itoa(it.units) + ":" + it.act.String()
			if it.plain {
				parts[i] = strconv.Itoa(it.units)
			}
		}
	}
	return strings.Join(parts, ",")
}
