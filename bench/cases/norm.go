package cases

import (
	"fmt"

	"gltrain/backend"
)

// Norms covers LayerNorm's forward and backward pass together, over rows
// of a transformer's width: 4096×768 is GPT-2 small's activations for a
// batch of 4 sequences of 1024 tokens (issue #23's target against
// PyTorch's CPU). Its bytes are the least a pass must move: x and y
// forward; dy, x and dx backward (dw and db are 1×768).
func Norms() []Case {
	var cs []Case
	for _, s := range [][2]int{{4096, 768}, {128, 768}} {
		m, n := s[0], s[1]
		cs = append(cs, Case{
			Op: "LayerNorm", Shape: fmt.Sprintf("%dx%d/fwd+bwd", m, n), Quick: m == 4096,
			Work: Work{Bytes: 4 * 5 * float64(m*n)},
			Setup: func(b backend.Backend) (func() error, func(), error) {
				nb, ok := b.(backend.Normalizer)
				if !ok {
					return nil, nil, fmt.Errorf("LayerNorm: backend %s has no Normalizer", b.Name())
				}
				// x, y, dy, dx (m×n); w, b, dw, db (1×n); stats (m×2).
				ts, release, err := tensors(b, shape(m, n), shape(m, n), shape(m, n), shape(m, n),
					shape(1, n), shape(1, n), shape(1, n), shape(1, n), shape(m, 2))
				if err != nil {
					return nil, nil, err
				}
				x, y, dy, dx, w, bias, dw, db, stats := ts[0], ts[1], ts[2], ts[3], ts[4], ts[5], ts[6], ts[7], ts[8]
				return func() error {
					if err := nb.LayerNormForward(backend.LayerNormEps, y, stats, x, w, bias); err != nil {
						return err
					}
					return nb.LayerNormBackward(dx, dw, db, dy, x, w, stats)
				}, release, nil
			},
		})
	}
	return cs
}
