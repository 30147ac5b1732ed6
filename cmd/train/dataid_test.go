package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/nn"
	"gltrain/nn/safetensors"
)

// pointsCSV is a small separable CSV of two named classes.
const pointsCSV = "a,b,kind\n1,2,x\n2,1,y\n3,3,x\n1,1,y\n0,2,x\n2,0,y\n4,1,x\n0,0,y\n"

// TestCheckpointDataIdentity: a checkpoint records its CSV file's absolute
// path, size and SHA-256, and a run that continues its data compares the
// file by content. Before, it recorded -data as typed: resumed or
// evaluated from another folder, it silently used another file of the same
// name there (and saved over the checkpoint), and the real file's absolute
// path was refused as "disagrees".
func TestCheckpointDataIdentity(t *testing.T) {
	home, elsewhere := t.TempDir(), t.TempDir()
	real := filepath.Join(home, "pts.csv")
	require.NoError(t, os.WriteFile(real, []byte(pointsCSV), 0o644))
	// Another file of the same name, in the folder the run continues from.
	require.NoError(t, os.WriteFile(filepath.Join(elsewhere, "pts.csv"), []byte(strings.Replace(pointsCSV, "4,1,x", "9,9,y", 1)), 0o644))
	ck := filepath.Join(home, "m.safetensors")
	t.Chdir(home)
	mustTrain(t, "-backend=cpu", "-plot=", "-data=pts.csv", "-epochs=1", "-layers=4", "-save="+ck)
	info, err := nn.ReadInfo(ck)
	require.NoError(t, err)
	assert.Equal(t, real, info.Meta["data"], "the absolute path")
	assert.Equal(t, strconv.Itoa(len(pointsCSV)), info.Meta["data-size"])
	assert.Len(t, info.Meta["data-sha256"], 64)

	t.Chdir(elsewhere)
	stdout := mustTrain(t, "-backend=cpu", "-load="+ck, "-eval")
	assert.Contains(t, stdout, real+": 8 samples", "evaluated on the file it was trained on")
	mustTrain(t, "-backend=cpu", "-plot=", "-resume="+ck, "-epochs=2")
	// The real file by its absolute path, or by another spelling of it.
	mustTrain(t, "-backend=cpu", "-plot=", "-resume="+ck, "-epochs=3", "-data="+real)
	mustTrain(t, "-backend=cpu", "-plot=", "-resume="+ck, "-epochs=4", "-data="+filepath.Join(home, ".", "..", filepath.Base(home), "pts.csv"))
	// The file of the same name here is other data: refused, the checkpoint
	// untouched.
	before, err := os.ReadFile(ck)
	require.NoError(t, err)
	code, _, stderr := runTrain(t, "-backend=cpu", "-plot=", "-resume="+ck, "-epochs=5", "-data=pts.csv")
	assert.Equal(t, 2, code, stderr)
	assert.Contains(t, stderr, "train: -data: pts.csv is not the data "+ck+" was trained on ("+real+"): it holds 57 bytes, SHA-256 ")
	assert.Contains(t, stderr, "give -data the file it was trained on, or -data-changed=ok to go on with this one")
	after, err := os.ReadFile(ck)
	require.NoError(t, err)
	assert.Equal(t, before, after, "the checkpoint was rewritten")

	// Moved away: the error says where it was.
	require.NoError(t, os.Rename(real, real+".moved"))
	code, _, stderr = runTrain(t, "-backend=cpu", "-plot=", "-resume="+ck, "-epochs=5")
	assert.Equal(t, 1, code, stderr)
	assert.Contains(t, stderr, "give -data the path of that file where it is now")
	require.NoError(t, os.Rename(real+".moved", real))

	// A copy elsewhere is the same data; the checkpoint then records where
	// the run read it.
	cp := filepath.Join(elsewhere, "copy.csv")
	require.NoError(t, os.WriteFile(cp, []byte(pointsCSV), 0o644))
	mustTrain(t, "-backend=cpu", "-plot=", "-resume="+ck, "-epochs=5", "-data="+cp)
	info, err = nn.ReadInfo(ck)
	require.NoError(t, err)
	assert.Equal(t, cp, info.Meta["data"])
}

// TestResumeRefusesChangedData: data changed since the checkpoint (rows
// appended, values scaled, class names swapped) is refused on -resume and
// on -load or -eval without -data, naming the flag that goes on anyway;
// -data-changed=ok does. Before, the run went on without a word.
func TestResumeRefusesChangedData(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "pts.csv")
	ck := filepath.Join(dir, "m.safetensors")
	for i, changed := range []string{
		pointsCSV + "5,5,x\n",                                              // a row appended
		strings.ReplaceAll(pointsCSV, "1,", "10,"),                         // values scaled
		strings.NewReplacer("x\n", "y\n", "y\n", "x\n").Replace(pointsCSV), // class names swapped
	} {
		require.NoError(t, os.WriteFile(path, []byte(pointsCSV), 0o644))
		mustTrain(t, "-backend=cpu", "-plot=", "-data="+path, "-epochs=1", "-layers=4", "-save="+ck)
		require.NoError(t, os.WriteFile(path, []byte(changed), 0o644))
		for _, args := range [][]string{{"-resume=" + ck, "-epochs=2"}, {"-load=" + ck, "-eval"}, {"-load=" + ck, "-epochs=1"}} {
			code, _, stderr := runTrain(t, append([]string{"-backend=cpu", "-plot="}, args...)...)
			assert.Equal(t, 2, code, "%d %v: %s", i, args, stderr)
			assert.Contains(t, stderr, "train: -data: "+path+" has changed since "+ck+" was trained on it", "%d %v", i, args)
			assert.Contains(t, stderr, "-data-changed=ok", "%d %v", i, args)
		}
		mustTrain(t, "-backend=cpu", "-plot=", "-resume="+ck, "-epochs=2", "-data-changed=ok")
		// What it saved records the data it ran on: resumed again, it goes on.
		mustTrain(t, "-backend=cpu", "-plot=", "-resume="+ck, "-epochs=3")
	}
	// -load with -data names other data on purpose: not checked.
	mustTrain(t, "-backend=cpu", "-plot=", "-load="+ck, "-data="+path, "-eval")
}

// TestOlderCheckpointData: a checkpoint without the data's size and hash
// (an older gltrain) still resumes, its path compared as before; a
// malformed record is refused, naming the field.
func TestOlderCheckpointData(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "pts.csv")
	require.NoError(t, os.WriteFile(path, []byte(pointsCSV), 0o644))
	ck := filepath.Join(dir, "m.safetensors")
	mustTrain(t, "-backend=cpu", "-plot=", "-data="+path, "-epochs=1", "-layers=4", "-save="+ck)
	editMeta := func(f func(map[string]string)) {
		file, err := safetensors.ReadFile(ck)
		require.NoError(t, err)
		var meta map[string]string
		require.NoError(t, json.Unmarshal([]byte(file.Metadata["meta"]), &meta))
		f(meta)
		b, err := json.Marshal(meta)
		require.NoError(t, err)
		setMeta(t, ck, "meta", string(b))
	}
	good, err := os.ReadFile(ck)
	require.NoError(t, err)
	for _, tc := range []struct {
		key, value, want string
	}{
		{"data-size", "-1", `"data-size": "-1" is not a size in bytes`},
		{"data-sha256", "xyz", `"data-sha256": "xyz" is not a SHA-256 in hexadecimal`},
		{"data-sha256", "<delete>", `"data-size": recorded without "data-sha256"`},
	} {
		require.NoError(t, os.WriteFile(ck, good, 0o644))
		editMeta(func(m map[string]string) {
			if tc.value == "<delete>" {
				delete(m, tc.key)
			} else {
				m[tc.key] = tc.value
			}
		})
		code, _, stderr := runTrain(t, "-backend=cpu", "-plot=", "-resume="+ck, "-epochs=2")
		assert.Equal(t, 1, code, stderr)
		assert.Contains(t, stderr, "not a usable gltrain checkpoint: __metadata__ \"meta\" "+tc.want)
	}
	older := func() {
		require.NoError(t, os.WriteFile(ck, good, 0o644))
		editMeta(func(m map[string]string) { delete(m, "data-size"); delete(m, "data-sha256") })
	}
	older()
	mustTrain(t, "-backend=cpu", "-plot=", "-resume="+ck, "-epochs=2")
	older()
	other := filepath.Join(dir, "other.csv")
	require.NoError(t, os.WriteFile(other, []byte(pointsCSV), 0o644))
	code, _, stderr := runTrain(t, "-backend=cpu", "-plot=", "-resume="+ck, "-epochs=2", "-data="+other)
	assert.Equal(t, 2, code, stderr)
	assert.Contains(t, stderr, "disagrees with the run in")
	// ...unless told: the checkpoint it saves then records the file.
	mustTrain(t, "-backend=cpu", "-plot=", "-resume="+ck, "-epochs=2", "-data="+other, "-data-changed=ok")
	info, err := nn.ReadInfo(ck)
	require.NoError(t, err)
	assert.Equal(t, other, info.Meta["data"])
	assert.NotEmpty(t, info.Meta["data-sha256"])
}

// TestDataPathNotPrintable: run from a folder whose name holds a control
// character, a checkpoint records -data as given (its absolute path could
// not be saved as UTF-8 text and loaded back), and still resumes.
func TestDataPathNotPrintable(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "odd\x1bdir")
	require.NoError(t, os.Mkdir(dir, 0o755))
	t.Chdir(dir)
	require.NoError(t, os.WriteFile("pts.csv", []byte(pointsCSV), 0o644))
	mustTrain(t, "-backend=cpu", "-plot=", "-data=pts.csv", "-epochs=1", "-layers=4", "-save=m.safetensors")
	info, err := nn.ReadInfo("m.safetensors")
	require.NoError(t, err)
	assert.Equal(t, "pts.csv", info.Meta["data"])
	mustTrain(t, "-backend=cpu", "-plot=", "-resume=m.safetensors", "-epochs=2")
}
