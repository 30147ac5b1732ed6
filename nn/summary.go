package nn

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"gltrain/autograd"
	"gltrain/backend"
)

// SummaryRow is a row of a model's summary: a layer, the shape of its
// output for a batch of N samples, and its parameter count.
type SummaryRow struct {
	Name   string // the layer's index in the Sequential ("0"), or its parameters' module path
	Layer  string // what it is: "Linear(2, 64)", "relu", "Conv2D(1→8, 3×3)"
	Output []int  // per sample: {64}, or {C, H, W} for an image layer; nil when not known
	Params int
}

// SummaryRows lists m's layers, as Keras's model.summary() does. For a
// Sequential each of its layers is a row, and the output shapes are
// measured: one zero sample goes through the layers in evaluation mode,
// and images keep their channels, height and width after a Conv2D or a
// pooling layer until a layer changes the width. For another network (a
// Graph, the GPT, a Module of your own) a row is a module holding
// parameters, named by their path ("h.0.attn"), and the last row is the
// network's output; its type column holds the parameters' shapes as they
// are held ("weight 8×24, bias 1×24").
func SummaryRows(m *Model) ([]SummaryRow, error) {
	if err := m.check("summary"); err != nil {
		return nil, err
	}
	seq, ok := m.Net.(*Sequential)
	if !ok {
		return moduleRows(m), nil
	}
	b := m.Backend()
	defer m.evaluating()()
	g := autograd.NewGraph(b)
	g.SetGrad(false)
	g.SetMode(autograd.ModeEval)
	xt, err := backend.FromData(b, backend.Shape{Rows: 1, Cols: m.Inputs}, make([]float32, m.Inputs))
	if err != nil {
		return nil, fmt.Errorf("nn: summary: %w", err)
	}
	x := g.Input(xt)
	var img []int
	if m.Image != nil {
		img = []int{m.Image.C, m.Image.H, m.Image.W}
	}
	rows := make([]SummaryRow, 0, len(seq.Layers))
	for i, l := range seq.Layers {
		x = l.Forward(g, x)
		if err = g.Err(); err != nil {
			break
		}
		width := x.Shape().Cols
		switch l := l.(type) {
		case *Conv2D:
			img = []int{l.Geom.K, l.Geom.OutH(), l.Geom.OutW()}
		case *MaxPool2D:
			img = []int{l.Geom.C, l.Geom.OutH(), l.Geom.OutW()}
		case *AvgPool2D:
			img = []int{l.Geom.C, l.Geom.OutH(), l.Geom.OutW()}
		case Flatten, *Flatten:
			img = nil
		}
		out := []int{width}
		if img != nil && img[0]*img[1]*img[2] == width {
			out = img
		} else {
			img = nil
		}
		rows = append(rows, SummaryRow{Name: strconv.Itoa(i), Layer: layerKind(l), Output: out, Params: countOf(l.Parameters())})
	}
	if err = errors.Join(err, g.Reset(), b.Release(xt)); err != nil {
		return nil, fmt.Errorf("nn: summary: %w", err)
	}
	return rows, nil
}

// moduleRows are the rows of a network that is not a Sequential: its
// parameters grouped by module path, in order, then its output.
func moduleRows(m *Model) []SummaryRow {
	var rows []SummaryRow
	for _, p := range m.Parameters() {
		name := p.Name()
		path := name
		if i := strings.LastIndexByte(name, '.'); i > 0 {
			path = name[:i]
		}
		shape := fmt.Sprintf("%s %d×%d", name[len(path):], p.Shape().Rows, p.Shape().Cols)
		shape = strings.TrimPrefix(shape, ".")
		if n := len(rows); n > 0 && rows[n-1].Name == path {
			rows[n-1].Params += p.Shape().Len()
			rows[n-1].Layer += ", " + shape
			continue
		}
		rows = append(rows, SummaryRow{Name: path, Layer: shape, Params: p.Shape().Len()})
	}
	return append(rows, SummaryRow{Name: "output", Layer: strings.TrimPrefix(fmt.Sprintf("%T", m.Net), "*nn."), Output: []int{m.Outputs}})
}

func countOf(ps []*autograd.Value) int {
	n := 0
	for _, p := range ps {
		n += p.Shape().Len()
	}
	return n
}

// layerKind names a layer for the summary.
func layerKind(l Module) string {
	switch l := l.(type) {
	case *Linear:
		return fmt.Sprintf("Linear(%d, %d)", l.In, l.Out)
	case *Conv2D:
		return fmt.Sprintf("Conv2D(%d→%d, %d×%d, stride %d, pad %d)", l.Geom.C, l.Geom.K, l.Geom.KH, l.Geom.KW, l.Geom.Stride, l.Geom.Pad)
	case *MaxPool2D:
		return fmt.Sprintf("MaxPool2D(%d×%d, stride %d)", l.Geom.KH, l.Geom.KW, l.Geom.Stride)
	case *AvgPool2D:
		return fmt.Sprintf("AvgPool2D(%d×%d, stride %d)", l.Geom.KH, l.Geom.KW, l.Geom.Stride)
	case *Dropout:
		return fmt.Sprintf("Dropout(%g)", l.P)
	case Flatten, *Flatten:
		return "Flatten"
	case Softmax, *Softmax:
		return "Softmax"
	}
	if f, ok := activationOf(l); ok {
		return f.String()
	}
	if d := describeLayer(l); !strings.HasPrefix(d, "-(") {
		return strings.TrimPrefix(d, "-")
	}
	return fmt.Sprintf("%T", l)
}

// Summary is m's summary as a table, as Keras's model.summary() prints it:
// a row per layer (SummaryRows) with its output shape for a batch of N and
// its parameters, then the totals.
//
//	layer  type            output   params
//	0      Linear(2, 100)  (N, 100)    300
//	1      relu            (N, 100)      0
//	2      Linear(100, 3)  (N, 3)      303
//	total: 603 parameters (2.4 kB in float32)
func Summary(m *Model) (string, error) {
	rows, err := SummaryRows(m)
	if err != nil {
		return "", err
	}
	cells := [][]string{{"layer", "type", "output", "params"}}
	for _, r := range rows {
		out := ""
		if r.Output != nil {
			parts := []string{"N"}
			for _, d := range r.Output {
				parts = append(parts, strconv.Itoa(d))
			}
			out = "(" + strings.Join(parts, ", ") + ")"
		}
		cells = append(cells, []string{r.Name, r.Layer, out, strconv.Itoa(r.Params)})
	}
	widths := make([]int, 4)
	for _, row := range cells {
		for j, c := range row {
			widths[j] = max(widths[j], len([]rune(c)))
		}
	}
	var sb strings.Builder
	for _, row := range cells {
		for j, c := range row {
			pad := strings.Repeat(" ", widths[j]-len([]rune(c)))
			switch {
			case j == 3: // numbers align right
				sb.WriteString(pad + c)
			default:
				sb.WriteString(c + pad + "  ")
			}
		}
		sb.WriteString("\n")
	}
	total := countOf(m.Parameters())
	fmt.Fprintf(&sb, "total: %d parameters (%s in float32)\n", total, byteSize(4*total))
	return sb.String(), nil
}

// byteSize formats n bytes: "2.4 kB", "3.4 MB".
func byteSize(n int) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.1f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d bytes", n)
}
