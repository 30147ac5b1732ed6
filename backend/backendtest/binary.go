package backendtest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gltrain/backend"
)

// binaryTol is the tolerance of a float32 kernel against the float64
// reference of its float32 inputs. Addition, subtraction, multiplication
// and the selections round once (0.5 ulp, 6e-8); GLSL's division may be
// a·(1/b), 2.5 ulp, and div's ∂/∂b, −dy·((a/b)/b), chains two divisions
// and a product: about 6 ulp, 7e-7. So 1e-6 relative, and 1e-30 absolute
// for the zeros the references give exactly.
var binaryTol = Tol{ATol: 1e-30, RTol: 1e-6}

// runBinary checks a backend.Binarier: every op of the table at the golden
// points against PyTorch, on random inputs in every broadcast form against
// the table's float64 references, in place, and its errors. A backend
// without Binarier is skipped, naming why.
func runBinary(t *testing.T, b backend.Backend) {
	bb, ok := b.(backend.Binarier)
	if !ok {
		t.Skipf("%s does not implement backend.Binarier", b.Name())
	}
	t.Run("golden", func(t *testing.T) { runBinaryGolden(t, b, bb) })
	t.Run("broadcast", func(t *testing.T) { runBinaryBroadcast(t, b, bb) })
	t.Run("errors", func(t *testing.T) { runBinaryErrors(t, b, bb) })
}

// runBinaryGolden checks every op's forward and backward pass against
// PyTorch's golden values at the pairs of BinaryGoldenPoints a float32
// kernel can be held to (BinaryFloat32Safe), each meeting each of
// BinaryGoldenDys: NaN, ±Inf and the sign of zero exactly, finite values
// within binaryTol of the golden value rounded to float32. An op missing
// from the golden file fails.
func runBinaryGolden(t *testing.T, b backend.Backend, bb backend.Binarier) {
	golden, err := BinaryGoldens()
	if err != nil {
		t.Fatal(err)
	}
	ps, dys := BinaryGoldenPoints(), BinaryGoldenDys()
	var as, bs, gs []float32
	var at [][2]int // (pair, dy index) of each element
	for k := 0; k < len(ps)*len(ps); k++ {
		a, bv := ps[k/len(ps)], ps[k%len(ps)]
		if !BinaryFloat32Safe(a, bv) {
			continue
		}
		for j, dy := range dys {
			as, bs, gs = append(as, a), append(bs, bv), append(gs, dy)
			at = append(at, [2]int{k, j})
		}
	}
	for _, op := range backend.BinaryOps() {
		t.Run(op.String(), func(t *testing.T) {
			g, ok := golden[op.String()]
			if !ok {
				t.Fatalf("binary_golden.json has no %s: run backend/backendtest/testdata/binary_golden.py", op)
			}
			s := &session{b: b}
			defer s.release()
			sh := shp(len(as), 1)
			xa, xb, dy := s.up(sh, as), s.up(sh, bs), s.up(sh, gs)
			y, da, db := s.poisoned(sh), s.poisoned(sh), s.poisoned(sh)
			if s.err == nil {
				s.do(bb.BinaryForward(op, y, xa, xb))
				s.do(bb.BinaryBackward(op, da, db, xa, xb, dy))
			}
			got := s.down(y, da, db)
			if s.err != nil {
				t.Fatal(s.err)
			}
			for i, e := range at {
				k, j := e[0], e[1]
				for n, w := range [3]float64{g.F[k], g.DA[k][j], g.DB[k][j]} {
					if !binaryClose(got[n][i], w) {
						t.Errorf("%s %s at a=%g b=%g dy=%g: got %g, PyTorch %g",
							op, [3]string{"f", "da", "db"}[n], as[i], bs[i], gs[i], got[n][i], w)
					}
				}
			}
		})
	}
}

// binaryClose reports whether got is want rounded to float32: NaN as NaN,
// infinities and zeros exactly (by sign), finite values within binaryTol.
func binaryClose(got float32, want float64) bool {
	w, g := float64(float32(want)), float64(got)
	if math.IsNaN(w) || math.IsInf(w, 0) || w == 0 || math.IsNaN(g) || math.IsInf(g, 0) {
		return sameFloat(g, w)
	}
	return math.Abs(g-w) <= binaryTol.ATol+binaryTol.RTol*math.Abs(w)
}

// binaryForm is a broadcast form: the shapes of a and b for an m×n output.
type binaryForm struct {
	name string
	a, b func(m, n int) backend.Shape
}

func full(m, n int) backend.Shape        { return shp(m, n) }
func rowVec(_, n int) backend.Shape      { return shp(1, n) }
func colVec(m, _ int) backend.Shape      { return shp(m, 1) }
func scalarShape(_, _ int) backend.Shape { return shp(1, 1) }

// binaryForms are the broadcast forms of the rule in the backend package
// doc: b each row, each column or a scalar, and the same with a.
var binaryForms = []binaryForm{
	{"m×n,m×n", full, full}, {"m×n,1×n", full, rowVec}, {"m×n,m×1", full, colVec}, {"m×n,1×1", full, scalarShape},
	{"1×n,m×n", rowVec, full}, {"m×1,m×n", colVec, full}, {"1×1,m×n", scalarShape, full},
}

// runBinaryBroadcast checks every op in every broadcast form, at sizes that
// are not multiples of the work group (3×257, 130×3), against the table's
// float64 references of the same float32 inputs: the forward pass, the
// backward pass with both gradients, with only db (da nil), and with db
// written over dy, and the forward pass written over a. Inputs are
// multiples of ¼ in [−2, 2], so that maximum and minimum meet ties, and
// div's divisor is at least ½ in magnitude.
func runBinaryBroadcast(t *testing.T, b backend.Backend, bb backend.Binarier) {
	for _, op := range backend.BinaryOps() {
		d := op.Def()
		for fi, f := range binaryForms {
			for _, mn := range [][2]int{{3, 257}, {130, 3}} {
				m, n := mn[0], mn[1]
				t.Run(fmt.Sprintf("%s/%s/%dx%d", op, f.name, m, n), func(t *testing.T) {
					r := rand.New(rand.NewPCG(uint64(op)*100+uint64(fi), uint64(m)))
					sa, sb, sy := f.a(m, n), f.b(m, n), shp(m, n)
					av, bv, gv := binaryDraw(r, sa.Len(), false), binaryDraw(r, sb.Len(), op == backend.BinaryDiv), binaryDraw(r, sy.Len(), false)
					ia, ib := bcastIndex(sa, sy), bcastIndex(sb, sy)
					wantY, wantDA, wantDB := make([]float64, sy.Len()), make([]float64, sy.Len()), make([]float64, sy.Len())
					for i := range wantY {
						x, y, g := float64(av[ia(i)]), float64(bv[ib(i)]), float64(gv[i])
						wantY[i], wantDA[i], wantDB[i] = d.F(x, y), d.DA(x, y, g), d.DB(x, y, g)
					}
					s := &session{b: b}
					defer s.release()
					xa, xb, dy := s.up(sa, av), s.up(sb, bv), s.up(sy, gv)
					y, da, db, db2 := s.poisoned(sy), s.poisoned(sy), s.poisoned(sy), s.poisoned(sy)
					if s.err == nil {
						s.do(bb.BinaryForward(op, y, xa, xb))
						s.do(bb.BinaryBackward(op, da, db, xa, xb, dy))
						s.do(bb.BinaryBackward(op, nil, db2, xa, xb, dy))
					}
					got := s.down(y, da, db, db2, dy)
					if s.err != nil {
						t.Fatal(s.err)
					}
					for j, w := range [][]float64{wantY, wantDA, wantDB, wantDB, To64(gv)} {
						if msg := Diff(sy, got[j], w, binaryTol); msg != "" {
							t.Errorf("%s: %s", [...]string{"forward", "da", "db", "db alone", "dy untouched"}[j], msg)
						}
					}
					s.do(bb.BinaryBackward(op, nil, dy, xa, xb, dy)) // in place: db overwrites dy
					if got := s.down(dy); s.err != nil {
						t.Fatal(s.err)
					} else if msg := Diff(sy, got[0], wantDB, binaryTol); msg != "" {
						t.Errorf("db into dy: %s", msg)
					}
					if f.a(m, n) == sy { // in place: dst = a
						s.do(bb.BinaryForward(op, xa, xa, xb))
						if got := s.down(xa); s.err != nil {
							t.Fatal(s.err)
						} else if msg := Diff(sy, got[0], wantY, binaryTol); msg != "" {
							t.Errorf("in place: %s", msg)
						}
					}
				})
			}
		}
	}
}

// binaryDraw returns n multiples of ¼ in [−2, 2], or with nonzero set in
// ±[½, 2].
func binaryDraw(r *rand.Rand, n int, nonzero bool) []float32 {
	v := make([]float32, n)
	for i := range v {
		if nonzero {
			v[i] = float32(2+r.IntN(7)) / 4 * float32(1-2*r.IntN(2))
		} else {
			v[i] = float32(r.IntN(17)-8) / 4
		}
	}
	return v
}

// bcastIndex maps an element of the output (shape out) to an operand's
// (shape s) under the broadcasting rule.
func bcastIndex(s, out backend.Shape) func(i int) int {
	return func(i int) int {
		r, c := i/out.Cols, i%out.Cols
		if s.Rows == 1 {
			r = 0
		}
		if s.Cols == 1 {
			c = 0
		}
		return r*s.Cols + c
	}
}

// runBinaryErrors checks that bad binary calls return the contract's
// errors, naming the op and the shapes, and never panic.
func runBinaryErrors(t *testing.T, b backend.Backend, bb backend.Binarier) {
	s := &session{b: b}
	defer s.release()
	z := func(r, c int) backend.Tensor { return s.up(shp(r, c), make([]float32, r*c)) }
	x34, x14, x31, x24, x43, x11 := z(3, 4), z(1, 4), z(3, 1), z(2, 4), z(4, 3), z(1, 1)
	if s.err != nil {
		t.Fatal(s.err)
	}
	checkErrors(t, []errorCase{
		{"no broadcast", func() error { return bb.BinaryForward(backend.BinaryDiv, x34, x34, x24) }, backend.ErrShape, []string{"div", "3×4", "2×4"}},
		{"transposed", func() error { return bb.BinaryForward(backend.BinaryMaximum, x34, x34, x43) }, backend.ErrShape, []string{"maximum", "3×4", "4×3"}},
		{"outer", func() error { return bb.BinaryForward(backend.BinaryMul, x34, x14, x31) }, backend.ErrShape, []string{"mul", "1×4", "3×1"}},
		{"dst", func() error { return bb.BinaryForward(backend.BinaryAdd, x14, x34, x14) }, backend.ErrShape, []string{"add", "1×4", "3×4"}},
		{"op", func() error { return bb.BinaryForward(200, x34, x34, x34) }, backend.ErrInvalidArgument, []string{"binary"}},
		{"da shape", func() error { return bb.BinaryBackward(backend.BinarySub, x14, nil, x34, x14, x34) }, backend.ErrShape, []string{"sub backward", "1×4", "3×4"}},
		{"dy shape", func() error { return bb.BinaryBackward(backend.BinarySub, x34, nil, x34, x14, x11) }, backend.ErrShape, []string{"sub", "1×1"}},
		{"no output", func() error { return bb.BinaryBackward(backend.BinaryMul, nil, nil, x34, x34, x34) }, backend.ErrInvalidArgument, []string{"mul backward"}},
		{"da is db", func() error { return bb.BinaryBackward(backend.BinaryMul, x34, x34, x34, x11, x34) }, backend.ErrAlias, []string{"mul backward"}},
		{"nil input", func() error { return bb.BinaryForward(backend.BinaryAdd, x34, nil, x34) }, backend.ErrForeign, nil},
		{"foreign output", func() error { return bb.BinaryBackward(backend.BinaryAdd, foreignTensor{}, nil, x34, x34, x34) }, backend.ErrForeign, nil},
	})
}
