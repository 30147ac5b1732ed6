package backendtest

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"testing"

	"gltrain/backend"
)

// Run is the conformance suite: it checks every case of Cases on b against
// the float64 oracles, on normal and on extreme inputs, then the
// hand-computed cases, every activation at NaN, ±Inf and ±0 against
// PyTorch's values (directly and through the fused layer), every loss on
// NaN and ±Inf scores (runLossSpecials), the error paths,
// determinism, buffer reuse, the optional fused operations against the
// calls they fuse, the softmax's hand-computed and non-finite rows (when b
// implements backend.Softmaxer), convolution and max pooling against
// float64 oracles (when b implements backend.Convolver) and, when b
// implements backend.Packer,
// every case on packed views (RunPack).
func Run(t *testing.T, b backend.Backend) {
	t.Run("cases", func(t *testing.T) {
		for _, c := range Cases() {
			t.Run(c.Name, func(t *testing.T) { runCase(t, c, b, nil, Execute) })
		}
	})
	t.Run("exact", func(t *testing.T) { runExact(t, b) })
	t.Run("activation specials", func(t *testing.T) { runActivationSpecials(t, b) })
	t.Run("errors", func(t *testing.T) { runErrors(t, b) })
	t.Run("determinism", func(t *testing.T) { runDeterminism(t, b) })
	t.Run("memory", func(t *testing.T) { runMemory(t, b) })
	t.Run("fused loss", func(t *testing.T) { runFusedLoss(t, b) })
	t.Run("loss specials", func(t *testing.T) { runLossSpecials(t, b) })
	t.Run("linear", func(t *testing.T) { runLinear(t, b) })
	t.Run("softmax", func(t *testing.T) { runSoftmax(t, b) })
	t.Run("conv", func(t *testing.T) { runConv(t, b) })
	t.Run("layers", func(t *testing.T) { runLayers(t, b) })
	t.Run("pack", func(t *testing.T) { RunPack(t, b) })
	t.Run("clip", func(t *testing.T) { runClip(t, b) })
	t.Run("losses2", func(t *testing.T) { runLosses2(t, b) })
	t.Run("axis", func(t *testing.T) { runAxis(t, b) })
	t.Run("shape ops", func(t *testing.T) { runShaper(t, b) })
	t.Run("binary", func(t *testing.T) { runBinary(t, b) })
	t.Run("scatter", func(t *testing.T) { runScatter(t, b) })
	t.Run("view", func(t *testing.T) { runView(t, b) })
	t.Run("attention", func(t *testing.T) { runAttention(t, b) })
	t.Run("batchnorm", func(t *testing.T) { runBatchNorm(t, b) })
}

// executor runs a case on a backend and returns its outputs: Execute, or
// ExecutePacked on views.
type executor func(b backend.Backend, c Case, host [][]float32, ins []In, outs []Out) ([][]float32, error)

// Compare runs every case of Cases on ref and on got with the same inputs and
// checks got against ref's outputs, under each case's tolerance (its error
// scale still comes from the oracle).
func Compare(t *testing.T, ref, got backend.Backend) {
	for _, c := range Cases() {
		t.Run(c.Name, func(t *testing.T) { runCase(t, c, got, ref, Execute) })
	}
}

// runCase runs c with exec at each of its sizes, on normal then extreme
// inputs, on b, and checks the outputs against the oracle or, when ref is not
// nil, against ref's outputs (run with Execute).
func runCase(t *testing.T, c Case, b, ref backend.Backend, exec executor) {
	t.Helper()
	for _, extreme := range []bool{false, true} {
		if extreme && c.NoExtreme {
			continue
		}
		for _, d := range c.Dims {
			seed := caseSeed(c.Name, d, extreme)
			where := fmt.Sprintf("dims %dx%dx%d, extreme=%v, seed %d", d.M, d.N, d.K, extreme, seed)
			ins, outs := c.Setup(d)
			host := make([][]float32, len(ins))
			for i, in := range ins {
				host[i] = draw(in, seed+uint64(i), extreme)
			}
			got, err := exec(b, c, host, ins, outs)
			if errors.Is(err, backend.ErrUnsupported) {
				t.Skipf("%s: %v", where, err)
			}
			if err != nil {
				t.Fatalf("%s: %v", where, err)
			}
			want := oracle(c, host, ins, outs)
			if ref != nil {
				refOut, err := Execute(ref, c, host, ins, outs)
				if err != nil {
					t.Fatalf("%s: reference %s: %v", where, ref.Name(), err)
				}
				for j := range want {
					want[j].Data = To64(refOut[j])
				}
			}
			for j := range outs {
				if msg := DiffScaled(outs[j].Shape, got[j], want[j].Data, want[j].Scale, c.Tol); msg != "" {
					t.Errorf("%s: output %d: %s", where, j, msg)
				}
			}
		}
	}
}

// Execute uploads host inputs to b, poisons or initialises the outputs, runs
// the case and downloads the outputs.
func Execute(b backend.Backend, c Case, host [][]float32, ins []In, outs []Out) ([][]float32, error) {
	var live []backend.Tensor
	defer func() {
		for _, t := range live {
			b.Release(t)
		}
	}()
	upload := func(s backend.Shape, data []float32) (backend.Tensor, error) {
		t, err := backend.FromData(b, s, data)
		if err == nil {
			live = append(live, t)
		}
		return t, err
	}
	inT := make([]backend.Tensor, len(ins))
	for i, in := range ins {
		var err error
		if inT[i], err = upload(in.Shape, host[i]); err != nil {
			return nil, err
		}
	}
	outT := make([]backend.Tensor, len(outs))
	for j, o := range outs {
		var err error
		if outT[j], err = upload(o.Shape, initialOutput(o, host)); err != nil {
			return nil, err
		}
	}
	if err := c.Run(b, outT, inT); err != nil {
		return nil, err
	}
	res := make([][]float32, len(outs))
	for j, o := range outT {
		var err error
		if res[j], err = backend.ToHost(b, o); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// initialOutput is NaN everywhere, or a copy of the input the output starts as.
func initialOutput(o Out, host [][]float32) []float32 {
	if o.From >= 0 {
		return append([]float32(nil), host[o.From]...)
	}
	data := make([]float32, o.Shape.Len())
	for i := range data {
		data[i] = float32(math.NaN())
	}
	return data
}

// oracle runs c's float64 oracle on the host inputs.
func oracle(c Case, host [][]float32, ins []In, outs []Out) []Mat {
	in := make([]Mat, len(ins))
	for i := range ins {
		in[i] = Mat{Shape: ins[i].Shape, Data: To64(host[i])}
	}
	out := make([]Mat, len(outs))
	for j, o := range outs {
		out[j] = Mat{Shape: o.Shape, Data: To64(initialOutput(o, host))}
	}
	c.Oracle(out, in)
	return out
}

func caseSeed(name string, d Dims, extreme bool) uint64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s/%v/%v", name, d, extreme)
	return h.Sum64()
}

// extremeValues are the magnitudes of the extreme run: large enough to
// overflow a naive exp (88 is just below float32's limit), zero of both
// signs, and exact small values so that comparisons (argmax, hinge margins)
// are decided identically in float32 and float64.
var extremeValues = []float32{1e4, 88, 1, 0.5, 0}

// draw returns the host data of one input.
func draw(in In, seed uint64, extreme bool) []float32 {
	r := backend.NewRand(seed)
	data := make([]float32, in.Shape.Len())
	for i := range data {
		switch {
		case in.Dist == Labels:
			data[i] = float32(r.IntN(in.Range))
		case extreme && r.IntN(5) < 3:
			v := extremeValues[r.IntN(len(extremeValues))]
			if in.Dist == Values && r.IntN(2) == 0 {
				v = -v
			}
			data[i] = v
		case in.Dist == Positive:
			data[i] = float32(math.Abs(r.NormFloat64()) * 0.1)
		default:
			data[i] = float32(r.NormFloat64())
		}
		if in.Map != nil {
			data[i] = in.Map(data[i])
		}
	}
	return data
}
