package nn_test

import (
	"bytes"
	"fmt"

	"github.com/advancedclimatesystems/gonnx/onnx"
	"google.golang.org/protobuf/proto"

	"gltrain/backend/cpu"
	"gltrain/nn"
	"gltrain/nn/data"
)

// ExportONNX writes a model as ONNX, its Standardizer as the first nodes
// (in float64, between two Casts), so that the file takes raw rows: here a
// small CNN on 1×6×6 images, given as flat rows of 36 values and reshaped
// inside. SaveONNX writes a file atomically.
func ExampleExportONNX() {
	b := cpu.New()
	net := nn.Seq(&nn.Conv2D{Out: 2, KH: 3}, nn.Act(nn.ReLU), &nn.MaxPool2D{KH: 2}, nn.Flatten{}, &nn.Linear{Out: 3})
	m, err := nn.NewImageModel(b, net, nn.Image{C: 1, H: 6, W: 6}, 1)
	if err != nil {
		panic(err)
	}
	defer m.Release()
	st := &data.Standardizer{}
	for range m.Inputs {
		st.Mean, st.Std = append(st.Mean, 0.5), append(st.Std, 0.25)
	}
	m.Standardizer = st
	var buf bytes.Buffer
	if err := nn.ExportONNX(&buf, m); err != nil {
		panic(err)
	}
	var mp onnx.ModelProto
	if err := proto.Unmarshal(buf.Bytes(), &mp); err != nil {
		panic(err)
	}
	fmt.Println("opset", mp.OpsetImport[0].Version)
	for _, n := range mp.Graph.Node {
		fmt.Println(n.OpType, n.Input, "→", n.Output)
	}
	// Output:
	// opset 13
	// Cast [input] → [t1]
	// Sub [t1 standardizer.mean] → [t2]
	// Div [t2 standardizer.std] → [t3]
	// Cast [t3] → [t4]
	// Reshape [t4 shape:-1,1,6,6] → [t5]
	// Conv [t5 0.weight 0.bias] → [t6]
	// Relu [t6] → [t7]
	// MaxPool [t7] → [t8]
	// Reshape [t8 shape:-1,8] → [t9]
	// Gemm [t9 4.weight 4.bias] → [logits]
	// Softmax [logits] → [probabilities]
}
