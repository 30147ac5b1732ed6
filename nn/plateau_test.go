package nn_test

import (
	"encoding/json"
	"math"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/backend/backendtest"
	"gltrain/nn"
)

// rateOnly is an Optimizer that only holds a rate.
type rateOnly struct{ lr float32 }

func (o *rateOnly) Step() error      { return nil }
func (o *rateOnly) ZeroGrad()        {}
func (o *rateOnly) LR() float32      { return o.lr }
func (o *rateOnly) SetLR(lr float32) { o.lr = lr }
func (o *rateOnly) Release() error   { return nil }

// TestReduceLROnPlateauMatchesPyTorch: fed the same validation losses,
// the rate after each epoch is torch's ReduceLROnPlateau's, with its
// defaults but a short patience, with a cooldown and a min_lr, and with a
// NaN loss (never better); and the state recorded in the Meta after each
// epoch continues the run to the same rates (a -resume at any epoch).
func TestReduceLROnPlateauMatchesPyTorch(t *testing.T) {
	python := backendtest.PyTorch(t)
	losses := []float64{1, 0.9, 0.95, 0.9, 0.89995, 0.91, 0.8, 0.85, 0.86, 0.87, 0.88, math.NaN(), 0.7, 0.71, 0.72, 0.73, 0.74, 0.75}
	type cfg struct {
		Factor   float64 `json:"factor"`
		Patience int     `json:"patience"`
		Cooldown int     `json:"cooldown"`
		MinLR    float64 `json:"min_lr"`
	}
	cfgs := []cfg{{0.1, 2, 0, 0}, {0.5, 1, 2, 0}, {0.1, 0, 0, 0.0005}}
	text := make([]string, len(losses)) // JSON has no NaN: the losses go as text
	for i, l := range losses {
		text[i] = strconv.FormatFloat(l, 'g', -1, 64)
	}
	in, err := json.Marshal(map[string]any{"losses": text, "cfgs": cfgs})
	require.NoError(t, err)
	cmd := exec.Command(python, "-c", `
import json, sys, torch
a = json.load(sys.stdin)
res = []
for c in a["cfgs"]:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    s = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=c["factor"], patience=c["patience"], cooldown=c["cooldown"], min_lr=c["min_lr"])
    lrs = []
    for l in a["losses"]:
        s.step(float(l))
        lrs.append(opt.param_groups[0]["lr"])
    res.append(lrs)
json.dump(res, sys.stdout)
`)
	cmd.Stdin = strings.NewReader(string(in))
	out, err := cmd.Output()
	require.NoError(t, err)
	var want [][]float64
	require.NoError(t, json.Unmarshal(out, &want))
	for i, c := range cfgs {
		require.Less(t, want[i][len(losses)-1], 0.1, "cfg %d never lowers the rate: the losses test nothing", i)
		run := func(p *nn.ReduceLROnPlateau, from int, o *rateOnly, tr *nn.Trainer) {
			for e := from; e < len(losses); e++ {
				require.NoError(t, p.OnEpochEnd(tr, nn.EpochStats{Epoch: e + 1, ValLoss: losses[e]}))
				// float32 rates against torch's float64: 1e-7 relative.
				assert.InEpsilon(t, want[i][e], o.lr, 1e-7, "cfg %+v epoch %d", c, e+1)
			}
		}
		newPlateau := func() *nn.ReduceLROnPlateau {
			p := nn.NewReduceLROnPlateau()
			p.Factor, p.Patience, p.CooldownEpochs, p.MinLR = c.Factor, c.Patience, c.Cooldown, c.MinLR
			return p
		}
		m := &nn.Model{}
		o := &rateOnly{lr: 0.1}
		tr := &nn.Trainer{Model: m, Optimizer: o, Schedule: nn.ConstantLR{Base: 0.1}}
		run(newPlateau(), 0, o, tr)
		// Resumed at epoch 9 from the Meta as it was then.
		m.Meta = nil
		p, o2 := newPlateau(), &rateOnly{lr: 0.1}
		tr2 := &nn.Trainer{Model: m, Optimizer: o2, Schedule: nn.ConstantLR{Base: 0.1}}
		for e := 0; e < 9; e++ {
			require.NoError(t, p.OnEpochEnd(tr2, nn.EpochStats{Epoch: e + 1, ValLoss: losses[e]}))
		}
		q := newPlateau()
		ok, err := q.PlateauFromMeta(m.Meta)
		require.True(t, ok)
		require.NoError(t, err)
		assert.Equal(t, *p, *q, "cfg %d: the state through the Meta", i)
	}
	_, err = nn.NewReduceLROnPlateau().PlateauFromMeta(map[string]string{nn.MetaPlateauScale: "2"})
	assert.ErrorContains(t, err, "plateau state")
}
