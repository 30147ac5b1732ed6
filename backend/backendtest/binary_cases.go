package backendtest

import (
	"fmt"
	"math"

	"gltrain/backend"
)

// binaryCaseDims are the sizes of the binary op cases: a scalar, and
// outputs that are not multiples of the work group.
var binaryCaseDims = []Dims{{1, 1, 1}, {7, 13, 5}, {129, 65, 129}}

// binarier returns b's backend.Binarier, or an error wrapping
// ErrUnsupported for a backend without one (runCase skips it).
func binarier(b backend.Backend) (backend.Binarier, error) {
	bb, ok := b.(backend.Binarier)
	if !ok {
		return nil, fmt.Errorf("binary: %s: %w", b.Name(), backend.ErrUnsupported)
	}
	return bb, nil
}

// binaryOpCases are every op of the binary table in every broadcast form
// (binaryForms), forward and backward, as conformance cases: so the guard
// bands, the extreme inputs (±0 divisors among them) and the comparison of
// backends cover them too. The oracles are the table's float64 references;
// add's and sub's error scale is |a| + |b| (cancellation), the others' the
// result's magnitude, at binaryTol.
func binaryOpCases() []Case {
	var cs []Case
	for _, op := range backend.BinaryOps() {
		d := op.Def()
		for _, f := range binaryForms {
			setup := func(dm Dims, backward bool) ([]In, []Out) {
				m, n := dm.M, dm.N
				ins := []In{{Shape: f.a(m, n)}, {Shape: f.b(m, n)}}
				if !backward {
					return ins, []Out{poisoned(shp(m, n))}
				}
				return append(ins, In{Shape: shp(m, n)}), []Out{poisoned(shp(m, n)), poisoned(shp(m, n))}
			}
			// at returns the operands of output element i.
			at := func(out Mat, in []Mat, i int) (float64, float64) {
				return in[0].Data[bcastIndex(in[0].Shape, out.Shape)(i)], in[1].Data[bcastIndex(in[1].Shape, out.Shape)(i)]
			}
			cs = append(cs, Case{
				Name: fmt.Sprintf("binary %s forward %s", op, f.name), Dims: binaryCaseDims, Tol: binaryTol,
				Setup: func(dm Dims) ([]In, []Out) { return setup(dm, false) },
				Run: func(b backend.Backend, out, in []backend.Tensor) error {
					bb, err := binarier(b)
					if err != nil {
						return err
					}
					return bb.BinaryForward(op, out[0], in[0], in[1])
				},
				Oracle: func(out, in []Mat) {
					for i := range out[0].Data {
						x, y := at(out[0], in, i)
						out[0].Data[i] = d.F(x, y)
						if op == backend.BinaryAdd || op == backend.BinarySub {
							out[0].setScale(i, math.Abs(x)+math.Abs(y))
						}
					}
				},
			}, Case{
				Name: fmt.Sprintf("binary %s backward %s", op, f.name), Dims: binaryCaseDims, Tol: binaryTol,
				Setup: func(dm Dims) ([]In, []Out) { return setup(dm, true) },
				Run: func(b backend.Backend, out, in []backend.Tensor) error {
					bb, err := binarier(b)
					if err != nil {
						return err
					}
					return bb.BinaryBackward(op, out[0], out[1], in[0], in[1], in[2])
				},
				Oracle: func(out, in []Mat) {
					for i := range out[0].Data {
						x, y := at(out[0], in, i)
						out[0].Data[i], out[1].Data[i] = d.DA(x, y, in[2].Data[i]), d.DB(x, y, in[2].Data[i])
					}
				},
			})
		}
	}
	return cs
}
