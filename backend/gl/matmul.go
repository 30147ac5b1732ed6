package gl

import (
	"fmt"

	"gltrain/backend"
	"gltrain/backend/gl/internal/glrt"
)

// Tile sizes of matmul_forward.comp (its TILE_M and TILE_N defaults): one
// work group computes a tileM×tileN block of C.
const tileM, tileN = 64, 64

// Split-K (matmul_forward.comp, matmul_reduce.comp): no invocation sums more
// than kChunk products, since llvmpipe silently cuts short a loop that runs
// more than about 65,535 times (k = 40,000 summed 37,445 terms). A longer k
// is split into chunks of kChunk; a round computes up to maxSlices chunks
// at once, each into its own slice of a scratch buffer of partial
// products (at most partialCap elements), and matmul_reduce.comp adds the
// slices in order into C, with beta on the first round and 1 after.
const (
	kChunk     = 4096
	maxSlices  = 64 // matmul_reduce.comp's MAX_SLICES
	partialCap = 1 << 24
)

// splitK is the plan of a product's k: chunks of chunk elements, perRound
// of them a round, and the scratch buffer of a round's partial products.
type splitK struct {
	chunk, chunks, perRound int
	partial                 scratch
}

// Split-K for speed: a product with few output tiles and a long k (a weight
// gradient such as 256×10 over a batch of 1024) leaves most of a GPU idle,
// so its k is split until there are about minGroups work groups, in chunks
// of at least minChunk.
const (
	minGroups = 32
	minChunk  = 256
)

// planSplitK plans an m×n product over k on the caller's side (the scratch
// comes from the pool in queue order, see stream.go); the caller puts the
// scratch back after queuing. The plan depends on the shape alone, so a
// product adds its terms in the same order every run.
func (be *Backend) planSplitK(op string, m, n, k int) (splitK, error) {
	p := splitK{chunk: min(k, kChunk), perRound: 1}
	if groups := ((m + 63) / 64) * ((n + 63) / 64); k <= kChunk && groups < minGroups && k >= 2*minChunk {
		slices := min(minGroups/groups, k/minChunk, maxSlices)
		p.chunk = ((k+slices-1)/slices + 15) / 16 * 16 // whole k-tiles, so vec4 loads stay aligned
	}
	p.chunks = (k + p.chunk - 1) / p.chunk
	if p.chunks <= 1 {
		return p, nil
	}
	p.perRound = max(1, min(maxSlices, p.chunks, partialCap/(m*n)))
	if p.perRound > 1 {
		var err error
		if p.partial, err = be.getScratch(p.perRound * m * n); err != nil {
			return p, fmt.Errorf("gl: %s: %w", op, err)
		}
	}
	return p, nil
}

// rounds calls pass for each round of the plan: the first chunk, how many
// chunks it computes, and the beta the round applies to C (beta, then 1).
func (s splitK) rounds(beta float32, pass func(first, count int, beta float32) error) error {
	for r := 0; r < max(1, s.chunks); r += s.perRound {
		b := beta
		if r > 0 {
			b = 1
		}
		if err := pass(r, min(s.perRound, max(1, s.chunks)-r), b); err != nil {
			return err
		}
	}
	return nil
}

// reduceSlices dispatches matmul_reduce.comp: c = alpha·Σ slices of the
// partial buffer (rows row0 … row0+m−1 of each m·n slice … stride apart) +
// beta·c. It runs on the GL thread.
func (be *Backend) reduceSlices(s splitK, slices, stride, row0, m, n int, alpha, beta float32, c *Tensor) error {
	p, err := be.program("matmul_reduce.comp")
	if err != nil {
		return err
	}
	p.SetInt("m", m)
	p.SetInt("n", n)
	p.SetInt("slices", slices)
	p.SetInt("stride", stride)
	p.SetInt("row0", row0)
	p.SetFloat("alpha", alpha)
	p.SetFloat("beta", beta)
	return be.dev.Dispatch(p, groups(m*n), 1, 1, glrt.In(s.partial.buf), outArg(c, beta))
}

// MatMul computes C = alpha·op(A)·op(B) + beta·C (matmul_forward.comp, in
// the variant chooseMatMul picks, and matmul_reduce.comp when k is split).
func (be *Backend) MatMul(tA, tB backend.Transpose, alpha float32, a, b backend.Tensor, beta float32, c backend.Tensor) error {
	if err := backend.Check(be).MatMul(tA, tB, alpha, a, b, beta, c); err != nil {
		return err
	}
	ta, tb, tc := a.(*Tensor), b.(*Tensor), c.(*Tensor)
	s := matmulShape{m: tc.shape.Rows, n: tc.shape.Cols, k: tA.Apply(ta.shape).Cols, tA: bool(tA), tB: bool(tB)}
	if err := be.ready("matmul", matmulProgram(be.defaultVariant(s), s.tA, s.tB), "matmul_reduce.comp"); err != nil {
		return err
	}
	split, err := be.planSplitK("matmul", s.m, s.n, s.k)
	if err != nil {
		return err
	}
	defer be.putScratch(split.partial)
	return be.enqueue("matmul", func() error {
		v := be.chooseMatMul(s, ta, tb)
		p, err := be.program(matmulProgram(v, s.tA, s.tB))
		if err != nil {
			return err
		}
		return split.rounds(beta, func(first, count int, beta float32) error {
			partial := ta.in() // unused with one slice
			if count > 1 {
				partial = glrt.Out(split.partial.buf)
			}
			if err := be.dispatchMatMul(p, v, s, split, first, count, alpha, beta, ta, tb, outArg(tc, beta), partial); err != nil {
				return err
			}
			if count == 1 {
				return nil
			}
			return be.reduceSlices(split, count, s.m*s.n, 0, s.m, s.n, alpha, beta, tc)
		})
	})
}

// dispatchMatMul issues p, variant v of matmul_forward.comp, for count k
// chunks of s's product from chunk first: into c with one slice, else into
// the partial buffer. It runs on the GL thread.
func (be *Backend) dispatchMatMul(p *glrt.Program, v matmulVariant, s matmulShape, split splitK, first, count int, alpha, beta float32, a, b *Tensor, c, partial glrt.Arg) error {
	p.SetInt("m", s.m)
	p.SetInt("n", s.n)
	p.SetInt("k", s.k)
	p.SetInt("k_begin", first*split.chunk)
	p.SetInt("k_chunk", split.chunk)
	p.SetInt("slices", count)
	p.SetFloat("alpha", alpha)
	p.SetFloat("beta", beta)
	gx, gy := glrt.Cap((s.n+v.Tile-1)/v.Tile), glrt.Cap((s.m+v.Tile-1)/v.Tile)
	return be.dev.Dispatch(p, gx, gy, count, a.in(), b.in(), c, partial)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
