package main

import (
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestMPIJobManifest checks deploy/mpijob.yaml against what the Kubeflow MPI
// Operator's v2beta1 MPIJob requires (nothing here can reach a cluster): its
// kind and version, known spec fields, a launcher and workers with an image
// and a command, a GPU a worker, an mpirun whose -np is the workers' slots,
// and train flags this train accepts.
func TestMPIJobManifest(t *testing.T) {
	raw, err := os.ReadFile("../../deploy/mpijob.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var job struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
		Metadata   struct {
			Name string `yaml:"name"`
		} `yaml:"metadata"`
		Spec map[string]yaml.Node `yaml:"spec"`
	}
	if err := yaml.Unmarshal(raw, &job); err != nil {
		t.Fatalf("mpijob.yaml: %v", err)
	}
	if job.APIVersion != "kubeflow.org/v2beta1" || job.Kind != "MPIJob" || job.Metadata.Name == "" {
		t.Fatalf("apiVersion %q, kind %q, name %q: want kubeflow.org/v2beta1, MPIJob and a name", job.APIVersion, job.Kind, job.Metadata.Name)
	}
	known := []string{"slotsPerWorker", "runPolicy", "mpiReplicaSpecs", "sshAuthMountPath", "launcherCreationPolicy", "mpiImplementation"}
	for k := range job.Spec {
		if !slices.Contains(known, k) {
			t.Errorf("spec.%s: not a field of a v2beta1 MPIJob spec (%s)", k, strings.Join(known, ", "))
		}
	}
	var slots int
	if n, ok := job.Spec["slotsPerWorker"]; !ok || n.Decode(&slots) != nil || slots < 1 {
		t.Fatalf("spec.slotsPerWorker: want a count ≥ 1")
	}
	type container struct {
		Name      string   `yaml:"name"`
		Image     string   `yaml:"image"`
		Command   []string `yaml:"command"`
		Resources struct {
			Limits map[string]string `yaml:"limits"`
		} `yaml:"resources"`
	}
	var replicas map[string]struct {
		Replicas int `yaml:"replicas"`
		Template struct {
			Spec struct {
				Containers []container `yaml:"containers"`
			} `yaml:"spec"`
		} `yaml:"template"`
	}
	if n, ok := job.Spec["mpiReplicaSpecs"]; !ok || n.Decode(&replicas) != nil {
		t.Fatal("spec.mpiReplicaSpecs: want the Launcher's and the Worker's")
	}
	first := func(role string) container {
		r, ok := replicas[role]
		if !ok || len(r.Template.Spec.Containers) == 0 {
			t.Fatalf("spec.mpiReplicaSpecs.%s: want a replica spec with a container", role)
		}
		c := r.Template.Spec.Containers[0]
		if c.Name == "" || c.Image == "" || len(c.Command) == 0 {
			t.Fatalf("%s container %+v: want a name, an image and a command", role, c)
		}
		return c
	}
	launcher, worker := first("Launcher"), first("Worker")
	if replicas["Launcher"].Replicas != 1 || replicas["Worker"].Replicas < 1 {
		t.Fatalf("replicas: launcher %d, workers %d: want 1 and at least 1", replicas["Launcher"].Replicas, replicas["Worker"].Replicas)
	}
	if worker.Resources.Limits["nvidia.com/gpu"] != "1" {
		t.Errorf("worker limits %v: want nvidia.com/gpu: 1", worker.Resources.Limits)
	}
	cmd := launcher.Command
	np := slices.Index(cmd, "-np")
	at := slices.Index(cmd, "train")
	if cmd[0] != "mpirun" || np < 0 || np+1 >= len(cmd) || at < 0 {
		t.Fatalf("launcher command %q: want mpirun … -np N … train FLAGS", cmd)
	}
	if want := strconv.Itoa(replicas["Worker"].Replicas * slots); cmd[np+1] != want {
		t.Errorf("mpirun -np %s: want %s, the workers' replicas × slotsPerWorker", cmd[np+1], want)
	}
	c, err := parseFlags(cmd[at+1:], io.Discard)
	if err != nil {
		t.Fatalf("train %q: %v", cmd[at+1:], err)
	}
	if c.data != "mnist" || c.micro%(replicas["Worker"].Replicas*slots) != 0 {
		t.Errorf("train -data=%s -micro-batches=%d: want mnist, and micro-batches a multiple of the ranks", c.data, c.micro)
	}
}

// TestDockerfile checks deploy/Dockerfile for what the job needs of its
// image: train built with the tag mpi, Open MPI, sshd for the operator's
// launcher, the GL runtime and the MNIST files at -data-dir.
func TestDockerfile(t *testing.T) {
	raw, err := os.ReadFile("../../deploy/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	s := string(raw)
	for _, want := range []string{"FROM debian:bookworm", "go build -tags mpi", "openmpi-bin", "openssh-server", "libegl1", "make mnist", "/data/mnist", "graphics"} {
		if !strings.Contains(s, want) {
			t.Errorf("deploy/Dockerfile lacks %q", want)
		}
	}
}
