package gl

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gltrain/backend"
	"gltrain/backend/backendtest"
	"gltrain/backend/cpu"
)

// forceVariant makes every product of b run on v (nil: choose as usual).
func forceVariant(t *testing.T, b *Backend, v *matmulVariant) {
	t.Helper()
	if err := b.call("force", func() error { b.tune.force = v; return nil }); err != nil {
		t.Fatal(err)
	}
}

// TestMatMulVariants runs the matmul conformance cases on every variant of
// matmul_forward.comp in turn, not only the ones the defaults or the tuner
// pick, then checks that every variant gives the same bits as every other
// on products with edges in every dimension, k split or not, vec4 loads or
// not (each element sums its products in the same order in all of them).
func TestMatMulVariants(t *testing.T) {
	b := openForTest(t)
	if testing.Short() {
		t.Skip("compiles every variant")
	}
	for _, v := range matmulVariants {
		if v.sharedBytes() > b.dev.Limits().SharedBytes {
			t.Logf("%s: needs %d bytes of shared memory, the device has %d", v, v.sharedBytes(), b.dev.Limits().SharedBytes)
			continue
		}
		t.Run(v.String(), func(t *testing.T) {
			forceVariant(t, b, &v)
			defer forceVariant(t, b, nil)
			backendtest.RunCases(t, b, "matmul/")
		})
	}
	// Same bits across variants. 132×68 with k 4100: edges in m, n and a
	// second k chunk; multiples of 4 so vec4 loads run, and 130×66×4099
	// so they do not.
	for _, dims := range [][3]int{{132, 68, 4100}, {130, 66, 4099}, {3, 200, 17}} {
		m, n, k := dims[0], dims[1], dims[2]
		for _, tr := range [][2]backend.Transpose{{false, false}, {true, false}, {false, true}, {true, true}} {
			as, bs := shape(m, k), shape(k, n)
			if tr[0] {
				as = shape(k, m)
			}
			if tr[1] {
				bs = shape(n, k)
			}
			a, _ := backend.FromData(b, as, backend.NormalData(as.Len(), 1, 0, 1))
			bb, _ := backend.FromData(b, bs, backend.NormalData(bs.Len(), 2, 0, 1))
			c, _ := b.New(shape(m, n))
			var want []float32
			var wantFrom matmulVariant
			for _, v := range matmulVariants {
				if v.sharedBytes() > b.dev.Limits().SharedBytes {
					continue
				}
				forceVariant(t, b, &v)
				if err := b.MatMul(tr[0], tr[1], 1, a, bb, 0, c); err != nil {
					t.Fatal(err)
				}
				got, err := backend.ToHost(b, c)
				if err != nil {
					t.Fatal(err)
				}
				if want == nil {
					want, wantFrom = got, v
					continue
				}
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%dx%dx%d %v: %s gives %v at %d, %s gives %v", m, n, k, tr, v, got[i], i, wantFrom, want[i])
					}
				}
			}
			forceVariant(t, b, nil)
			b.Release(a)
			b.Release(bb)
			b.Release(c)
		}
	}
}

// TestTuner tunes a product with GLTRAIN_GL_TUNE=on into a fresh cache
// folder, checks the cache file holds the choice and a second backend reads
// it instead of timing again; a corrupt cache gives a one-line notice and
// is ignored; GLTRAIN_GL_TUNE=off neither tunes nor touches the cache.
func TestTuner(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	t.Setenv("GLTRAIN_GL_TUNE", "on")
	b := openForTest(t)
	r, err := b.TuneMatMul(40, 36, 20, false, true)
	if err != nil {
		t.Fatal(err)
	}
	if r.Choice == "" || len(r.Timings) == 0 {
		t.Fatalf("tuning report %+v: want a choice and the timings", r)
	}
	t.Logf("%s: %s; %s", r.Class, r.Choice, strings.Join(r.Timings, ", "))
	files, _ := filepath.Glob(filepath.Join(cache, "gltrain", "gl-tune", "*.json"))
	if len(files) != 1 {
		t.Fatalf("cache files %v, want one", files)
	}
	raw, _ := os.ReadFile(files[0])
	var tf tuneFile
	if err := json.Unmarshal(raw, &tf); err != nil || tf.Choices[r.Class].String() != r.Choice {
		t.Fatalf("cache %s holds %+v (%v), want %s for %s", files[0], tf, err, r.Choice, r.Class)
	}

	// A second backend takes the cached choice without timing.
	b2 := openForTest(t)
	r2, err := b2.TuneMatMul(40, 36, 20, false, true)
	if err != nil || r2.Choice != r.Choice || len(r2.Timings) != 0 {
		t.Fatalf("from the cache: %+v (%v), want %s and no timings", r2, err, r.Choice)
	}

	// A corrupt cache: a notice naming it, then tuning as if there were none.
	if err := os.WriteFile(files[0], []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	b3 := openForTest(t)
	if n := b3.TuneNotice(); !strings.Contains(n, "ignoring the matmul tuning cache") || !strings.Contains(n, files[0]) || strings.Contains(n, "\n") {
		t.Fatalf("notice %q: want one line naming %s", n, files[0])
	}
	if r3, err := b3.TuneMatMul(40, 36, 20, false, true); err != nil || len(r3.Timings) == 0 {
		t.Fatalf("after a corrupt cache: %+v (%v), want tuning", r3, err)
	}

	// Off: defaults, no timing, the cache untouched.
	t.Setenv("GLTRAIN_GL_TUNE", "off")
	os.Remove(files[0])
	b4 := openForTest(t)
	r4, err := b4.TuneMatMul(40, 36, 20, false, true)
	if err != nil || len(r4.Timings) != 0 || r4.Choice != b4.defaultVariant(matmulShape{40, 36, 20, false, true}).String() {
		t.Fatalf("GLTRAIN_GL_TUNE=off: %+v (%v), want the default and no timings", r4, err)
	}
	if _, err := os.Stat(files[0]); !os.IsNotExist(err) {
		t.Fatalf("GLTRAIN_GL_TUNE=off wrote the cache (%v)", err)
	}
}

// TestTunerNoCacheDir tunes with GLTRAIN_GL_TUNE=on where there is no user
// cache folder ($HOME and $XDG_CACHE_HOME unset): the choice is kept for
// the run, and nothing is saved.
func TestTunerNoCacheDir(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", "")
	t.Setenv("HOME", "")
	t.Setenv("GLTRAIN_GL_TUNE", "on")
	if _, err := os.UserCacheDir(); err == nil {
		t.Skip("this platform has a cache folder without $HOME")
	}
	b := openForTest(t)
	r, err := b.TuneMatMul(40, 36, 20, false, true)
	if err != nil || r.Choice == "" || len(r.Timings) == 0 {
		t.Fatalf("tuning without a cache folder: %+v (%v), want a choice and the timings", r, err)
	}
	if n := b.TuneNotice(); n != "" {
		t.Fatalf("notice %q, want none", n)
	}
}

// TestTunerCacheUnknownVariant reads a cache holding one unknown variant
// among valid choices: the whole file is ignored, as the notice says, not
// whichever valid choices the map's order read before the bad one.
func TestTunerCacheUnknownVariant(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("GLTRAIN_GL_TUNE", "on")
	tf := tuneFile{Renderer: "r", Version: "v", Choices: map[string]matmulVariant{}}
	for i := range 64 {
		tf.Choices[fmt.Sprintf("class%d", i)] = matmulVariants[0]
	}
	tf.Choices["bad"] = matmulVariant{Tile: 48}
	path := newTuner("r", "v", false).path
	raw, _ := json.Marshal(tf)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	tu := newTuner("r", "v", false)
	if !strings.Contains(tu.notice, "unknown variant") || len(tu.file.Choices) != 0 {
		t.Fatalf("notice %q, %d choices kept: want the file ignored", tu.notice, len(tu.file.Choices))
	}
}

// TestMatMulVariantsNonFinite: a NaN or an infinity in an operand reaches
// the same outputs, as NaN or the same infinity, on every variant as on the
// CPU backend, vec4 loads included (68 and 36 are multiples of 4).
func TestMatMulVariantsNonFinite(t *testing.T) {
	b := openForTest(t)
	ref := cpu.New()
	m, n, k := 36, 68, 20
	ad := backend.NormalData(m*k, 3, 0, 1)
	bd := backend.NormalData(k*n, 4, 0, 1)
	ad[3*k+5] = float32(math.NaN())
	ad[7*k+2] = float32(math.Inf(1))
	bd[9*n+40] = float32(math.Inf(-1))
	run := func(be backend.Backend) []float32 {
		a, _ := backend.FromData(be, shape(m, k), ad)
		bb, _ := backend.FromData(be, shape(k, n), bd)
		c, _ := be.New(shape(m, n))
		defer be.Release(a)
		defer be.Release(bb)
		defer be.Release(c)
		if err := be.MatMul(false, false, 1, a, bb, 0, c); err != nil {
			t.Fatal(err)
		}
		out, err := backend.ToHost(be, c)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	want := run(ref)
	kind := func(v float32) string {
		switch {
		case v != v:
			return "NaN"
		case math.IsInf(float64(v), 1):
			return "+Inf"
		case math.IsInf(float64(v), -1):
			return "-Inf"
		}
		return "finite"
	}
	for _, v := range matmulVariants {
		if v.sharedBytes() > b.dev.Limits().SharedBytes {
			continue
		}
		forceVariant(t, b, &v)
		got := run(b)
		for i := range want {
			if kind(got[i]) != kind(want[i]) {
				t.Fatalf("%s: element %d is %v, the CPU's %v", v, i, got[i], want[i])
			}
		}
	}
	forceVariant(t, b, nil)
}
