package nn_test

import (
	"math"
	"strings"
	"testing"

	"gltrain/nn"
)

func TestSchedules(t *testing.T) {
	for i, tc := range []struct {
		spec   string
		epochs int
		want   []float32 // epochs 0, 1, 2, …
	}{
		{"", 4, []float32{0.1, 0.1, 0.1, 0.1}},
		{"step", 6, []float32{0.1, 0.1, 0.01, 0.01, 0.001, 0.001}},
		{"step:1:0.5", 3, []float32{0.1, 0.05, 0.025}},
		// (1 + cos(π·e/4))/2 for e = 0…4: 1, 0.8536, 0.5, 0.1464, 0.
		{"cosine", 4, []float32{0.1, 0.085355, 0.05, 0.014645, 0}},
	} {
		s, err := nn.ParseSchedule(tc.spec, 0.1, tc.epochs)
		if err != nil {
			t.Fatalf("%d %q: %v", i, tc.spec, err)
		}
		for e, want := range tc.want {
			if got := s.LR(e); math.Abs(float64(got-want)) > 1e-6 {
				t.Errorf("%d %q: epoch %d: lr %v, want %v", i, tc.spec, e, got, want)
			}
		}
	}
	for _, bad := range []string{"warmup", "step:0:0.1", "step:2", "step:x:y",
		// Parameters are checked in float32 terms, and a schedule that takes
		// none refuses them rather than ignoring them.
		"step:1:NaN", "step:1:inf", "step:1:1e39", "step:1:1e-50", "step:", "cosine:5", "constant:1"} {
		if _, err := nn.ParseSchedule(bad, 0.1, 10); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestParseNames(t *testing.T) {
	for _, s := range []string{"softmax", "svm", "mse", "CE", "hinge", "l1", "huber", "SmoothL1", "bce", "BCEWithLogits"} {
		if _, err := nn.ParseLoss(s); err != nil {
			t.Errorf("loss %q: %v", s, err)
		}
	}
	if _, err := nn.ParseLoss("l2"); err == nil || !strings.Contains(err.Error(), "softmax, svm, mse, l1, huber, bce") {
		t.Errorf("unknown loss: %v, want the valid names", err)
	}
	if _, err := nn.NewOptimizer("rmsprop", nil, nil, 0.1, 0); err == nil || !strings.Contains(err.Error(), "sgd, momentum, nesterov, adam, adamw") {
		t.Errorf("unknown optimiser: %v, want the valid names", err)
	}
	if _, err := nn.NewOptimizer("sgd", nil, nil, -1, 0); err == nil {
		t.Error("negative learning rate accepted")
	}
}

func TestArchJSON(t *testing.T) {
	a := nn.MLP(784, []int{256, 128}, 10, nn.LeakyReLU)
	a.Activation.Params[0] = 0.2
	raw, err := a.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"type":"mlp","inputs":784,"hidden":[256,128],"outputs":10,"activation":"leakyrelu:0.2"}`; string(raw) != want {
		t.Errorf("JSON %s, want %s", raw, want)
	}
	var back nn.Arch
	if err := back.UnmarshalJSON(raw); err != nil || back.String() != a.String() || back.Activation != a.Activation {
		t.Errorf("round trip: %v (%v), want %v", back, err, a)
	}
	for _, bad := range []string{`{"type":"cnn"}`, `{"type":"mlp","inputs":0,"outputs":3,"activation":"relu"}`, `{"type":"mlp","inputs":2,"outputs":3,"activation":"swoosh"}`, `[`} {
		if err := back.UnmarshalJSON([]byte(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
