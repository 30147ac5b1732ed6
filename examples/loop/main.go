// Command loop trains a model with a training loop of its own, on the
// autograd graph, written as a PyTorch user writes one:
//
//	for step in range(steps):
//	    loss = F.cross_entropy(model(x), y)
//	    loss.backward()
//	    opt.step()
//	    opt.zero_grad()
//
// There is no Reset in the loop: the graph frees a step's tensors itself at
// the first operation of the next step (see the autograd package doc,
// "Memory"), so the backend's live buffers stay the same from step to step.
// It prints the loss and the live buffers every 10 steps, then the accuracy
// on the training points.
//
//	go run ./examples/loop [-backend gl|cpu] [-steps 100]
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"os"

	"gltrain/autograd"
	"gltrain/backend"
	_ "gltrain/backend/cpu" // registers "cpu"
	_ "gltrain/backend/gl"  // registers "gl"
	"gltrain/nn"
	"gltrain/nn/data"
)

func main() {
	name := flag.String("backend", "", "gl or cpu (default: gl on a hardware renderer, else cpu: backend.OpenAuto)")
	steps := flag.Int("steps", 100, "training steps (each on the whole data set)")
	flag.Parse()
	b, err := openBackend(*name)
	if err != nil {
		log.Fatal(err)
	}
	err = run(b, *steps, os.Stdout)
	b.Close()
	if err != nil {
		log.Fatal(err)
	}
}

// logEvery is the number of steps between two prints of the loss.
const logEvery = 10

// run trains for the given steps on b, printing to w.
func run(b backend.Backend, steps int, w io.Writer) error {
	spiral, err := data.Spiral(100, 3, 1)
	if err != nil {
		return err
	}
	// The data goes to the device once: set.X is 300×2, set.Y the labels,
	// 300×1. (backend.FromData uploads any other host slice.)
	set, err := nn.Upload(b, spiral)
	if err != nil {
		return err
	}
	defer set.Release()
	x, y, n := set.X, set.Y, set.N

	model, err := nn.NewModel(b, nn.Seq(
		&nn.Linear{Out: 64}, nn.Act(nn.ReLU),
		&nn.Linear{Out: 64}, nn.Act(nn.ReLU),
		&nn.Linear{Out: 3},
	), spiral.Features, 1)
	if err != nil {
		return err
	}
	defer model.Release()
	opt, err := nn.NewOptimizer("adam", b, model.Parameters(), 0.01, 0)
	if err != nil {
		return err
	}
	defer opt.Release()

	g := autograd.NewGraph(b)
	defer g.Reset() // frees the last step's tensors; the loop itself needs no Reset

	// model.train(): no layer here cares, a Dropout would. It sets the mode
	// of graphs that leave it to the layers; g.SetMode(autograd.ModeTrain)
	// would set this graph's instead.
	model.SetTraining(true)
	for step := 1; step <= steps; step++ {
		logits := model.Forward(g, g.Input(x))
		loss := g.SoftmaxCrossEntropy(logits, g.Input(y))
		if err := g.Backward(loss); err != nil { // also reports a failed forward
			return fmt.Errorf("step %d: %w", step, err)
		}
		if err := opt.Step(); err != nil {
			return fmt.Errorf("step %d: %w", step, err)
		}
		opt.ZeroGrad()
		if step == 1 || step%logEvery == 0 {
			// Reading the loss waits for the device: do it now and then,
			// not every step. loss is valid until the next step's first
			// operation.
			l, err := backend.ToHost(b, loss.Tensor())
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "step %4d: loss %.4f%s\n", step, l[0], liveBuffers(b))
		}
	}
	model.SetTraining(false) // model.eval(); Predict evaluates whatever the mode

	classes, err := nn.Predict(model, spiral.X)
	if err != nil {
		return err
	}
	right := 0
	for i, c := range classes {
		if c == spiral.Labels[i] {
			right++
		}
	}
	fmt.Fprintf(w, "accuracy on the %d training points: %.1f%%\n", n, 100*float64(right)/float64(n))
	return nil
}

// liveBuffers reports the backend's live buffers, when it counts them.
func liveBuffers(b backend.Backend) string {
	if r, ok := b.(backend.MemoryReporter); ok {
		return fmt.Sprintf(", live buffers %d", r.MemStats().LiveBuffers)
	}
	return ""
}

// openBackend opens the backend called name; with name empty,
// backend.OpenAuto's: GL on a hardware renderer, else the CPU.
func openBackend(name string) (backend.Backend, error) {
	if name != "" {
		return backend.Open(name)
	}
	b, why, err := backend.OpenAuto("") // GL on a hardware renderer, else the CPU
	if why != nil {
		log.Printf("%v: using the CPU", why)
	}
	return b, err
}
