package gl

// The matmul autotuner. On the first use of a shape class it times every
// eligible variant of matmul_forward.comp with GL_TIME_ELAPSED queries, on
// the call's own operands into a scratch output, keeps the fastest, and
// records the choice in a cache file per renderer and driver version, so
// that later runs decide without timing. A choice never changes within a
// run, and every variant gives the same bits, so tuning changes no result.
//
// GLTRAIN_GL_TUNE=off uses the built-in defaults (defaultVariant), =on tunes
// on any renderer; unset, it tunes on hardware renderers only (llvmpipe's
// timings say nothing about a GPU, and tests there would spend their time
// compiling variants).

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"os"
	"path/filepath"
	"sort"
	"time"

	"gltrain/backend"
	"gltrain/backend/gl/internal/glrt"
)

// tuner holds the choices; only the GL thread touches it after New.
type tuner struct {
	enabled bool
	path    string // the cache file; "" when not cached
	file    tuneFile
	choices map[string]matmulVariant      // this run's decisions, by class
	byShape map[matmulShape]matmulVariant // the same, by exact shape: no string per call
	timings map[string][]variantTime      // what tuning measured, by class
	force   *matmulVariant                // tests: every product on one variant
	notice  string                        // a corrupt cache, once
}

// tuneFile is the cache's contents.
type tuneFile struct {
	Renderer string                   `json:"renderer"`
	Version  string                   `json:"version"`
	Choices  map[string]matmulVariant `json:"choices"`
}

// variantTime is one variant's measured time for a class.
type variantTime struct {
	Variant matmulVariant
	Time    time.Duration
}

// maxTuneFile bounds the cache file read: a few hundred classes at most.
const maxTuneFile = 1 << 20

// newTuner reads the environment and the cache for a renderer and version.
func newTuner(renderer, version string, software bool) *tuner {
	t := &tuner{choices: map[string]matmulVariant{}, byShape: map[matmulShape]matmulVariant{}, timings: map[string][]variantTime{},
		file: tuneFile{Renderer: renderer, Version: version, Choices: map[string]matmulVariant{}}}
	switch os.Getenv("GLTRAIN_GL_TUNE") {
	case "off":
		return t
	case "on":
		t.enabled = true
	default:
		t.enabled = !software
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return t
	}
	sum := sha256.Sum256([]byte(renderer + "\x00" + version))
	t.path = filepath.Join(dir, "gltrain", "gl-tune", hex.EncodeToString(sum[:8])+".json")
	if err := t.load(); err != nil && !errors.Is(err, os.ErrNotExist) {
		t.notice = fmt.Sprintf("gl: ignoring the matmul tuning cache %s: %v", t.path, err)
	}
	return t
}

// load reads the cache file, keeping only valid choices for this renderer.
func (t *tuner) load() error {
	f, err := os.Open(t.path)
	if err != nil {
		return err
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, maxTuneFile+1))
	if err != nil {
		return err
	}
	if len(raw) > maxTuneFile {
		return fmt.Errorf("larger than %d bytes", maxTuneFile)
	}
	var tf tuneFile
	if err := json.Unmarshal(raw, &tf); err != nil {
		return fmt.Errorf("not a tuning cache: %v", err)
	}
	if tf.Renderer != t.file.Renderer || tf.Version != t.file.Version {
		return fmt.Errorf("made for %q %q", tf.Renderer, tf.Version)
	}
	for class, v := range tf.Choices {
		if !knownVariant(v) {
			return fmt.Errorf("class %q: unknown variant %+v", class, v)
		}
	}
	for class, v := range tf.Choices {
		t.file.Choices[class] = v
	}
	return nil
}

func knownVariant(v matmulVariant) bool {
	for _, k := range matmulVariants {
		if k == v {
			return true
		}
	}
	return false
}

// save writes the cache atomically: a temporary file in the same folder,
// renamed over the old one.
func (t *tuner) save() error {
	if t.path == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(t.path), 0o755); err != nil {
		return err
	}
	raw, err := json.MarshalIndent(t.file, "", "\t")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(t.path), ".tune-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(raw)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), t.path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

// class buckets a product for tuning: each size rounded up to a power of
// two, the transposes, and whether vec4 loads are aligned.
func (s matmulShape) class() string {
	p2 := func(x int) int { return 1 << bits.Len(uint(max(x, 1)-1)) }
	return fmt.Sprintf("%dx%dx%d-%c%c-%t", p2(s.m), p2(s.n), p2(s.k), "NT"[boolInt(s.tA)], "NT"[boolInt(s.tB)], s.vec4OK())
}

// chooseMatMul returns the variant for s, deciding on the first use of s's
// class: the forced one, this run's decision, the cache's, a tuned one or
// the default. It runs on the GL thread.
func (be *Backend) chooseMatMul(s matmulShape, a, b *Tensor) matmulVariant {
	t := be.tune
	if t.force != nil {
		v := *t.force
		if v.Vec4 && !s.vec4OK() {
			v.Vec4 = false // forced, but its loads would be misaligned here
		}
		return v
	}
	if v, ok := t.byShape[s]; ok {
		return v
	}
	class := s.class()
	if v, ok := t.choices[class]; ok {
		t.byShape[s] = v
		return v
	}
	v := be.defaultVariant(s)
	if c, ok := t.file.Choices[class]; ok && be.eligible(c, s) {
		v = c
	} else if t.enabled {
		if tuned, err := be.tuneMatMul(s, a, b); err == nil {
			v = tuned
			t.file.Choices[class] = v
			if err := t.save(); err != nil && t.notice == "" {
				t.notice = fmt.Sprintf("gl: could not save the matmul tuning cache %s: %v", t.path, err)
			}
		}
	}
	t.choices[class] = v
	t.byShape[s] = v
	return v
}

// tuneMatMul times every eligible variant on a's and b's buffers, one k
// chunk, into a scratch output, and returns the fastest. It runs on the GL
// thread.
func (be *Backend) tuneMatMul(s matmulShape, a, b *Tensor) (matmulVariant, error) {
	out := be.dev.NewBuffer(s.m * s.n) // made by the first dispatch, whose error an allocation failure is
	defer be.dev.DeleteBuffer(out)
	var times []variantTime
	for _, v := range matmulVariants {
		if !be.eligible(v, s) {
			continue
		}
		p, err := be.program(matmulProgram(v, s.tA, s.tB))
		if err != nil {
			continue
		}
		one := splitK{chunk: min(s.k, kChunk), chunks: 1, perRound: 1}
		run := func() error { return be.dispatchMatMul(p, v, s, one, 0, 1, 1, 0, a, b, glrt.Out(out), a.in()) }
		if err := run(); err != nil { // warm-up: the first dispatch of a program pays for more than its work
			return matmulVariant{}, err
		}
		best := time.Duration(1<<63 - 1)
		for range 3 {
			d, err := be.dev.TimeElapsed(run)
			if err != nil {
				return matmulVariant{}, err
			}
			best = min(best, d)
		}
		times = append(times, variantTime{v, best})
	}
	if len(times) == 0 {
		return matmulVariant{}, errors.New("no variant ran")
	}
	sort.SliceStable(times, func(i, j int) bool { return times[i].Time < times[j].Time })
	be.tune.timings[s.class()] = times
	return times[0].Variant, nil
}

// TuneReport is one shape class's tuning: the choice and, when this run
// timed the variants, each one's time.
type TuneReport struct {
	Class   string
	Choice  string
	Timings []string // "tile128-vec4-dbuf 1.2ms", fastest first
}

// TuneMatMul decides (tuning, when enabled and not cached) the variant for
// an m×n×k product with the given transposes, as the first such product
// would, and reports it: `go run ./bench -tune` tunes ahead of time.
func (be *Backend) TuneMatMul(m, n, k int, tA, tB bool) (TuneReport, error) {
	as, bs := [2]int{m, k}, [2]int{k, n}
	if tA {
		as = [2]int{k, m}
	}
	if tB {
		bs = [2]int{n, k}
	}
	var r TuneReport
	a, err := be.New(shape(as[0], as[1]))
	if err != nil {
		return r, err
	}
	defer be.Release(a)
	b, err := be.New(shape(bs[0], bs[1]))
	if err != nil {
		return r, err
	}
	defer be.Release(b)
	s := matmulShape{m, n, k, tA, tB}
	err = be.call("tune matmul", func() error {
		v := be.chooseMatMul(s, a.(*Tensor), b.(*Tensor))
		r = TuneReport{Class: s.class(), Choice: v.String()}
		for _, vt := range be.tune.timings[s.class()] {
			r.Timings = append(r.Timings, fmt.Sprintf("%s %v", vt.Variant, vt.Time))
		}
		return nil
	})
	return r, err
}

// TuneNotice is the one-line notice about the tuning cache (corrupt, or not
// saved), or "".
func (be *Backend) TuneNotice() string {
	var n string
	be.call("tune notice", func() error { n = be.tune.notice; return nil })
	return n
}

func shape(rows, cols int) backend.Shape { return backend.Shape{Rows: rows, Cols: cols} }
