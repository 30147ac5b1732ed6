package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/autograd"
	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/nn"
	"gltrain/nn/safetensors"
)

// handAdam is Adam written out by hand on the host, from a checkpoint's
// moments and step counts: the test's reference for the step a fine-tuning
// takes. Its loop is backend/cpu's adamGo, in float32 in the same order.
type handAdam struct {
	b      backend.Backend
	params []*autograd.Value
	cfg    backend.Adam
	m, v   map[string][]float32
	t      map[string]int
	lr     float32
}

// newHandAdam reads the Adam state of the checkpoint f for params.
func newHandAdam(t *testing.T, b backend.Backend, params []*autograd.Value, f *safetensors.File, lr float32) *handAdam {
	t.Helper()
	var opt struct {
		Type  string
		Adam  *backend.Adam
		Steps []int
	}
	require.NoError(t, json.Unmarshal([]byte(f.Metadata["optimizer"]), &opt))
	require.Equal(t, "adam", opt.Type)
	require.NotNil(t, opt.Adam)
	require.Len(t, opt.Steps, len(params))
	h := &handAdam{b: b, params: params, cfg: *opt.Adam, m: map[string][]float32{}, v: map[string][]float32{}, t: map[string]int{}, lr: lr}
	for i, p := range params {
		m, ok1 := f.Lookup("optimizer." + p.Name() + ".exp_avg")
		v, ok2 := f.Lookup("optimizer." + p.Name() + ".exp_avg_sq")
		require.True(t, ok1 && ok2, "%s: no Adam state", p.Name())
		h.m[p.Name()], h.v[p.Name()], h.t[p.Name()] = fromFile(m), fromFile(v), opt.Steps[i]
	}
	return h
}

// fromFile is a tensor of the file in the backend's layout: a Linear's
// weight (and its moments) is saved as PyTorch's, out×in, and held in×out.
func fromFile(t safetensors.Tensor) []float32 { return transposed(t.Data, t.Shape) }

// toFile is the backend's layout of a parameter of shape s in the file's.
func toFile(x []float32, s backend.Shape) []float32 {
	if s.Rows == 1 || s.Cols == 1 {
		return x
	}
	return transposed(x, []int{s.Rows, s.Cols})
}

// transposed is x, of shape (r, c), as (c, r); other shapes are left as
// they are (this MLP's parameters are matrices and bias vectors).
func transposed(x []float32, shape []int) []float32 {
	if len(shape) != 2 {
		return x
	}
	r, c := shape[0], shape[1]
	out := make([]float32, len(x))
	for i := range r {
		for j := range c {
			out[j*r+i] = x[i*c+j]
		}
	}
	return out
}

func (h *handAdam) Step() error {
	for _, p := range h.params {
		g, err := backend.ToHost(h.b, p.Grad())
		if err != nil {
			return err
		}
		w, err := backend.ToHost(h.b, p.Tensor())
		if err != nil {
			return err
		}
		h.t[p.Name()]++
		c := h.cfg
		c.LR = h.lr
		s := c.Scalars(h.t[p.Name()])
		m, v := h.m[p.Name()], h.v[p.Name()]
		b1, b2, eps := c.Beta1, c.Beta2, c.Eps
		for i := range w {
			pi := w[i] * s.Decay
			gi := g[i] + s.L2*pi
			mi := b1*m[i] + (1-b1)*gi
			vi := b2*v[i] + (1-b2)*gi*gi
			m[i], v[i] = mi, vi
			w[i] = pi - s.StepSize*mi/(float32(math.Sqrt(float64(vi)))*s.InvSqrtBC2+eps)
		}
		if err := h.b.Upload(p.Tensor(), w); err != nil {
			return err
		}
	}
	return nil
}

func (h *handAdam) ZeroGrad()        { autograd.ZeroGrad(h.params...) }
func (h *handAdam) LR() float32      { return h.lr }
func (h *handAdam) SetLR(lr float32) { h.lr = lr }
func (h *handAdam) Release() error   { return nil }

// TestFinetuneContinuesAdam: the first step of -resume -finetune at a new
// -lr is Adam's step from the saved moments and step counts at that rate.
// The run saved takes one full batch a step (240 training rows), so the
// fine-tuning's one epoch is one step; the test takes the same batch's
// gradient through the library (nn.Trainer from the saved model, on the
// data the command prepared) and applies Adam by hand on the host. The
// weights, both moments and the step counts must be the file's to the bit
// (the CPU backend's Adam is the same float32 loop in the same order).
func TestFinetuneContinuesAdam(t *testing.T) {
	dir := t.TempDir()
	saved, tuned := filepath.Join(dir, "p.safetensors"), filepath.Join(dir, "f.safetensors")
	mustTrain(t, "-backend=cpu", "-plot=", "-quiet", "-epochs=2", "-batch=240", "-save="+saved)
	args := []string{"-backend=cpu", "-plot=", "-quiet", "-resume=" + saved, "-finetune", "-lr=0.002", "-epochs=3", "-save=" + tuned}
	mustTrain(t, args...)

	// The command's data and the saved model, on the CPU.
	c, err := parseFlags(args, io.Discard)
	require.NoError(t, err)
	ck, err := readCheckpoint(&c, io.Discard)
	require.NoError(t, err)
	b := backendtest.Open(t, "cpu")
	r := &session{c: c, ck: ck, b: b, u: newUI(c.uiOptions(), io.Discard, io.Discard)}
	_, err = r.prepare(context.Background(), io.Discard)
	require.NoError(t, err)
	require.Equal(t, 240, r.d.train.Len(), "one batch a step")
	m, err := nn.Load(saved, b)
	require.NoError(t, err)
	defer m.Release()
	before, err := safetensors.ReadFile(saved)
	require.NoError(t, err)
	hand := newHandAdam(t, b, m.Parameters(), before, 0.002)
	moving := 0
	for _, mv := range hand.m {
		for _, x := range mv {
			if x != 0 {
				moving++
			}
		}
	}
	require.Positive(t, moving, "the saved moments are zero: the test could not tell them from a fresh Adam's")

	tr := nn.Trainer{Model: m, Loss: c.loss, Optimizer: hand, Epochs: 3, StartEpoch: ck.Epochs, StartStep: ck.Steps,
		BatchSize: c.batch, Seed: c.seed, Train: r.d.train}
	hist, err := tr.Fit(context.Background())
	require.NoError(t, err)
	require.Len(t, hist.StepLoss, 1, "one step")

	after, err := safetensors.ReadFile(tuned)
	require.NoError(t, err)
	same := func(name string, want []float32) {
		got, ok := after.Lookup(name)
		require.True(t, ok, "%s missing from the fine-tuned file", name)
		require.Len(t, got.Data, len(want), name)
		for i := range want {
			if math.Float32bits(got.Data[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%s[%d]: the fine-tuned file has %v, Adam by hand from the saved state at lr 0.002 %v", name, i, got.Data[i], want[i])
			}
		}
	}
	for _, p := range m.Parameters() {
		w, err := backend.ToHost(b, p.Tensor())
		require.NoError(t, err)
		sh := p.Tensor().Shape()
		same(p.Name(), toFile(w, sh))
		same("optimizer."+p.Name()+".exp_avg", toFile(hand.m[p.Name()], sh))
		same("optimizer."+p.Name()+".exp_avg_sq", toFile(hand.v[p.Name()], sh))
	}
	var opt struct{ Steps []int }
	require.NoError(t, json.Unmarshal([]byte(after.Metadata["optimizer"]), &opt))
	for i, p := range m.Parameters() {
		assert.Equal(t, hand.t[p.Name()], opt.Steps[i], "%s's step count", p.Name())
		assert.Equal(t, 3, opt.Steps[i], "%s: 2 saved steps and the fine-tuning's", p.Name())
	}
}

// TestFinetuneRecordsAndResumes: the fine-tuned file records the change
// (the "finetune" history, and -lr and -schedule as the run now trains), and
// a plain -resume of it continues the fine-tuned schedule: fine-tuning 2→3
// then resuming to 4 gives the bits of fine-tuning 2→4 at once. The
// schedule step:1:0.5 halves the rate each epoch from the fine-tuning's
// start; counted from the run's start instead, epoch 3 would train at an
// eighth of the rate, not half, and the files would differ.
func TestFinetuneRecordsAndResumes(t *testing.T) {
	dir := t.TempDir()
	saved := filepath.Join(dir, "p.safetensors")
	mustTrain(t, "-backend=cpu", "-plot=", "-quiet", "-epochs=2", "-batch=60", "-save="+saved)
	ft := func(out string, epochs int) {
		mustTrain(t, "-backend=cpu", "-plot=", "-quiet", "-resume="+saved, "-finetune", "-lr=0.003", "-schedule=step:1:0.5", fmt.Sprintf("-epochs=%d", epochs), "-save="+out)
	}
	three, four, resumed := filepath.Join(dir, "f3.safetensors"), filepath.Join(dir, "f4.safetensors"), filepath.Join(dir, "r4.safetensors")
	ft(three, 3)
	ft(four, 4)
	mustTrain(t, "-backend=cpu", "-plot=", "-quiet", "-resume="+three, "-epochs=4", "-save="+resumed)
	requireSameTensors(t, four, resumed)

	for i, tc := range []struct {
		path   string
		epochs string
	}{{three, "3"}, {resumed, "4"}} {
		ck, err := loadCheckpoint(tc.path)
		require.NoError(t, err)
		assert.Equal(t, "0.003", ck.Hyper["lr"], "%d: the rate the run now trains at", i)
		assert.Equal(t, "step:1:0.5", ck.Hyper["schedule"], "%d", i)
		assert.Equal(t, tc.epochs, ck.Hyper["epochs"], "%d", i)
		hist, err := readFinetunes(ck.Hyper[metaFinetune], ck.Epochs, ck.Steps)
		require.NoError(t, err)
		assert.Equal(t, []finetuneEntry{{Epoch: 2, Step: 8, LRFrom: 0.01, LR: 0.003, ScheduleFrom: "constant", Schedule: "step:1:0.5", EpochsFrom: 2, Epochs: 3}},
			hist, "%d: one fine-tuning, from epoch 2 (step 8 of 60-row batches), kept by the resumed run", i)
	}
}

// TestFinetuneRefusals: -resume stays strict and names -finetune for the
// flags it changes; -finetune needs -resume, keeps the architecture and
// every setting but -lr, -schedule and -epochs; a crafted history is
// refused naming its field. Each exits 2 before training.
func TestFinetuneRefusals(t *testing.T) {
	dir := t.TempDir()
	saved := filepath.Join(dir, "p.safetensors")
	mustTrain(t, "-backend=cpu", "-plot=", "-quiet", "-epochs=2", "-batch=60", "-save="+saved)
	crafted := filepath.Join(dir, "crafted.safetensors")
	f, err := safetensors.ReadFile(saved)
	require.NoError(t, err)
	var meta map[string]string
	require.NoError(t, json.Unmarshal([]byte(f.Metadata["meta"]), &meta))
	meta[metaFinetune] = `[{"epoch":7,"step":1}]`
	js, err := json.Marshal(meta)
	require.NoError(t, err)
	f.Metadata["meta"] = string(js)
	require.NoError(t, safetensors.WriteFile(crafted, f.Tensors, f.Metadata))

	for i, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-resume=" + saved, "-lr=0.001", "-epochs=3"}, `-lr="0.001" disagrees with the run in ` + saved + ` (-lr="0.01"): a resumed run keeps its settings; drop -lr, or add -finetune`},
		{[]string{"-resume=" + saved, "-schedule=cosine", "-epochs=3"}, "or add -finetune to continue it at the new -schedule"},
		{[]string{"-resume=" + saved, "-finetune", "-layers=8:relu", "-epochs=3"}, "-layers with -finetune: fine-tuning keeps the model of " + saved + ", its architecture included, and changes only -lr, -schedule and -epochs"},
		{[]string{"-resume=" + saved, "-finetune", "-hidden=8", "-epochs=3"}, "-hidden with -finetune"},
		{[]string{"-resume=" + saved, "-finetune", "-act=tanh", "-epochs=3"}, "-act with -finetune"},
		{[]string{"-load=" + saved, "-finetune", "-epochs=3"}, "-finetune continues a saved run with its optimiser state: give -resume=PATH"},
		{[]string{"-finetune", "-epochs=3"}, "give -resume=PATH"},
		{[]string{"-resume=" + saved, "-finetune", "-batch=5", "-epochs=3"}, `-batch="5" disagrees with the run in ` + saved + ` (-batch="60"): -finetune changes only -lr, -schedule and -epochs; drop -batch`},
		{[]string{"-resume=" + saved, "-finetune", "-lr=0.001", "-epochs=2"}, "the run has done 2 epochs already; give -epochs above 2"},
		{[]string{"-resume=" + crafted, "-epochs=3"}, `"finetune": entry 0 begins at epoch 7, step 1`},
	} {
		code, stdout, stderr := runTrain(t, append([]string{"-backend=cpu", "-plot="}, tc.args...)...)
		if code != 2 || !strings.Contains(stderr, tc.want) || strings.Contains(stdout, "epoch ") {
			t.Errorf("%d %v: exit %d, stderr %q; want 2 and %q", i, tc.args, code, stderr, tc.want)
		}
	}
}
