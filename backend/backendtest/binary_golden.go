package backendtest

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"sync"
)

//go:embed testdata/binary_golden.json
var binaryGoldenJSON []byte

// BinaryGoldenPoints are the values whose every pair (a, b) the binary
// golden file covers (float32 values): NaN, ±Inf, ±0, ties among the
// finite ones, and 3e38 and −1e−30, whose products and quotients leave
// float32's range. Pair k is (points[k/n], points[k%n]).
func BinaryGoldenPoints() []float32 {
	return []float32{nan32, inf32, -inf32, 0, negZero32, 1, -1, 2.5, -3, 0.5, 3e38, -1e-30}
}

// BinaryGoldenDys are the upstream gradients each pair meets in the golden
// file's backward pass.
func BinaryGoldenDys() []float32 { return []float32{1, -2, inf32, nan32, 0} }

// BinaryGolden is one op's row of the binary golden file, in float64: f at
// each pair, and da, db at each pair for each of BinaryGoldenDys.
type BinaryGolden struct {
	F      []float64
	DA, DB [][]float64
}

// BinaryGoldens returns the golden file's rows (testdata/binary_golden.json,
// made by testdata/binary_golden.py from torch 1.13), keyed by the op's
// name; an error when the file does not parse or was made at other points.
var BinaryGoldens = sync.OnceValues(func() (map[string]BinaryGolden, error) {
	var file struct {
		Points, Dys []string
		Ops         map[string]struct {
			F      []string
			DA, DB [][]string
		}
	}
	if err := json.Unmarshal(binaryGoldenJSON, &file); err != nil {
		return nil, fmt.Errorf("binary_golden.json: %w", err)
	}
	ps, dys := BinaryGoldenPoints(), BinaryGoldenDys()
	if fmt.Sprint(parseAll(file.Points)) != fmt.Sprint(widen(ps)) || fmt.Sprint(parseAll(file.Dys)) != fmt.Sprint(widen(dys)) {
		return nil, fmt.Errorf("binary_golden.json was made at other points than BinaryGoldenPoints and BinaryGoldenDys: run binary_golden.py")
	}
	pairs := len(ps) * len(ps)
	rows := map[string]BinaryGolden{}
	for name, r := range file.Ops {
		g := BinaryGolden{F: parseAll(r.F)}
		for k := range r.DA {
			g.DA = append(g.DA, parseAll(r.DA[k]))
			g.DB = append(g.DB, parseAll(r.DB[k]))
		}
		if len(g.F) != pairs || len(g.DA) != pairs || len(g.DB) != pairs || len(g.DA[0]) != len(dys) || len(g.DB[0]) != len(dys) {
			return nil, fmt.Errorf("binary_golden.json: %s: wrong number of values", name)
		}
		rows[name] = g
	}
	return rows, nil
})

// BinaryFloat32Safe reports whether a backend computing in float32 can be
// held to the golden values at the pair (a, b): neither is 3e38 or −1e−30,
// whose float64 intermediates (a/b/b in div's ∂/∂b) differ from float32's
// by overflow or underflow, so that an infinite dy meets a 0 in one and a
// tiny number in the other. The table's float64 references are checked at
// every pair (backend's TestBinaryGolden).
func BinaryFloat32Safe(a, b float32) bool {
	extreme := func(x float32) bool { return x == 3e38 || x == -1e-30 }
	return !extreme(a) && !extreme(b)
}

// sameFloat reports whether got is want, NaN as NaN and zeros by sign.
func sameFloat(got, want float64) bool {
	if math.IsNaN(want) || math.IsNaN(got) {
		return math.IsNaN(want) && math.IsNaN(got)
	}
	return got == want && math.Signbit(got) == math.Signbit(want)
}
