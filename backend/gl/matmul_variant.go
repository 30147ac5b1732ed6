package gl

import (
	"fmt"
	"strconv"

	"gltrain/backend/gl/internal/glrt"
)

// A matmulVariant is one compiled form of matmul_forward.comp (see its
// header): the tile, whether global loads are vec4s, whether the tiles are
// double-buffered. The transposes are compiled in too, per call.
type matmulVariant struct {
	Tile int  `json:"tile"`
	Vec4 bool `json:"vec4"`
	DBuf bool `json:"dbuf"`
}

func (v matmulVariant) String() string {
	s := fmt.Sprintf("tile%d", v.Tile)
	if v.Vec4 {
		s += "-vec4"
	}
	if v.DBuf {
		s += "-dbuf"
	}
	return s
}

// matmulVariants lists every variant, the tuner's candidates.
var matmulVariants = func() []matmulVariant {
	var vs []matmulVariant
	for _, tile := range []int{32, 64, 128} {
		for _, vec4 := range []bool{false, true} {
			for _, dbuf := range []bool{false, true} {
				vs = append(vs, matmulVariant{tile, vec4, dbuf})
			}
		}
	}
	return vs
}()

// tileK is the variant's k-tile: 16, or 8 for double-buffered 128-tiles,
// which then fit in 32 KB of shared memory.
func (v matmulVariant) tileK() int {
	if v.DBuf && v.Tile == 128 {
		return 8
	}
	return 16
}

// sharedBytes is the shared memory a variant's work group uses: two
// operands' tiles of tileK × (tile + 1) floats, twice when double-buffered.
func (v matmulVariant) sharedBytes() int {
	bufs := 1
	if v.DBuf {
		bufs = 2
	}
	return bufs * 2 * v.tileK() * (v.Tile + 1) * 4
}

// matmulShape is what decides which variants may run a product and which
// is fastest: the transposes, whether vec4 loads are aligned, and the size.
type matmulShape struct {
	m, n, k int
	tA, tB  bool
}

// vec4OK reports whether both operands' contiguous dimensions are
// multiples of 4, so that every vec4 the kernel reads is aligned (views
// start at multiples of 64 elements).
func (s matmulShape) vec4OK() bool {
	ca, cb := s.k, s.n // op(A) is m×k, stored m×k or k×m
	if s.tA {
		ca = s.m
	}
	if s.tB {
		cb = s.k
	}
	return ca%4 == 0 && cb%4 == 0
}

// eligible reports whether v can run s on this device.
func (be *Backend) eligible(v matmulVariant, s matmulShape) bool {
	return (!v.Vec4 || s.vec4OK()) && v.sharedBytes() <= be.dev.Limits().SharedBytes
}

// defaultVariant is the choice without tuning: the largest tile that still
// gives at least 64 work groups (or the smallest tile), double-buffered
// from 64 on, vec4 loads where aligned.
func (be *Backend) defaultVariant(s matmulShape) matmulVariant {
	v := matmulVariant{Tile: 32}
	for _, tile := range []int{128, 64} {
		if ((s.m+tile-1)/tile)*((s.n+tile-1)/tile) >= 64 {
			v.Tile = tile
			break
		}
	}
	v.DBuf = v.Tile >= 64
	v.Vec4 = s.vec4OK()
	if !be.eligible(v, s) {
		v = matmulVariant{Tile: 32, Vec4: s.vec4OK()}
	}
	return v
}

// matmulProgram names the program of variant v for the transposes tA, tB:
// matmul_forward.comp with its defines (glrt.Variant), named once.
func matmulProgram(v matmulVariant, tA, tB bool) string {
	if name, ok := matmulNames[matmulKey{v, tA, tB}]; ok {
		return name
	}
	return variantName(v, tA, tB)
}

func variantName(v matmulVariant, tA, tB bool) string {
	vec := "1"
	if v.Vec4 {
		vec = "4"
	}
	return glrt.Variant("matmul_forward.comp", "TILE", strconv.Itoa(v.Tile), "TILE_K", strconv.Itoa(v.tileK()),
		"TRANS_A", strconv.Itoa(boolInt(tA)), "TRANS_B", strconv.Itoa(boolInt(tB)),
		"VEC", vec, "DBUF", strconv.Itoa(boolInt(v.DBuf)))
}

type matmulKey struct {
	v      matmulVariant
	tA, tB bool
}

// matmulNames holds every variant's program name, so that choosing one
// builds no string.
var matmulNames = func() map[matmulKey]string {
	names := map[matmulKey]string{}
	for _, v := range matmulVariants {
		for _, tA := range []bool{false, true} {
			for _, tB := range []bool{false, true} {
				names[matmulKey{v, tA, tB}] = variantName(v, tA, tB)
			}
		}
	}
	return names
}()
