package backendtest

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"

	"gltrain/backend"
)

// linearTol compares the fused layer with the unfused calls on the same
// backend, relative to the magnitude of the terms each output sums (the
// Scale of linearScales), as the matmul cases are. Both paths form the same
// float32 products and the same dz = dy·f'(z); a backend may add them in
// another order (ColSum's tree against the fused product's row of ones, say),
// which moves a sum of k terms by at most k·2⁻²⁴ of that magnitude: 8e-6
// for the largest k here, 130. An activation's output moves by at most
// L·|Δz| (L bounds |f'|) plus a difference in its own rounding, which the
// |y| term of its scale admits. Non-finite results must match exactly (NaN
// for NaN, ±Inf for ±Inf): the fused kernels must not turn them into
// numbers, nor numbers into them.
var linearTol = Tol{RTol: 1e-5}

// linearDim is a layer's size.
type linearDim struct{ batch, in, out int }

// linearDims are the layer sizes of the fused checks: 1×1×1, primes, and
// sizes that are multiples of neither the 64-wide tiles nor the 16-wide work
// groups, except in = 64, where the bias gradient's row of ones (row in of
// xᵀ) starts a tile of its own.
var linearDims = []linearDim{{1, 1, 1}, {33, 17, 5}, {70, 130, 65}, {17, 64, 3}, {2, 65, 1}}

// linearHost is the host data of one check: the layer's inputs, a
// pre-activation z and upstream gradient dy for the backward pass, and the
// gradients' prior contents, accumulated into when their beta is 1.
type linearHost struct {
	d                                linearDim
	x, w, bias, z, dy, dx0, dw0, db0 []float32
}

// linearBackwardVariants are the backward calls checked: which gradients
// are asked for (the others are nil) and their betas.
var linearBackwardVariants = []struct {
	name                string
	dx, dw, db          bool
	betaX, betaW, betaB float32
}{
	{"all, beta 0", true, true, true, 0, 0, 0},
	{"all, beta 1", true, true, true, 1, 1, 1},
	{"all, betas 0 1 0", true, true, true, 0, 1, 0},
	{"dW and db, beta 1", false, true, true, 0, 1, 1},
	{"dW alone", false, true, false, 0, 0, 0},
	{"db alone, beta 1", false, false, true, 0, 0, 1},
	{"dx alone", true, false, false, 0, 0, 0},
}

// runLinear checks LinearForward and LinearBackward, when b implements
// backend.LinearFuser, against the calls they fuse on the same backend
// (MatMul, AddBias, ActivationForward; ActivationBackward, MatMul, ColSum,
// Axpy), for every activation, at linearDims, on normal, extreme and
// non-finite inputs, with and without bias and z, every subset of the
// gradients and betas of 0 and 1. Fused calls run twice and must give the
// same bits.
func runLinear(t *testing.T, b backend.Backend) {
	lf, ok := b.(backend.LinearFuser)
	if !ok {
		t.Skipf("%s does not implement LinearFuser", b.Name())
	}
	// The hidden-layer activations, which layers fuse; the primitives'
	// fused kernels, the same template, meet the golden points in
	// runActivationSpecials.
	for _, f := range backend.ActivationSettings() {
		t.Run(f.String(), func(t *testing.T) {
			for _, d := range linearDims {
				for _, inputs := range []string{"normal", "extreme", "non-finite"} {
					h := linearDraw(f, d, inputs)
					where := fmt.Sprintf("%d×%d×%d %s", d.batch, d.in, d.out, inputs)
					for _, fwd := range [][2]bool{{true, true}, {false, true}, {true, false}, {false, false}} {
						if err := checkLinearForward(b, lf, f, h, fwd[0], fwd[1]); err != nil {
							t.Errorf("%s: forward, z kept %v, bias %v: %v", where, fwd[0], fwd[1], err)
						}
					}
					for i, v := range linearBackwardVariants {
						if err := checkLinearBackward(b, lf, f, h, i, false); err != nil {
							t.Errorf("%s: backward %s: %v", where, v.name, err)
						}
					}
					if f.Kind == backend.Identity {
						if err := checkLinearBackward(b, lf, f, h, 0, true); err != nil {
							t.Errorf("%s: backward without z: %v", where, err)
						}
					}
				}
			}
		})
	}
	t.Run("errors", func(t *testing.T) { runLinearErrors(t, b, lf) })
}

// linearDraw draws a check's host data from a seed of its activation, size
// and input kind. Extreme inputs are those of the extreme run of Cases;
// non-finite ones are normal with NaN, +Inf and −Inf put into each input.
func linearDraw(f backend.Activation, d linearDim, inputs string) linearHost {
	seed := caseSeed("linear "+f.String()+" "+inputs, Dims{M: d.batch, N: d.out, K: d.in}, false)
	in := func(i, r, c int) []float32 {
		return draw(In{Shape: shp(r, c)}, seed+uint64(i), inputs == "extreme")
	}
	h := linearHost{d: d,
		x: in(0, d.batch, d.in), w: in(1, d.in, d.out), bias: in(2, 1, d.out), z: in(3, d.batch, d.out),
		dy: in(4, d.batch, d.out), dx0: in(5, d.batch, d.in), dw0: in(6, d.in, d.out), db0: in(7, 1, d.out),
	}
	if inputs == "non-finite" {
		r := backend.NewRand(seed + 8)
		nan, inf := float32(math.NaN()), float32(math.Inf(1))
		for _, s := range []struct {
			data []float32
			vals []float32
		}{{h.x, []float32{nan, inf}}, {h.w, []float32{-inf}}, {h.bias, []float32{nan}},
			{h.z, []float32{nan, inf, -inf}}, {h.dy, []float32{inf, nan}}} {
			for _, v := range s.vals {
				s.data[r.IntN(len(s.data))] = v
			}
		}
	}
	return h
}

// lipschitz bounds |f'| for every activation under test: at least 1.13
// (GELU's derivative peaks at 1.129, SiLU's at 1.100), else the largest
// |f'| of the table's reference on a fine grid of [−20, 20], with 1% to
// spare (SELU's 1.758 just left of 0, LeakyReLU's and ELU's parameter).
func lipschitz(f backend.Activation) float64 {
	if m, ok := lipschitzOf.Load(f); ok {
		return m.(float64)
	}
	m := 1.13
	for i := -20000; i <= 20000; i++ {
		x := float64(i) / 1000
		m = math.Max(m, 1.01*math.Abs(activationDerivative(f, x)))
		m = math.Max(m, 1.01*math.Abs(activationDerivative(f, -math.Abs(x)*1e-9)))
	}
	lipschitzOf.Store(f, m)
	return m
}

// lipschitzOf caches lipschitz, which the checks call per element.
var lipschitzOf sync.Map

// checkLinearForward runs LinearForward (z kept or nil, with or without
// bias) and the unfused calls on h and compares y and z.
func checkLinearForward(b backend.Backend, lf backend.LinearFuser, f backend.Activation, h linearHost, keepZ, withBias bool) error {
	s := &session{b: b}
	defer s.release()
	d := h.d
	out := shp(d.batch, d.out)
	x, w := s.up(shp(d.batch, d.in), h.x), s.up(shp(d.in, d.out), h.w)
	var bias backend.Tensor
	if withBias {
		bias = s.up(shp(1, d.out), h.bias)
	}
	zu, yu := s.poisoned(out), s.poisoned(out)
	if s.err == nil {
		s.do(b.MatMul(backend.NoTrans, backend.NoTrans, 1, x, w, 0, zu))
		if withBias {
			s.do(b.AddBias(zu, zu, bias))
		}
		s.do(b.ActivationForward(f, yu, zu))
	}
	want := s.down(yu, zu)
	var got [][]float32
	for run := 0; run < 2 && s.err == nil; run++ {
		y, z := s.poisoned(out), backend.Tensor(nil)
		if keepZ {
			z = s.poisoned(out)
		}
		if s.err == nil {
			s.do(lf.LinearForward(f, y, z, x, w, bias))
		}
		res := s.down(y, z)
		if run == 1 && s.err == nil {
			if msg := linearSameBits(res, got); msg != "" {
				return fmt.Errorf("second run: %s", msg)
			}
		}
		got = res
	}
	if s.err != nil {
		return s.err
	}
	// The error scale of z is Σ_l |x_il·W_lj| + |b_j|; y's adds L·that to |y|.
	sz := make([]float64, out.Len())
	sy := make([]float64, out.Len())
	for i := 0; i < d.batch; i++ {
		for j := 0; j < d.out; j++ {
			var a float64
			for l := 0; l < d.in; l++ {
				a += math.Abs(float64(h.x[i*d.in+l]) * float64(h.w[l*d.out+j]))
			}
			if withBias {
				a += math.Abs(float64(h.bias[j]))
			}
			sz[i*d.out+j] = a
			sy[i*d.out+j] = lipschitz(f)*a + math.Abs(float64(want[0][i*d.out+j]))
		}
	}
	var msgs []string
	if msg := DiffScaled(out, got[0], To64(want[0]), sy, linearTol); msg != "" {
		msgs = append(msgs, "y: "+msg)
	}
	if keepZ {
		if msg := DiffScaled(out, got[1], To64(want[1]), sz, linearTol); msg != "" {
			msgs = append(msgs, "z: "+msg)
		}
	}
	return joinMsgs(msgs)
}

// checkLinearBackward runs LinearBackward as linearBackwardVariants[variant]
// says (with z nil when noZ, for the identity) and the unfused calls on h,
// and compares the gradients asked for.
func checkLinearBackward(b backend.Backend, lf backend.LinearFuser, f backend.Activation, h linearHost, variant int, noZ bool) error {
	v := linearBackwardVariants[variant]
	s := &session{b: b}
	defer s.release()
	d := h.d
	xs, ws, out, bs := shp(d.batch, d.in), shp(d.in, d.out), shp(d.batch, d.out), shp(1, d.out)
	x, w, z, dy := s.up(xs, h.x), s.up(ws, h.w), s.up(out, h.z), s.up(out, h.dy)
	// start is a gradient's starting tensor: its prior contents when
	// accumulated into, NaN when beta 0 must ignore them.
	start := func(shape backend.Shape, data []float32, beta float32) backend.Tensor {
		if beta != 0 {
			return s.up(shape, data)
		}
		return s.poisoned(shape)
	}
	dxu, dwu, dbu := start(xs, h.dx0, v.betaX), start(ws, h.dw0, v.betaW), start(bs, h.db0, v.betaB)
	yz, dz, colsum := s.poisoned(out), s.poisoned(out), s.poisoned(bs)
	if s.err == nil {
		s.do(b.ActivationForward(f, yz, z))
		s.do(b.ActivationBackward(f, dz, z, yz, dy))
		s.do(b.MatMul(backend.Trans, backend.NoTrans, 1, x, dz, v.betaW, dwu))
		s.do(b.ColSum(colsum, dz))
		if v.betaB != 0 {
			s.do(b.Axpy(v.betaB, dbu, colsum)) // colsum + betaB·db: the contract's order
		}
		s.do(b.MatMul(backend.NoTrans, backend.Trans, 1, dz, w, v.betaX, dxu))
	}
	want := s.down(dxu, dwu, colsum)
	zf := z
	if noZ {
		zf = nil
	}
	var got [][]float32
	for run := 0; run < 2 && s.err == nil; run++ {
		var dx, dw, db backend.Tensor
		if v.dx {
			dx = start(xs, h.dx0, v.betaX)
		}
		if v.dw {
			dw = start(ws, h.dw0, v.betaW)
		}
		if v.db {
			db = start(bs, h.db0, v.betaB)
		}
		if s.err == nil {
			s.do(lf.LinearBackward(f, dx, dw, db, x, w, zf, dy, v.betaX, v.betaW, v.betaB))
		}
		res := s.down(dx, dw, db)
		if run == 1 && s.err == nil {
			if msg := linearSameBits(res, got); msg != "" {
				return fmt.Errorf("second run: %s", msg)
			}
		}
		got = res
	}
	if s.err != nil {
		return s.err
	}
	sx, sw, sb := linearGradScales(f, h, v.betaX, v.betaW, v.betaB)
	var msgs []string
	for i, g := range []struct {
		name  string
		shape backend.Shape
		scale []float64
	}{{"dx", xs, sx}, {"dW", ws, sw}, {"db", bs, sb}} {
		if got[i] == nil {
			continue
		}
		if msg := DiffScaled(g.shape, got[i], To64(want[i]), g.scale, linearTol); msg != "" {
			msgs = append(msgs, g.name+": "+msg)
		}
	}
	return joinMsgs(msgs)
}

// linearGradScales are the gradients' error scales, with |dz| ≤ L·|dy|:
//
//	dx[i,l]: L·Σ_j |dy_ij|·|W_lj| + |betaX·dx0|
//	dW[l,j]: L·Σ_i |x_il|·|dy_ij| + |betaW·dW0|
//	db[j]:   L·Σ_i |dy_ij|        + |betaB·db0|
func linearGradScales(f backend.Activation, h linearHost, betaX, betaW, betaB float32) (sx, sw, sb []float64) {
	d, L := h.d, lipschitz(f)
	abs := func(v float32) float64 { return math.Abs(float64(v)) }
	sx, sw, sb = make([]float64, d.batch*d.in), make([]float64, d.in*d.out), make([]float64, d.out)
	for i := 0; i < d.batch; i++ {
		for j := 0; j < d.out; j++ {
			g := L * abs(h.dy[i*d.out+j])
			sb[j] += g
			for l := 0; l < d.in; l++ {
				sx[i*d.in+l] += g * abs(h.w[l*d.out+j])
				sw[l*d.out+j] += g * abs(h.x[i*d.in+l])
			}
		}
	}
	for k := range sx {
		sx[k] += abs(betaX * h.dx0[k])
	}
	for k := range sw {
		sw[k] += abs(betaW * h.dw0[k])
	}
	for k := range sb {
		sb[k] += abs(betaB * h.db0[k])
	}
	return sx, sw, sb
}

// runLinearErrors checks the fused calls' argument errors.
func runLinearErrors(t *testing.T, b backend.Backend, lf backend.LinearFuser) {
	newT := func(r, c int) backend.Tensor {
		x, err := backend.FromData(b, shp(r, c), make([]float32, r*c))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Release(x) })
		return x
	}
	relu, id := backend.Activation{Kind: backend.ReLU}, backend.Activation{}
	x, w, bias, y, z, dx, dw, db := newT(3, 4), newT(4, 2), newT(1, 2), newT(3, 2), newT(3, 2), newT(3, 4), newT(4, 2), newT(1, 2)
	checkErrors(t, []errorCase{
		{"forward inner dims", func() error { return lf.LinearForward(relu, y, z, x, newT(5, 2), bias) }, backend.ErrShape, []string{"linear forward", "3×4", "5×2"}},
		{"forward y shape", func() error { return lf.LinearForward(relu, newT(2, 3), z, x, w, bias) }, backend.ErrShape, []string{"linear forward", "3×2", "2×3"}},
		{"forward z shape", func() error { return lf.LinearForward(relu, y, newT(3, 3), x, w, bias) }, backend.ErrShape, []string{"z", "3×3"}},
		{"forward bias shape", func() error { return lf.LinearForward(relu, y, z, x, w, newT(2, 1)) }, backend.ErrShape, []string{"bias", "2×1"}},
		{"forward y is z", func() error { return lf.LinearForward(relu, y, y, x, w, bias) }, backend.ErrAlias, []string{"linear forward"}},
		{"forward y is x", func() error { sq := newT(3, 3); return lf.LinearForward(relu, sq, nil, sq, newT(3, 3), nil) }, backend.ErrAlias, nil},
		{"forward kind", func() error { return lf.LinearForward(backend.Activation{Kind: 200}, y, z, x, w, bias) }, backend.ErrInvalidArgument, nil},
		{"forward nil y", func() error { return lf.LinearForward(relu, nil, z, x, w, bias) }, backend.ErrForeign, nil},
		{"forward foreign bias", func() error { return lf.LinearForward(relu, y, z, x, w, foreignTensor{}) }, backend.ErrForeign, nil},
		{"backward dy shape", func() error { return lf.LinearBackward(relu, dx, dw, db, x, w, z, newT(3, 3), 0, 0, 0) }, backend.ErrShape, []string{"linear backward", "dy", "3×3"}},
		{"backward dw shape", func() error { return lf.LinearBackward(relu, dx, newT(2, 4), db, x, w, z, y, 0, 0, 0) }, backend.ErrShape, []string{"dw", "2×4", "4×2"}},
		{"backward db shape", func() error { return lf.LinearBackward(relu, dx, dw, newT(3, 2), x, w, z, y, 0, 0, 0) }, backend.ErrShape, []string{"db", "3×2"}},
		{"backward nil z", func() error { return lf.LinearBackward(relu, dx, dw, db, x, w, nil, y, 0, 0, 0) }, backend.ErrForeign, []string{"relu"}},
		{"backward dw is db", func() error { v := newT(1, 2); return lf.LinearBackward(id, nil, v, v, newT(3, 1), v, nil, y, 0, 0, 0) }, backend.ErrAlias, nil},
		{"backward dx is dy", func() error { return lf.LinearBackward(id, y, nil, nil, newT(3, 2), newT(2, 2), nil, y, 0, 0, 0) }, backend.ErrAlias, []string{"dx"}},
	})
}

// session holds the tensors of one check, with the first error.
type session struct {
	b    backend.Backend
	live []backend.Tensor
	err  error
}

func (s *session) do(err error) {
	if s.err == nil {
		s.err = err
	}
}

// up uploads data as a new tensor of shape sh; nil after an error.
func (s *session) up(sh backend.Shape, data []float32) backend.Tensor {
	if s.err != nil {
		return nil
	}
	t, err := backend.FromData(s.b, sh, data)
	s.do(err)
	if err == nil {
		s.live = append(s.live, t)
	}
	return t
}

// poisoned is a new tensor filled with NaN.
func (s *session) poisoned(sh backend.Shape) backend.Tensor {
	return s.up(sh, initialOutput(poisoned(sh), nil))
}

// down downloads each tensor (nil for a nil one).
func (s *session) down(ts ...backend.Tensor) [][]float32 {
	out := make([][]float32, len(ts))
	for i, t := range ts {
		if t == nil || s.err != nil {
			continue
		}
		var err error
		out[i], err = backend.ToHost(s.b, t)
		s.do(err)
	}
	return out
}

func (s *session) release() {
	for _, t := range s.live {
		s.b.Release(t)
	}
}

// linearSameBits reports the first output whose bits differ between two
// runs (NaN matches NaN), or "".
func linearSameBits(a, b [][]float32) string {
	for i := range a {
		for j := range a[i] {
			x, y := a[i][j], b[i][j]
			if math.Float32bits(x) != math.Float32bits(y) && (x == x || y == y) {
				return fmt.Sprintf("output %d element %d: %g then %g", i, j, y, x)
			}
		}
	}
	return ""
}

func joinMsgs(msgs []string) error {
	if len(msgs) == 0 {
		return nil
	}
	return errors.New(strings.Join(msgs, "; "))
}
