package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The data-parallel tests run train under Open MPI's mpirun. They skip
// where mpirun is missing, and fail there under GLTRAIN_REQUIRE_MPI=1,
// which make test sets, having installed Open MPI.

// mpirun returns the launcher's command line (as root it needs
// --allow-run-as-root; on 2 cores, --oversubscribe for more ranks).
func mpirun(t *testing.T) []string {
	t.Helper()
	path, err := exec.LookPath("mpirun")
	if err != nil {
		if os.Getenv("GLTRAIN_REQUIRE_MPI") == "1" {
			t.Fatalf("mpirun is required (GLTRAIN_REQUIRE_MPI=1) but missing: install openmpi-bin (make test-deps): %v", err)
		}
		t.Skipf("mpirun is missing (install openmpi-bin, or set GLTRAIN_REQUIRE_MPI=1 to make this a failure): %v", err)
	}
	return []string{path, "--allow-run-as-root", "--oversubscribe"}
}

// buildMPI builds train with the tag mpi into dir.
func buildMPI(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "train-mpi")
	out, err := exec.Command("go", "build", "-tags", "mpi", "-o", bin, "gltrain/cmd/train").CombinedOutput()
	if err != nil {
		t.Fatalf("go build -tags mpi: %v\n%s", err, out)
	}
	return bin
}

// mpiJob is a small run: 3 epochs of the spiral on the CPU, one thread a
// rank (OpenBLAS's too), saving its model, printing JSON epochs.
var mpiJob = []string{"-backend=cpu", "-threads=1", "-plot=", "-json", "-save=model.safetensors"}

// runJob runs argv (a launcher and train, or train alone) in a new folder
// with mpiJob's flags, 3 epochs, and extra, and returns the epochs' losses
// as printed and the checkpoint's bytes.
func runJob(t *testing.T, argv []string, env []string, extra ...string) (losses []float64, model []byte) {
	t.Helper()
	return runJobIn(t, t.TempDir(), 3, argv, env, extra...)
}

// runJobIn is runJob in dir, for epochs epochs (those run, of a resumed
// run).
func runJobIn(t *testing.T, dir string, epochs int, argv []string, env []string, extra ...string) (losses []float64, model []byte) {
	t.Helper()
	cmd := exec.Command(argv[0], append(append(argv[1:], mpiJob...), extra...)...)
	cmd.Dir, cmd.Env = dir, append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, stderr.String())
	}
	for line := range strings.Lines(stdout.String()) {
		var e struct {
			Loss    float64 `json:"loss"`
			ValLoss float64 `json:"val_loss"`
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("%s: stdout line %q: %v", strings.Join(cmd.Args, " "), line, err)
		}
		losses = append(losses, e.Loss, e.ValLoss)
	}
	if len(losses) != 2*epochs {
		t.Fatalf("%s printed %d epochs: want %d (the JSON of rank 0 only)\n%s", strings.Join(cmd.Args, " "), len(losses)/2, epochs, stdout.String())
	}
	model, err := os.ReadFile(filepath.Join(dir, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	return losses, model
}

// TestMPISameBits: with 2 fixed micro-batches a batch, one process
// without MPI, 2 ranks under mpirun, and 2 ranks again train the same
// run: the same epoch losses, to the last digit of float64, and the same
// checkpoint, byte for byte (see nn's parallel). One rank of the MPI build
// without -micro-batches is a plain run, byte for byte too.
func TestMPISameBits(t *testing.T) {
	launcher := mpirun(t)
	bin := buildMPI(t, t.TempDir())
	self := []string{os.Args[0]}
	selfEnv := []string{"GLTRAIN_TRAIN_MAIN=1"}
	np := func(n string) []string { return append(append(launcher, "-np", n), bin) }

	oneLoss, oneModel := runJob(t, self, selfEnv, "-epochs=3", "-micro-batches=2")
	for i := range 2 {
		loss, model := runJob(t, np("2"), nil, "-epochs=3", "-micro-batches=2")
		if !slices.Equal(loss, oneLoss) || !bytes.Equal(model, oneModel) {
			t.Fatalf("run %d on 2 ranks: epoch losses %v, one process %v; checkpoints equal: %v", i+1, loss, oneLoss, bytes.Equal(model, oneModel))
		}
	}
	plainLoss, plainModel := runJob(t, self, selfEnv, "-epochs=3")
	loss, model := runJob(t, np("1"), nil, "-epochs=3")
	if !slices.Equal(loss, plainLoss) || !bytes.Equal(model, plainModel) {
		t.Fatalf("1 rank: epoch losses %v, a plain run %v; checkpoints equal: %v", loss, plainLoss, bytes.Equal(model, plainModel))
	}
}

// TestMPIResumeAcrossRanks: a run of 2 epochs on 2 ranks resumed to 3 in
// one process, and one of 2 epochs in one process resumed to 3 on 2
// ranks, end with the checkpoint of 3 epochs straight, byte for byte (the
// checkpoint is the one-process file; -micro-batches fixes the steps).
func TestMPIResumeAcrossRanks(t *testing.T) {
	launcher := mpirun(t)
	bin := buildMPI(t, t.TempDir())
	self, selfEnv := []string{os.Args[0]}, []string{"GLTRAIN_TRAIN_MAIN=1"}
	two := append(append(launcher, "-np", "2"), bin)
	_, want := runJob(t, self, selfEnv, "-epochs=3", "-micro-batches=2")
	for _, c := range []struct {
		name        string
		first, then []string
		env1, env2  []string
	}{
		{"2 ranks, then 1", two, self, nil, selfEnv},
		{"1 process, then 2 ranks", self, two, selfEnv, nil},
	} {
		dir := t.TempDir()
		runJobIn(t, dir, 2, c.first, c.env1, "-epochs=2", "-micro-batches=2")
		_, got := runJobIn(t, dir, 1, c.then, c.env2, "-epochs=3", "-micro-batches=2", "-resume=model.safetensors")
		if !bytes.Equal(got, want) {
			t.Errorf("%s: the resumed checkpoint differs from 3 epochs straight", c.name)
		}
	}
}

// TestMPIRankKilled: a rank killed (SIGKILL) mid-run makes mpirun end the
// job with a non-zero status within a bounded time (Open MPI's own
// handling: it terminates the other ranks), and the last checkpoint, which
// rank 0 writes atomically, stays whole: -resume continues it.
func TestMPIRankKilled(t *testing.T) {
	launcher := mpirun(t)
	bin := buildMPI(t, t.TempDir())
	dir := t.TempDir()
	argv := append(append(launcher, "-np", "2", bin), "-backend=cpu", "-threads=1", "-plot=", "-quiet", "-epochs=1000000", "-save=model.safetensors")
	job := exec.Command(argv[0], argv[1:]...)
	job.Dir = dir
	var out bytes.Buffer
	job.Stdout, job.Stderr = &out, &out
	if err := job.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- job.Wait() }()
	defer job.Process.Kill() // on a failure below: the launcher, whose ranks follow it
	path := filepath.Join(dir, "model.safetensors")
	rank1 := 0
	for deadline := time.Now().Add(60 * time.Second); rank1 == 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no checkpoint or no rank 1 after 60 s\n%s", out.String())
		}
		if _, err := os.Stat(path); err == nil {
			rank1 = childWithEnv(job.Process.Pid, "OMPI_COMM_WORLD_RANK=1")
		}
	}
	time.Sleep(200 * time.Millisecond) // mid-epoch, some epochs in
	if err := syscall.Kill(rank1, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	select {
	case err := <-exited:
		// Open MPI ends the job within seconds; 30 s bounds it on a loaded machine.
		if err == nil {
			t.Fatalf("mpirun exited 0 after rank 1 was killed\n%s", out.String())
		}
		t.Logf("mpirun: %v, %v after the kill", err, time.Since(killed).Round(time.Millisecond))
	case <-time.After(30 * time.Second):
		t.Fatalf("mpirun still running 30 s after rank 1 was killed\n%s", out.String())
	}
	ck, err := loadCheckpoint(path)
	if err != nil {
		t.Fatalf("the checkpoint after the kill: %v", err)
	}
	code, _, stderr := runTrain(t, "-backend=cpu", "-threads=1", "-plot=", "-quiet", "-resume="+path, "-epochs="+strconv.Itoa(ck.Epochs+1))
	if code != 0 {
		t.Fatalf("-resume after the kill (epoch %d): exit status %d\n%s", ck.Epochs, code, stderr)
	}
}

// childWithEnv returns the pid of a child of parent whose environment
// holds kv, or 0.
func childWithEnv(parent int, kv string) int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, st := range stats {
		b, err := os.ReadFile(st)
		if err != nil {
			continue
		}
		// pid (comm) state ppid …: comm may hold spaces, so read after its ')'.
		f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		if len(f) < 2 || f[1] != strconv.Itoa(parent) {
			continue
		}
		env, err := os.ReadFile(filepath.Join(filepath.Dir(st), "environ"))
		if err == nil && slices.Contains(strings.Split(string(env), "\x00"), kv) {
			pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(st)))
			return pid
		}
	}
	return 0
}

// TestMPIRefusedWithoutTheTag: train built without MPI (this test binary)
// and started by mpirun as 2 ranks says so and exits 2 on each, rather
// than train 2 copies of one run.
func TestMPIRefusedWithoutTheTag(t *testing.T) {
	argv := append(mpirun(t), "-np", "2", os.Args[0], "-backend=cpu", "-plot=")
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env, cmd.Dir = append(os.Environ(), "GLTRAIN_TRAIN_MAIN=1"), t.TempDir()
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 {
		t.Fatalf("mpirun -np 2 of a build without MPI: %v, want exit status 2\n%s", err, out)
	}
	if want := "built without MPI and would train 2 copies of the same run"; strings.Count(string(out), want) != 2 {
		t.Fatalf("output %q: want each rank to say %q", out, want)
	}
	if strings.Contains(string(out), "epoch") {
		t.Fatalf("output %q: want no training", out)
	}
}

// TestLaunchedWithoutMPI: the refusal reads the launcher's environment
// (Open MPI's OMPI_COMM_WORLD_SIZE, MPICH's and Slurm's PMI_SIZE), so it
// holds where mpirun is not installed too; a size of 1 is a plain run.
func TestLaunchedWithoutMPI(t *testing.T) {
	for _, env := range []string{"OMPI_COMM_WORLD_SIZE=3", "PMI_SIZE=2"} {
		cmd := command(t, "-backend=cpu", "-plot=", "-epochs=1")
		cmd.Env = append(cmd.Env, env)
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(string(out), "built without MPI") {
			t.Errorf("%s: %v, output %q: want exit status 2 saying it is built without MPI", env, err, out)
		}
	}
	cmd := command(t, "-backend=cpu", "-plot=", "-epochs=1")
	cmd.Env = append(cmd.Env, "OMPI_COMM_WORLD_SIZE=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("OMPI_COMM_WORLD_SIZE=1: %v\n%s", err, out)
	}
}

// TestBackendSpecOfRank: in a job of several ranks, -backend=gl opens the
// GPU of the rank's local rank; a named device, the cpu and one rank keep
// the spec.
func TestBackendSpecOfRank(t *testing.T) {
	t.Setenv("OMPI_COMM_WORLD_LOCAL_RANK", "3")
	two, one := &world{red: fakeRanks(2)}, &world{red: fakeRanks(1)}
	for _, c := range []struct {
		w          *world
		spec, want string
	}{
		{two, "gl", "gl:device=3"},
		{two, "gl:device=0", "gl:device=0"},
		{two, "cpu", "cpu"},
		{two, "auto", "auto"},
		{one, "gl", "gl"},
		{nil, "gl", "gl"},
	} {
		if got := c.w.backendSpec(c.spec); got != c.want {
			t.Errorf("%v ranks, -backend=%s: %s, want %s", c.w.reducer(), c.spec, got, c.want)
		}
	}
}

// fakeRanks is a Reducer of n ranks that never reduces.
type fakeRanks int

func (n fakeRanks) Rank() int                        { return 0 }
func (n fakeRanks) Size() int                        { return int(n) }
func (fakeRanks) AllGather(dst, src []float32) error { return errors.ErrUnsupported }
