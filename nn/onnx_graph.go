package nn

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/advancedclimatesystems/gonnx/onnx"
)

// onnxGraph gathers the nodes and initializers of an ONNX export.
type onnxGraph struct {
	nodes  []*onnx.NodeProto
	inits  []*onnx.TensorProto
	made   int   // values named so far
	opset  int64 // raised by the layers that need a later one
	state  map[string]NamedTensor
	consts map[string]string // the constants and parameters added, by name
}

// onnxValue is a tensor of the graph: flat rows (batch, width), or images
// (batch, C, H, W) when img is set (width is then C·H·W). Both hold the
// same values in the same order, so a layer reshapes to the form it takes.
type onnxValue struct {
	name  string
	width int
	img   *Image
}

// node adds a node of op on ins, named after the layer at path, and returns
// its output's name.
func (g *onnxGraph) node(op, path string, ins []string, attrs ...*onnx.AttributeProto) string {
	g.made++
	return g.nodeTo(op, path, ins, "t"+strconv.Itoa(g.made), attrs...)
}

// nodeTo is node with its output named out.
func (g *onnxGraph) nodeTo(op, path string, ins []string, out string, attrs ...*onnx.AttributeProto) string {
	name := op + "_" + strconv.Itoa(len(g.nodes))
	if path != "" {
		name = path + "/" + name
	}
	g.nodes = append(g.nodes, &onnx.NodeProto{Name: name, OpType: op, Input: ins, Output: []string{out}, Attribute: attrs})
	return out
}

// param is the initializer of the saved tensor name (its name in the
// model's State, PyTorch's layout), added once.
func (g *onnxGraph) param(name string) (string, error) {
	t, ok := g.state[name]
	if !ok {
		return "", fmt.Errorf("the model has no tensor %s", excerpt(name))
	}
	if t.Int64 {
		return "", fmt.Errorf("tensor %s is a count, not weights", excerpt(name))
	}
	dims := make([]int64, len(t.Shape))
	for i, d := range t.Shape {
		dims[i] = int64(d)
	}
	if _, ok := g.consts["param:"+name]; ok {
		return name, nil
	}
	g.consts["param:"+name] = name
	return g.init(name, dims, t.Data, nil), nil
}

// init adds a float32 (f32) or float64 (f64) initializer of shape dims,
// its data little-endian in raw_data as ONNX stores it.
func (g *onnxGraph) init(name string, dims []int64, f32 []float32, f64 []float64) string {
	t := &onnx.TensorProto{Name: name, Dims: dims}
	if f64 != nil {
		t.DataType = int32(onnx.TensorProto_DOUBLE)
		t.RawData = make([]byte, 8*len(f64))
		for i, v := range f64 {
			binary.LittleEndian.PutUint64(t.RawData[8*i:], math.Float64bits(v))
		}
	} else {
		t.DataType = int32(onnx.TensorProto_FLOAT)
		t.RawData = make([]byte, 4*len(f32))
		for i, v := range f32 {
			binary.LittleEndian.PutUint32(t.RawData[4*i:], math.Float32bits(v))
		}
	}
	g.inits = append(g.inits, t)
	return name
}

// scalar is the initializer of the float32 scalar v, "const:V", shared by
// every node that uses that value.
func (g *onnxGraph) scalar(v float32) string {
	name := "const:" + strconv.FormatFloat(float64(v), 'g', -1, 32) // the shortest form that reads back as v
	if _, ok := g.consts[name]; !ok {
		g.consts[name] = g.init(name, []int64{}, []float32{v}, nil)
	}
	return name
}

// shape is the int64 initializer of a Reshape's target shape,
// "shape:-1,C,H,W".
func (g *onnxGraph) shape(dims ...int64) string {
	name := "shape:" + strings.Trim(strings.Join(strings.Fields(fmt.Sprint(dims)), ","), "[]")
	if _, ok := g.consts[name]; ok {
		return name
	}
	t := &onnx.TensorProto{Name: name, Dims: []int64{int64(len(dims))}, DataType: int32(onnx.TensorProto_INT64)}
	t.RawData = make([]byte, 8*len(dims))
	for i, d := range dims {
		binary.LittleEndian.PutUint64(t.RawData[8*i:], uint64(d))
	}
	g.inits = append(g.inits, t)
	g.consts[name] = name
	return name
}

// flat is v as rows (batch, width).
func (g *onnxGraph) flat(v onnxValue) onnxValue {
	if v.img == nil {
		return v
	}
	return onnxValue{name: g.node("Reshape", "", []string{v.name, g.shape(-1, int64(v.width))}), width: v.width}
}

// image is v as images of shape img; v must hold img.Len() values a row.
func (g *onnxGraph) image(v onnxValue, img Image) (onnxValue, error) {
	if v.width != img.Len() {
		return v, fmt.Errorf("images of %v after a layer of width %d", img, v.width)
	}
	if v.img != nil && *v.img == img {
		return v, nil
	}
	name := g.node("Reshape", "", []string{v.name, g.shape(-1, int64(img.C), int64(img.H), int64(img.W))})
	return onnxValue{name: name, width: v.width, img: &img}, nil
}

func attrInt(name string, v int64) *onnx.AttributeProto {
	return &onnx.AttributeProto{Name: name, Type: onnx.AttributeProto_INT, I: v}
}

func attrInts(name string, v ...int64) *onnx.AttributeProto {
	return &onnx.AttributeProto{Name: name, Type: onnx.AttributeProto_INTS, Ints: v}
}

func attrFloat(name string, v float32) *onnx.AttributeProto {
	return &onnx.AttributeProto{Name: name, Type: onnx.AttributeProto_FLOAT, F: v}
}
