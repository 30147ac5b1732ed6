package main

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"gltrain/backend"
	"gltrain/backend/backendtest"
)

// bostonCSV is scikit-learn's copy of the Boston housing data (Debian's
// python3-sklearn): a count line ("506,13"), a header, 506 rows of 13
// features and the median value MEDV.
const bostonCSV = "/usr/lib/python3/dist-packages/sklearn/datasets/data/boston_house_prices.csv"

// TestBostonMatchesPyTorch is issue 23's regression check: an MLP
// (13-64 ReLU-1) trained by the command on the Boston housing CSV reaches
// a test R² within 0.02 of PyTorch's same recipe (bench/pytorch/
// regression.py, R² by scikit-learn's r2_score).
//
// The split: the file's 506 rows in the order backend.NewRand(1).Perm
// gives, the first 405 (80%, rounded) written to train.csv and the other
// 101 to test.csv, so that both sides read the same rows. Both standardise
// the features with train.csv's mean and population deviation and keep
// MEDV raw, and both start from the same weights: a first run at
// -lr=1e-30 saves the initial model (its one step moves a weight by at
// most about 1e-30, nothing in float32 but a zero bias), which the
// training run loads (-load: a fresh Adam) and which PyTorch loads with
// strict=True. Then 150 full-batch Adam steps at lr 0.02 (full batches:
// no batch order to match), and -eval on test.csv. Seen: R² 0.78746 on
// both sides and both backends, equal to 1e-5 (float32 sums in another
// order); the 0.02 of the issue is far above that, and a model that
// failed to learn (R² < 0.7) fails too.
func TestBostonMatchesPyTorch(t *testing.T) {
	python := backendtest.PyTorch(t)
	if _, err := os.Stat(bostonCSV); err != nil || exec.Command(python, "-c", "import sklearn").Run() != nil {
		msg := "python3-sklearn is not installed (its Boston housing CSV and sklearn.metrics); install it to run this test"
		if os.Getenv("GLTRAIN_REQUIRE_TORCH") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	dir := t.TempDir()
	train, test := writeBostonSplit(t, dir)
	init := filepath.Join(dir, "init.safetensors")
	mustTrain(t, "-backend=cpu", "-plot=", "-quiet", "-data="+train, "-loss=mse", "-layers=64", "-epochs=1", "-lr=1e-30", "-batch=405", "-val=0", "-save="+init)

	out, err := exec.Command(python, "../../bench/pytorch/regression.py", "--train", train, "--test", test, "--init", init,
		"--hidden", "64", "--epochs", "150", "--lr", "0.02").Output()
	require.NoError(t, err, "%s", out)
	var torch struct {
		TestR2 float64 `json:"test_r2"`
	}
	require.NoError(t, json.Unmarshal(out, &torch), "%s", out)

	for _, be := range []string{"cpu", "gl"} {
		t.Run(be, func(t *testing.T) {
			if be == "gl" {
				glOr(t)
			}
			final := filepath.Join(dir, be+".safetensors")
			mustTrain(t, "-backend="+be, "-plot=", "-quiet", "-load="+init, "-data="+train, "-val=0", "-lr=0.02", "-batch=405", "-epochs=150", "-save="+final)
			var rep regressionReport
			js := mustTrain(t, "-backend="+be, "-load="+final, "-eval", "-data="+test, "-json")
			require.NoError(t, json.Unmarshal([]byte(js), &rep), js)
			require.Equal(t, 101, rep.Samples)
			if math.Abs(rep.R2-torch.TestR2) > 0.02 || rep.R2 < 0.7 {
				t.Errorf("%s: test R² %.5f, PyTorch's %.5f: want within 0.02, and ≥ 0.7", be, rep.R2, torch.TestR2)
			}
			t.Logf("%s: test R² %.5f, PyTorch's %.5f", be, rep.R2, torch.TestR2)
		})
	}
}

// writeBostonSplit writes the header and the rows of bostonCSV, shuffled
// by backend.NewRand(1), to train.csv (the first 405) and test.csv (the
// other 101) in dir, and returns their paths.
func writeBostonSplit(t *testing.T, dir string) (train, test string) {
	t.Helper()
	raw, err := os.ReadFile(bostonCSV)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	require.Len(t, lines, 2+506, "a count line, a header and 506 rows")
	header, rows := lines[1], lines[2:]
	perm := backend.NewRand(1).Perm(len(rows))
	nTrain := int(math.Round(0.8 * float64(len(rows))))
	write := func(name string, idx []int) string {
		var sb strings.Builder
		sb.WriteString(header + "\n")
		for _, i := range idx {
			sb.WriteString(strings.TrimSpace(rows[i]) + "\n")
		}
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte(sb.String()), 0o644))
		return path
	}
	return write("train.csv", perm[:nTrain]), write("test.csv", perm[nTrain:])
}
