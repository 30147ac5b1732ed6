package main

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// setTensorValue overwrites element i of the named float32 tensor of a
// safetensors file: the diverged checkpoints of the tests.
func setTensorValue(t *testing.T, path, name string, i int, v float32) {
	t.Helper()
	b, n, hdr := readHeader(t, path)
	var info struct {
		Offsets [2]int `json:"data_offsets"`
	}
	if err := json.Unmarshal(hdr[name], &info); err != nil {
		t.Fatalf("tensor %s: %v", name, err)
	}
	at := 8 + int(n) + info.Offsets[0] + 4*i
	binary.LittleEndian.PutUint32(b[at:], math.Float32bits(v))
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestNonFiniteModelIsRefused: a checkpoint whose output bias holds NaN or
// +Inf evaluates to a loss that is not a number, for every loss (the hinge
// loss hid it as 0), and -predict refuses to write its probabilities, naming
// the first row, and writes nothing.
func TestNonFiniteModelIsRefused(t *testing.T) {
	dir := t.TempDir()
	rows := filepath.Join(dir, "rows.csv")
	if err := os.WriteFile(rows, []byte("x,y\n0.1,0.2\n0.3,0.4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, loss := range []string{"svm", "softmax"} {
		for _, v := range []float32{float32(math.NaN()), float32(math.Inf(1))} {
			sub := filepath.Join(dir, loss+strings.ReplaceAll(strings.ToLower(formatValue(v)), "+", ""))
			if err := os.Mkdir(sub, 0o755); err != nil {
				t.Fatal(err)
			}
			model := trainCheckpoint(t, sub, "-loss="+loss, "-epochs=1")
			setTensorValue(t, model, "2.bias", 1, v)
			code, stdout, stderr := runTrain(t, "-backend=cpu", "-load="+model, "-eval")
			if code == 0 || !strings.Contains(stderr, "loss is") {
				t.Errorf("-loss=%s, bias %v: -eval exit %d, want a refused loss; stdout %q, stderr %q", loss, v, code, tail(stdout), stderr)
			}
			out := filepath.Join(sub, "p.csv")
			code, _, stderr = runTrain(t, "-backend=cpu", "-load="+model, "-predict="+rows, "-out="+out)
			if code == 0 || !strings.Contains(stderr, "line 2: the model "+model+" gives probabilities that are NaN or Inf") {
				t.Errorf("-loss=%s, bias %v: -predict exit %d, stderr %q", loss, v, code, stderr)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("-loss=%s, bias %v: -predict wrote %s (%v)", loss, v, out, err)
			}
		}
	}
}

func formatValue(v float32) string {
	if math.IsNaN(float64(v)) {
		return "NaN"
	}
	return "Inf"
}

// TestMostThreadsRun: the largest -threads accepted trains, in a child
// process (GOMAXPROCS is the process's).
func TestMostThreadsRun(t *testing.T) {
	cmd := command(t, "-backend=cpu", "-epochs=1", "-plot=", "-threads="+strconv.Itoa(maxThreads))
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "1024 threads") {
		t.Fatalf("-threads=%d: %v\n%s", maxThreads, err, out)
	}
}
