package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/nn/data"
)

// TestOutputsNeverReplaceInputs: every output (-out, -save, the files of a
// -plot folder) that names an input (-load, -resume, the -data CSV file,
// -predict's rows, an MNIST file in -data-dir) or another output, by its
// path, another spelling, a symbolic or a hard link, is refused with exit
// status 2 before anything is read, trained or predicted, and every file is
// left as it was.
func TestOutputsNeverReplaceInputs(t *testing.T) {
	t.Chdir(t.TempDir())
	rows := "a,b,y\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n"
	require.NoError(t, os.WriteFile("d.csv", []byte(rows), 0o644))
	code, _, stderr := runTrain(t, "-backend=cpu", "-data=d.csv", "-epochs=1", "-save=m.safetensors", "-plot=", "-quiet")
	require.Equal(t, 0, code, stderr)
	ck, err := os.ReadFile("m.safetensors")
	require.NoError(t, err)
	require.NoError(t, os.Symlink("d.csv", "dlink.csv"))
	require.NoError(t, os.Link("d.csv", "dhard.csv"))
	require.NoError(t, os.Symlink("m.safetensors", "mlink.safetensors"))
	require.NoError(t, os.Mkdir("sub", 0o755))
	require.NoError(t, os.Symlink(".", "here"))
	// Hard links to the inputs by the run folder's names.
	require.NoError(t, os.Mkdir("rl", 0o755))
	require.NoError(t, os.Link("m.safetensors", filepath.Join("rl", lossCurveFile)))
	require.NoError(t, os.Mkdir("rm", 0o755))
	require.NoError(t, os.Link("d.csv", filepath.Join("rm", metricsFile)))
	mnist := filepath.Join("mn", data.MNISTFiles[2].Name) // not there yet: it would be downloaded
	for i, tc := range []struct {
		args []string
		want string
	}{
		// -out
		{[]string{"-load=m.safetensors", "-predict=d.csv", "-out=m.safetensors"}, `invalid value "m.safetensors" for -out: it is the -load file m.safetensors`},
		{[]string{"-load=m.safetensors", "-predict=d.csv", "-out=d.csv"}, `invalid value "d.csv" for -out: it is the -predict file d.csv`},
		{[]string{"-load=m.safetensors", "-predict=d.csv", "-out=sub/../d.csv"}, `for -out: it is the -predict file d.csv`},
		{[]string{"-load=m.safetensors", "-predict=d.csv", "-out=here/d.csv"}, `for -out: it is the -predict file d.csv`},
		{[]string{"-load=m.safetensors", "-predict=d.csv", "-out=dlink.csv"}, `for -out: it is the -predict file d.csv`},
		{[]string{"-load=m.safetensors", "-predict=dlink.csv", "-out=d.csv"}, `for -out: it is the -predict file dlink.csv`},
		{[]string{"-load=m.safetensors", "-predict=d.csv", "-out=dhard.csv"}, `for -out: it is the -predict file d.csv`},
		{[]string{"-load=mlink.safetensors", "-predict=d.csv", "-out=m.safetensors"}, `for -out: it is the -load file mlink.safetensors`},
		// -save
		{[]string{"-data=d.csv", "-save=dhard.csv"}, `invalid value "dhard.csv" for -save: it is the -data file d.csv`},
		{[]string{"-data=d.csv", "-load=m.safetensors", "-save=mlink.safetensors"}, `for -save: it is the -load file m.safetensors`},
		{[]string{"-load=m.safetensors", "-save=dlink.csv"}, `for -save: it is the -data file`}, // the checkpoint's data
		{[]string{"-data=mnist", "-data-dir=mn", "-save=" + mnist}, `for -save: it is the MNIST file ` + mnist + ` (-data-dir)`},
		{[]string{"-data=mnist", "-data-dir=here/mn", "-save=" + mnist}, `for -save: it is the MNIST file here/mn`},
		// -save in the -plot folder
		{[]string{"-data=d.csv", "-plot=r", "-save=r/" + lossCurveFile}, `invalid value "r/` + lossCurveFile + `" for -save: it is the run folder's ` + lossCurveFile + `, of -plot=r`},
		{[]string{"-data=d.csv", "-plot=here/r", "-save=r/" + accuracyCurveFile}, `for -save: it is the run folder's ` + accuracyCurveFile},
		// the -plot folder's files
		{[]string{"-data=d.csv", "-plot=rl", "-load=m.safetensors"}, `invalid value "rl" for -plot: its ` + lossCurveFile + ` is the -load file m.safetensors`},
		{[]string{"-data=d.csv", "-plot=rl", "-resume=m.safetensors"}, `invalid value "rl" for -plot: its ` + lossCurveFile + ` is the -resume file m.safetensors`},
		{[]string{"-data=d.csv", "-plot=rm"}, `invalid value "rm" for -plot: its ` + metricsFile + ` is the -data file d.csv`},
	} {
		code, stdout, stderr := runTrain(t, append([]string{"-backend=cpu", "-epochs=1"}, tc.args...)...)
		assert.Equal(t, 2, code, "%d %v", i, tc.args)
		assert.Contains(t, stderr, tc.want, "%d %v", i, tc.args)
		assert.NotContains(t, stdout, "epoch ", "%d %v: training began", i, tc.args)
		got, err := os.ReadFile("d.csv")
		require.NoError(t, err)
		require.Equal(t, rows, string(got), "%d %v", i, tc.args)
		got, err = os.ReadFile("m.safetensors")
		require.NoError(t, err)
		require.Equal(t, ck, got, "%d %v", i, tc.args)
		_, err = os.Stat("mn")
		require.ErrorIs(t, err, os.ErrNotExist, "%d %v: the MNIST folder was made", i, tc.args)
	}
	// -resume continues in its own file: -save may name it.
	code, _, stderr = runTrain(t, "-backend=cpu", "-resume=mlink.safetensors", "-epochs=2", "-plot=", "-save=m.safetensors", "-quiet")
	assert.Equal(t, 0, code, stderr)
}

// TestBadOutPathsFailFast: an -out that is a folder, a device or in a
// missing folder is refused with exit status 2 before the predictions are
// computed, naming the path given (not a temporary file) and saying what it
// is.
func TestBadOutPathsFailFast(t *testing.T) {
	t.Chdir(t.TempDir())
	require.NoError(t, os.WriteFile("d.csv", []byte("a,b,y\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n"), 0o644))
	code, _, stderr := runTrain(t, "-backend=cpu", "-data=d.csv", "-epochs=1", "-save=m.safetensors", "-plot=", "-quiet")
	require.Equal(t, 0, code, stderr)
	require.NoError(t, os.Mkdir("folder", 0o755))
	require.NoError(t, os.WriteFile("x.csv", []byte("1,2\n3,4\n"), 0o644))
	for i, tc := range []struct{ out, want string }{
		{"folder", `invalid value "folder" for -out: it is a folder; name the file to write`},
		{"missing/p.csv", `invalid value "missing/p.csv" for -out: the folder missing does not exist`},
		{"d.csv/p.csv", `invalid value "d.csv/p.csv" for -out: d.csv is not a folder`},
		{"/dev/null", `invalid value "/dev/null" for -out: it is a character device, not a regular file`},
	} {
		code, stdout, stderr := runTrain(t, "-backend=cpu", "-load=m.safetensors", "-predict=x.csv", "-out="+tc.out)
		assert.Equal(t, 2, code, "%d %s", i, tc.out)
		assert.Contains(t, stderr, "train: "+tc.want, "%d %s", i, tc.out)
		assert.NotContains(t, stderr+stdout, "gltrain-", "%d %s: names a temporary file", i, tc.out)
	}
}

// fullWriter fails every write, as /dev/full does.
type fullWriter struct{}

func (fullWriter) Write([]byte) (int, error) { return 0, syscall.ENOSPC }

// TestStdoutWriteErrors: a stdout that cannot be written (/dev/full) makes
// the exit status 1 with one error saying so, for training's epoch lines,
// -quiet's last line, -json, -eval and -predict, where it was 0.
func TestStdoutWriteErrors(t *testing.T) {
	t.Chdir(t.TempDir())
	require.NoError(t, os.WriteFile("d.csv", []byte("a,b,y\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n"), 0o644))
	require.NoError(t, os.WriteFile("x.csv", []byte("1,2\n3,4\n"), 0o644))
	code, _, stderr := runTrain(t, "-backend=cpu", "-data=d.csv", "-epochs=1", "-save=m.safetensors", "-plot=", "-quiet")
	require.Equal(t, 0, code, stderr)
	for i, args := range [][]string{
		{"-data=d.csv", "-epochs=1", "-plot="},
		{"-data=d.csv", "-epochs=1", "-plot=", "-quiet"},
		{"-data=d.csv", "-epochs=1", "-plot=", "-json"},
		{"-load=m.safetensors", "-eval"},
		{"-load=m.safetensors", "-predict=x.csv"},
	} {
		var errOut bytes.Buffer
		code := run(context.Background(), append([]string{"-backend=cpu"}, args...), fullWriter{}, &errOut)
		assert.Equal(t, 1, code, "%d %v: %s", i, args, errOut.String())
		assert.Equal(t, 1, strings.Count(errOut.String(), "no space left on device"), "%d %v: %s", i, args, errOut.String())
		assert.Regexp(t, `train: (-predict: )?writing (the predictions )?to stdout: no space left on device`, errOut.String(), "%d %v", i, args)
	}
}

// TestMNISTDirOddFiles: in -data-dir, a FIFO or a link to /dev/zero under an
// MNIST file's name is refused at once (it was read for ever), and other
// data under MNIST's names (Fashion-MNIST) is kept and named, not
// downloaded over; nothing is fetched.
func TestMNISTDirOddFiles(t *testing.T) {
	dir := t.TempDir()
	first := filepath.Join(dir, data.MNISTFiles[0].Name)
	for i, tc := range []struct {
		make func() error
		want string
	}{
		{func() error { return syscall.Mkfifo(first, 0o644) }, first + ": a FIFO (named pipe): not a regular file"},
		{func() error { return os.Symlink("/dev/zero", first) }, first + ": a character device: not a regular file"},
		{func() error { return os.WriteFile(first, []byte("Fashion-MNIST, say"), 0o644) }, first + " is not the file it should be (18 bytes, not 9912422), so it is not replaced"},
	} {
		os.Remove(first)
		require.NoError(t, tc.make(), i)
		done := make(chan struct{})
		var code int
		var stderr string
		go func() {
			defer close(done)
			code, _, stderr = runTrain(t, "-backend=cpu", "-data=mnist", "-data-dir="+dir, "-plot=")
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("%d: hangs", i)
		}
		assert.Equal(t, 1, code, "%d: %s", i, stderr)
		assert.Contains(t, stderr, tc.want, i)
		assert.Equal(t, []string{data.MNISTFiles[0].Name}, entries(t, dir), i)
	}
}
