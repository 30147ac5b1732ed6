package backendtest

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"gltrain/backend"
)

// specialXs are the inputs of the special-value check: NaN, ±Inf, ±0, and
// ±1e30, whose x² and x³ overflow float32.
var specialXs = []float32{nan32, inf32, -inf32, 0, negZero32, 1e30, -1e30}

// specialDys are the upstream gradients each of specialXs meets in the
// backward pass: finite of both signs, ±Inf, NaN and ±0.
var specialDys = []float32{1, -2, inf32, -inf32, nan32, 0, negZero32}

var (
	nan32     = float32(math.NaN())
	inf32     = float32(math.Inf(1))
	negZero32 = float32(math.Copysign(0, -1))
)

// activationSpecial returns f(x) and f'(x) at each of specialXs: PyTorch's
// values (torch 1.13, torch.nn.functional and torch.autograd in float32),
// which backend/activation.go tabulates. They hold for α > 0. The one
// departure is GELUTanh' at ±1e30, 1 and +0 as in PyTorch's float64, where
// its float32 kernel overflows x³ and gives NaN.
func activationSpecial(f backend.Activation) (y, d []float64) {
	nan, inf, neg0 := math.NaN(), math.Inf(1), math.Copysign(0, -1)
	a := float64(f.Param())
	big := float64(float32(1e30))
	switch f.Kind {
	case backend.Identity:
		return []float64{nan, inf, -inf, 0, neg0, big, -big}, []float64{1, 1, 1, 1, 1, 1, 1}
	case backend.ReLU: // the backward pass selects dy where f' is 1, +0 where it is 0
		return []float64{nan, inf, 0, 0, neg0, big, 0}, []float64{1, 1, 0, 0, 0, 1, 0}
	case backend.LeakyReLU:
		return []float64{nan, inf, -inf, 0, neg0, big, a * -big}, []float64{a, 1, a, a, a, 1, a}
	case backend.ELU:
		return []float64{nan, inf, -a, 0, 0, big, -a}, []float64{1, 1, 0, a, a, 1, 0}
	case backend.GELU, backend.GELUTanh:
		return []float64{nan, inf, nan, 0, neg0, big, neg0}, []float64{nan, nan, nan, 0.5, 0.5, 1, 0}
	case backend.Sigmoid:
		return []float64{nan, 1, 0, 0.5, 0.5, 1, 0}, []float64{nan, 0, 0, 0.25, 0.25, 0, 0}
	case backend.Tanh:
		return []float64{nan, 1, -1, 0, neg0, 1, -1}, []float64{nan, 0, 0, 1, 1, 0, 0}
	case backend.SiLU:
		return []float64{nan, inf, nan, 0, neg0, big, neg0}, []float64{nan, nan, nan, 0.5, 0.5, 1, neg0}
	}
	panic("backendtest: no special values for " + f.String())
}

// specialTol admits the float32 evaluation of the finite values (Φ(0) = ½
// through erfc's fit, α·dy); NaN, infinities and the sign of zero must match
// exactly.
var specialTol = Tol{ATol: 1e-30, RTol: 1e-5}

// runActivationSpecials checks every activation's forward and backward
// pass, and those of LinearForward and LinearBackward when b fuses them, at
// specialXs against activationSpecial, each x meeting each of specialDys:
// dx = dy·f'(x) as an IEEE product (±Inf·0 is NaN), except ReLU's, which
// selects (dy where f'(x) = 1, +0 elsewhere), as PyTorch's does.
func runActivationSpecials(t *testing.T, b backend.Backend) {
	nx, nd := len(specialXs), len(specialDys)
	x, dy := make([]float32, nx*nd), make([]float32, nx*nd)
	for i := range x {
		x[i], dy[i] = specialXs[i/nd], specialDys[i%nd]
	}
	for _, f := range activationsUnderTest() {
		t.Run(f.String(), func(t *testing.T) {
			fy, fd := activationSpecial(f)
			wantY, wantDx := make([]float64, len(x)), make([]float64, len(x))
			for i := range x {
				wantY[i] = fy[i/nd]
				g, d := float64(dy[i]), fd[i/nd]
				switch {
				case f.Kind != backend.ReLU:
					wantDx[i] = float64(float32(g * d))
				case d == 1:
					wantDx[i] = g
				}
			}
			got, err := specialRun(b, f, x, dy)
			if err != nil {
				t.Fatal(err)
			}
			for j, name := range []string{"forward", "backward", "linear forward", "linear backward dx"} {
				if got[j] == nil {
					continue
				}
				want := wantY
				if j%2 == 1 {
					want = wantDx
				}
				// The fused layer forms z = 0 + x·1, which is +0 at x = −0,
				// so the sign of its zeros is not the activation's.
				if msg := specialDiff(x, dy, got[j], want, j < 2); msg != "" {
					t.Errorf("%s: %s", name, msg)
				}
			}
		})
	}
}

// specialRun returns y = f(x) and dx by ActivationForward and
// ActivationBackward and, when b implements backend.LinearFuser, by
// LinearForward and LinearBackward on x as a batch×1 layer input with
// W = [1] and no bias (nil outputs otherwise).
func specialRun(b backend.Backend, f backend.Activation, x, dy []float32) ([][]float32, error) {
	s := &session{b: b}
	defer s.release()
	sh := shp(len(x), 1)
	xt, dyt, y, dx := s.up(sh, x), s.up(sh, dy), s.poisoned(sh), s.poisoned(sh)
	if s.err == nil {
		s.do(b.ActivationForward(f, y, xt))
		s.do(b.ActivationBackward(f, dx, xt, y, dyt))
	}
	res := s.down(y, dx)
	lf, ok := b.(backend.LinearFuser)
	if !ok {
		return append(res, nil, nil), s.err
	}
	w, ly, lz, ldx := s.up(shp(1, 1), []float32{1}), s.poisoned(sh), s.poisoned(sh), s.poisoned(sh)
	if s.err == nil {
		s.do(lf.LinearForward(f, ly, lz, xt, w, nil))
		s.do(lf.LinearBackward(f, ldx, nil, nil, xt, w, lz, dyt, 0, 0, 0))
	}
	return append(res, s.down(ly, ldx)...), s.err
}

// specialDiff reports the elements of got that differ from want: NaN must
// be NaN, an infinity the same infinity, a zero of the same sign when
// signedZero, and a finite value within specialTol.
func specialDiff(x, dy, got []float32, want []float64, signedZero bool) string {
	var bad []string
	n := 0
	for i, w := range want {
		g := float64(got[i])
		var ok bool
		switch {
		case math.IsNaN(w) || math.IsNaN(g):
			ok = math.IsNaN(w) && math.IsNaN(g)
		case math.IsInf(w, 0) || math.IsInf(g, 0):
			ok = g == w
		case w == 0 && g == 0:
			ok = !signedZero || math.Signbit(g) == math.Signbit(w)
		default:
			ok = math.Abs(g-w) <= specialTol.ATol+specialTol.RTol*math.Abs(w)
		}
		if !ok {
			if n++; len(bad) < 5 {
				bad = append(bad, fmt.Sprintf("x=%g dy=%g: got %g want %g", x[i], dy[i], g, w))
			}
		}
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%d of %d differ: %s", n, len(want), strings.Join(bad, "; "))
}
