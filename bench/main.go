// Command bench measures gltrain's operations and training steps on every
// backend, and on PyTorch when it is installed, and prints them side by side
// as a markdown table:
//
//	go run ./bench [-backends=cpu,gl] [-suite=quick|full] [-filter=substr]
//	    [-samples=N] [-min-sample=dur] [-json=out.json] [-benchfmt=out.txt]
//	    [-pytorch=auto|off|on] [-threads=N] [-rounds=N]
//	    [-quiet=cores] [-quiet-wait=dur] [-quiet-tries=N]
//
// Each result is the median of samples taken after an untimed warm-up run;
// each sample times a batch of runs ending with Sync. The vs-cpu column is
// the cpu backend's median divided by the row's, from the same run. -json
// keeps every sample; -benchfmt writes them as go test -bench lines for
// benchstat. The cases are those of gltrain/bench/cases, which the Go
// benchmarks (go test -bench . ./bench) share.
//
// The sides take turns, and each case waits for quiet cores: see quiet.go
// (-quiet-wait=0 measures at once, whatever else runs).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"gltrain/backend"
	_ "gltrain/backend/cpu"
	_ "gltrain/backend/gl"
	"gltrain/bench/cases"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// config is the parsed command line.
type config struct {
	backends  []string
	suite     string
	filter    string
	samples   int
	minSample time.Duration
	jsonPath  string
	benchfmt  string
	pytorch   string
	threads   int
	tune      bool
	rounds    int
	quiet     quietConfig
}

// suiteDefaults are the sample count and least sample time of each suite:
// the quick one keeps make bench to a few minutes on two cores with GL on
// llvmpipe; the full one tightens the medians.
var suiteDefaults = map[string]struct {
	samples   int
	minSample time.Duration
}{
	"quick": {6, 100 * time.Millisecond},
	"full":  {10, 300 * time.Millisecond},
}

// parse reads the flags; an error is a usage error (exit status 2).
func parse(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	backends := fs.String("backends", strings.Join(backend.Names(), ","), "comma-separated backends to measure (valid: "+strings.Join(backend.Names(), ", ")+")")
	fs.StringVar(&c.suite, "suite", "quick", "case suite: quick or full")
	fs.StringVar(&c.filter, "filter", "", "only cases whose Op/Shape contains this")
	fs.IntVar(&c.samples, "samples", 0, "samples per result (0: 6 for quick, 10 for full)")
	fs.DurationVar(&c.minSample, "min-sample", 0, "least time per sample (0: 100ms for quick, 300ms for full)")
	fs.StringVar(&c.jsonPath, "json", "", "write every sample and the metadata as JSON to this file")
	fs.StringVar(&c.benchfmt, "benchfmt", "", "write the samples in go test -bench format (for benchstat) to this file")
	fs.StringVar(&c.pytorch, "pytorch", "auto", "PyTorch comparison: auto (when torch imports), off, or on (fail without it)")
	fs.IntVar(&c.rounds, "rounds", 1, "measure every side (gltrain's backends, then PyTorch) this many times in turn, pooling the samples, so that the machine's drift falls on both sides")
	fs.Float64Var(&c.quiet.limit, "quiet", 0.25, "CPU cores the rest of the machine may use while a case is measured (see -quiet-wait)")
	fs.DurationVar(&c.quiet.wait, "quiet-wait", 2*time.Second, "longest wait, before each case and each try, for the rest of the machine to use at most -quiet cores (0: no wait, one try)")
	fs.IntVar(&c.quiet.tries, "quiet-tries", 3, "tries of a case during which the rest of the machine used more than -quiet cores; the quietest is kept")
	fs.BoolVar(&c.tune, "tune", false, "tune the GL matmul variants for the suite's products (GLTRAIN_GL_TUNE=on unless set), print the choices, and exit")
	fs.IntVar(&c.threads, "threads", 0, "CPU threads for the cpu backend (GOMAXPROCS), llvmpipe (LP_NUM_THREADS, unless set) and PyTorch (0: GOMAXPROCS as it is)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	d, ok := suiteDefaults[c.suite]
	if !ok {
		return c, fmt.Errorf("unknown suite %q (valid: quick, full)", c.suite)
	}
	if c.samples == 0 {
		c.samples = d.samples
	}
	if c.minSample == 0 {
		c.minSample = d.minSample
	}
	if c.samples < 1 || c.minSample < 0 || c.threads < 0 || c.rounds < 1 || c.quiet.tries < 1 || c.quiet.limit < 0 || c.quiet.wait < 0 {
		return c, errors.New("-samples, -rounds and -quiet-tries must be ≥ 1, -min-sample, -threads, -quiet and -quiet-wait ≥ 0")
	}
	for _, name := range strings.Split(*backends, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		base, _, _ := strings.Cut(name, ":")
		if !slices.Contains(backend.Names(), base) {
			return c, fmt.Errorf("unknown backend %q (valid: %s)", name, strings.Join(backend.Names(), ", "))
		}
		c.backends = append(c.backends, name)
	}
	if len(c.backends) == 0 {
		return c, fmt.Errorf("no backend given (valid: %s)", strings.Join(backend.Names(), ", "))
	}
	if !slices.Contains([]string{"auto", "off", "on"}, c.pytorch) {
		return c, fmt.Errorf("unknown -pytorch=%q (valid: auto, off, on)", c.pytorch)
	}
	return c, nil
}

// run is the command; it returns the exit status: 2 for usage errors; 1 when
// no requested backend opened, when one did not and GL is required
// (GLTRAIN_REQUIRE_GL=1 or CI=true), or when a case failed (the table is
// still printed); else 0.
func run(args []string, stdout, stderr io.Writer) int {
	c, err := parse(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	} else if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 2
	}
	if err := backend.CheckEnv("GLTRAIN_REQUIRE_GL", "0", "1"); err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 2
	}
	if c.threads > 0 {
		runtime.GOMAXPROCS(c.threads)
		// llvmpipe, when it is the GL driver, reads its thread count when
		// the context is made: give it the same number unless told.
		if _, set := os.LookupEnv("LP_NUM_THREADS"); !set {
			os.Setenv("LP_NUM_THREADS", strconv.Itoa(c.threads))
		}
	}
	if c.tune {
		return tune(c, stdout, stderr)
	}
	threads := runtime.GOMAXPROCS(0)
	cs, err := cases.Select(c.suite, c.filter)
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 2
	}
	start := time.Now()
	rep := &Report{Meta: Meta{
		Date: start, Suite: c.suite, Filter: c.filter, Samples: c.samples,
		MinSampleNs: c.minSample.Nanoseconds(), Machine: thisMachine(),
	}}
	opened := openBackends(c.backends, rep, stderr)
	defer func() {
		for _, b := range opened {
			b.Close()
		}
	}()
	status := 0
	if len(opened) == 0 {
		fmt.Fprintln(stderr, "bench: no requested backend could be opened")
		return 1
	}
	if len(opened) < len(c.backends) && requireGL() {
		status = 1 // the header names the backend that failed
	}
	if len(cs) == 0 {
		fmt.Fprintf(stderr, "bench: no case of suite %s matches -filter=%q\n", c.suite, c.filter)
	}
	rep.Meta.Rounds = c.rounds
	for range c.rounds {
		sideHook("gltrain", true)
		status = max(status, measureAll(cs, opened, c, rep, stderr))
		sideHook("gltrain", false)
		status = max(status, runPyTorchSide(c, threads, rep, stderr))
	}
	rep.Meta.Isolation = describeIsolation(c.quiet, rep.Meta.PyTorch.Status == "ran")
	rep.Results = poolRounds(rep.Results)

	var caseOrder []string
	for _, k := range cs {
		caseOrder = append(caseOrder, k.Name())
	}
	sortResults(rep.Results, caseOrder, c.backends)
	rep.Meta.ElapsedNs = time.Since(start).Nanoseconds()
	rep.Meta.LoadAvgAfter = loadAvg()
	if err := rep.WriteMarkdown(stdout); err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	if c.jsonPath != "" {
		if err := rep.WriteJSONFile(c.jsonPath); err != nil {
			fmt.Fprintln(stderr, "bench:", err)
			status = 1
		}
	}
	if c.benchfmt != "" {
		if err := writeFile(c.benchfmt, rep.WriteBenchfmt); err != nil {
			fmt.Fprintln(stderr, "bench:", err)
			status = 1
		}
	}
	return status
}

// sideHook is called as each side starts and ends (the tests watch the
// PyTorch child with it).
var sideHook = func(side string, start bool) {}

// requireGL reports whether a backend that cannot open must fail the run
// (exit status 1) rather than be skipped: under CI=true or
// GLTRAIN_REQUIRE_GL=1, as for the tests (backendtest.RequireGL).
func requireGL() bool {
	return os.Getenv("CI") == "true" || os.Getenv("GLTRAIN_REQUIRE_GL") == "1"
}

// writeFile creates path and writes it with write.
func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// oneLine joins a multi-line error (errors.Join of context paths) for a
// table cell or header line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
