package backendtest

import (
	"errors"
	"math"
	"strings"
	"testing"

	"gltrain/backend"
)

// foreignTensor is a tensor no backend made.
type foreignTensor struct{}

func (foreignTensor) Shape() backend.Shape { return backend.Shape{Rows: 1, Cols: 1} }

// runErrors checks that bad calls return the contract's errors, with messages
// that name the operation and the shapes, and never panic.
func runErrors(t *testing.T, b backend.Backend) {
	newT := func(r, c int) backend.Tensor {
		t.Helper()
		x, err := backend.FromData(b, shp(r, c), make([]float32, r*c))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Release(x) })
		return x
	}
	a34, b52, c32, d22, d23 := newT(3, 4), newT(5, 2), newT(3, 2), newT(2, 2), newT(2, 3)
	labels := newT(3, 1)
	released := newT(2, 2)
	if err := b.Release(released); err != nil {
		t.Fatalf("release: %v", err)
	}
	if err := b.Release(released); err != nil {
		t.Errorf("second release: %v, want nil", err)
	}
	checkErrors(t, []errorCase{
		{"matmul inner dims", func() error { return b.MatMul(false, false, 1, a34, b52, 0, c32) }, backend.ErrShape, []string{"matmul", "3×4", "5×2"}},
		{"matmul output", func() error { return b.MatMul(false, true, 1, a34, a34, 0, c32) }, backend.ErrShape, []string{"matmul", "3×3", "3×2"}},
		{"matmul alias", func() error { return b.MatMul(false, false, 1, d22, d22, 0, d22) }, backend.ErrAlias, []string{"matmul"}},
		{"add shapes", func() error { return b.Add(d22, d23, d23) }, backend.ErrShape, []string{"add", "2×2", "2×3"}},
		{"add bias shape", func() error { return b.AddBias(d23, d23, d22) }, backend.ErrShape, []string{"add bias", "2×3", "2×2"}},
		{"activation shapes", func() error { return b.ActivationForward(backend.Activation{Kind: backend.ReLU}, d22, d23) }, backend.ErrShape, []string{"relu", "2×2", "2×3"}},
		{"activation kind", func() error { return b.ActivationForward(backend.Activation{Kind: 200}, d22, d22) }, backend.ErrInvalidArgument, nil},
		{"loss labels", func() error { return b.SoftmaxCrossEntropy(newT(1, 1), nil, d23, labels) }, backend.ErrShape, []string{"softmax cross-entropy", "2×3", "3×1"}},
		{"loss alias", func() error { return b.MeanSquaredError(newT(1, 1), d22, d22, d22) }, backend.ErrAlias, nil},
		{"sum output", func() error { return b.Sum(d22, d23) }, backend.ErrShape, []string{"sum", "2×2"}},
		{"upload length", func() error { return b.Upload(d22, make([]float32, 3)) }, backend.ErrShape, []string{"upload", "2×2", "3"}},
		{"download length", func() error { return b.Download(make([]float32, 5), d22) }, backend.ErrShape, []string{"download"}},
		{"new empty", func() error { _, err := b.New(shp(0, 3)); return err }, backend.ErrShape, []string{"0×3"}},
		{"copy rows past the end", func() error { return b.CopyRows(d22, 1, d22) }, backend.ErrShape, []string{"copy rows"}},
		{"copy rows at a huge row", func() error { return b.CopyRows(d22, math.MaxInt, newT(1, 2)) }, backend.ErrShape, []string{"copy rows"}},
		{"foreign tensor", func() error { return b.Fill(foreignTensor{}, 1) }, backend.ErrForeign, nil},
		{"nil tensor", func() error { return b.Add(d22, nil, d22) }, backend.ErrForeign, nil},
		{"released tensor", func() error { return b.Fill(released, 1) }, backend.ErrReleased, nil},
		{"negative learning rate", func() error { return b.SGDStep(backend.SGD{LR: -1}, d22, d22, nil) }, backend.ErrInvalidArgument, nil},
		{"momentum without velocity", func() error { return b.SGDStep(backend.SGD{LR: 1, Momentum: 0.9}, d22, d22, nil) }, backend.ErrForeign, nil},
		{"adam step zero", func() error { return b.AdamStep(backend.DefaultAdam(1e-3), 0, d22, d22, d22, d22) }, backend.ErrInvalidArgument, nil},
	})
	t.Run("bad labels give NaN, not a fault", func(t *testing.T) { runBadLabels(t, b) })
}

// runBadLabels feeds labels that are no class index (too large, negative,
// fractional) and an out-of-range gather index: the affected rows become NaN,
// the others stay right.
func runBadLabels(t *testing.T, b backend.Backend) {
	logits, _ := backend.FromData(b, shp(4, 3), []float32{1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3})
	labels, _ := backend.FromData(b, shp(4, 1), []float32{5, -1, 1.5, 2})
	loss, _ := b.New(shp(1, 1))
	grad, _ := b.New(shp(4, 3))
	gathered, _ := b.New(shp(4, 3))
	defer func() {
		for _, x := range []backend.Tensor{logits, labels, loss, grad, gathered} {
			b.Release(x)
		}
	}()
	for _, l := range []struct {
		name string
		run  func() error
	}{
		{"softmax cross-entropy", func() error { return b.SoftmaxCrossEntropy(loss, grad, logits, labels) }},
		{"svm hinge", func() error { return b.SVMHinge(loss, grad, logits, labels, 1) }},
	} {
		if err := l.run(); err != nil {
			t.Fatalf("%s: %v", l.name, err)
		}
		lv, _ := backend.ToHost(b, loss)
		g, _ := backend.ToHost(b, grad)
		if !math.IsNaN(float64(lv[0])) {
			t.Errorf("%s: loss %v with invalid labels, want NaN", l.name, lv[0])
		}
		for i, v := range g {
			if row := i / 3; (row < 3) != math.IsNaN(float64(v)) {
				t.Errorf("%s: gradient [%d,%d] = %v: rows 0-2 (bad labels) should be NaN, row 3 finite", l.name, row, i%3, v)
			}
		}
	}
	if err := b.GatherRows(gathered, logits, labels); err != nil {
		t.Fatalf("gather rows: %v", err)
	}
	g, _ := backend.ToHost(b, gathered)
	for i, v := range g {
		if row := i / 3; (row < 3) != math.IsNaN(float64(v)) {
			t.Errorf("gather rows: [%d,%d] = %v: rows 0-2 (bad indices) should be NaN, row 3 a copy", row, i%3, v)
		}
	}
}

// errorCase is a call that must fail with want, its message naming each of
// mention.
type errorCase struct {
	name    string
	call    func() error
	want    error
	mention []string
}

// checkErrors runs each case's call, which must return an error matching
// its want (errors.Is) and mentioning each of its words, and never panic.
func checkErrors(t *testing.T, cases []errorCase) {
	t.Helper()
	for i, tc := range cases {
		err := func() (err error) {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%d %s: panicked: %v", i, tc.name, r)
				}
			}()
			return tc.call()
		}()
		if !errors.Is(err, tc.want) {
			t.Errorf("%d %s: error %v, want %v", i, tc.name, err, tc.want)
			continue
		}
		for _, m := range tc.mention {
			if !strings.Contains(err.Error(), m) {
				t.Errorf("%d %s: error %q does not mention %q", i, tc.name, err, m)
			}
		}
	}
}
