package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"gltrain/bench/cases"
)

// Report is one run of the benchmark report: where it ran, how, and every
// sample it took. Its JSON form (-json) is what later comparisons read.
type Report struct {
	Meta    Meta     `json:"meta"`
	Results []Result `json:"results"`
}

// Result is a case measured on one backend, or the error that stopped it.
// Rows from PyTorch have the backend "pytorch-cpu" or "pytorch-cuda" and no
// allocation counts.
type Result struct {
	cases.Result
	// OtherCores is the CPU, in cores, that the rest of the machine used
	// while the case was measured (the try kept; the most of any round
	// when rounds are pooled); QuietWaitNs the time spent waiting for it
	// to be quiet first. See quiet.go.
	OtherCores  float64 `json:"other_cores"`
	QuietWaitNs int64   `json:"quiet_wait_ns,omitempty"`
	Error       string  `json:"error,omitempty"`
}

// Meta says when, where and how the results were measured.
type Meta struct {
	Date        time.Time `json:"date"`
	Suite       string    `json:"suite"`
	Filter      string    `json:"filter"`
	Samples     int       `json:"samples"`
	MinSampleNs int64     `json:"min_sample_ns"`
	// Rounds is how many times every side (gltrain's backends, then
	// PyTorch) was measured in turn, the samples of all rounds pooled.
	Rounds    int           `json:"rounds,omitempty"`
	Machine   Machine       `json:"machine"`
	Backends  []BackendMeta `json:"backends"`
	PyTorch   PyTorchMeta   `json:"pytorch"`
	ElapsedNs int64         `json:"elapsed_ns"`
	// Isolation says how the sides were kept apart (quiet.go).
	Isolation string `json:"isolation,omitempty"`
	// LoadAvgAfter is /proc/loadavg when the measurements ended.
	LoadAvgAfter string `json:"load_avg_after,omitempty"`
}

// BackendMeta describes one requested backend: its device, the time its
// shaders took to compile, or why it could not be opened.
type BackendMeta struct {
	Name     string `json:"name"`
	Vendor   string `json:"vendor,omitempty"`
	Renderer string `json:"renderer,omitempty"`
	Version  string `json:"version,omitempty"`
	Context  string `json:"context,omitempty"`
	Threads  int    `json:"threads,omitempty"`
	Products string `json:"products,omitempty"` // what computes the cpu backend's products
	// WarmupNs is the compile time Warmup reported (GL only), measured
	// on its own before any case; WarmupWallNs is the call's wall time.
	WarmupNs     int64  `json:"warmup_ns,omitempty"`
	WarmupWallNs int64  `json:"warmup_wall_ns,omitempty"`
	Programs     int    `json:"programs,omitempty"`
	Error        string `json:"error,omitempty"`
}

// baseline is the backend every ratio is taken against.
const baseline = "cpu"

// ratio is baseline's median over r's median for r's case: above 1, r is
// that many times faster than the CPU backend. ok is false when the
// baseline or r has no time.
func ratio(r Result, base map[string]Result) (float64, bool) {
	b, found := base[r.Op+"/"+r.Shape]
	if !found || r.Error != "" || r.Median() <= 0 || b.Median() <= 0 {
		return 0, false
	}
	return b.Median() / r.Median(), true
}

// baselines indexes the baseline backend's results by case name.
func baselines(rs []Result) map[string]Result {
	m := make(map[string]Result)
	for _, r := range rs {
		if r.Backend == baseline && r.Error == "" {
			m[r.Op+"/"+r.Shape] = r
		}
	}
	return m
}

// formatRatio writes a ratio as "3.2× faster" or "0.40× (2.5× slower)".
func formatRatio(x float64) string {
	switch {
	case x >= 1:
		return sig(x) + "× faster"
	case x > 0:
		return sig(x) + "× (" + sig(1/x) + "× slower)"
	}
	return "—"
}

// sig writes v with three significant digits and no exponent.
func sig(v float64) string {
	if math.Abs(v) >= 999.5 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.3g", v)
}

// timeUnit picks the unit in which ns reads as 1 to 999.
func timeUnit(ns float64) (scale float64, unit string) {
	for _, u := range []struct {
		scale float64
		unit  string
	}{{1e9, "s"}, {1e6, "ms"}, {1e3, "µs"}} {
		if ns >= u.scale*0.9995 {
			return u.scale, u.unit
		}
	}
	return 1, "ns"
}

// formatTime writes nanoseconds in human units: "812 ns", "1.3 ms", "2.41 s".
func formatTime(ns float64) string {
	s, u := timeUnit(ns)
	return sig(ns/s) + " " + u
}

// formatSpread writes the lowest and highest sample in the median's unit.
func formatSpread(lo, hi, median float64) string {
	s, u := timeUnit(median)
	return sig(lo/s) + "–" + sig(hi/s) + " " + u
}

// formatRate writes a throughput; samples/s gets a k or M suffix.
func formatRate(v float64, unit string) string {
	if unit == "" {
		return "—"
	}
	if unit == "samples/s" {
		switch {
		case v >= 1e6:
			return sig(v/1e6) + "M " + unit
		case v >= 1e3:
			return sig(v/1e3) + "k " + unit
		}
	}
	return sig(v) + " " + unit
}

// formatCount writes a per-run count such as allocations.
func formatCount(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v < 0.01:
		return "<0.01"
	case v >= 1000:
		return fmt.Sprintf("%.0f", v)
	}
	return sig(v)
}

// isPyTorch reports whether r came from bench/pytorch/bench.py.
func isPyTorch(r Result) bool { return strings.HasPrefix(r.Backend, "pytorch") }

// WriteMarkdown writes the header and the table.
func (rep *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	rep.writeHeader(&b)
	b.WriteString("\n| operation | shape | backend | median | spread (min–max) | rate | vs cpu | Go allocs/run | buffer allocs/run | ops/run | dispatches/run | others' CPU |\n")
	b.WriteString("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	base := baselines(rep.Results)
	for _, r := range rep.Results {
		cell := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
		if r.Error != "" {
			fmt.Fprintf(&b, "| %s | %s | %s | error: %s | | | | | | | | |\n", r.Op, r.Shape, r.Backend, cell(r.Error))
			continue
		}
		lo, hi := r.Spread()
		vs := "—"
		if r.Backend == baseline {
			vs = "baseline"
		} else if x, ok := ratio(r, base); ok {
			vs = formatRatio(x)
		}
		goAllocs, bufAllocs := formatCount(r.GoAllocsPerRun), formatCount(r.BufferAllocsPerRun)
		if isPyTorch(r) {
			goAllocs, bufAllocs = "—", "—"
		}
		ops, disp := "—", "—"
		if r.DispatchesPerRun > 0 {
			ops, disp = formatCount(r.OpsPerRun), formatCount(r.DispatchesPerRun)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %.2f |\n",
			r.Op, r.Shape, r.Backend, formatTime(r.Median()), formatSpread(lo, hi, r.Median()),
			formatRate(r.Rate()), vs, goAllocs, bufAllocs, ops, disp, r.OtherCores)
	}
	b.WriteString(legend)
	_, err := io.WriteString(w, b.String())
	return err
}

const legend = `
median: the median of the samples, each the mean time per run of a batch of
runs that ends with Sync, so the device's work is inside the time. The first
run (shader compilation, pool filling) and the batch-size calibration are
never timed. spread: the fastest and the slowest sample. rate: work at the
median (GFLOP/s for products, GB/s of device memory for the rest, samples/s
for training steps). vs cpu: the cpu backend's median ÷ this median, from
this same run; "3.2× faster" means 3.2 times the cpu backend's speed, "0.40×
(2.5× slower)" means 2.5 times slower. Go allocs/run: Go heap allocations
per run; buffer allocs/run: new device buffers per run after warm-up (0 when
the pool serves them all); neither is measured for PyTorch. ops/run: backend
calls per run; dispatches/run: GL kernels dispatched per run (gl only: a
fused kernel is one call and one dispatch). For a 1×1 op the median is the
host's cost of one call, since the device's work is negligible. others' CPU:
the cores that the rest of the machine (not the side being measured) kept
busy while the case was measured; above the header's limit, the machine was
not quiet and the row is slower than it would be alone.
`

func (rep *Report) writeHeader(b *strings.Builder) {
	m := rep.Meta
	fmt.Fprintf(b, "# gltrain benchmarks\n\n")
	fmt.Fprintf(b, "- date: %s\n", m.Date.UTC().Format("2006-01-02 15:04:05 MST"))
	mc := m.Machine
	fmt.Fprintf(b, "- machine: %s, %d cores, GOMAXPROCS %d, %s %s/%s\n", mc.CPU, mc.Cores, mc.GOMAXPROCS, mc.GoVersion, mc.OS, mc.Arch)
	fmt.Fprintf(b, "- suite: %s", m.Suite)
	if m.Filter != "" {
		fmt.Fprintf(b, ", filter %q", m.Filter)
	}
	fmt.Fprintf(b, "; %d samples of ≥%v per result, after one untimed warm-up run; took %v in all\n",
		m.Samples, time.Duration(m.MinSampleNs), time.Duration(m.ElapsedNs).Round(time.Second/10))
	if m.Rounds > 1 {
		fmt.Fprintf(b, "- rounds: %d — gltrain's backends, then PyTorch, measured in turn %d times and each result's samples pooled, so that a drift of the machine's speed during the run falls on both sides\n", m.Rounds, m.Rounds)
	}
	for _, be := range m.Backends {
		if be.Error != "" {
			fmt.Fprintf(b, "- %s backend: not available, skipped: %s\n", be.Name, be.Error)
			continue
		}
		fmt.Fprintf(b, "- %s backend: %s", be.Name, describe(be))
		if be.Programs > 0 {
			fmt.Fprintf(b, "; shader warm-up %v (%d programs compiled and linked, %v wall), measured alone, outside every timed region",
				time.Duration(be.WarmupNs).Round(time.Millisecond), be.Programs, time.Duration(be.WarmupWallNs).Round(time.Millisecond))
		}
		b.WriteString("\n")
	}
	if lp := mc.LPNumThreads; lp != "" {
		fmt.Fprintf(b, "- LP_NUM_THREADS=%s\n", lp)
	} else {
		fmt.Fprintf(b, "- LP_NUM_THREADS: unset (llvmpipe, when it is the GL driver, uses one thread per core)\n")
	}
	if mc.ShaderCache != "" && slices.ContainsFunc(m.Backends, func(be BackendMeta) bool {
		return be.Error == "" && strings.Contains(be.Version, "Mesa")
	}) {
		fmt.Fprintf(b, "- Mesa shader cache: %s\n", mc.ShaderCache)
	}
	if mc.LoadAvg != "" {
		fmt.Fprintf(b, "- load average (1, 5, 15 min) before the run: %s; after: %s. Above about 0.5 before, other work shared the cores: expect wide spreads, and OpenMP (PyTorch) suffers most\n", mc.LoadAvg, m.LoadAvgAfter)
	}
	fmt.Fprintf(b, "- PyTorch: %s\n", m.PyTorch.describe())
	if m.Isolation != "" {
		fmt.Fprintf(b, "- isolation: %s\n", m.Isolation)
	}
}

// describe writes a backend's device in one line.
func describe(be BackendMeta) string {
	var parts []string
	for _, s := range []string{be.Vendor, be.Renderer, be.Version} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	s := strings.Join(parts, ", ")
	if be.Context != "" {
		s += "; context " + be.Context
	}
	if be.Products != "" {
		s += "; products: " + be.Products
	}
	if be.Threads > 0 {
		s += fmt.Sprintf("; %d worker threads", be.Threads)
	}
	return s
}

// sortResults orders rows by case (in the order of caseOrder, unknown
// cases last) and, within a case, by backend (backendOrder, then PyTorch).
func sortResults(rs []Result, caseOrder []string, backendOrder []string) {
	rank := func(list []string, s string) int {
		for i, v := range list {
			if v == s {
				return i
			}
		}
		return len(list)
	}
	sort.SliceStable(rs, func(i, j int) bool {
		ci, cj := rank(caseOrder, rs[i].Op+"/"+rs[i].Shape), rank(caseOrder, rs[j].Op+"/"+rs[j].Shape)
		if ci != cj {
			return ci < cj
		}
		bi, bj := rank(backendOrder, rs[i].Backend), rank(backendOrder, rs[j].Backend)
		if bi != bj {
			return bi < bj
		}
		return rs[i].Backend < rs[j].Backend
	})
}

// WriteJSONFile writes the report, every sample included, to path.
func (rep *Report) WriteJSONFile(path string) error {
	raw, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(raw, '\n'), 0o644)
}

// ReadJSON reads a report written by WriteJSONFile.
func ReadJSON(r io.Reader) (*Report, error) {
	var rep Report
	if err := json.NewDecoder(r).Decode(&rep); err != nil {
		return nil, fmt.Errorf("read report: %w", err)
	}
	return &rep, nil
}

// poolRounds merges the results of several rounds: one result per case and
// backend, in the order first seen, with every round's samples. A round's
// error is kept.
func poolRounds(rs []Result) []Result {
	type key struct{ op, shape, backend string }
	at := map[key]int{}
	var out []Result
	for _, r := range rs {
		k := key{r.Op, r.Shape, r.Backend}
		i, ok := at[k]
		if !ok {
			at[k] = len(out)
			out = append(out, r)
			continue
		}
		out[i].SamplesNs = append(out[i].SamplesNs, r.SamplesNs...)
		out[i].OtherCores = max(out[i].OtherCores, r.OtherCores)
		out[i].QuietWaitNs += r.QuietWaitNs
		if out[i].Error == "" {
			out[i].Error = r.Error
		}
	}
	return out
}
