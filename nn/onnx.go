package nn

import (
	"errors"
	"fmt"
	"io"

	// The ONNX protobuf messages are gonnx's generated types (built with
	// google.golang.org/protobuf, which encodes them). gonnx is the
	// maintained Go ONNX runtime that builds with this Go; its onnx package
	// is importable, where onnx-go v0.5.0 keeps its messages internal (and
	// on the retired gogo/protobuf). The tests run the files with gonnx too.
	// The cost: the onnx package imports gorgonia.org/tensor, whose modules
	// go.mod lists as well.
	"github.com/advancedclimatesystems/gonnx/onnx"
	"google.golang.org/protobuf/proto"

	"gltrain/internal/safefile"
)

// The ONNX opsets an export targets: ONNXOpset, the one gonnx runs, unless
// the model has a LayerNorm, whose LayerNormalization needs ONNXOpsetLayerNorm.
const (
	ONNXOpset          = 13
	ONNXOpsetLayerNorm = 17
)

// The names of the ONNX graph's input and outputs.
const (
	ONNXInput         = "input"         // float32 (batch, Inputs): raw rows, as Predict takes them
	ONNXLogits        = "logits"        // float32 (batch, Outputs): the network's outputs (Model.Forward)
	ONNXProbabilities = "probabilities" // float32 (batch, Outputs): Probabilities' softmax, or σ(logits) for BCEWithLogits
	ONNXOutputs       = "outputs"       // float32 (batch, Outputs): the outputs of a model of MSE, L1 or Huber loss
)

// ExportONNX writes m as an ONNX model (opset ONNXOpset, or
// ONNXOpsetLayerNorm for a model with a LayerNorm) to w, in evaluation
// mode: Dropout is the identity and BatchNorm uses its running statistics.
// The file takes raw rows, as Predict does: its input "input" is float32
// (batch, m.Inputs), the batch size free; the model's Standardizer, when
// set, is its first nodes, computed in float64 as Predict computes it.
// Images travel as flat rows of C·H·W values (NCHW order), reshaped inside.
// An Embedding model's input is its ids as floats, which must be whole
// numbers in [0, Vocab) (ONNX's Gather refuses others, where Embedding
// gives NaN).
//
// Its outputs depend on m.Loss:
//
//	softmax, svm:  "logits" and "probabilities", their softmax (Probabilities);
//	               a network ending in Softmax gives "probabilities" alone
//	bce:           "logits" and "probabilities", σ(logits) (PredictValues)
//	mse, l1, huber: "outputs"
//
// Each output is float32 (batch, m.Outputs). Initializers keep the
// parameters' names ("0.weight", PyTorch's layout). It exports the built-in
// layers: Linear, every activation, Dropout, Softmax, Flatten, Conv2D,
// MaxPool2D, AvgPool2D, GlobalAvgPool, BatchNorm, LayerNorm, Embedding,
// Sequential, Residual and Graph. A GPT, a CausalSelfAttention or a layer
// of your own type is an error naming it.
func ExportONNX(w io.Writer, m *Model) error {
	buf, err := marshalONNX(m)
	if err != nil {
		return err
	}
	if _, err := w.Write(buf); err != nil {
		return fmt.Errorf("nn: export onnx: %w", err)
	}
	return nil
}

// SaveONNX writes m to path as ExportONNX does, atomically (as Save): an
// interrupted export leaves the previous file whole.
func SaveONNX(path string, m *Model) error {
	buf, err := marshalONNX(m)
	if err != nil {
		return err
	}
	if err := safefile.WriteAtomic(path, func(w io.Writer) error { _, err := w.Write(buf); return err }); err != nil {
		return fmt.Errorf("nn: export onnx %s: %w", path, err)
	}
	return nil
}

// marshalONNX is m's ONNX model, encoded.
func marshalONNX(m *Model) ([]byte, error) {
	if err := m.check("export onnx"); err != nil {
		return nil, err
	}
	if st := m.Standardizer; st != nil && (len(st.Mean) != m.Inputs || len(st.Std) != m.Inputs) {
		return nil, fmt.Errorf("nn: export onnx: the Standardizer has %d means and %d deviations for %d inputs", len(st.Mean), len(st.Std), m.Inputs)
	}
	state, err := m.State()
	if err != nil {
		return nil, fmt.Errorf("nn: export onnx: %w", err)
	}
	g := &onnxGraph{opset: ONNXOpset, state: map[string]NamedTensor{}, consts: map[string]string{}}
	for _, t := range state {
		g.state[t.Name] = t
	}
	x := g.standardize(m)
	y, err := g.module(m.Net, x, "")
	if err != nil {
		return nil, fmt.Errorf("nn: export onnx: %w", err)
	}
	if y = g.flat(y); y.width != m.Outputs {
		return nil, fmt.Errorf("nn: export onnx: the network gives %d outputs, the model says %d", y.width, m.Outputs)
	}
	outs := g.outputs(m, y)
	graph := &onnx.GraphProto{
		Name:        "gltrain",
		Node:        g.nodes,
		Initializer: g.inits,
		Input:       []*onnx.ValueInfoProto{valueInfo(ONNXInput, m.Inputs)},
	}
	for _, name := range outs {
		graph.Output = append(graph.Output, valueInfo(name, m.Outputs))
	}
	mp := &onnx.ModelProto{
		IrVersion:    8, // ONNX 1.12's, which reads opsets up to 17
		OpsetImport:  []*onnx.OperatorSetIdProto{{Version: g.opset}},
		ProducerName: "gltrain",
		DocString:    "gltrain model " + excerpt(m.String()),
		Graph:        graph,
	}
	buf, err := proto.Marshal(mp)
	if err != nil {
		return nil, fmt.Errorf("nn: export onnx: %w", err)
	}
	return buf, nil
}

// standardize adds the Standardizer's nodes, (x − mean)/std in float64
// rounded once to float32 as Model.standardize computes it, and returns
// the standardised input (the input itself without a Standardizer).
func (g *onnxGraph) standardize(m *Model) onnxValue {
	x := onnxValue{name: ONNXInput, width: m.Inputs}
	st := m.Standardizer
	if st == nil {
		return x
	}
	mean := g.init("standardizer.mean", []int64{int64(m.Inputs)}, nil, st.Mean)
	std := g.init("standardizer.std", []int64{int64(m.Inputs)}, nil, st.Std)
	d := g.node("Cast", "standardizer", []string{x.name}, attrInt("to", int64(onnx.TensorProto_DOUBLE)))
	d = g.node("Sub", "standardizer", []string{d, mean})
	d = g.node("Div", "standardizer", []string{d, std})
	x.name = g.node("Cast", "standardizer", []string{d}, attrInt("to", int64(onnx.TensorProto_FLOAT)))
	return x
}

// outputs names the network's output y as ExportONNX documents, adding the
// probabilities' node, and returns the outputs' names.
func (g *onnxGraph) outputs(m *Model, y onnxValue) []string {
	names := ONNXOutputNames(m)
	g.rename(y.name, names[0])
	if len(names) == 2 {
		if m.Loss == BCEWithLogits {
			g.nodeTo("Sigmoid", "probabilities", []string{ONNXLogits}, ONNXProbabilities)
		} else {
			g.nodeTo("Softmax", "probabilities", []string{ONNXLogits}, ONNXProbabilities, attrInt("axis", -1))
		}
	}
	return names
}

// rename makes the value name, the network's output, the graph output
// called to: the last node's output renamed, or an Identity when no node
// made it last (a network of no nodes, say).
func (g *onnxGraph) rename(name, to string) {
	if n := len(g.nodes); n > 0 && g.nodes[n-1].Output[0] == name && name != ONNXInput {
		g.nodes[n-1].Output[0] = to
		return
	}
	g.nodeTo("Identity", "output", []string{name}, to)
}

// valueInfo describes a float32 (batch, width) tensor.
func valueInfo(name string, width int) *onnx.ValueInfoProto {
	dims := []*onnx.TensorShapeProto_Dimension{
		{Value: &onnx.TensorShapeProto_Dimension_DimParam{DimParam: "batch"}},
		{Value: &onnx.TensorShapeProto_Dimension_DimValue{DimValue: int64(width)}},
	}
	return &onnx.ValueInfoProto{Name: name, Type: &onnx.TypeProto{Value: &onnx.TypeProto_TensorType{
		TensorType: &onnx.TypeProto_Tensor{ElemType: int32(onnx.TensorProto_FLOAT), Shape: &onnx.TensorShapeProto{Dim: dims}},
	}}}
}

// ErrNotExported is the error (errors.Is) of ExportONNX for a layer it
// does not cover.
var ErrNotExported = errors.New("not exported to ONNX")

// ONNXOutputNames are the names of the outputs ExportONNX gives m, in order.
func ONNXOutputNames(m *Model) []string {
	switch {
	case m == nil:
		return nil
	case m.Loss == SoftmaxCrossEntropy || m.Loss == SVMHinge:
		if endsInSoftmax(m.Net) {
			return []string{ONNXProbabilities}
		}
		return []string{ONNXLogits, ONNXProbabilities}
	case m.Loss == BCEWithLogits:
		return []string{ONNXLogits, ONNXProbabilities}
	}
	return []string{ONNXOutputs}
}
