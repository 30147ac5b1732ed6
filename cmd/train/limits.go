package main

// Limits checked before the model is built: its memory against what the
// device or the host has, and the classes of the data against -max-classes.

import (
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"

	"gltrain/backend"
	"gltrain/internal/hostmem"
	"gltrain/nn"
	"gltrain/nn/data"
)

// memLimit is the memory a model may take, and what sets it.
type memLimit struct {
	bytes  float64
	source string
	// used: the limit is what is left of the host's memory, with what the
	// process holds (its data, once loaded) already taken off, or a
	// device's free memory, which the host's data does not take.
	used bool
	// blind: the backend has a device memory of its own
	// (backend.FreeMemoryReporter) but cannot tell how much is free (the gl
	// backend on llvmpipe or Intel), so the host's limit stands in for it.
	blind bool
}

// memoryLimit is the tightest limit on what the run may allocate: -max-memory
// when given; else the device's free memory when the backend can tell it
// (backend.FreeMemoryReporter: a GL backend, from GL_NVX_gpu_memory_info or
// GL_ATI_meminfo); else the host's, as hostmem reads them: its available
// memory, the cgroup's limit and the process's rlimits, less what each
// already counts, plus the Go heap's spare memory (goHeapSpare), which each
// counts but the run reuses.
func memoryLimit(b backend.Backend, maxMemory float64) (memLimit, bool) {
	if maxMemory > 0 {
		return memLimit{bytes: maxMemory, source: "by -max-memory"}, true
	}
	r, ownMemory := b.(backend.FreeMemoryReporter)
	if ownMemory {
		if n, ok := r.AvailableMemory(); ok {
			return memLimit{bytes: float64(n), source: "free on the " + b.Name() + " device", used: true}, true
		}
	}
	best := memLimit{blind: ownMemory, used: true}
	found := false
	consider := func(bytes float64, source string) {
		if bytes >= 0 && (!found || bytes < best.bytes) {
			best.bytes, best.source, found = bytes, source, true
		}
	}
	free, released := goHeapSpare()
	status := hostmem.ProcStatus()
	if v, ok := hostmem.Meminfo()["MemAvailable"]; ok {
		consider(float64(v)+free, "on the host: MemAvailable in /proc/meminfo")
	}
	if limit, used, _, ok := hostmem.Cgroup(); ok {
		consider(float64(limit-used)+free, "under the cgroup's memory limit")
	}
	for _, r := range []struct {
		limit  func() (int64, bool)
		used   string
		source string
	}{{hostmem.AddressSpace, "VmSize", "under the address-space limit, ulimit -v"}, {hostmem.DataSize, "VmData", "under the data-size limit, ulimit -d"}} {
		if limit, ok := r.limit(); ok {
			consider(float64(limit-status[r.used])+free+released, r.source)
		}
	}
	return best, found
}

// goHeapSpare is the Go heap's memory that holds no objects, after a
// collection: free is resident, released is returned to the system but
// still mapped. The run's allocations reuse both before they map more, so
// what the host's limits count as used includes them: reading a CSV file
// leaves as much garbage as its data, which once made the model's check
// refuse a run that fits.
func goHeapSpare() (free, released float64) {
	runtime.GC()
	s := []metrics.Sample{{Name: "/memory/classes/heap/free:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(s)
	for _, m := range s {
		if m.Value.Kind() != metrics.KindUint64 {
			return 0, 0
		}
	}
	return float64(s[0].Value.Uint64()), float64(s[1].Value.Uint64())
}

// memoryNeed is what the run asks of memory besides its model and data:
// the -batch, the -opt's state, none of either with -eval, and -max-memory
// (0: what the device or the host has).
type memoryNeed struct {
	batch  int
	opt    string
	eval   bool
	loaded bool // the model is -load's: its size is not the flags' to lower
	max    float64
}

// checkMemory refuses a model whose estimated memory exceeds the limit,
// before anything of it is allocated.
func checkMemory(a nn.Spec, name string, c memoryNeed, d dataset, b backend.Backend) error {
	params, _ := a.Params()
	est := runMemory(a, c, d, b)
	limit, ok := memoryLimit(b, c.max)
	if ok && limit.used { // the data is loaded: the limit counts it already
		est.HostData = 0
	}
	if !ok || est.Total() <= limit.bytes {
		return nil
	}
	what := "train"
	parts := fmt.Sprintf("%s parameters: %s with their gradients, %s of %s state, ", count(params), bytesize(est.Params), bytesize(est.Optimizer), c.opt)
	if c.eval {
		what, parts = "evaluate", fmt.Sprintf("%s parameters: %s, ", count(params), bytesize(est.Params))
	}
	parts += fmt.Sprintf("%s of activations, %s of data", bytesize(est.Activations), bytesize(est.Data+est.HostData))
	advice := "lower -layers (or -hidden) or -batch"
	if c.loaded {
		advice = "the checkpoint's model is too large here"
	}
	if limit.blind {
		advice += "; the " + b.Name() + " backend cannot tell its device's memory, so the host's applies"
	}
	return fmt.Errorf("the model %v needs about %s to %s (%s), more than the %s available %s; %s (or set -max-memory if the estimate is wrong)",
		name, bytesize(est.Total()), what, parts, bytesize(limit.bytes), limit.source, advice)
}

// runMemory estimates the memory of the run (nn.EstimateRun): training
// in -batch batches, unless -eval; evaluating each set (the training set
// and the held-out one after training, the held-out one after each epoch,
// MNIST's test set) in nn.Evaluate's batches; on the cpu backend each
// convolution holds the columns of one image per thread.
func runMemory(a nn.Spec, c memoryNeed, d dataset, b backend.Backend) nn.MemoryEstimate {
	u := nn.MemoryUse{TrainRows: d.train.Len(), OptSlots: nn.OptimizerSlots(c.opt)}
	if !c.eval {
		u.Batch = max(1, c.batch)
	}
	for _, s := range []data.Set{d.train, d.held, d.test} {
		if s.Len() > 0 {
			u.EvalSets = append(u.EvalSets, s.Len())
		}
	}
	if b.Name() == "cpu" {
		u.ConvImages = runtime.GOMAXPROCS(0)
	}
	return nn.EstimateRun(a, u)
}

// parseSize reads -max-memory: bytes, or a number with a suffix K, M, G or
// T (powers of 1024; "GB", "GiB" and "g" are read alike). Empty or 0 means
// no value.
func parseSize(s string) (float64, error) {
	t := strings.TrimSpace(s)
	if t == "" || t == "0" {
		return 0, nil
	}
	u := strings.TrimSuffix(strings.TrimSuffix(strings.ToUpper(t), "B"), "I")
	mult := 1.0
	if i := strings.IndexAny(u, "KMGT"); i >= 0 && i == len(u)-1 {
		mult = math.Pow(1024, float64(1+strings.IndexByte("KMGT", u[i])))
		u = u[:i]
	}
	v, err := strconv.ParseFloat(u, 64)
	if err != nil || !(v > 0) || math.IsInf(v, 0) || strings.ContainsAny(u, "xXpP_") {
		return 0, fmt.Errorf("want a size such as 512M or 8G")
	}
	return v * mult, nil
}

// bytesize formats a size in bytes with a binary unit: "9.6 GiB".
func bytesize(v float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	i := 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%.0f B", v)
	}
	return fmt.Sprintf("%.1f %s", v, units[i])
}

// count formats a count: "600 million", "1.2 billion", "4242".
func count(v float64) string {
	switch {
	case v >= 1e12:
		return fmt.Sprintf("%.3g trillion", v/1e12)
	case v >= 1e9:
		return fmt.Sprintf("%.3g billion", v/1e9)
	case v >= 1e6:
		return fmt.Sprintf("%.3g million", v/1e6)
	}
	return fmt.Sprintf("%.0f", v)
}

// checkClasses refuses a CSV file with more classes than -max-classes,
// naming the label column, and returns a warning when most classes have a
// single sample: both are the mark of a wrong -label-col (a float column
// makes one class per distinct value).
func checkClasses(src dataSource, maxClasses int, d dataset) (warning string, err error) {
	if !isCSV(src.name) {
		return "", nil
	}
	col := fmt.Sprintf("column %s", src.labelCol)
	if src.labelCol == "0" || src.labelCol == "-1" {
		col = fmt.Sprintf("the last column (%d)", d.train.Features+1)
	}
	classes := d.train.Classes
	if classes > maxClasses {
		return "", fmt.Errorf("%s: the labels, %s, make %d classes, more than -max-classes=%d; is -label-col the right column? (raise -max-classes if it is)",
			src.name, col, classes, maxClasses)
	}
	counts := make([]int, classes)
	for _, s := range []data.Set{d.train, d.held} {
		for _, l := range s.Labels {
			if l >= 0 && l < classes {
				counts[l]++
			}
		}
	}
	single := 0
	for _, n := range counts {
		if n == 1 {
			single++
		}
	}
	if classes > 2 && 2*single > classes {
		return fmt.Sprintf("%d of the %d classes of %s (labels in %s) have a single sample; is -label-col the right column?", single, classes, src.name, col), nil
	}
	return "", nil
}

// checkCSVMemory refuses a CSV file whose rows would take more memory than
// the host allows, naming the file and the memory, before they are read:
// counting its fields (data.CountCSV) takes a pass of constant memory.
// what names the file's flag; need gives the memory of its rows. A file
// over maxBytes (0: no bound), which its reader refuses, is not counted.
func checkCSVMemory(what, path string, maxBytes int64, maxMemory float64, need func(data.CSVSize) float64) error {
	if fi, err := os.Stat(path); err != nil || maxBytes > 0 && fi.Size() > maxBytes {
		return nil // reading it says what is wrong
	}
	limit, ok := memoryLimit(nil, maxMemory) // the host's: the rows are read into host memory
	if !ok {
		return nil
	}
	// The count stops once it needs more than the limit: a small .csv.gz
	// may decompress to far more than it is worth counting.
	size, stopped, err := data.CountCSVUntil(path, func(s data.CSVSize) bool { return need(s) > limit.bytes })
	if err != nil {
		return nil // reading it says what is wrong
	}
	n := need(size)
	if n <= limit.bytes {
		return nil
	}
	its, verb := "its", "need about"
	if stopped {
		its, verb = "its first", "already need"
	}
	return fmt.Errorf("%s %s: %s %s values in %s rows %s %s to read, more than the %s available %s; use a smaller file (or set -max-memory if the estimate is wrong)",
		what, path, its, count(float64(size.Fields)), count(float64(size.Records)), verb, bytesize(n), bytesize(limit.bytes), limit.source)
}

// csvDataBytes is the memory of -data's CSV file: data.LoadCSV's set
// (CSVSize.ReadBytes), its training and held-out splits, the same again
// (a feature in float64 and float32, a label), their standardised copies
// (a feature in float32, a label), and the file's size: the reader's
// record strings, garbage the collector may not have reclaimed yet.
func csvDataBytes(s data.CSVSize) float64 {
	return 2*s.ReadBytes() + 4*float64(s.Fields) + 8*float64(s.Records) + float64(s.Bytes)
}

// csvPredictBytes is the memory of -predict's file of rows for a model of
// classes outputs: each row's values in float64 and its slice, its line,
// the values in float32 for the model, and its probabilities and their
// slice, and the file's size (the reader's records, as for -data).
func csvPredictBytes(classes int) func(data.CSVSize) float64 {
	return func(s data.CSVSize) float64 {
		return float64(s.Fields)*(8+4) + float64(s.Records)*(24+8+24+4*float64(classes)) + float64(s.Bytes)
	}
}
