// Command chargpt trains a byte-level GPT on the Go distribution's own
// source (data.LoadGoCorpus: no download) with a training loop of its own,
// as nanoGPT's train.py does, then prints a sample of the text it
// generates:
//
//   - batches of -batch sequences of ctx bytes from random places in the
//     first 90% of the text (data.TextBatcher), the next byte as target;
//
//   - AdamW (lr 1e-3 after a linear warm-up of 20 steps, weight decay 0.1
//     on the blocks' matrices only: nn.DecayMatrices), gradients clipped
//     to a global norm of 1 (nn.GradClipper);
//
//   - every -log steps, that step's loss (nats a byte), the only value
//     read back while training, so the host does not wait for the device
//     at the other steps;
//
//   - at the end, the validation loss over the last 10% in non-overlapping
//     windows of ctx bytes (data.TextWindows), and -generate bytes after
//     "func " (a KV cache, nn.Generator; temperature 0.8, top-k 40).
//
//     go run ./examples/chargpt [-backend auto|gl|cpu] [-steps 300] [-model gpt:layers=2,heads=4,embd=64,ctx=64]
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"runtime"

	"gltrain/autograd"
	"gltrain/backend"
	_ "gltrain/backend/cpu" // registers "cpu"
	_ "gltrain/backend/gl"  // registers "gl"
	"gltrain/nn"
	"gltrain/nn/data"
)

// options are the example's settings.
type options struct {
	steps, batch, log, generate int
	valWindows                  int // 0: every window of the validation text
	model                       string
	seed                        uint64
}

func main() {
	name := flag.String("backend", "auto", "auto (gl on a hardware renderer, else cpu: backend.Open(\"auto\")), gl or cpu")
	var o options
	flag.IntVar(&o.steps, "steps", 300, "training steps")
	flag.IntVar(&o.batch, "batch", 16, "sequences a step")
	flag.IntVar(&o.log, "log", 50, "steps between two prints of the loss")
	flag.IntVar(&o.generate, "generate", 300, "bytes to generate at the end")
	flag.IntVar(&o.valWindows, "val-windows", 0, "validate on the first this many windows (0: all)")
	flag.StringVar(&o.model, "model", "gpt:layers=2,heads=4,embd=64,ctx=64", "the GPT (nn.ParseGPTConfig)")
	seed := flag.Uint64("seed", 1, "the weights', batches' and sampling's seed")
	flag.Parse()
	o.seed = *seed
	b, err := backend.Open(*name)
	if err != nil {
		log.Fatal(err)
	}
	err = run(b, o, os.Stdout)
	b.Close()
	if err != nil {
		log.Fatal(err)
	}
}

// run trains and samples on b, printing to w.
func run(b backend.Backend, o options, w io.Writer) error {
	cfg, err := nn.ParseGPTConfig(o.model)
	if err != nil {
		return err
	}
	text, err := data.LoadGoCorpus(runtime.GOROOT())
	if err != nil {
		return err
	}
	train, valid, err := text.Split(0.1)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "corpus: %d files of Go source, %d bytes, sha256 %.12s…; %d to train on, %d to validate\n",
		len(text.Files), len(text.Data), text.SHA256(), len(train), len(valid))
	batches, err := data.NewTextBatcher(train, cfg.Ctx, o.batch, o.seed)
	if err != nil {
		return err
	}

	model, err := nn.NewModel(b, &nn.GPT{Config: cfg}, 1, o.seed)
	if err != nil {
		return err
	}
	defer model.Release()
	fmt.Fprintf(w, "model: %v, %d parameters\n", cfg, cfg.Params())
	params := model.Parameters()
	opt, err := nn.NewOptimizerDecay("adamw", b, params, 1e-3, 0.1, 0, nn.DecayMatrices(model))
	if err != nil {
		return err
	}
	defer opt.Release()
	clip, err := nn.NewGradClipper(b)
	if err != nil {
		return err
	}
	defer clip.Release()
	schedule := nn.Warmup{Schedule: nn.ConstantLR{Base: 1e-3}, Steps: 20}

	n := o.batch * cfg.Ctx
	x, y := make([]float32, n), make([]float32, n)
	rows := backend.Shape{Rows: n, Cols: 1}
	grads := make([]backend.Tensor, len(params))
	g := autograd.NewGraph(b)
	g.SetMode(autograd.ModeTrain)
	for step := 0; step < o.steps; step++ {
		batches.Fill(x, y, step)
		loss := g.SoftmaxCrossEntropy(model.Forward(g, g.Constant(rows, x)), g.Constant(rows, y))
		if err := g.Backward(loss); err != nil {
			return err
		}
		for i, p := range params {
			grads[i] = p.Grad()
		}
		if err := clip.Clip(grads, 1); err != nil {
			return err
		}
		opt.SetLR(schedule.LRAt(0, step))
		if err := opt.Step(); err != nil {
			return err
		}
		opt.ZeroGrad()
		if (step+1)%o.log == 0 || step == o.steps-1 {
			l, err := backend.ToHost(b, loss.Tensor())
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "step %4d: loss %.4f\n", step+1, l[0])
		}
	}
	g.Reset()

	val, err := validate(b, model, valid, cfg.Ctx, o.valWindows)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "validation loss %.4f nats a byte (%.3f bits)\n", val, val/math.Ln2)

	gen, err := nn.NewGenerator(model, 0)
	if err != nil {
		return err
	}
	defer gen.Release()
	sampler, err := nn.NewSampler(0.8, 40, o.seed)
	if err != nil {
		return err
	}
	prompt := []int{'f', 'u', 'n', 'c', ' '}
	fmt.Fprint(w, "sample: func ")
	_, err = gen.Generate(prompt, o.generate, sampler, func(tok int) error {
		_, err := w.Write([]byte{byte(tok)})
		return err
	})
	fmt.Fprintln(w)
	return err
}

// validate is the mean loss over the non-overlapping windows of ctx bytes
// of text (the last partial one dropped; the first most of them when most
// > 0), 16 windows a pass.
func validate(b backend.Backend, model *nn.Model, text []byte, ctx, most int) (float64, error) {
	windows := data.TextWindows(text, ctx)
	if most > 0 {
		windows = min(windows, most)
	}
	if windows == 0 {
		return 0, fmt.Errorf("validation text of %d bytes: shorter than a window of %d", len(text), ctx)
	}
	g := autograd.NewGraph(b)
	g.SetMode(autograd.ModeEval)
	g.SetGrad(false)
	defer g.Reset()
	sum := 0.0
	for w := 0; w < windows; w += 16 {
		k := min(16, windows-w)
		x, y := make([]float32, k*ctx), make([]float32, k*ctx)
		for i := 0; i < k; i++ {
			data.FillTextWindow(x[i*ctx:(i+1)*ctx], y[i*ctx:(i+1)*ctx], text, ctx, w+i)
		}
		rows := backend.Shape{Rows: k * ctx, Cols: 1}
		loss := g.SoftmaxCrossEntropy(model.Forward(g, g.Constant(rows, x)), g.Constant(rows, y))
		l, err := backend.ToHost(b, loss.Tensor())
		if err != nil {
			return 0, err
		}
		sum += float64(l[0]) * float64(k)
	}
	return sum / float64(windows), nil
}
