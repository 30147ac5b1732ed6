package backendtest

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"gltrain/backend"
)

// specialTol admits the float32 evaluation of the finite values (Φ(0) = ½
// through erfc's fit, α·dy); NaN, infinities and the sign of zero must match
// exactly.
var specialTol = Tol{ATol: 1e-30, RTol: 1e-5}

// goldenATol admits the far tails where PyTorch's float64 kernels cancel
// (its GELU(−10) is −0, the exact value −7.6e−23; see TestActivationGolden).
const goldenATol = 1e-14

//go:embed testdata/activation_golden.json
var goldenJSON []byte

// Golden is one setting's row of the golden file: PyTorch's f(x), f'(x)
// and, for each x, dx for each of GoldenDys, in float64, at GoldenXs.
type Golden struct {
	F, DF []float64
	DX    [][]float64
}

// ActivationGolden returns the golden file's rows (testdata/
// activation_golden.json, made by testdata/activation_golden.py from
// torch 1.13), keyed by Activation.String(), with the points they were made
// at; an error when the file does not parse or was made at other points.
var ActivationGolden = sync.OnceValues(func() (map[string]Golden, error) {
	var file struct {
		Xs, Dys  []string
		Settings map[string]struct {
			F, DF []string
			DX    [][]string
		}
	}
	if err := json.Unmarshal(goldenJSON, &file); err != nil {
		return nil, fmt.Errorf("activation_golden.json: %w", err)
	}
	xs, dys := GoldenXs(), GoldenDys()
	if fmt.Sprint(parseAll(file.Xs)) != fmt.Sprint(widen(xs)) || fmt.Sprint(parseAll(file.Dys)) != fmt.Sprint(widen(dys)) {
		return nil, fmt.Errorf("activation_golden.json was made at other points than GoldenXs and GoldenDys: run activation_golden.py")
	}
	rows := map[string]Golden{}
	for name, r := range file.Settings {
		g := Golden{F: parseAll(r.F), DF: parseAll(r.DF)}
		for _, d := range r.DX {
			g.DX = append(g.DX, parseAll(d))
		}
		if len(g.F) != len(xs) || len(g.DF) != len(xs) || len(g.DX) != len(xs) || len(g.DX[0]) != len(dys) {
			return nil, fmt.Errorf("activation_golden.json: %s: wrong number of values", name)
		}
		rows[name] = g
	}
	return rows, nil
})

func parseAll(s []string) []float64 {
	v := make([]float64, len(s))
	for i, e := range s {
		var err error
		if v[i], err = strconv.ParseFloat(e, 64); err != nil {
			v[i] = math.NaN() // compared against a number, it fails the check
		}
	}
	return v
}

func widen(v []float32) []float64 {
	w := make([]float64, len(v))
	for i, x := range v {
		w[i] = float64(x)
	}
	return w
}

// runActivationSpecials checks every activation setting's forward and
// backward pass, and those of LinearForward and LinearBackward when b fuses
// them, against PyTorch's golden values at GoldenXs, each x meeting each of
// GoldenDys: NaN, ±Inf and the sign of zero exactly, finite values within
// specialTol of the float64 value rounded to float32. A setting missing
// from the golden file fails.
func runActivationSpecials(t *testing.T, b backend.Backend) {
	golden, err := ActivationGolden()
	if err != nil {
		t.Fatal(err)
	}
	xs, dys := GoldenXs(), GoldenDys()
	nx, nd := len(xs), len(dys)
	x, dy := make([]float32, nx*nd), make([]float32, nx*nd)
	for i := range x {
		x[i], dy[i] = xs[i/nd], dys[i%nd]
	}
	for _, f := range activationsUnderTest() {
		t.Run(f.String(), func(t *testing.T) {
			g, ok := golden[f.String()]
			if !ok {
				t.Fatalf("activation_golden.json has no %s: run backend/backendtest/testdata/activation_golden.py", f)
			}
			wantY, wantDx := specialWant(f, g, x, dy, xs, nd, false)
			linY, linDx := specialWant(f, g, x, dy, xs, nd, true)
			got, err := specialRun(b, f, x, dy)
			if err != nil {
				t.Fatal(err)
			}
			for j, name := range []string{"forward", "backward", "linear forward", "linear backward dx"} {
				if got[j] == nil {
					continue
				}
				want := [][]float64{wantY, wantDx, linY, linDx}[j]
				// The fused layer forms z = 0 + x·1, which is +0 at x = −0,
				// so the sign of its zeros is not the activation's.
				if msg := specialDiff(x, dy, got[j], want, j < 2, j%2 == 1); msg != "" {
					t.Errorf("%s: %s", name, msg)
				}
			}
		})
	}
}

// specialWant is the golden f and dx at each x (the points xs, each
// meeting nd upstream gradients) as float32, unjudged in a far tail (see
// GoldenTail, and where dy = ±0 meets an f' beyond float32's range, such as
// exp'(100): a float32 kernel's f' is Inf there, and ±0·Inf is NaN, the
// float64 product ±0). With plusZero, x = −0 takes +0's values: the fused
// layer's z = 0 + x·1 is +0 there, which a primitive tells from −0 (1/x is
// +Inf).
func specialWant(f backend.Activation, g Golden, x, dy, xs []float32, nd int, plusZero bool) (y, dx []float64) {
	zero := slices.IndexFunc(xs, func(v float32) bool { return v == 0 && !math.Signbit(float64(v)) })
	y, dx = make([]float64, len(x)), make([]float64, len(x))
	for i := range x {
		k, xi := i/nd, float64(x[i])
		if plusZero && xi == 0 {
			k, xi = zero, 0
		}
		y[i] = float64(float32(g.F[k]))
		dx[i] = float64(float32(g.DX[k][i%nd]))
		if GoldenTail(g.DF[k], activationDerivative(f, xi)) || (dy[i] == 0 && math.Abs(g.DF[k]) > math.MaxFloat32) {
			dx[i] = unjudged
		}
	}
	return y, dx
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

// unjudged marks an element specialDiff skips: a NaN with its sign bit
// set, which no golden value is (PyTorch's NaNs are written as "nan").
var unjudged = math.Copysign(math.NaN(), -1)

// specialDiff reports the elements of got that differ from want: NaN must
// be NaN, an infinity the same infinity, a zero of the same sign when
// signedZero, and a finite value within specialTol (relative, or 1e-14
// absolute: see TestActivationGolden's sameAs32; in the backward pass
// relative to |dx| + 0.05·|dy|, as activationBackwardTol). Elements whose want is
// unjudged are skipped.
func specialDiff(x, dy, got []float32, want []float64, signedZero, backward bool) string {
	var bad []string
	n := 0
	for i, w := range want {
		g := float64(got[i])
		var ok bool
		switch {
		case math.IsNaN(w) && math.Signbit(w): // a point GoldenTail leaves unjudged
			ok = true
		case math.IsNaN(w) || math.IsNaN(g):
			ok = math.IsNaN(w) && math.IsNaN(g)
		case math.IsInf(w, 0) || math.IsInf(g, 0):
			ok = g == w
		case w == 0 && g == 0:
			ok = !signedZero || math.Signbit(g) == math.Signbit(w)
		default:
			scale := math.Abs(w)
			if backward { // near a zero of f' (GELU's at −0.75) as activationBackwardTol
				scale += 0.05 * math.Abs(float64(dy[i]))
			}
			ok = math.Abs(g-w) <= goldenATol+specialTol.RTol*scale
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
